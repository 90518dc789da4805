#!/usr/bin/env node
/**
 * Scale: time and peak memory of the whole pipeline at growing sizes.
 *
 *   npm run build && node bench/scale.mjs [--sizes 10000,100000,1000000] [--trials 2]
 *       [--space bench/scale-space.yaml | --space default] [--workers 2]
 *       [--dir bench/results/tmp/scale] [--seed 42] [--out FILE]
 *
 * Per size: `train-spam data synth --rows N --seed S` writes a seeded synthetic parquet (once; kept
 * in --dir, in row groups of 10,000), then a fresh child process (bench/lib/scale-child.mjs under
 * /usr/bin/time -v when present) runs runPipeline on it, as `train-spam run --no-tracking
 * --num-hpo-trials T --search-space FILE --workers W` does: the 8 steps, HPO reduced to T trials
 * over the --space file (default bench/scale-space.yaml: logistic C and a 50-tree GBM; `default`:
 * the built-in space). Peak RSS is the child's maximum resident set (kernel accounting). Prints a
 * table, whether time per row stays flat (linear growth), and writes JSON (default
 * bench/results/scale-pipeline-<machine>-<date>.json).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST } from './lib/ours.mjs';
import { machineInfo, resultFileName } from './lib/machine.mjs';
import { markdownTable } from './lib/table.mjs';
import { linearity } from './lib/scaling.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

/** The options of the command line above; a bad or unknown flag throws with its name. */
export function parseScaleArgs(argv) {
  const o = { sizes: [10_000, 100_000], trials: 2, space: path.join(here, 'scale-space.yaml'), workers: 2, dir: path.join(here, 'results', 'tmp', 'scale'), seed: 42, out: null };
  const count = (flag, v) => {
    const n = Number(String(v).replace(/_/g, ''));
    if (!/^\d[\d_]*$/.test(String(v)) || !Number.isSafeInteger(n) || n < 1) throw new Error(`scale: ${flag} '${v}' must be a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      o.help = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined || v.startsWith('--')) throw new Error(`scale: ${a} needs a value`);
    if (a === '--sizes') o.sizes = v.split(',').map((x) => count('--sizes', x));
    else if (a === '--trials') o.trials = count(a, v);
    else if (a === '--workers') o.workers = count(a, v);
    else if (a === '--space') o.space = v === 'default' ? null : path.resolve(v);
    else if (a === '--dir') o.dir = v;
    else if (a === '--seed') {
      if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new Error(`scale: --seed '${v}' must be an integer from 0 to 4294967295`);
      o.seed = Number(v);
    } else if (a === '--out') o.out = v;
    else throw new Error(`scale: unknown option '${a}' (see the head of bench/scale.mjs)`);
  }
  if (o.space && !existsSync(o.space)) throw new Error(`scale: --space ${o.space} does not exist`);
  return o;
}

const log = (s) => process.stderr.write(`scale: ${s}\n`);

function main(args) {
  const o = parseScaleArgs(args);
  if (o.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
    return;
  }
  const { sizes, trials, space, workers, dir } = o;
  const seed = String(o.seed);
  mkdirSync(dir, { recursive: true });
  const rows = [];
  for (const n of sizes) {
    const file = path.join(dir, `synth-${n}-seed${seed}.parquet`);
    let genSeconds = null;
    if (!existsSync(file)) {
      log(`generating ${n} e-mails → ${file}`);
      const t0 = performance.now();
      const g = spawnSync(process.execPath, [path.join(DIST, 'cli/main.js'), 'data', 'synth', '--rows', String(n), '--out', file, '--seed', seed], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (g.status !== 0) throw new Error(`data synth --rows ${n} failed (exit ${g.status})`);
      genSeconds = (performance.now() - t0) / 1000;
    }
    log(`measuring ${n} e-mails`);
    const child = [path.join(here, 'lib/scale-child.mjs'), file, '--trials', String(trials), '--workers', String(workers), ...(space ? ['--space', space] : [])];
    const useTime = existsSync('/usr/bin/time');
    const timeFile = path.join(dir, `time-${n}.txt`);
    const loadBefore = loadavg();
    const t0 = performance.now();
    // the child's log goes straight to our stderr; /usr/bin/time writes its report to timeFile
    const opts = { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] };
    const r = useTime ? spawnSync('/usr/bin/time', ['-v', '-o', timeFile, process.execPath, ...child], opts) : spawnSync(process.execPath, child, opts);
    const wall = (performance.now() - t0) / 1000;
    const loadAfter = loadavg();
    const timeText = useTime && existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '';
    const timeRss = useTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(timeText)?.[1] ?? NaN) / 1024 : null;
    const cpu = useTime ? Number(/User time \(seconds\): ([\d.]+)/.exec(timeText)?.[1] ?? NaN) + Number(/System time \(seconds\): ([\d.]+)/.exec(timeText)?.[1] ?? NaN) : null;
    const line = r.stdout.trim().split('\n').pop();
    if (r.status !== 0 || !line) {
      const why = r.signal === 'SIGKILL' || /signal 9/.test(timeText) ? 'killed (out of memory?)' : `exit ${r.status}`;
      log(`${n}: failed (${why}) after ${wall.toFixed(0)} s; peak RSS ${timeRss?.toFixed(0)} MB`);
      rows.push({ rows: n, failed: why, wallSeconds: wall, peakRssMb: timeRss, loadBefore, loadAfter });
      continue;
    }
    const res = JSON.parse(line);
    rows.push({ ...res, genSeconds, wallSeconds: wall, peakRssMbTime: timeRss, cpuSeconds: cpu, loadBefore, loadAfter });
    log(`${n}: ${res.totalSeconds.toFixed(1)} s, peak RSS ${timeRss?.toFixed(0)} MB, load ${loadBefore.map((x) => x.toFixed(2)).join(' ')} → ${loadAfter.map((x) => x.toFixed(2)).join(' ')}`);
  }

  const ok = rows.filter((r) => !r.failed);
  const STEPS = ['data-preparation', 'feature-retrieval', 'baseline-training', 'hpo-tuning', 'model-evaluation'];
  const lin = linearity(ok.map((r) => ({ rows: r.rows, seconds: r.totalSeconds })));
  const linByStep = {};
  for (const st of STEPS) linByStep[st] = linearity(ok.map((r) => ({ rows: r.rows, seconds: r.steps[st] })));
  const mc = machineInfo();
  const header = ['e-mails', 'data prep', 'features', 'baseline', `HPO (${trials} trials)`, 'evaluation', 'total', 'µs per e-mail', 'peak RSS', 'feature matrix', 'model', 'test F1 / AUC'];
  const f1 = (x) => (x === undefined || x === null ? '—' : `${x.toFixed(1)} s`);
  const table = markdownTable(
    header,
    rows.map((r) =>
      r.failed
        ? [r.rows.toLocaleString('en'), `failed: ${r.failed}`, '', '', '', '', f1(r.wallSeconds), '', r.peakRssMb ? `${(r.peakRssMb / 1024).toFixed(2)} GiB` : '—', '', '', '']
        : [
            r.rows.toLocaleString('en'),
            ...STEPS.map((st) => f1(r.steps[st])),
            f1(r.totalSeconds),
            ((r.totalSeconds / r.rows) * 1e6).toFixed(0),
            `${((r.peakRssMbTime ?? r.peakRssMb) / 1024).toFixed(2)} GiB`,
            `${r.featureMatrixMb} MB`,
            r.model.kind,
            `${r.test.f1.toFixed(4)} / ${r.test.auc.toFixed(4)}`,
          ],
    ),
  );
  const out = {
    schema: 'train-spam-bench-scale/2',
    machine: mc,
    command: `node bench/scale.mjs ${args.join(' ')}`.trim(),
    dist: path.relative(root, DIST) || 'dist',
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || null,
    trials,
    space: space ? path.relative(root, space) : 'default',
    workers,
    seed: Number(seed),
    rows,
    linearity: { total: lin, steps: linByStep },
  };
  const file = o.out ?? path.join(here, 'results', `scale-pipeline-${resultFileName(mc, 'full')}`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`scale (${mc.hostname}, ${mc.cores} cores, node ${mc.node}, ${mc.date}; load average at the end ${mc.loadavg.join(' ')})`);
  console.log(`whole pipeline (runPipeline, no tracking), HPO ${trials} trials over ${space ? path.relative(root, space) : 'the default space'}, ${workers} workers`);
  console.log(table);
  const fmtLin = (l) => (l ? `time per e-mail ×${l.perRowGrowth.toFixed(2)} from ${l.from.toLocaleString('en')} to ${l.to.toLocaleString('en')} e-mails (${l.verdict})` : 'n/a (needs two sizes)');
  console.log(`linearity, total: ${fmtLin(lin)}`);
  for (const [st, l] of Object.entries(linByStep)) console.log(`  ${st}: ${fmtLin(l)}`);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e?.message ?? e}\n`);
    process.exitCode = 1;
  }
}
