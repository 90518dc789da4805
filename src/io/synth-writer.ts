/**
 * `data synth`: fits a SynthModel on the processed corpus table and streams N synthetic e-mails
 * to parquet, one row group at a time (memory holds one row group, not the file), atomically.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import { fitSynthModel, generateEmails, type SynthModel } from '../data/synth.js';
import { DEFAULT_PROCESSED_PATH, EMAIL_COLUMN_SPECS, prepareCorpus, toColumns } from './corpus.js';
import { loadEmailTable } from './email-table.js';
import { checkOutputFile, ParquetFileWriter, throwIfCancelled } from './parquet.js';
import { MAX_SEED } from '../core/random.js';

export interface SynthOptions {
  rows: number;
  out: string;
  seed?: number;
  /** Processed table the model is learned from; built with `data prepare` when missing. */
  from?: string;
  rowGroupSize?: number;
  /** Fraction of spam rows; default: the source table's. */
  spamRatio?: number;
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops before the next row group (CANCELLED); the partial file is removed. */
  signal?: AbortSignal;
  /** What `out` is called in errors (default 'output file'; the CLI passes '--out'). */
  outName?: string;
}

export interface SynthSummary {
  out: string;
  rows: number;
  spam: number;
  rowGroups: number;
  bytes: number;
  fitMs: number;
  elapsedMs: number;
}

/**
 * Learns the generator from a processed table. The default table is built from the corpus when it
 * is missing (as `run` does); another missing path is an error, not a 9 MB table written where a
 * mistyped --from pointed.
 */
export async function loadSynthModel(from = DEFAULT_PROCESSED_PATH, signal?: AbortSignal): Promise<SynthModel> {
  const exists = await fsp.stat(from).then(() => true, () => false);
  if (!exists && path.resolve(from) !== path.resolve(DEFAULT_PROCESSED_PATH)) {
    throw new TrainSpamError('NOT_FOUND', `--from ${JSON.stringify(from)}: no such file; expected a processed table (make one with \`train-spam data prepare --out ${from}\`, or leave --from out to use ${DEFAULT_PROCESSED_PATH})`, { file: from });
  }
  if (!exists) await prepareCorpus({ out: from, signal, outName: '--from' });
  const { records } = await loadEmailTable(from);
  return fitSynthModel(records);
}

export async function writeSynthetic(options: SynthOptions, model?: SynthModel): Promise<SynthSummary> {
  const t0 = performance.now();
  const { rows, out } = options;
  const seed = options.seed ?? 42;
  if (!Number.isInteger(rows) || rows < 1) {
    throw new TrainSpamError('INVALID_ARGUMENT', `--rows must be a positive integer; got ${rows}`, { parameter: 'rows', usage: true });
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    // the generator's streams take 32 bits: a wider seed would be wrapped onto another one
    throw new TrainSpamError('INVALID_ARGUMENT', `--seed must be an integer in [0, ${MAX_SEED}]; got ${seed}`, { parameter: 'seed', usage: true });
  }
  const spamRatio = options.spamRatio;
  if (spamRatio !== undefined && !(spamRatio > 0 && spamRatio < 1)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `--spam-ratio must be a number in (0, 1); got ${spamRatio}`, { parameter: 'spam-ratio', usage: true });
  }
  const size = options.rowGroupSize ?? 10_000;
  if (!Number.isInteger(size) || size < 1) {
    throw new TrainSpamError('INVALID_ARGUMENT', `--row-group-size must be a positive integer; got ${size}`, { parameter: 'row-group-size', usage: true });
  }
  await checkOutputFile(out, options.outName);
  const m = model ?? (await loadSynthModel(options.from, options.signal));
  const fitMs = performance.now() - t0;
  const writer = await ParquetFileWriter.create(out, EMAIL_COLUMN_SPECS, {
    metadata: { 'train-spam.synthetic': 'true', 'train-spam.seed': String(seed), 'train-spam.rows': String(rows) },
  });
  let spam = 0;
  let groups = 0;
  try {
    for (let start = 0; start < rows; start += size) {
      await throwIfCancelled(options.signal, `writing ${out}`);
      const batch = generateEmails(m, seed, groups, start, Math.min(size, rows - start), spamRatio);
      for (const r of batch) spam += r.label;
      await writer.writeRowGroup(toColumns(batch));
      groups++;
      options.onProgress?.(start + batch.length, rows);
    }
    await throwIfCancelled(options.signal, `writing ${out}`);
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const bytes = (await fsp.stat(out)).size;
  return { out, rows, spam, rowGroups: groups, bytes, fitMs, elapsedMs: performance.now() - t0 };
}
