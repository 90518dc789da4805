/**
 * Our side of the bench, over the compiled code in dist/: the shared data (the pipeline's own
 * data-preparation and feature-retrieval steps, so the split is the pipeline's), each hot kernel,
 * the end-to-end pipeline and the HPO worker scaling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { summarize, timeRuns, toRate, quantileSorted } from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
/**
 * The compiled tree the bench imports: dist/, or TRAIN_SPAM_BENCH_DIST (a snapshot copy of dist/
 * inside the repository, so that a rebuild during a long run cannot change the code under test).
 */
export const DIST = path.resolve(process.env.TRAIN_SPAM_BENCH_DIST ?? path.join(ROOT, 'dist'));
const dist = (p) => pathToFileURL(path.join(DIST, p)).href;

/** Imports of the compiled modules the bench uses (one place, so a missing build fails early). */
export async function loadDist() {
  const [params, context, dataStep, featStep, runner, tfidf, featPipe, registry, ranking, scorer, study, pool, progress, ports, random, validation, space, nativeGbm, hpoFamilies, hpo, trialPool] = await Promise.all([
    import(dist('pipeline/params.js')),
    import(dist('pipeline/context.js')),
    import(dist('pipeline/steps/data-preparation.js')),
    import(dist('pipeline/steps/feature-retrieval.js')),
    import(dist('pipeline/runner.js')),
    import(dist('features/tfidf.js')),
    import(dist('features/pipeline.js')),
    import(dist('models/registry.js')),
    import(dist('metrics/ranking.js')),
    import(dist('serving/scorer.js')),
    import(dist('hpo/study.js')),
    import(dist('exec/pool.js')),
    import(dist('hpo/progress.js')),
    import(dist('core/ports.js')),
    import(dist('core/random.js')),
    import(dist('hpo/validation.js')),
    import(dist('hpo/space.js')),
    import(dist('exec/native-gbm.js')),
    import(dist('hpo/registry-families.js')),
    import(dist('hpo/index.js')),
    import(dist('hpo/runner.js')),
  ]);
  return { params, context, dataStep, featStep, runner, tfidf, featPipe, registry, ranking, scorer, study, pool, progress, ports, random, validation, space, nativeGbm, hpoFamilies, hpo, trialPool };
}

/** A RunContext without tracking for calling pipeline steps directly. */
export function benchContext(m, { dataPath, workers, outDir, logger }) {
  return {
    params: m.params.resolvePipelineParams({ entity_data_path: dataPath }),
    logger: logger ?? m.ports.silentLogger,
    clock: m.context.systemClock,
    signal: new AbortController().signal,
    outDir,
    tracking: null,
    runId: null,
    experimentId: null,
    progress: m.progress.silentProgress,
    workers,
  };
}

/** The pipeline's steps 1–2 on `dataPath`: the split, the records and the feature matrices. */
export async function prepareShared(m, { dataPath, workers }) {
  const ctx = benchContext(m, { dataPath, workers, outDir: tmpdir() });
  const data = await m.dataStep.dataPreparation(ctx);
  const features = await m.featStep.featureRetrieval(ctx, data);
  // the HPO step's validation rows: its default holdout with the duplicate-body groups kept whole
  // (studyHoldoutRows is what makeFolds uses), so the peer's trials score on the same rows
  const { fraction } = m.validation.DEFAULT_VALIDATION;
  const { valid } = m.validation.studyHoldoutRows(features.train.y, fraction, ctx.params.seed, features.train.groups);
  // the split's e-mails in memory (the steps stream them; the kernels and the peer need the texts)
  const { readRowSet } = await import(dist('io/email-table.js'));
  const records = { train: await readRowSet(data.train), test: await readRowSet(data.test) };
  return { ctx, data, records, features, validIdx: valid };
}

export const GBM_KERNEL = Object.freeze({ n_estimators: 200, max_depth: 6, max_bins: 255, learning_rate: 0.1 });

function emailText(r) {
  return (r.subject ?? '') + '\n' + (r.body_text ?? '');
}

/**
 * Kernel figures (each ≥ `reps` timed runs after warm-up). Returns { figures: {id: Summary}, extra }.
 * `log` gets one line per finished figure.
 */
