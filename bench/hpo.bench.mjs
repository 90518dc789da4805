#!/usr/bin/env node
// HPO benchmark (run after `npm run build`): node bench/hpo.bench.mjs [--real] [--trials 20] [--workers 1,2]
//
// 1. speed-up: the same 20-trial random search (same space, same seed) with 1 and with 2 workers
//    (or the counts given by --workers; speed-ups are relative to the first count).
//    Default workload: CPU-bound synthetic trials (a busy loop per iteration, defined in this file
//    and imported by the worker threads), so the ratio measures the pool and not model variance.
//    --real: the real models (registry) on a synthetic 3000 x 60 matrix with a compact space.
// 2. pool overhead per trial: no-op tasks straight through the exec pool, and no-op trials
//    (one iteration, nothing to fit) through runStudy (journal, scheduler, hooks included).
// 3. --spamassassin: ASHA vs random search on the SpamAssassin training matrix (needs
//    datasets/processed/emails/all_emails.parquet from `train-spam data prepare`): 20 trials each,
//    default space, same seed; prints best val F1 of each, the gap and ASHA's share of the compute
//    (sum of iterations trained).
// Results print as JSON (ratios and ms per task).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const BUDGET = { gbm: 'n_estimators', mlp: 'epochs', logistic: 'max_iter' };

/** Synthetic families for the worker threads: `work` busy-loop units per iteration. */
export function paramSpecFor(kind) {
  return {
    [BUDGET[kind]]: { type: 'int', description: 'iterations', default: 10, min: 1, max: 1000, search: { low: 8, high: 12 } },
    work: { type: 'float', description: 'busy-loop units per iteration', default: 1, min: 0, search: { low: 0.5, high: 1.5 } },
  };
}

function spin(units, seed) {
  let x = seed | 0;
  const n = Math.round(units * 20_000_000); // about 25 ms per unit
  for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return x;
}

export function createEstimator(kind, given) {
  const params = { [BUDGET[kind]]: given[BUDGET[kind]] ?? 10, work: given.work ?? 1 };
  return {
    kind,
    paramSpec: paramSpecFor(kind),
    params,
    async fit(data, options) {
      const budget = params[BUDGET[kind]];
      let acc = 0;
      let it = 1;
      for (; it <= budget; it++) {
        acc ^= spin(params.work, options.seed + it);
        const d = await options.onIteration?.({ iteration: it, metrics: { val_auc: 0.5 + 0.4 * (it / budget) + (acc & 1) * 1e-6 } });
        if (d === 'stop') break;
      }
      return {
        kind,
        params,
        numFeatures: data.X.dense.cols,
        iterations: Math.min(it, budget),
        predictProba: (X) => Float64Array.from({ length: X.rows }, (_, r) => X.dense.data[r * X.dense.cols]),
        toPayload: () => ({ kind: 'bench', version: 1, meta: {}, arrays: {} }),
      };
    },
  };
}

/** The compiled tree: dist/, or TRAIN_SPAM_BENCH_DIST (a private snapshot, see bench/lib/ours.mjs). */
function distUrl() {
  const d = process.env.TRAIN_SPAM_BENCH_DIST;
  return d ? new URL(`${pathToFileURL(path.resolve(d)).href}/`) : new URL('../dist/', import.meta.url);
}

/**
 * ASHA vs random search on the SpamAssassin training matrix, per master seed: the same 20 configs
 * and fit seeds (trial i's config and seed derive from the master seed and i only) run once to the
 * end (random search, FIFO) and once under ASHA. Compute is reported two ways: the sum of
 * iterations trained (boosting rounds + epochs + solver steps, the literal measure), and
 * the sum of each trial's iterations divided by its family's largest budget in the space (one
 * fully trained trial of the largest size = 1, whatever its family counts).
 * --curves file: writes every random-search trial's per-iteration reports (for offline ASHA
 * simulations: a completed trial's fit does not depend on the scheduler).
 */
