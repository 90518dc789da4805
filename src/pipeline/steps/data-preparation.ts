/**
 * Step 1: load (building the default corpus file when missing), validate, split without leaks.
 *
 * The table is streamed by row group and only what the split needs stays in memory per row: id,
 * label and a hash of the normalised body (data/dedup.ts). Rows whose body hash is shared are read
 * a second time (their bodies only) to confirm the duplicates exactly, so the groups, and hence
 * the split, equal those of grouping every body in memory. The steps after this one get the split
 * as row sets of the file (ids, labels, row indices) and read the e-mails again by row group.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { emptyBodyKey, normalisedBodyKey, normaliseBody, type GroupKeys } from '../../data/dedup.js';
import { formatSplitSummary, stratifiedGroupSplit } from '../../data/split.js';
import { DEFAULT_PROCESSED_PATH, prepareCorpus } from '../../io/corpus.js';
import type { ColumnCache } from '../../io/column-cache.js';
import { columnNames, openEmailTable, scanEmailTable, streamRowSets, type EmailColumn, type EmailRowSet, type EmailTableRef } from '../../io/email-table.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { PreparedData } from '../state.js';

export interface DataPreparationOptions {
  /** Column mapping for tables whose names differ (file column → canonical column). */
  readonly columnMapping?: Record<string, string>;
  /** Decoded columns kept for the next reads of the table in this run (io/column-cache.ts). */
  readonly cache?: ColumnCache;
}

/** The columns the split reads (ids and labels are always read). */
const SPLIT_COLUMNS: readonly EmailColumn[] = ['body_text', 'event_timestamp'];

export async function dataPreparation(ctx: RunContext, options: DataPreparationOptions = {}): Promise<PreparedData> {
  const { entity_data_path: path, test_split_ratio: ratio, seed } = ctx.params;
  if (!existsSync(path) && resolve(path) === resolve(DEFAULT_PROCESSED_PATH)) {
    ctx.logger.log('info', `data: ${path} is missing; building it from the SpamAssassin corpus`);
    const built = await prepareCorpus({ out: path, signal: ctx.signal, outName: 'entity_data_path' });
    ctx.logger.log('info', `data: wrote ${built.rows} e-mails (${built.spam} spam) in ${(built.elapsedMs / 1000).toFixed(1)} s`);
  }
  const ref: EmailTableRef = { file: path, ...(options.columnMapping ? { columnMapping: options.columnMapping } : {}) };
  const table = await openEmailTable(path, { columnMapping: options.columnMapping });
  const n = table.source.numRows;
  const ids: string[] = new Array(n);
  const labels = new Uint8Array(n);
  const bodies = new BodyGrouper(n);
  const digest = createHash('sha256');
  let spam = 0;
  let nullTimestamps = 0;
  let i = 0;
  for await (const chunk of scanEmailTable(table, { columns: SPLIT_COLUMNS, validate: true, onWarning: (m) => ctx.logger.log('warn', m), cache: options.cache })) {
    for (const r of chunk.records[0]) {
      ids[i] = r.email_id;
      labels[i] = r.label;
      digest.update(`${r.email_id}\u0000${r.label}\n`);
      bodies.add(r.body_text, r.email_id);
      spam += r.label;
      if (r.event_timestamp === null) nullTimestamps++;
      i++;
    }
    if (ctx.signal.aborted) throw new TrainSpamError('CANCELLED', 'data preparation interrupted');
  }
  // confirm the rows whose body hash is shared, from their bodies (read again, those rows only)
  const shared = bodies.candidates();
  ctx.logger.log('debug', `data: ${shared.length} rows share a body hash; their bodies are read again to confirm the duplicates`);
  if (shared.length > 0) {
    const set: EmailRowSet = { table: ref, rows: shared, ids: Array.from(shared, (r) => ids[r]), labels: Uint8Array.from(shared, (r) => labels[r]) };
    let k = 0;
    for await (const [recs] of streamRowSets([set], { columns: ['body_text'], cache: options.cache })) for (const r of recs) bodies.confirm(shared[k++], r.body_text);
  }
  const groups = bodies.finish();
  const s = { file: path, rows: n, spam, ham: n - spam, nullTimestamps };
  ctx.logger.log('info', `data: ${s.file}: ${s.rows} e-mails (${table.shape} table), ${s.spam} spam / ${s.ham} ham, ${s.nullTimestamps} Date headers missing or unparseable`);
  const split = stratifiedGroupSplit(labels, groups, { testRatio: ratio, seed });
  ctx.logger.log('info', `data: ${formatSplitSummary(split.summary)}`);
  checkSplitSides(path, ratio, labels, groups.groupOf, split.trainIdx, split.testIdx);
  const side = (rows: Int32Array): EmailRowSet => ({ table: ref, rows, ids: Array.from(rows, (r) => ids[r]), labels: Uint8Array.from(rows, (r) => labels[r]) });
  const train = side(split.trainIdx);
  const test = side(split.testIdx);
  const overlap = countOverlap(groups.groupOf, split.trainIdx, split.testIdx, bodies);
  const prepared: PreparedData = {
    train,
    test,
    split: split.summary,
    source: s,
    digest: digest.digest('hex'),
    trainTestOverlap: overlap,
    trainGroups: restrictGroups(groups.groupOf, split.trainIdx),
  };
  await logStepMetrics(ctx, 'data', {
    rows: s.rows,
    spam: s.spam,
    null_timestamps: s.nullTimestamps,
    train_rows: train.ids.length,
    test_rows: test.ids.length,
    duplicate_groups: split.summary.duplicateGroups,
    duplicate_rows: split.summary.duplicateRows,
    train_test_overlap: overlap,
  });
  if (ctx.tracking && ctx.runId) {
    await ctx.tracking.store.logInputs(ctx.runId, [
      {
        name: 'emails',
        digest: prepared.digest.slice(0, 16),
        sourceType: 'local',
        source: JSON.stringify({ uri: resolve(path) }),
        schema: JSON.stringify({ shape: table.shape, columns: columnNames(table) }),
        profile: JSON.stringify({ num_rows: s.rows, spam: s.spam, ham: s.ham, null_timestamps: s.nullTimestamps }),
        tags: { 'mlflow.data.context': 'training' },
      },
    ]);
  }
  return prepared;
}