export async function measureKernels(m, shared, { reps, gbmReps, latencyEmails, aucSize, poolTasks, noopTrials, log }) {
  const out = {};
  const extra = {};
  const train = shared.features.train;
  const test = shared.features.test;

  const texts = shared.records.train.map(emailText);
  const tf = await timeRuns(() => m.tfidf.fitTransformTfidf(texts, m.featPipe.PIPELINE_TFIDF_DEFAULTS), { reps, warm: 2 });
  out.tfidf_fit_transform = tf.stats;
  extra.tfidf = { emails: texts.length, megabytes: texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0) / 1e6 };
  log?.(`tfidf fit+transform: ${tf.stats.median.toFixed(3)} s`);

  const lr = await timeRuns(() => m.registry.createEstimator('logistic', {}).fit({ X: train.X, y: train.y }, { seed: 1 }), { reps, warm: 2 });
  out.logistic_fit = lr.stats;
  extra.logistic = { iterations: lr.last.iterations, testAuc: m.ranking.rocAuc(test.y, lr.last.predictProba(test.X)) };
  log?.(`logistic fit: ${lr.stats.median.toFixed(3)} s`);

  // The kernel the pipeline uses: the native addon when it is built (npm run build), else TypeScript.
  // Headline: two threads (the calling thread + the addon's helper, what the pipeline's refit uses
  // on a machine with two cores), like XGBoost's n_jobs=2. One thread and the TypeScript kernel are
  // timed too, so every figure stays visible.
  const native = m.nativeGbm.loadNativeGbmKernel();
  const native2 = native && availableParallelism() >= 2 ? m.nativeGbm.loadNativeGbmKernel({ threads: 2 }) : null;
  const fitGbm = (kernel) => m.registry.createEstimator('gbm', GBM_KERNEL).fit({ X: train.X, y: train.y }, kernel ? { seed: 1, kernels: { gbm: kernel } } : { seed: 1 });
  const gbm = await timeRuns(() => fitGbm(native2 ?? native), { reps: gbmReps, warm: 1 });
  out.gbm_fit = gbm.stats;
  const model = gbm.last;
  extra.gbm = { kernel: model.kernel ?? 'typescript', threads: native2 ? 2 : 1, trees: model.iterations, testAuc: m.ranking.rocAuc(test.y, model.predictProba(test.X)) };
  log?.(`gbm fit (${extra.gbm.kernel} kernel): ${gbm.stats.median.toFixed(3)} s`);
  if (native2) {
    const one = await timeRuns(() => fitGbm(native), { reps: gbmReps, warm: 1 });
    out.gbm_fit_1thread = one.stats;
    log?.(`gbm fit (native kernel, 1 thread): ${one.stats.median.toFixed(3)} s`);
  }
  if (native) {
    const ts = await timeRuns(() => fitGbm(null), { reps: gbmReps, warm: 1 });
    out.gbm_fit_typescript = ts.stats;
    log?.(`gbm fit (typescript kernel): ${ts.stats.median.toFixed(3)} s`);
  }

  const pred = await timeRuns(() => model.predictProba(train.X), { reps: Math.max(reps, 7), warm: 2 });
  out.gbm_predict_rows_per_s = toRate(pred.stats, train.X.rows);
  log?.(`gbm batch predict: ${Math.round(out.gbm_predict_rows_per_s.median)} rows/s`);

  // single e-mail, raw RFC-822 text → probability (MIME parse + 5 views + GBM), as a server would
  const sc = new m.scorer.SpamScorer(shared.features.pipeline, model);
  const raws = shared.records.test.slice(0, latencyEmails).map(m.scorer.recordToRfc822);
  for (let i = 0; i < Math.min(200, raws.length); i++) await sc.scoreRaw(raws[i]);
  const p50 = [];
  const p99 = [];
  for (let pass = 0; pass < reps; pass++) {
    const d = new Float64Array(raws.length);
    for (let i = 0; i < raws.length; i++) {
      const t0 = performance.now();
      await sc.scoreRaw(raws[i]);
      d[i] = performance.now() - t0;
    }
    d.sort();
    p50.push(quantileSorted(d, 0.5));
    p99.push(quantileSorted(d, 0.99));
  }
  out.latency_p50_ms = summarize(p50);
  out.latency_p99_ms = summarize(p99);
  extra.latency = { emails: raws.length, passes: reps };
  log?.(`latency p50 ${out.latency_p50_ms.median.toFixed(3)} ms, p99 ${out.latency_p99_ms.median.toFixed(3)} ms`);

  const rng = new m.random.Rng(1);
  const y = new Uint8Array(aucSize);
  const s = new Float64Array(aucSize);
  for (let i = 0; i < aucSize; i++) {
    y[i] = rng.next() < 0.3 ? 1 : 0;
    s[i] = rng.next() + 0.2 * y[i];
  }
  const auc = await timeRuns(() => m.ranking.rocAuc(y, s), { reps, warm: 2 });
  out.auc = auc.stats;
  extra.auc = { n: aucSize, value: auc.last };
  log?.(`auc on ${aucSize}: ${auc.stats.median.toFixed(3)} s`);

  Object.assign(out, await measurePool(m, { reps, poolTasks, noopTrials, data: { X: train.X, y: train.y } }));
  log?.(`pool: ${out.pool_task_ms.median.toFixed(3)} ms per no-op task, ${out.study_trial_ms.median.toFixed(3)} ms per no-op trial`);
  return { figures: out, extra, gbmModel: model };
}