async function spamAssassin(args) {
  const dist = distUrl();
  const { runStudy, defaultSpace, ITERATION_PARAM } = await import(new URL('hpo/index.js', dist).href);
  const { iterationCeilings } = await import(new URL('hpo/families.js', dist).href);
  const { registryFamilies } = await import(new URL('hpo/registry-families.js', dist).href);
  const { holdoutRows } = await import(new URL('hpo/validation.js', dist).href);
  const { loadEmailTable } = await import(new URL('io/email-table.js', dist).href);
  const { fitTransformFeaturePipeline } = await import(new URL('features/index.js', dist).href);
  const file = new URL('../datasets/processed/emails/all_emails.parquet', import.meta.url).pathname;
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const trials = Number(flag('--trials')) || 20;
  const workers = Number(flag('--workers')) || 2;
  const seeds = (flag('--seeds') ?? '42').split(',').map(Number);
  const asha = flag('--asha') ? JSON.parse(flag('--asha')) : {};
  const only = flag('--only'); // 'random' | 'asha'
  const curvesFile = flag('--curves');
  // --reuse-random f: take random search's results from a --curves file of an earlier run (the
  // same seeds and build; random search is deterministic) instead of training the 20 trials again
  const reuse = flag('--reuse-random') ? JSON.parse((await import('node:fs')).readFileSync(flag('--reuse-random'), 'utf8')) : null;
  const { records } = await loadEmailTable(file);
  const labels = Uint8Array.from(records, (r) => Number(r.label));
  // the training part of a seeded stratified 80/20 split (the test part never enters HPO)
  const { train } = holdoutRows(labels, 0.2, 2024);
  const trainRecords = train.map((i) => records[i]);
  const y = Uint8Array.from(train, (i) => labels[i]);
  const { matrix: X } = fitTransformFeaturePipeline(trainRecords, y);
  const space = defaultSpace(registryFamilies);
  const ceilings = iterationCeilings(space, registryFamilies);
  const os = await import('node:os');
  const table = [];
  const curves = {};
  for (const seed of seeds) {
    const out = { seed };
    for (const [name, scheduler] of [['random', { kind: 'fifo' }], ['asha', { kind: 'asha', ...asha }]]) {
      if (only && only !== name) continue;
      if (name === 'random' && reuse?.curves[seed]) {
        const c = reuse.curves[seed];
        const done = c.rows.filter((t) => t.state === 'completed');
        const best = done.reduce((b, t) => (b === null || t.f1 > b.f1 || (t.f1 === b.f1 && (t.auc > b.auc || (t.auc === b.auc && t.trial < b.trial))) ? t : b), null);
        out.random = {
          reused: true,
          best_f1: best?.f1 ?? null,
          best_trial: best?.trial ?? null,
          best_model: best?.model ?? null,
          iterations: c.rows.reduce((a, t) => a + t.iterations, 0),
          normalized_iterations: +c.rows.reduce((a, t) => a + t.iterations / (ceilings[t.model] ?? t.iterations), 0).toFixed(3),
          stopped: 0,
          failed: c.rows.filter((t) => t.state === 'failed').length,
          configs: c.rows.map((t) => JSON.stringify([t.trial, t.model, c.params[t.trial]])),
          rows: c.rows,
        };
        continue;
      }
      const reports = new Map();
      const hooks = name === 'random' && curvesFile ? { onTrialReport: (e) => (reports.get(e.trial) ?? reports.set(e.trial, []).get(e.trial)).push([e.iteration, e.metrics.val_auc ?? null, e.metrics.val_loss ?? null]) } : undefined;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = await runStudy({ data: { X, y }, trials, seed, workers, scheduler, space, hooks });
      const c1 = process.cpuUsage(c0);
      const normalized = r.trials.reduce((sum, t) => sum + t.iterations / (ceilings[t.model] ?? t.iterations), 0);
      out[name] = {
        seconds: +((performance.now() - t0) / 1000).toFixed(1),
        cpu_seconds: +((c1.user + c1.system) / 1e6).toFixed(1),
        best_f1: r.bestScore,
        best_trial: r.best?.trial ?? null,
        best_model: r.best?.model ?? null,
        iterations: r.totalIterations,
        normalized_iterations: +normalized.toFixed(3),
        stopped: r.trials.filter((t) => t.state === 'stopped').length,
        failed: r.trials.filter((t) => t.state === 'failed').length,
        configs: r.trials.map((t) => JSON.stringify(out.random?.reused ? [t.trial, t.model, t.params] : [t.trial, t.seed, t.model, t.params])),
        rows: r.trials.map((t) => ({ trial: t.trial, model: t.model, budget: t.params[ITERATION_PARAM[t.model]] ?? null, state: t.state, iterations: t.iterations, f1: t.score, auc: t.tieBreak })),
      };
      if (name === 'random' && curvesFile) curves[seed] = { rows: out[name].rows, params: r.trials.map((t) => t.params), reports: Object.fromEntries([...reports].sort((a, b) => a[0] - b[0])) };
      process.stderr.write(`seed ${seed} ${name}: ${out[name].seconds} s, best f1 ${r.bestScore} (trial ${out[name].best_trial}, ${out[name].best_model}), iterations ${r.totalIterations}, normalized ${out[name].normalized_iterations}, stopped ${out[name].stopped}, load ${os.loadavg()[0].toFixed(2)}\n`);
    }
    if (out.random && out.asha) {
      out.same_configs = JSON.stringify(out.random.configs) === JSON.stringify(out.asha.configs);
      out.f1_gap_random_minus_asha = +(out.random.best_f1 - out.asha.best_f1).toFixed(5);
      out.compute_share_iterations = +(out.asha.iterations / out.random.iterations).toFixed(3);
      out.compute_share_normalized = +(out.asha.normalized_iterations / out.random.normalized_iterations).toFixed(3);
      out.goal_met = out.f1_gap_random_minus_asha <= 0.005 && out.compute_share_iterations <= 0.4;
    }
    for (const k of ['random', 'asha']) if (out[k]) delete out[k].configs;
    table.push(out);
    if (curvesFile) (await import('node:fs')).writeFileSync(curvesFile, JSON.stringify({ trials, ceilings, curves }));
  }
  const summary = table.map((t) => ({ seed: t.seed, random_f1: t.random?.best_f1, asha_f1: t.asha?.best_f1, gap: t.f1_gap_random_minus_asha, iters: t.random && t.asha ? `${t.asha.iterations}/${t.random.iterations}` : undefined, share: t.compute_share_iterations, share_normalized: t.compute_share_normalized, same_configs: t.same_configs, goal_met: t.goal_met }));
  process.stdout.write(JSON.stringify({ bench: 'hpo-spamassassin', rows: X.rows, cols: X.dense.cols + X.sparse.cols, trials, workers, asha: { ...asha }, ceilings, loadavg: os.loadavg(), summary, table }, null, 2) + '\n');
}

