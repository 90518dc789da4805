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
  space?: string;
}

/** bench/<script> of this checkout (dist/cli/commands → ../../../bench). */
export function benchScript(name: 'run.mjs' | 'scale.mjs'): string {
  return fileURLToPath(new URL(`../../../bench/${name}`, import.meta.url));
}

function positiveInt(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  // decimal digits only: Number() would also read '0x10' and '1e3'
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw invalidArgument(`${flag} '${v}' must be a positive integer`, { usage: true, parameter: flag });
  return String(n);
}

/** Flags of bench/run.mjs only, and of bench/scale.mjs only: a flag of the other harness is a usage error. */
const RUN_ONLY: ReadonlyArray<readonly [string, (o: BenchOptions) => boolean]> = [
  ['--quick', (o) => o.quick === true],
  ['--no-peer', (o) => o.peer === false],
  ['--no-e2e', (o) => o.e2e === false],
  ['--baseline', (o) => o.baseline !== undefined],
  ['--save-baseline', (o) => o.saveBaseline === true],
  ['--fail-on-regression', (o) => o.failOnRegression === true],
  ['--e2e-reps', (o) => o.e2eReps !== undefined],
  ['--data', (o) => o.data !== undefined],
  ['--python', (o) => o.python !== undefined],
];
const SCALE_ONLY: ReadonlyArray<readonly [string, (o: BenchOptions) => boolean]> = [
  ['--sizes', (o) => o.sizes !== undefined],
  ['--space', (o) => o.space !== undefined],
];

/** The argument list for bench/run.mjs (or bench/scale.mjs with --scale) from the parsed flags. */
export function benchArgs(o: BenchOptions): string[] {
  const foreign = (o.scale ? RUN_ONLY : SCALE_ONLY).filter(([, given]) => given(o)).map(([flag]) => flag);
  if (foreign.length > 0) {
    const what = o.scale ? 'the scale bench (--scale) does not take' : 'only the scale bench (--scale) takes';
    throw invalidArgument(`${what} ${foreign.join(', ')}`, { usage: true, parameter: foreign[0] });
  }
  const trials = positiveInt('--trials', o.trials);
  const workers = positiveInt('--workers', o.workers);
  if (o.scale) {
    const a: string[] = [];
    if (o.sizes !== undefined) {
      if (!/^\d[\d_]*(,\d[\d_]*)*$/.test(o.sizes)) throw invalidArgument(`--sizes '${o.sizes}' must be a comma-separated list of row counts, e.g. 10000,100000`, { usage: true, parameter: '--sizes' });
      a.push('--sizes', o.sizes);
    }
    if (trials) a.push('--trials', trials);
    if (workers) a.push('--workers', workers);
    if (o.space !== undefined) {
      if (o.space === '') throw invalidArgument(`--space must name a search-space file or 'default'`, { usage: true, parameter: '--space' });
      a.push('--space', o.space);
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
  if (trials) a.push('--trials', trials);
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
    .option('--trials <n>', 'HPO trials of the end-to-end runs (default 20; 4 with --quick; with --scale: 2)')
    .option('--workers <n>', 'HPO workers (default 2)')
    .option('--data <file>', 'processed e-mail table (default datasets/processed/emails/all_emails.parquet)')
    .option('--python <path>', 'Python with scikit-learn + XGBoost (default /usr/bin/python3)')
    .option('--scale', 'run the scale bench (bench/scale.mjs) instead')
    .option('--sizes <list>', 'with --scale: e-mail counts, e.g. 10000,100000')
    .option('--space <file>', "with --scale: the HPO search space (default bench/scale-space.yaml; 'default': the built-in space)")
    .action(async (opts: BenchOptions) => {
      const script = benchScript(opts.scale ? 'scale.mjs' : 'run.mjs');
      if (!existsSync(script)) {
        throw new TrainSpamError('NOT_FOUND', `bench: ${script} not found; the benchmark harness ships with the repository checkout, not the npm package`);
      }
      const args = benchArgs(opts);
      const code = await runHarness(script, args);
      process.exitCode = code;
    });
}

/**
 * Runs the harness in a child process and waits for it. Ctrl-C and SIGTERM are passed on to it
 * rather than ending this process alone: a `kill` or a CI timeout that reaches only this process
 * would otherwise leave the harness running on as an orphan. Ends with the harness's exit code,
 * 130 when a signal ended it.
 */
export function runHarness(script: string, args: readonly string[]): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    for (const s of signals) process.on(s, forward);
    const done = () => {
      for (const s of signals) process.off(s, forward);
    };
    child.on('error', (e) => {
      done();
      reject(new TrainSpamError('INTERNAL', `bench: could not start ${script}: ${e.message}`));
    });
    child.on('exit', (c, signal) => {
      done();
      resolve(c ?? (signal ? 130 : 1));
    });
  });
}