/**
 * Exact duplicate-body groups (dedup.ts's groupDuplicates: same normalised body, empty bodies
 * alone, ids by first appearance, the same content keys) without holding the bodies: `add` each
 * row's body and id in order (its 64-bit content key is kept), `confirm` the bodies of the
 * `candidates()` (rows whose first hash another row shares) in ascending order, then `finish`.
 * Only the distinct bodies of a shared hash are held, and only until that hash's last row is
 * confirmed.
 */
export class BodyGrouper {
  private readonly hash: Int32Array;
  /** Second half of each row's content key (dedup.ts normalisedBodyKey / emptyBodyKey). */
  private readonly hashB: Uint32Array;
  private readonly empty: Uint8Array;
  private readonly key = new Uint32Array(2);
  /** Index of the row's body among the distinct bodies with its hash (0 unless confirmed otherwise). */
  private readonly variant = new Map<number, number>();
  private readonly buckets = new Map<number, { bodies: string[]; left: number }>();
  private n = 0;

  constructor(readonly rows: number) {
    this.hash = new Int32Array(rows);
    this.hashB = new Uint32Array(rows);
    this.empty = new Uint8Array(rows);
  }

  add(body: string, id: string): void {
    const k = this.key;
    if (!normalisedBodyKey(body, k)) {
      this.empty[this.n] = 1;
      emptyBodyKey(id, k);
    }
    this.hash[this.n] = k[0] | 0;
    this.hashB[this.n] = k[1];
    this.n++;
  }

  isEmpty(row: number): boolean {
    return this.empty[row] === 1;
  }

  /** Rows (ascending) whose non-empty body hash is shared with another row. */
  candidates(): Int32Array {
    const sorted = new Int32Array(this.n);
    let m = 0;
    for (let i = 0; i < this.n; i++) if (!this.empty[i]) sorted[m++] = this.hash[i];
    sorted.subarray(0, m).sort();
    const shared = new Set<number>();
    for (let k = 1; k < m; k++) if (sorted[k] === sorted[k - 1]) shared.add(sorted[k]);
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      if (this.empty[i] || !shared.has(this.hash[i])) continue;
      out.push(i);
      const b = this.buckets.get(this.hash[i]);
      if (b) b.left++;
      else this.buckets.set(this.hash[i], { bodies: [], left: 1 });
    }
    return Int32Array.from(out);
  }

  /** The body of candidate row `row` (candidates confirmed in ascending order). */
  confirm(row: number, body: string): void {
    const h = this.hash[row];
    const b = this.buckets.get(h);
    if (!b) throw new TrainSpamError('INTERNAL', `BodyGrouper: row ${row} is not a candidate`);
    const norm = normaliseBody(body);
    let v = b.bodies.indexOf(norm);
    if (v < 0) {
      v = b.bodies.length;
      b.bodies.push(norm);
    }
    if (v > 0) this.variant.set(row, v);
    if (--b.left === 0) this.buckets.delete(h);
  }

  finish(): { groupOf: Int32Array; groupCount: number; keys: GroupKeys } {
    if (this.n !== this.rows) throw new TrainSpamError('INTERNAL', `BodyGrouper: ${this.n} bodies added, expected ${this.rows}`);
    if (this.buckets.size > 0) throw new TrainSpamError('INTERNAL', `BodyGrouper: ${this.buckets.size} shared hashes were not confirmed`);
    const groupOf = new Int32Array(this.n);
    const ids = new Map<number, number>();
    const a: number[] = [];
    const b: number[] = [];
    let next = 0;
    for (let i = 0; i < this.n; i++) {
      let g: number | undefined;
      if (!this.empty[i]) {
        const key = (this.hash[i] >>> 0) + (this.variant.get(i) ?? 0) * 4294967296;
        g = ids.get(key);
        if (g === undefined) ids.set(key, (g = next));
      }
      if (g === undefined || g === next) {
        g = next++;
        a.push(this.hash[i] >>> 0);
        b.push(this.hashB[i]);
      }
      groupOf[i] = g;
    }
    return { groupOf, groupCount: next, keys: { a: Uint32Array.from(a), b: Uint32Array.from(b) } };
  }
}

