#!/usr/bin/env node
/**
 * HPO worker scaling: the same random search (same trials, same seed, compact space) at each
 * worker count; prints ONE JSON LINE per worker count (trials/s, speed-up over the first count).
 *
 *   npm run build && node bench/workers.mjs [--workers 1,2] [--trials 20] [--reps 1]
 *       [--matrix auto|spamassassin|synthetic] [--space compact|default] [--trace file.jsonl]
 *       [--order longest-first|index|index,longest-first]
 *
 * --trace keeps the per-fit trace (one JSON line per fit: thread, family, start, wall, CPU, wait).
 *
 * Matrix: the SpamAssassin training split's 524 features (needs
 * datasets/processed/emails/all_emails.parquet) or, for --matrix synthetic (and auto when the
 * parquet is missing), a seeded synthetic 4837 × (24 dense + 500 sparse, 8 %) matrix.
 *
 * Each line also says where the time went, from a per-fit trace the worker threads write (this
 * file is also the study's `familiesModule`: it wraps the models registry and times every fit and
 * prediction with the thread's own CPU time and run-queue wait from /proc/thread-self/schedstat):
 * - `fitCpuS`: CPU seconds of all fits on the trial threads themselves (the work; the same for
 *   every worker count unless the cores interfere, see bench/lib/cpu-contention.mjs);
 * - `processCpuS`: CPU seconds of the whole process in the study (adds thread start-up, module
 *   loading, V8's GC and compiler helper threads and the main thread: all of it needs the cores);
 * - `runQueueWaitS`: seconds the trial threads were runnable but had no core (other processes);
 * - `idleS`: worker-seconds with no trial running (start-up, the tail of the study where one
 *   worker has nothing left to do, main-thread time between trials);
 * - `cpuPerTrialRatio`: median over trials of CPU time at this worker count / at the first count.
 * Also the load average before and after.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, threadId } from 'node:worker_threads';
import { DIST, ROOT, benchContext, compactSpace, loadDist } from './lib/ours.mjs';
import { summarize } from './lib/stats.mjs';

/** This thread's CPU and run-queue wait in ms (Linux schedstat; NaN elsewhere). */
function threadTimes() {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return { cpu: run / 1e6, wait: wait / 1e6 };
  } catch {
    return { cpu: NaN, wait: NaN };
  }
}

// ---- worker side: the families module (models registry + a trace line per fit)
const registry = isMainThread ? null : await import(pathToFileURL(path.join(DIST, 'models/registry.js')).href);
const TRACE = process.env.TRAIN_SPAM_WORKERS_TRACE;

export function paramSpecFor(kind) {
  return registry.paramSpecFor(kind);
}

export function createEstimator(kind, params) {
  const est = registry.createEstimator(kind, params);
  return {
    ...est,
    kind: est.kind,
    params: est.params,
    paramSpec: est.paramSpec,
    async fit(data, options) {
      const w0 = performance.timeOrigin + performance.now();
      const c0 = threadTimes();
      const fitted = await est.fit(data, options);
      const c1 = threadTimes();
      const w1 = performance.timeOrigin + performance.now();
      const line = { thread: threadId, kind, seed: options.seed, start: w0, fitMs: w1 - w0, fitCpuMs: c1.cpu - c0.cpu, fitWaitMs: c1.wait - c0.wait, iterations: fitted.iterations };
      return new Proxy(fitted, {
        get(target, prop, recv) {
          if (prop !== 'predictProba') return Reflect.get(target, prop, recv);
          return (X) => {
            const p0 = threadTimes();
            const out = target.predictProba(X);
            const p1 = threadTimes();
            if (TRACE) appendFileSync(TRACE, JSON.stringify({ ...line, predictCpuMs: p1.cpu - p0.cpu, end: performance.timeOrigin + performance.now() }) + '\n');
            return out;
          };
        },
      });
    },
  };
}

