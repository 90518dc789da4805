/** Step 1: load (building the default corpus file when missing), validate, split without leaks. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { normaliseBody } from '../../data/dedup.js';
import { formatSplitSummary, splitEmails } from '../../data/split.js';
import { deriveSeed } from '../../core/random.js';
import { DEFAULT_PROCESSED_PATH, prepareCorpus } from '../../io/corpus.js';
import { loadEmailTable } from '../../io/email-table.js';
import type { EmailRecord } from '../../data/schema.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { PreparedData } from '../state.js';

export interface DataPreparationOptions {
  /** Column mapping for tables whose names differ (file column → canonical column). */
  readonly columnMapping?: Record<string, string>;
}

export async function dataPreparation(ctx: RunContext, options: DataPreparationOptions = {}): Promise<PreparedData> {
  const { entity_data_path: path, test_split_ratio: ratio, seed } = ctx.params;
  if (!existsSync(path) && resolve(path) === resolve(DEFAULT_PROCESSED_PATH)) {
    ctx.logger.log('info', `data: ${path} is missing; building it from the SpamAssassin corpus`);
    const built = await prepareCorpus({ out: path });
    ctx.logger.log('info', `data: wrote ${built.rows} e-mails (${built.spam} spam) in ${(built.elapsedMs / 1000).toFixed(1)} s`);
  }
  const table = await loadEmailTable(path, { columnMapping: options.columnMapping });
  const s = table.summary;
  ctx.logger.log('info', `data: ${s.file}: ${s.rows} e-mails (${s.shape} table), ${s.spam} spam / ${s.ham} ham, ${s.nullTimestamps} Date headers missing or unparseable`);
  const records = table.records;
  const split = splitEmails(records, { testRatio: ratio, seed: deriveSeed(seed, 'split') });
  ctx.logger.log('info', `data: ${formatSplitSummary(split.summary)}`);
  const train = Array.from(split.trainIdx, (i) => records[i]);
  const test = Array.from(split.testIdx, (i) => records[i]);
  const overlap = countOverlap(train, test);
  const prepared: PreparedData = {
    train,
    test,
    split: split.summary,
    source: { file: s.file, rows: s.rows, spam: s.spam, ham: s.ham, nullTimestamps: s.nullTimestamps },
    digest: digestOf(records),
    trainTestOverlap: overlap,
    trainGroups: restrictGroups(split.groupOf, split.trainIdx),
  };
  await logStepMetrics(ctx, 'data', {
    rows: s.rows,
    spam: s.spam,
    null_timestamps: s.nullTimestamps,
    train_rows: train.length,
    test_rows: test.length,
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
        schema: JSON.stringify({ shape: s.shape, columns: s.columns }),
        profile: JSON.stringify({ num_rows: s.rows, spam: s.spam, ham: s.ham, null_timestamps: s.nullTimestamps }),
        tags: { 'mlflow.data.context': 'training' },
      },
    ]);
  }
  return prepared;
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

/** sha256 over the ids and labels, in order: the same file and rows give the same digest. */
export function digestOf(records: readonly EmailRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(`${r.email_id}\u0000${r.label}\n`);
  return h.digest('hex');
}

/**
 * Test e-mails whose normalised body is also in train. Empty bodies are not duplicates (nothing
 * to leak), the same rule the split's grouping uses.
 */
export function countOverlap(train: readonly EmailRecord[], test: readonly EmailRecord[]): number {
  const seen = new Set(train.map((r) => normaliseBody(r.body_text)).filter((b) => b.length > 0));
  let n = 0;
  for (const r of test) {
    const b = normaliseBody(r.body_text);
    if (b.length > 0 && seen.has(b)) n++;
  }
  return n;
}