/** Pool overhead: no-op tasks through WorkerPool, and no-op trials through runStudy (2 workers). */
export async function measurePool(m, { reps, poolTasks, noopTrials, data }) {
  const pool = new m.pool.WorkerPool({ workerFile: pathToFileURL(path.join(here, 'noop-worker.mjs')), workers: 1 });
  try {
    for (let i = 0; i < 200; i++) await pool.run({});
    const per = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      for (let i = 0; i < poolTasks; i++) await pool.run({});
      per.push((performance.now() - t0) / poolTasks);
    }
    const poolTask = summarize(per);
    const space = { families: { gbm: { n_estimators: m.space.choice([1]) } } };
    const familiesModule = pathToFileURL(path.join(here, 'noop-families.mjs'));
    const families = await import(familiesModule.href);
    const study = (trials) => m.study.runStudy({ data, trials, seed: 1, workers: 2, families, familiesModule, space });
    await study(20);
    const perTrial = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      await study(noopTrials);
      perTrial.push((performance.now() - t0) / noopTrials);
    }
    return { pool_task_ms: poolTask, study_trial_ms: summarize(perTrial) };
  } finally {
    await pool.close();
  }
}

/**
 * The whole pipeline (8 steps) through runPipeline, with a temporary local tracking store and
 * output root, `reps` times. Returns per-run seconds, step timings and the quality of the last run.
 * `afterRun(r)` (optional) is awaited after each run: the harness runs the peer's end-to-end there,
 * so the two sides alternate and a slow phase of the machine falls on both.
 */
export async function measureEndToEnd(m, { dataPath, workers, trials, reps, warmUp = 0, log, afterRun }) {
  const { openTracking } = await import(dist('tracking/factory.js'));
  const { trackingConfigFromEnv } = await import(dist('tracking/config.js'));
  const totals = [];
  const hpo = [];
  let last = null;
  // r < 0: untimed warm-up runs (afterRun gets the same r, so the peer can warm up too)
  for (let r = -warmUp; r < reps; r++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'train-spam-bench-e2e-'));
    const handle = openTracking(trackingConfigFromEnv({}, { trackingUri: path.join(dir, 'mlruns') }), { logger: m.ports.silentLogger });
    try {
      const params = m.params.resolvePipelineParams({ entity_data_path: dataPath, num_hpo_trials: trials, mlflow_tracking_uri: path.join(dir, 'mlruns') });
      const t0 = performance.now();
      const res = await m.runner.runPipeline({
        params,
        logger: m.ports.silentLogger,
        progress: m.progress.silentProgress,
        tracking: { store: handle.store, registry: handle.registry, description: handle.describe() },
        outRoot: path.join(dir, 'runs'),
        workers,
      });
      const secs = (performance.now() - t0) / 1000;
      if (res.exitCode === 1) throw new Error(`end-to-end run failed: ${res.record.error?.code}: ${res.record.error?.message}`);
      const step = Object.fromEntries(res.record.timings.map((t) => [t.step, t.durationMs / 1000]));
      if (r >= 0) {
        totals.push(secs);
        hpo.push(step['hpo-tuning']);
        last = { exitCode: res.exitCode, steps: step, record: res.record };
      }
      const which = r < 0 ? 'warm-up run' : `run ${r + 1}/${reps}`;
      log?.(`end-to-end ${which}: ${secs.toFixed(1)} s (hpo ${step['hpo-tuning'].toFixed(1)} s, exit ${res.exitCode})`);
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
    if (afterRun) await afterRun(r);
  }
  const rec = last.record;
  return {
    total: summarize(totals),
    hpo: summarize(hpo),
    steps: last.steps,
    exitCode: last.exitCode,
    quality: {
      best_model: rec.tuned?.kind ?? null,
      test_f1: rec.evaluation?.candidate.f1 ?? null,
      test_auc: rec.evaluation?.candidate.rocAuc ?? null,
      best_val_f1: rec.tuned?.study.best?.score ?? null,
      families: rec.tuned ? countFamilies(rec.tuned.study.trials) : null,
    },
  };
}

