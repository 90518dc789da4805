/**
 * `train-spam bench`: the benchmark harness (bench/run.mjs) in a child Node process, so the
 * measurements run in a process of their own; `--scale` runs bench/scale.mjs instead.
 * The harness ships with the repository, not with the npm package.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { TrainSpamError, invalidArgument } from '../../core/errors.js';

export interface BenchOptions {
  quick?: boolean;
  peer?: boolean;
  out?: string;
  baseline?: string;
  saveBaseline?: boolean;
  e2e?: boolean;
  e2eReps?: string;
  trials?: string;
  workers?: string;
  data?: string;
  python?: string;
  failOnRegression?: boolean;
  scale?: boolean;
  sizes?: string;
}

/** bench/<script> of this checkout (dist/cli/commands → ../../../bench). */
export function benchScript(name: 'run.mjs' | 'scale.mjs'): string {
  return fileURLToPath(new URL(`../../../bench/${name}`, import.meta.url));
}

function positiveInt(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw invalidArgument(`${flag} '${v}' must be a positive integer`, { usage: true, parameter: flag });
  return String(n);
}

/** The argument list for bench/run.mjs (or bench/scale.mjs with --scale) from the parsed flags. */
export function benchArgs(o: BenchOptions): string[] {
  if (o.scale) {
    const a: string[] = [];
    if (o.sizes !== undefined) {
      if (!/^\d[\d_]*(,\d[\d_]*)*$/.test(o.sizes)) throw invalidArgument(`--sizes '${o.sizes}' must be a comma-separated list of row counts, e.g. 10000,100000`, { usage: true, parameter: '--sizes' });
      a.push('--sizes', o.sizes);
    }
    if (o.out) a.push('--out', o.out);
    return a;
  }
  const a: string[] = [];
  if (o.quick) a.push('--quick');
  if (o.peer === false) a.push('--no-peer');
  if (o.e2e === false) a.push('--no-e2e');
  if (o.out) a.push('--out', o.out);
  if (o.baseline) a.push('--baseline', o.baseline);
  if (o.saveBaseline) a.push('--save-baseline');
  if (o.failOnRegression) a.push('--fail-on-regression');
  const reps = positiveInt('--e2e-reps', o.e2eReps);
  if (reps) a.push('--e2e-reps', reps);
  const trials = positiveInt('--trials', o.trials);
  if (trials) a.push('--trials', trials);
  const workers = positiveInt('--workers', o.workers);
  if (workers) a.push('--workers', workers);
  if (o.data) a.push('--data', o.data);
  if (o.python) a.push('--python', o.python);
  return a;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('Benchmark: end-to-end pipeline and hot kernels, side by side with the Python reference when /usr/bin/python3 has scikit-learn + XGBoost')
    .option('--quick', 'fewer repetitions and smaller figures (a fast check)')
    .option('--no-peer', 'skip the Python reference')
    .option('--no-e2e', 'skip the end-to-end pipeline runs')
    .option('--out <file>', 'results JSON (default bench/results/<machine>-<date>[-quick].json)')
    .option('--baseline <file>', 'baseline to compare with (default bench/results/baseline[-quick].json)')
    .option('--save-baseline', 'also write this run as the baseline')
    .option('--fail-on-regression', 'exit 3 when a figure is more than 10 % worse than the baseline')
    .option('--e2e-reps <n>', 'timed end-to-end runs per side (default 5; 1 with --quick)')
    .option('--trials <n>', 'HPO trials of the end-to-end runs (default 20; 4 with --quick)')
    .option('--workers <n>', 'HPO workers (default 2)')
    .option('--data <file>', 'processed e-mail table (default datasets/processed/emails/all_emails.parquet)')
    .option('--python <path>', 'Python with scikit-learn + XGBoost (default /usr/bin/python3)')
    .option('--scale', 'run the scale bench (bench/scale.mjs) instead')
    .option('--sizes <list>', 'with --scale: e-mail counts, e.g. 10000,100000')
    .action(async (opts: BenchOptions) => {
      const script = benchScript(opts.scale ? 'scale.mjs' : 'run.mjs');
      if (!existsSync(script)) {
        throw new TrainSpamError('NOT_FOUND', `bench: ${script} not found; the benchmark harness ships with the repository checkout, not the npm package`);
      }
      const args = benchArgs(opts);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
        child.on('error', (e) => reject(new TrainSpamError('INTERNAL', `bench: could not start ${script}: ${e.message}`)));
        child.on('exit', (c, signal) => resolve(c ?? (signal ? 130 : 1)));
      });
      process.exitCode = code;
    });
}
