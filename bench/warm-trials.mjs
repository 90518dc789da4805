#!/usr/bin/env node
/**
 * Where the warm pool's 1 → 2 worker speed-up goes: the compact study of `npm run bench` (20
 * trials, seed 42) on a warm TrialPool of 1 and of 2 workers, each trial's own duration side by
 * side (median of --reps studies), the study's wall time and the schedule's use of the workers.
 *
 *   npm run build && node bench/warm-trials.mjs [--warm-up 2] [--reps 3]
 *
 * A trial that is slower with 2 workers than with 1 pays for something the 1-worker study did
 * once and the 2-worker study does on each thread (per-thread caches of a study's folds: the GBM's
 * bins, the MLP's copy of the data), or for contention with the trial beside it.
 */
import { compactSpace, loadDist, prepareShared, ROOT } from './lib/ours.mjs';
import path from 'node:path';
import { markdownTable } from './lib/table.mjs';

const args = process.argv.slice(2);
const num = (flag, dflt) => {
  const i = args.indexOf(flag);
  if (i < 0) return dflt;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`warm-trials: ${flag} '${args[i + 1]}' must be an integer >= 0`);
  return n;
};
const warmUp = num('--warm-up', 2);
const reps = Math.max(1, num('--reps', 3));
const m = await loadDist();
const shared = await prepareShared(m, { dataPath: path.join(ROOT, 'datasets/processed/emails/all_emails.parquet'), workers: 2 });
const data = { X: shared.features.train.X, y: shared.features.train.y };
const space = compactSpace(m);
const med = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const res = {};
for (const w of [1, 2]) {
  const pool = new m.trialPool.TrialPool({ workers: w, preload: ['mlp'] });
  try {
    for (let i = 0; i < warmUp; i++) await m.study.runStudy({ data, trials: 20, seed: 7 + i, workers: w, space, pool });
    const per = new Map();
    const wall = [];
    const busy = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const out = await m.study.runStudy({ data, trials: 20, seed: 42, workers: w, space, pool });
      const secs = performance.now() - t0;
      wall.push(secs);
      busy.push(out.trials.reduce((s, t) => s + t.durationMs, 0) / (w * secs));
      for (const t of out.trials) {
        if (!per.has(t.trial)) per.set(t.trial, { model: t.model, ms: [] });
        per.get(t.trial).ms.push(t.durationMs);
      }
    }
    res[w] = { per, wall, busy };
  } finally {
    await pool.close();
  }
}
const rows = [...res[1].per.entries()].map(([trial, a]) => {
  const one = med(a.ms);
  const two = med(res[2].per.get(trial).ms);
  return [String(trial), a.model, one.toFixed(0), two.toFixed(0), (two / one).toFixed(2)];
});
const sum = (w) => [...res[w].per.values()].reduce((s, a) => s + med(a.ms), 0);
console.log(`compact study, 20 trials, seed 42; warm pools after ${warmUp} untimed studies; median of ${reps} studies`);
console.log(markdownTable(['trial', 'model', '1 worker, ms', '2 workers, ms', '2 / 1'], rows));
console.log(`sum of trial times: ${sum(1).toFixed(0)} ms (1 worker), ${sum(2).toFixed(0)} ms (2 workers), ×${(sum(2) / sum(1)).toFixed(2)}`);
for (const w of [1, 2]) console.log(`${w} worker(s): study ${med(res[w].wall).toFixed(0)} ms, workers busy ${(100 * med(res[w].busy)).toFixed(1)} % of the time`);
console.log(`speed-up 1 → 2 workers: ×${(med(res[1].wall) / med(res[2].wall)).toFixed(2)}`);