function countFamilies(trials) {
  const c = { gbm: 0, logistic: 0, mlp: 0 };
  for (const t of trials) c[t.model] = (c[t.model] ?? 0) + 1;
  return c;
}

/**
 * A compact search space for worker-scaling runs (every trial a fraction of a second to a few
 * seconds, so the ratio measures the pool, not one straggler trial).
 */
export function compactSpace(m) {
  const { choice, loguniform, quniform, randint } = m.space;
  return {
    families: {
      gbm: { n_estimators: quniform(40, 120, 10), learning_rate: loguniform(0.03, 0.3), max_depth: randint(3, 7) },
      logistic: { C: loguniform(1e-2, 1e2) },
      mlp: { epochs: randint(3, 6), learning_rate: loguniform(1e-3, 1e-2), hidden_layers: choice([[32], [64]]) },
    },
  };
}

/**
 * HPO trials per second for each worker count (same trials, same seed), `reps` studies each, the
 * worker counts alternated within each repetition (this VM drifts over minutes).
 *
 * - `mode: 'cold'`: every study starts its own threads (a standalone `train-spam hpo run`): each
 *   timed study pays thread start-up, module loading and V8's compilation of the model code.
 * - `mode: 'warm'`: one pool per worker count, kept for all of its studies, and `warmUp` untimed
 *   studies (other seeds) on it first: the steady-state throughput of a pool that outlives a
 *   study (a service, a sweep of studies). On two cores V8 compiles on the idle core of a
 *   1-worker study, which the cold ratio pays for; warm figures are the pool's own scaling.
 */
export async function measureWorkerScaling(m, data, { counts, trials, reps, space, log, mode = 'cold', warmUp = 2 }) {
  const secs = new Map(counts.map((w) => [w, []]));
  const best = new Map();
  const pools = new Map();
  try {
    if (mode === 'warm') {
      for (const w of counts) {
        const pool = new m.trialPool.TrialPool({ workers: w, preload: ['mlp'] });
        pools.set(w, pool);
        for (let i = 0; i < warmUp; i++) await m.study.runStudy({ data, trials, seed: 7 + i, workers: w, space, pool });
      }
    } else {
      await m.study.runStudy({ data, trials: Math.min(trials, 4), seed: 7, workers: Math.min(2, Math.max(...counts)), space }); // the main thread's warm-up
    }
    for (let r = 0; r < reps; r++) {
      for (const w of counts) {
        const t0 = performance.now();
        const res = await m.study.runStudy({ data, trials, seed: 42, workers: w, space, pool: pools.get(w) });
        secs.get(w).push((performance.now() - t0) / 1000);
        best.set(w, res.bestScore);
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  const out = counts.map((w) => {
    const s = summarize(secs.get(w));
    log?.(`workers ${w} (${mode}): ${s.median.toFixed(2)} s for ${trials} trials (${(trials / s.median).toFixed(2)} trials/s)`);
    return { workers: w, mode, seconds: s, trialsPerSecond: toRate(s, trials), bestScore: best.get(w) };
  });
  const base = out[0].seconds.median;
  for (const r of out) r.speedup = base / r.seconds.median;
  return out;
}
