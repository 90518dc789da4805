#!/usr/bin/env node
/**
 * HPO worker scaling: the same random search (same trials, same seed, compact space) at each
 * worker count; prints ONE JSON LINE per worker count (trials/s, speed-up over the first count).
 *
 *   npm run build && node bench/workers.mjs [--workers 1,2] [--trials 20] [--reps 1]
 *       [--matrix auto|spamassassin|synthetic] [--space compact|default]
 *
 * Matrix: the SpamAssassin training split's 524 features (needs
 * datasets/processed/emails/all_emails.parquet) or, for --matrix synthetic (and auto when the
 * parquet is missing), a seeded synthetic 4837 × (24 dense + 500 sparse, 8 %) matrix.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, compactSpace, loadDist, measureWorkerScaling, prepareShared } from './lib/ours.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const counts = opt('--workers', '1,2').split(',').map(Number);
const trials = Number(opt('--trials', '20'));
const reps = Number(opt('--reps', '1'));
const parquet = path.join(ROOT, 'datasets/processed/emails/all_emails.parquet');
let matrix = opt('--matrix', 'auto');
if (matrix === 'auto') matrix = existsSync(parquet) ? 'spamassassin' : 'synthetic';

const m = await loadDist();
let data;
if (matrix === 'spamassassin') {
  const shared = await prepareShared(m, { dataPath: parquet, workers: Math.max(...counts) });
  data = { X: shared.features.train.X, y: shared.features.train.y };
} else {
  const { syntheticData } = await import(pathToFileURL(path.join(ROOT, 'dist/models/conformance.js')).href);
  data = syntheticData({ rows: 4837, seed: 1, denseCols: 24, sparseCols: 500, density: 0.08 });
}
const space = opt('--space', 'compact') === 'default' ? undefined : compactSpace(m);
const runs = await measureWorkerScaling(m, data, { counts, trials, reps, space, log: (s) => process.stderr.write(`workers: ${s}\n`) });
for (const r of runs) {
  process.stdout.write(
    JSON.stringify({
      bench: 'hpo-worker-scaling',
      workers: r.workers,
      trials,
      seconds: +r.seconds.median.toFixed(3),
      secondsMin: +r.seconds.min.toFixed(3),
      secondsMax: +r.seconds.max.toFixed(3),
      reps: r.seconds.runs,
      trialsPerSecond: +(trials / r.seconds.median).toFixed(3),
      speedup: +r.speedup.toFixed(3),
      efficiency: +(r.speedup / (r.workers / runs[0].workers)).toFixed(3),
      matrix: `${matrix} ${data.X.rows}x${data.X.dense.cols + data.X.sparse.cols}`,
      space: space ? 'compact' : 'default',
      cores: os.availableParallelism(),
      host: os.hostname(),
      node: process.version,
      loadavg: os.loadavg().map((x) => +x.toFixed(2)),
    }) + '\n',
  );
}