// ---- main thread: the benchmark
async function main() {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
  const counts = opt('--workers', '1,2').split(',').map(Number);
  const trials = Number(opt('--trials', '20'));
  const reps = Number(opt('--reps', '1'));
  // launch orders to compare (runStudy's launchOrder; 'longest-first' is the default for random search)
  const orders = opt('--order', 'longest-first').split(',');
  const keepTrace = opt('--trace', null);
  const traceFile = path.join(os.tmpdir(), `train-spam-workers-${process.pid}.jsonl`);
  const parquet = path.join(ROOT, 'datasets/processed/emails/all_emails.parquet');
  let matrix = opt('--matrix', 'auto');
  if (matrix === 'auto') matrix = existsSync(parquet) ? 'spamassassin' : 'synthetic';

  const m = await loadDist();
  let data;
  if (matrix === 'spamassassin') {
    // the pipeline's own steps 1-2 (its split and feature matrix)
    const ctx = benchContext(m, { dataPath: parquet, workers: Math.max(...counts), outDir: os.tmpdir() });
    const features = await m.featStep.featureRetrieval(ctx, await m.dataStep.dataPreparation(ctx));
    data = { X: features.train.X, y: features.train.y };
  } else {
    const { syntheticData } = await import(pathToFileURL(path.join(DIST, 'models/conformance.js')).href);
    data = syntheticData({ rows: 4837, seed: 1, denseCols: 24, sparseCols: 500, density: 0.08 });
  }
  const space = opt('--space', 'compact') === 'default' ? undefined : compactSpace(m);
  const familiesModule = new URL(import.meta.url);
  const families = { createEstimator, paramSpecFor: (k) => m.registry.paramSpecFor(k) };
  process.env.TRAIN_SPAM_WORKERS_TRACE = traceFile;
  const study = (workers, n, seed, launchOrder) => m.study.runStudy({ data, trials: n, seed, workers, space, families, familiesModule, launchOrder });
  const readTrace = () => (existsSync(traceFile) ? readFileSync(traceFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

  await study(Math.min(2, Math.max(...counts)), Math.min(trials, 4), 7); // warm-up: OS file cache, main-thread JIT
  const loadBefore = os.loadavg();
  // every (worker count, launch order) once per rep, alternated, so slow phases of the machine's
  // other load spread over all of them
  const cells = counts.flatMap((w) => orders.map((order) => ({ workers: w, order, secs: [], fits: [], best: null })));
  for (let r = 0; r < reps; r++) {
    for (const cell of cells) {
      rmSync(traceFile, { force: true });
      const c0 = process.cpuUsage();
      const m0 = threadTimes();
      const t0 = performance.timeOrigin + performance.now();
      const res = await study(cell.workers, trials, 42, cell.order);
      const t1 = performance.timeOrigin + performance.now();
      const c1 = process.cpuUsage(c0);
      cell.processCpuS = (c1.user + c1.system) / 1e6;
      cell.mainCpuS = (threadTimes().cpu - m0.cpu) / 1000;
      cell.secs.push((t1 - t0) / 1000);
      cell.best = res.bestScore;
      const tr = readTrace().map((x) => ({ ...x, rel: x.start - t0, studyMs: t1 - t0 }));
      // keep the trace of the median-so-far run: the last rep's
      cell.fits = tr;
      process.stderr.write(`workers: ${cell.workers} worker(s), ${cell.order}, rep ${r + 1}/${reps}: ${((t1 - t0) / 1000).toFixed(2)} s, load ${os.loadavg()[0].toFixed(2)}\n`);
    }
  }
  const runs = cells.map((c) => ({ workers: c.workers, order: c.order, seconds: summarize(c.secs), best: c.best, fits: c.fits, processCpuS: c.processCpuS, mainCpuS: c.mainCpuS }));
  const loadAfter = os.loadavg();
  rmSync(traceFile, { force: true });
  if (keepTrace) writeFileSync(keepTrace, runs.flatMap((r) => r.fits.map((f) => JSON.stringify({ workers: r.workers, order: r.order, ...f }) + '\n')).join(''));

  const baseOf = (r) => runs.find((x) => x.workers === counts[0] && x.order === r.order) ?? runs[0];
  const threadCpu = (r) => {
    const by = new Map();
    for (const f of r.fits) by.set(f.thread, (by.get(f.thread) ?? 0) + f.fitCpuMs + (f.predictCpuMs ?? 0));
    return [...by.values()];
  };
  const cpuOf = (r) => new Map(r.fits.map((f) => [f.seed, f.fitCpuMs + (f.predictCpuMs ?? 0)]));
  for (const r of runs) {
    const base = baseOf(r);
    const baseCpu = cpuOf(base);
    const studyMs = r.fits[0]?.studyMs ?? r.seconds.median * 1000;
    const busy = r.fits.reduce((s, f) => s + (f.end - f.start), 0);
    const cpu = r.fits.reduce((s, f) => s + f.fitCpuMs + (f.predictCpuMs ?? 0), 0);
    const wait = r.fits.reduce((s, f) => s + f.fitWaitMs, 0);
    const ratios = r.fits.filter((f) => baseCpu.has(f.seed)).map((f) => (f.fitCpuMs + (f.predictCpuMs ?? 0)) / baseCpu.get(f.seed));
    const byKind = {};
    for (const f of r.fits) {
      const k = (byKind[f.kind] ??= { trials: 0, cpuS: 0 });
      k.trials++;
      k.cpuS += (f.fitCpuMs + (f.predictCpuMs ?? 0)) / 1000;
    }
    for (const k of Object.values(byKind)) k.cpuS = +k.cpuS.toFixed(2);
    // per thread: time before its first fit, and after its last fit until the study ended
    const threads = [...new Set(r.fits.map((f) => f.thread))].sort((a, b) => a - b);
    const perThread = threads.map((t) => {
      const mine = r.fits.filter((f) => f.thread === t).sort((a, b) => a.start - b.start);
      return { thread: t, trials: mine.length, firstFitAtS: +(mine[0].rel / 1000).toFixed(2), busyS: +(mine.reduce((s, f) => s + f.end - f.start, 0) / 1000).toFixed(2), tailIdleS: +((studyMs - (mine.at(-1).rel + mine.at(-1).end - mine.at(-1).start)) / 1000).toFixed(2) };
    });
    process.stdout.write(
      JSON.stringify({
        bench: 'hpo-worker-scaling',
        workers: r.workers,
        order: r.order,
        trials,
        seconds: +r.seconds.median.toFixed(3),
        secondsMin: +r.seconds.min.toFixed(3),
        secondsMax: +r.seconds.max.toFixed(3),
        reps: r.seconds.runs,
        trialsPerSecond: +(trials / r.seconds.median).toFixed(3),
        speedup: +(base.seconds.median / r.seconds.median).toFixed(3),
        efficiency: +(base.seconds.median / r.seconds.median / (r.workers / base.workers)).toFixed(3),
        fitCpuS: +(cpu / 1000).toFixed(2),
        // CPU of the whole process during the (last) study: fits + worker start-up + V8 helper
        // threads (GC, JIT) + the main thread
        processCpuS: +r.processCpuS.toFixed(2),
        mainThreadCpuS: +r.mainCpuS.toFixed(2),
        runQueueWaitS: +(wait / 1000).toFixed(2),
        idleS: +((r.workers * studyMs - busy) / 1000).toFixed(2),
        cpuPerTrialRatio: ratios.length ? +summarize(ratios).median.toFixed(3) : null,
        // what the speed-up would be if every worker thread had a core to itself: the first count's
        // busiest thread's CPU time over this count's busiest thread's (start-up and idle excluded)
        cpuBoundSpeedup: +(Math.max(...threadCpu(base)) / Math.max(...threadCpu(r))).toFixed(3),
        byKind,
        perThread,
        bestScore: r.best,
        matrix: `${matrix} ${data.X.rows}x${data.X.dense.cols + data.X.sparse.cols}`,
        space: space ? 'compact' : 'default',
        cores: os.availableParallelism(),
        host: os.hostname(),
        node: process.version,
        loadavg: loadAfter.map((x) => +x.toFixed(2)),
        loadavgBefore: loadBefore.map((x) => +x.toFixed(2)),
      }) + '\n',
    );
  }
}

if (isMainThread) await main();
