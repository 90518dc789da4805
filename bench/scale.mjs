#!/usr/bin/env node
/**
 * Scale: time and peak memory of the pipeline's data + feature + train path at growing sizes.
 *
 *   npm run build && node bench/scale.mjs [--sizes 10000,100000,1000000] [--trees 50]
 *       [--dir /tmp/train-spam-scale] [--seed 42] [--out FILE]
 *
 * Per size: `train-spam data synth --rows N --seed S` writes a seeded synthetic parquet (once; kept
 * in --dir), then a fresh child process (bench/lib/scale-child.mjs under /usr/bin/time -v when
 * present) loads it, splits, builds the features, fits logistic regression and a GBM (--trees,
 * depth 6, 255 bins) and evaluates both on the test split. Peak RSS is the child's maximum resident
 * set (kernel accounting). Prints a table, whether time per row stays flat (linear growth), and
 * writes JSON (default bench/results/scale-<machine>-<date>.json).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, resultFileName } from './lib/machine.mjs';
import { markdownTable } from './lib/table.mjs';
import { linearity } from './lib/scaling.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const sizes = opt('--sizes', '10000,100000').split(',').map((s) => Number(s.replace(/_/g, '')));
const trees = Number(opt('--trees', '50')); // 0: no GBM fit
const dir = opt('--dir', '/tmp/train-spam-scale');
const seed = opt('--seed', '42');
const log = (s) => process.stderr.write(`scale: ${s}\n`);

mkdirSync(dir, { recursive: true });
const rows = [];
for (const n of sizes) {
  const file = path.join(dir, `synth-${n}-seed${seed}.parquet`);
  let genSeconds = null;
  if (!existsSync(file)) {
    log(`generating ${n} e-mails → ${file}`);
    const t0 = performance.now();
    const g = spawnSync(process.execPath, [path.join(root, 'dist/cli/main.js'), 'data', 'synth', '--rows', String(n), '--out', file, '--seed', seed], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (g.status !== 0) throw new Error(`data synth --rows ${n} failed (exit ${g.status})`);
    genSeconds = (performance.now() - t0) / 1000;
  }
  log(`measuring ${n} e-mails`);
  const child = [path.join(here, 'lib/scale-child.mjs'), file, '--trees', String(trees)];
  const useTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...child], { encoding: 'utf8', maxBuffer: 1 << 24 })
    : spawnSync(process.execPath, child, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = (performance.now() - t0) / 1000;
  const timeRss = useTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024 : null;
  const line = r.stdout.trim().split('\n').pop();
  if (r.status !== 0 || !line) {
    const why = /heap out of memory|ENOMEM|Killed/i.test(r.stderr) ? 'out of memory' : `exit ${r.status}`;
    log(`${n}: failed (${why}) after ${wall.toFixed(0)} s; peak RSS ${timeRss?.toFixed(0)} MB`);
    rows.push({ rows: n, failed: why, wallSeconds: wall, peakRssMb: timeRss, stderrTail: r.stderr.split('\n').filter((l) => !/^\s/.test(l)).slice(-8).join('\n') });
    continue;
  }
  const res = JSON.parse(line);
  rows.push({ ...res, genSeconds, wallSeconds: wall, peakRssMbTime: timeRss });
}

const ok = rows.filter((r) => !r.failed);
const lin = linearity(ok.map((r) => ({ rows: r.rows, seconds: r.totalSeconds })));
const linByPhase = {};
for (const ph of ['load+split', 'features', 'logistic_fit', 'gbm_fit']) linByPhase[ph] = linearity(ok.map((r) => ({ rows: r.rows, seconds: r.phases[ph] })));
const mc = machineInfo();
const header = ['e-mails', 'load+split', 'features', 'logistic fit', `GBM fit (${trees} trees)`, 'evaluation', 'total', 'µs per e-mail', 'peak RSS', 'feature matrix'];
const f1 = (x) => (x === undefined || x === null ? '—' : `${x.toFixed(1)} s`);
const table = markdownTable(
  header,
  rows.map((r) =>
    r.failed
      ? [r.rows.toLocaleString('en'), `failed: ${r.failed}`, '', '', '', '', f1(r.wallSeconds), '', r.peakRssMb ? `${(r.peakRssMb / 1024).toFixed(2)} GiB` : '—', '']
      : [
          r.rows.toLocaleString('en'),
          f1(r.phases['load+split']),
          f1(r.phases.features),
          f1(r.phases.logistic_fit),
          f1(r.phases.gbm_fit),
          f1(r.phases.evaluation),
          f1(r.totalSeconds),
          ((r.totalSeconds / r.rows) * 1e6).toFixed(0),
          `${((r.peakRssMbTime ?? r.peakRssMb) / 1024).toFixed(2)} GiB`,
          `${r.featureMatrixMb} MB`,
        ],
  ),
);
const out = {
  schema: 'train-spam-bench-scale/1',
  machine: mc,
  trees,
  seed: Number(seed),
  rows,
  linearity: { total: lin, phases: linByPhase },
};
const file = opt('--out', path.join(here, 'results', `scale-${resultFileName(mc, 'full')}`));
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
console.log(`scale (${mc.hostname}, ${mc.cores} cores, node ${mc.node}, ${mc.date}; load average ${mc.loadavg.join(' ')})`);
console.log(table);
const fmtLin = (l) => (l ? `time per e-mail ×${l.perRowGrowth.toFixed(2)} from ${l.from.toLocaleString('en')} to ${l.to.toLocaleString('en')} e-mails (${l.verdict})` : 'n/a (needs two sizes)');
console.log(`linearity, total: ${fmtLin(lin)}`);
for (const [ph, l] of Object.entries(linByPhase)) console.log(`  ${ph}: ${fmtLin(l)}`);
console.log(`results: ${path.relative(process.cwd(), file)}`);