/**
 * Offline ASHA on recorded learning curves (`--spamassassin --curves f` writes them):
 *   node bench/hpo.bench.mjs --simulate f [--grid '[{"maxT":27,...}, ...]']
 * Replays each seed's 20 random-search trials in index order through the real scheduler
 * (deterministic mode = a sequential run) and reports, per setting and seed, ASHA's share of the
 * compute and its best F1 against random search's. Exact for completed trials (a fit does not
 * depend on the scheduler's answers until it is stopped); a study whose trials were all stopped is
 * flagged (its best F1 would need the stopped fits' scores).
 */
async function simulate(args) {
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const { readFileSync } = await import('node:fs');
  const rec = JSON.parse(readFileSync(flag('--simulate'), 'utf8'));
  const { ashaScheduler, normalizedTime } = await import(new URL('hpo/scheduler.js', distUrl()).href);
  const grid = flag('--grid')
    ? JSON.parse(flag('--grid'))
    : [
        { timeScale: 'trial' },
        { timeScale: 'family' },
        { timeScale: 'family', gracePeriod: 3 },
        { timeScale: 'family', reductionFactor: 4 },
        { timeScale: 'family', maxT: 81 },
        { timeScale: 'family', maxT: 81, gracePeriod: 3 },
        { timeScale: 'family', brackets: 2 },
        { timeScale: 'family', metric: 'val_loss' },
      ];
  const better = (a, b) => a.f1 > b.f1 || (a.f1 === b.f1 && ((a.auc ?? -Infinity) > (b.auc ?? -Infinity) || (a.auc === b.auc && a.trial < b.trial)));
  const out = [];
  for (const g of grid) {
    const { timeScale = 'family', metric = 'val_auc', ...opts } = g;
    const perSeed = [];
    for (const [seed, c] of Object.entries(rec.curves)) {
      const sched = ashaScheduler({ ...opts, mode: metric.endsWith('loss') ? 'min' : 'max', seed: Number(seed) });
      const maxT = sched.config.maxT;
      const records = [];
      let used = 0;
      let full = 0;
      let usedNorm = 0;
      let fullNorm = 0;
      let best = null;
      let bestRandom = null;
      let stopped = 0;
      for (const row of c.rows) {
        const ceiling = rec.ceilings[row.model] ?? row.budget;
        const budget = row.budget ?? ceiling;
        const reports = c.reports[row.trial] ?? [];
        const bracket = sched.bracketOf(row.trial);
        let iters = row.iterations;
        let state = 'completed';
        for (const [it, auc, loss] of reports) {
          const time = normalizedTime(it, timeScale === 'trial' ? budget : ceiling, maxT);
          const v = metric === 'val_loss' ? loss : auc;
          const o = sched.decide(records, { trial: row.trial, bracket, time, value: v ?? undefined, ...(sched.config.rungs === 'family' ? { group: row.model } : {}) });
          records.push(...o.newRecords);
          if (o.decision === 'stop') {
            if (it < budget) {
              state = 'stopped';
              iters = it;
            }
            break;
          }
        }
        if (args.includes('--verbose')) process.stderr.write(`seed ${seed} trial ${row.trial} ${row.model} budget ${budget}: ${state} at ${iters} (random f1 ${row.f1?.toFixed(4)})\n`);
        if (state === 'stopped') stopped++;
        used += iters;
        full += row.iterations;
        usedNorm += iters / ceiling;
        fullNorm += row.iterations / ceiling;
        if (row.state === 'completed' && (bestRandom === null || better(row, bestRandom))) bestRandom = row;
        if (state === 'completed' && row.state === 'completed' && (best === null || better(row, best))) best = row;
      }
      perSeed.push({
        seed: Number(seed),
        share: +(used / full).toFixed(3),
        share_normalized: +(usedNorm / fullNorm).toFixed(3),
        gap: best ? +(bestRandom.f1 - best.f1).toFixed(5) : null,
        best: best ? `${best.trial}:${best.model}` : 'none completed',
        random_best: `${bestRandom.trial}:${bestRandom.model}`,
        stopped,
      });
    }
    const ok = perSeed.filter((p) => p.gap !== null && p.gap <= 0.005 && p.share <= 0.4).length;
    out.push({ setting: g, seeds_meeting_goal: `${ok}/${perSeed.length}`, max_share: Math.max(...perSeed.map((p) => p.share)), max_gap: Math.max(...perSeed.map((p) => p.gap ?? 1)), perSeed });
  }
  for (const o of out) process.stdout.write(JSON.stringify(o) + '\n');
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--spamassassin')) return spamAssassin(args);
  if (args.includes('--simulate')) return simulate(args);
  const real = args.includes('--real');
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const trials = Number(flag('--trials')) || 20;
  const counts = (flag('--workers') ?? '1,2').split(',').map(Number);
  const dist = distUrl();
  const { runStudy } = await import(new URL('hpo/index.js', dist).href);
  const { WorkerPool } = await import(new URL('exec/pool.js', dist).href);
  const { denseMatrix, emptyCsr, featureMatrix } = await import(new URL('core/matrix.js', dist).href);
  const { Rng } = await import(new URL('core/random.js', dist).href);
  const { loguniform, randint, quniform, choice } = await import(new URL('hpo/space.js', dist).href);
  const os = await import('node:os');

  const rows = real ? 3000 : 600;
  const cols = real ? 60 : 4;
  const rng = new Rng(7);
  const y = new Uint8Array(rows);
  const d = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    y[i] = rng.next() < 0.35 ? 1 : 0;
    for (let c = 0; c < cols; c++) d[i * cols + c] = c === 0 ? (y[i] ? 0.5 + 0.5 * rng.next() : 0.6 * rng.next()) : rng.normal() + (c < 8 && y[i] ? 0.7 : 0);
  }
  const X = featureMatrix(denseMatrix(rows, cols, d), emptyCsr(rows, 0), Array.from({ length: cols }, (_, c) => `f${c}`));
  const data = { X, y };
  const self = import.meta.url;
  const synthetic = { createEstimator, paramSpecFor };
  const realSpace = {
    families: {
      gbm: { n_estimators: quniform(40, 120, 10), learning_rate: loguniform(0.03, 0.3), max_depth: randint(3, 7) },
      logistic: { C: loguniform(1e-2, 1e2), max_iter: choice([100]) },
      mlp: { epochs: randint(4, 9), learning_rate: loguniform(1e-3, 1e-2), hidden_layers: choice([[32], [64]]) },
    },
  };
  const common = real
    ? { data, trials, seed: 11, space: realSpace }
    : { data, trials, seed: 11, families: synthetic, familiesModule: self };

  const timeStudy = async (workers) => {
    const t0 = performance.now();
    const r = await runStudy({ ...common, workers });
    const s = (performance.now() - t0) / 1000;
    return { seconds: s, best: r.best?.trial ?? null, bestScore: r.bestScore, failed: r.trials.filter((t) => t.state === 'failed').length, rows: r.trials };
  };
  await timeStudy(Math.min(2, Math.max(...counts))); // warm-up: module caches, JIT
  const runs = [];
  for (const w of counts) runs.push({ workers: w, ...(await timeStudy(w)) });
  const key = (r) => JSON.stringify(r.rows.map(({ durationMs, ...x }) => x));
  const same = runs.every((r) => key(r) === key(runs[0]));

  // thread start: a new pool until its first no-op task returns
  const echoUrl = new URL('../test/integration/exec/echo-worker.mjs', import.meta.url);
  let t0 = performance.now();
  const first = new WorkerPool({ workerFile: echoUrl, workers: 1, workerData: { shared: new Int32Array(new SharedArrayBuffer(4)) } });
  await first.run({ op: 'noop' });
  const startMs = performance.now() - t0;
  await first.close();

  // pool overhead: no-op tasks straight through the generic pool
  const pool = new WorkerPool({ workerFile: echoUrl, workers: 1, workerData: { shared: new Int32Array(new SharedArrayBuffer(4)) } });
  for (let i = 0; i < 200; i++) await pool.run({ op: 'noop' });
  const N = 2000;
  t0 = performance.now();
  for (let i = 0; i < N; i++) await pool.run({ op: 'noop' });
  const poolMs = (performance.now() - t0) / N;
  await pool.close();

  // per-trial overhead of a study: trials that do (almost) nothing
  const noopFamilies = { createEstimator: (k, p) => createEstimator(k, { ...p, work: 0 }), paramSpecFor };
  const noopSpace = { families: { gbm: { n_estimators: choice([1]), work: choice([0]) } } };
  const M = 300;
  await runStudy({ data, trials: 50, seed: 1, workers: 1, families: noopFamilies, familiesModule: self, space: noopSpace });
  t0 = performance.now();
  await runStudy({ data, trials: M, seed: 1, workers: 1, families: noopFamilies, familiesModule: self, space: noopSpace });
  const studyMs = (performance.now() - t0) / M;

  const out = {
    bench: 'hpo',
    node: process.version,
    cores: os.availableParallelism(),
    workload: real ? 'real models (registry), 3000x60 synthetic matrix' : 'synthetic CPU-bound trials',
    trials,
    runs: runs.map((r) => ({ workers: r.workers, seconds: +r.seconds.toFixed(3), speedup: +(runs[0].seconds / r.seconds).toFixed(3), failed: r.failed })),
    identical_results_across_worker_counts: same,
    pool_thread_start_ms: +startMs.toFixed(1),
    pool_overhead_ms_per_noop_task: +poolMs.toFixed(4),
    study_overhead_ms_per_noop_trial: +studyMs.toFixed(4),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

if (isMainThread) {
  main().catch((e) => {
    process.stderr.write(`hpo bench failed: ${e?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
