#!/usr/bin/env node
/**
 * HPO worker scaling with a minimal footprint, for a lent many-core machine that has no npm
 * install: needs only dist/ and piscina. The same random search (logistic + GBM families, seeded
 * synthetic 4837 × 524 matrix shaped like the SpamAssassin training split) at each worker count;
 * one JSON line per count with seconds, trials/s and the speed-up over 1 worker.
 *
 *   node bench/device-hpo-scaling.mjs [--counts 1,2,4,8,16] [--trials 32] [--budget-s 200]
 */
import os from 'node:os';
import { runStudy } from '../dist/hpo/study.js';
import { defaultSpace } from '../dist/hpo/families.js';
import { createEstimator, paramSpecFor } from '../dist/models/registry.js';
import { syntheticData } from '../dist/models/conformance.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const counts = opt('--counts', '1,2,4,8,16').split(',').map(Number);
const trials = Number(opt('--trials', '32'));
const budgetMs = Number(opt('--budget-s', '200')) * 1000;
const families = { createEstimator, paramSpecFor };
const space = defaultSpace(families, ['logistic', 'gbm']);
const data = syntheticData({ rows: 4837, seed: 1, denseCols: 24, sparseCols: 500, density: 0.08 });
const t0 = performance.now();
let base = null;
console.log(JSON.stringify({ bench: 'device-hpo-scaling', host: os.hostname(), cores: os.availableParallelism(), node: process.version, trials, counts }));
for (const workers of counts) {
  if (performance.now() - t0 > budgetMs) {
    console.log(JSON.stringify({ workers, skipped: 'time budget spent' }));
    continue;
  }
  const s = performance.now();
  const r = await runStudy({ data, families, space, trials, seed: 42, workers, executor: 'pool' });
  const seconds = (performance.now() - s) / 1000;
  base ??= seconds;
  console.log(JSON.stringify({
    workers, seconds: +seconds.toFixed(3), trialsPerSecond: +(trials / seconds).toFixed(3),
    speedup: +(base / seconds).toFixed(3), bestScore: r.bestScore, completed: r.trials.filter((t) => t.state === 'completed').length,
  }));
}