/**
 * The groups of the rows `rows` (ascending), renumbered 0.. in order of first appearance. Groups
 * never straddle the split, so for the training rows this equals grouping the training e-mails
 * afresh, without normalising every body a second time.
 */
export function restrictGroups(groupOf: Int32Array, rows: Int32Array): Int32Array {
  const renumber = new Map<number, number>();
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const g = groupOf[rows[i]];
    let id = renumber.get(g);
    if (id === undefined) {
      id = renumber.size;
      renumber.set(g, id);
    }
    out[i] = id;
  }
  return out;
}

/**
 * Test e-mails whose normalised body is also in train (a group with rows on both sides). Empty
 * bodies are not duplicates (nothing to leak), the same rule the grouping uses.
 */
export function countOverlap(groupOf: Int32Array, trainRows: Int32Array, testRows: Int32Array, bodies: Pick<BodyGrouper, 'isEmpty'>): number {
  const inTrain = new Set<number>();
  for (const r of trainRows) if (!bodies.isEmpty(r)) inTrain.add(groupOf[r]);
  let n = 0;
  for (const r of testRows) if (!bodies.isEmpty(r) && inTrain.has(groupOf[r])) n++;
  return n;
}

/**
 * Both sides of the split need spam and ham: the models and metrics of the later steps (a
 * validation split of the training side, F1 and AUC on the test side) are undefined otherwise.
 * Caught here, with the ratio named, rather than as a metric error after training. When the
 * missing class's e-mails all share one body (a duplicate-body group stays on one side), no ratio
 * can help, and the message says so instead of suggesting one.
 */
function checkSplitSides(path: string, ratio: number, labels: Uint8Array, groupOf: Int32Array, trainIdx: Int32Array, testIdx: Int32Array): void {
  for (const [side, rows] of [['training', trainIdx], ['test', testIdx]] as const) {
    let spam = 0;
    for (const r of rows) spam += labels[r];
    const ham = rows.length - spam;
    if (spam > 0 && ham > 0) continue;
    const details = { parameter: 'test_split_ratio', file: path, side, spam, ham };
    const missing: 0 | 1 = spam === 0 ? 1 : 0;
    const groups = new Set<number>();
    let count = 0;
    for (let r = 0; r < labels.length; r++) {
      if (labels[r] !== missing) continue;
      count++;
      groups.add(groupOf[r]);
    }
    const what = missing === 1 ? 'spam' : 'ham';
    if (groups.size === 1) {
      const why =
        count === 1
          ? `the table has one ${what} e-mail`
          : `all ${count} ${what} e-mails have the same body (after lower-casing and collapsing whitespace), and e-mails with one body ` +
            `stay on one side of the split so that no test body is seen in training`;
      throw new TrainSpamError(
        'INVALID_DATA',
        `data: ${path}: ${why}: the ${side} split gets no ${what} at any test_split_ratio; the table needs ${what} e-mails with at least two different bodies`,
        { ...details, label: missing, duplicateGroups: groups.size },
      );
    }
    throw new TrainSpamError(
      'INVALID_ARGUMENT',
      `data: ${path}: test_split_ratio ${ratio} leaves the ${side} split with ${rows.length} e-mails (${spam} spam / ${ham} ham); ` +
        `each side needs at least one spam and one ham e-mail: choose a ratio further from ${side === 'test' ? 0 : 1} or use more data` +
        (groups.size < count ? ` (the ${count} ${what} e-mails have ${groups.size} distinct bodies; e-mails with one body stay on one side)` : ''),
      details,
    );
  }
}

