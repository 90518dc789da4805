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

async function spamAssassin(args) {
  const dist = new URL('../dist/', import.meta.url);
  const { runStudy } = await import(new URL('hpo/index.js', dist).href);
  const { holdoutRows } = await import(new URL('hpo/validation.js', dist).href);
  const { loadEmailTable } = await import(new URL('io/email-table.js', dist).href);
  const { fitTransformFeaturePipeline } = await import(new URL('features/index.js', dist).href);
  const file = new URL('../datasets/processed/emails/all_emails.parquet', import.meta.url).pathname;
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const trials = Number(flag('--trials')) || 20;
  const workers = Number(flag('--workers')) || 2;
  const { records } = await loadEmailTable(file);
  const labels = Uint8Array.from(records, (r) => Number(r.label));
  // the training part of a seeded stratified 80/20 split (the test part never enters HPO)
  const { train } = holdoutRows(labels, 0.2, 2024);
  const trainRecords = train.map((i) => records[i]);
  const y = Uint8Array.from(train, (i) => labels[i]);
  const { matrix: X } = fitTransformFeaturePipeline(trainRecords, y);
  const out = { bench: 'hpo-spamassassin', rows: X.rows, cols: X.dense.cols + X.sparse.cols, trials, workers };
  for (const [name, scheduler] of [['random', { kind: 'fifo' }], ['asha', { kind: 'asha' }]]) {
    const t0 = performance.now();
    const r = await runStudy({ data: { X, y }, trials, seed: 42, workers, scheduler });
    out[name] = {
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      best_f1: r.bestScore,
      best_model: r.best?.model ?? null,
      iterations: r.totalIterations,
      stopped: r.trials.filter((t) => t.state === 'stopped').length,
      failed: r.trials.filter((t) => t.state === 'failed').length,
    };
    process.stderr.write(`${name}: ${JSON.stringify(out[name])}\n`);
  }
  out.f1_gap_random_minus_asha = +(out.random.best_f1 - out.asha.best_f1).toFixed(5);
  out.asha_compute_share = +(out.asha.iterations / out.random.iterations).toFixed(3);
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--spamassassin')) return spamAssassin(args);
  const real = args.includes('--real');
  const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const trials = Number(flag('--trials')) || 20;
  const counts = (flag('--workers') ?? '1,2').split(',').map(Number);
  const dist = new URL('../dist/', import.meta.url);
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
