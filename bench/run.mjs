#!/usr/bin/env node
/**
 * The benchmark harness (`npm run bench` = `train-spam bench`): in one process, on the processed
 * SpamAssassin table, our end-to-end pipeline and each hot kernel, then the same work in the Python
 * reference (bench/peers/pipeline_peer.py) when /usr/bin/python3 has scikit-learn + XGBoost.
 * Prints figure | ours | peer | ratio, model quality of both, the comparison with the stored
 * baseline; writes bench/results/<machine>-<date>[-quick].json.
 *
 *   npm run build && node bench/run.mjs [--quick] [--no-peer] [--out FILE] [--baseline FILE]
 *       [--save-baseline] [--e2e-reps N] [--trials N] [--workers N] [--data FILE] [--no-e2e]
 *       [--python /usr/bin/python3] [--fail-on-regression]
 *
 * See bench/README.md for what each figure measures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareToBaseline } from './lib/compare.mjs';
import { formatComparison, formatFigureTable, formatNotes, formatQuality } from './lib/table.mjs';
import { DIST, ROOT, compactSpace, loadDist, measureEndToEnd, measureKernels, measureWorkerScaling, prepareShared } from './lib/ours.mjs';
import { DEFAULT_PYTHON, peerFingerprint, peerInput, peerUnavailable, runPeer } from './lib/peer.mjs';
import { machineInfo, resultFileName } from './lib/machine.mjs';
import { summarize } from './lib/stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export function parseArgs(argv) {
  const o = { failOnRegression: false, quick: false, peer: true, out: null, baseline: null, saveBaseline: false, e2e: true, e2eReps: null, trials: null, workers: 2, data: null, python: DEFAULT_PYTHON };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${a} needs a value`);
      return v;
    };
    const int = (name, v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ${name} must be a positive integer, got '${v}'`);
      return n;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--out') o.out = val();
    else if (a === '--baseline') o.baseline = val();
    else if (a === '--save-baseline') o.saveBaseline = true;
    else if (a === '--fail-on-regression') o.failOnRegression = true;
    else if (a === '--no-e2e') o.e2e = false;
    else if (a === '--e2e-reps') o.e2eReps = int(a, val());
    else if (a === '--trials') o.trials = int(a, val());
    else if (a === '--workers') o.workers = int(a, val());
    else if (a === '--data') o.data = val();
    else if (a === '--python') o.python = val();
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`bench: unknown option '${a}' (see bench/README.md)`);
  }
  return o;
}

/** Repetitions and sizes of each mode. */
export function settings(o) {
  const q = o.quick;
  return {
    reps: q ? 3 : 5,
    gbmReps: q ? 2 : 5,
    // the peer's GBM fit: one untimed run, then this many (--quick: none untimed)
    peerGbmReps: q ? 1 : 5,
    // end-to-end: one untimed run per side first (--quick: none), then this many per side
    e2eReps: o.e2eReps ?? (q ? 1 : 5),
    e2eWarmUp: q ? 0 : 1,
    trials: o.trials ?? (q ? 4 : 20),
    aucSize: q ? 200_000 : 1_000_000,
    latencyEmails: q ? 200 : 400,
    poolTasks: q ? 500 : 2000,
    noopTrials: q ? 40 : 100,
    scaling: { counts: [1, 2], trials: q ? 8 : 20, reps: q ? 1 : 5, warmUp: q ? 1 : 2 },
  };
}

const log = (s) => process.stderr.write(`bench: ${s}\n`);

/** Ensures the processed table exists (as `train-spam data prepare` would build it). */
function ensureData(file) {
  if (existsSync(file)) return;
  log(`${file} is missing; running \`train-spam data prepare\``);
  execFileSync(process.execPath, [path.join(ROOT, 'dist/cli/main.js'), 'data', 'prepare', '--out', file], { stdio: 'inherit' });
}

/** `peerOf`: the id of the figure whose peer measurement this one shows too (see machineDrift). */
function figure(id, label, unit, better, ours, peer, note, peerOf) {
  return { id, label, unit, better, ours: ours ?? null, peer: peer ?? null, ...(peer && peerOf ? { peerOf } : {}), ...(note ? { note } : {}) };
}

export async function runBench(o) {
  const s = settings(o);
  const dataPath = path.resolve(o.data ?? path.join(ROOT, 'datasets/processed/emails/all_emails.parquet'));
  if (!existsSync(path.join(DIST, 'pipeline/runner.js'))) throw new Error(`bench: ${DIST}/pipeline/runner.js is missing; run 'npm run build' first`);
  ensureData(dataPath);
  const machineStart = { ...machineInfo(), dist: path.relative(ROOT, DIST) || '.' };
  const m = await loadDist();
  log(`${o.quick ? 'quick' : 'full'} run on ${machineStart.hostname} (${machineStart.cores} cores, node ${machineStart.node}, load ${machineStart.loadavg.join(' ')})`);
  const shared = await prepareShared(m, { dataPath, workers: o.workers });
  const f = shared.features;
  const dataInfo = { file: path.relative(ROOT, dataPath), rows: shared.data.source.rows, trainRows: f.train.X.rows, testRows: f.test.X.rows, features: f.pipeline.numFeatures, denseCols: f.pipeline.denseCols, validRows: shared.validIdx.length };
  log(`data: ${dataInfo.rows} e-mails, train ${dataInfo.trainRows} / test ${dataInfo.testRows}, ${dataInfo.features} features`);

  const kernels = await measureKernels(m, shared, { ...s, log });
  let peerSkipped = o.peer ? peerUnavailable(o.python) : '--no-peer';
  const peerOpts = { ...s, seed: shared.ctx.params.seed, workers: o.workers, quick: o.quick, python: o.python };
  // End-to-end runs alternate with the peer's (one Python process per run): this VM goes through
  // slow phases lasting minutes, and runs of one side back to back could fall in different phases.
  const peerE2e = [];
  let peerE2eError = null;
  const afterRun = peerSkipped
    ? undefined
    : async (r) => {
        if (peerE2eError) return;
        // r < 0: the untimed warm-up run
        const which = r < 0 ? 'warm-up run' : `run ${r + 1}/${s.e2eReps}`;
        log(`peer end-to-end ${which} (bench/peers/pipeline_peer.py)`);
        const pr = runPeer(m, shared, { ...peerOpts, only: 'e2e', e2eReps: 1 });
        if (pr.error) {
          peerE2eError = pr.error;
          log(`peer end-to-end skipped: ${pr.error}`);
        } else {
          if (r >= 0) peerE2e.push(pr);
          log(`peer end-to-end ${which}: ${pr.e2e_total.median.toFixed(1)} s (hpo ${pr.e2e_hpo.median.toFixed(1)} s)`);
        }
      };
  const e2e = o.e2e ? await measureEndToEnd(m, { dataPath, workers: o.workers, trials: s.trials, reps: s.e2eReps, warmUp: s.e2eWarmUp, log, afterRun }) : null;
  const trainData = { X: f.train.X, y: f.train.y };
  const scaling = [
    ...(await measureWorkerScaling(m, trainData, { ...s.scaling, space: compactSpace(m), log, mode: 'cold' })),
    ...(await measureWorkerScaling(m, trainData, { ...s.scaling, space: compactSpace(m), log, mode: 'warm' })),
  ];

  let peer = null;
  if (!peerSkipped) {
    log('running the Python reference\'s kernels (bench/peers/pipeline_peer.py)');
    const r = runPeer(m, shared, { ...peerOpts, only: 'kernels', e2eReps: 0 });
    if (r.error) peerSkipped = r.error;
    else {
      peer = r;
      if (peerE2e.length && !peerE2eError) {
        const runs = peerE2e.flatMap((x) => x.e2e_runs);
        peer.e2e_total = summarize(runs.map((t) => t.total));
        peer.e2e_hpo = summarize(runs.map((t) => t.hpo));
        peer.e2e_runs = runs;
        peer.quality = peerE2e[peerE2e.length - 1].quality;
      }
    }
  }
  if (peerSkipped) log(`peer skipped: ${peerSkipped}`);

  const k = kernels.figures;
  const figures = [];
  // the peer's half of a note, only when the peer ran
  const peerSays = (text) => (peer ? `; peer: ${text}` : '');
  if (e2e) {
    figures.push(figure('e2e_total', `end-to-end, 8 steps, ${s.trials} trials, ${o.workers} workers`, 's', 'lower', e2e.total, peer?.e2e_total,
      `${s.e2eWarmUp ? `${s.e2eWarmUp} untimed warm-up run, then ` : ''}${s.e2eReps} runs${peer ? ' each side, alternated (ours, peer, ours, ...)' : ''}. ours: parquet load → split → features → baseline → HPO → refit → evaluation (incl. latency, plots) → gates → comparison → promotion, local tracking store, HTML report${peerSays('all 524 features built from the e-mails\' processed columns (the 24 dense ones in Python, bench/peers/dense_features.py, checked equal to ours; TF-IDF with scikit-learn) + the baseline logistic regression + the trials + refit + test F1/AUC, on our split handed over in memory (no load, no duplicate grouping, no tracking, no report, no plots; models get the CSR matrix)')}`));
    figures.push(figure('e2e_hpo', `HPO step: ${s.trials} trials + refit of the best`, 's', 'lower', e2e.hpo, peer?.e2e_hpo,
      `${o.workers} trials at a time${peer ? ' on both sides' : ''} (ours: worker threads${peerSays('joblib loky processes')})`));
  }
  figures.push(figure('tfidf_fit_transform', `TF-IDF fit+transform, ${kernels.extra.tfidf.emails} train e-mails (${kernels.extra.tfidf.megabytes.toFixed(1)} MB)`, 's', 'lower', k.tfidf_fit_transform, peer?.tfidf_fit_transform));
  figures.push(figure('logistic_fit', `logistic regression fit (lbfgs, C=1, ${dataInfo.trainRows}×${dataInfo.features})`, 's', 'lower', k.logistic_fit, peer?.logistic_fit));
  const gbmKernel = kernels.extra?.gbm?.kernel ?? 'typescript';
  const gbmThreads = kernels.extra?.gbm?.threads ?? 1;
  figures.push(figure('gbm_fit', `GBM fit, 200 trees, depth 6, 255 bins, ${gbmThreads} thread(s) (${gbmKernel} kernel)`, 's', 'lower', k.gbm_fit, peer?.gbm_fit, `ours: the ${gbmKernel} kernel on ${gbmThreads} thread(s)${gbmThreads === 2 ? ' (the calling thread + the addon\'s helper thread; what the pipeline\'s refit uses)' : ' (what the pipeline uses here)'}, 1 warm-up + ${s.gbmReps} runs${peerSays(`XGBoost ${peer?.xgboost ?? ''} hist, n_jobs=2, max_bin=256 (255 + zero), dense input, ${o.quick ? '' : '1 warm-up + '}${s.peerGbmReps} runs`)}`));
  if (k.gbm_fit_1thread) figures.push(figure('gbm_fit_1thread', 'GBM fit, same, native kernel on 1 thread (each HPO trial)', 's', 'lower', k.gbm_fit_1thread, peer?.gbm_fit, `ours: the native kernel on one thread, as in every HPO worker (identical forest)${peerSays('the XGBoost runs above (2 threads)')}`, 'gbm_fit'));
  if (k.gbm_fit_typescript) figures.push(figure('gbm_fit_typescript', 'GBM fit, same, TypeScript kernel (the fallback)', 's', 'lower', k.gbm_fit_typescript, peer?.gbm_fit, `ours: the TypeScript kernel on the same fit (identical forest), 1 thread${peerSays('the XGBoost runs above')}`, 'gbm_fit'));
  figures.push(figure('gbm_predict_rows_per_s', `batch predict, GBM, ${dataInfo.trainRows} rows`, 'rows/s', 'higher', k.gbm_predict_rows_per_s, peer?.gbm_predict_rows_per_s, `ours: predictProba on one thread, from the feature matrix${peerSays('XGBoost predict_proba of the 2-thread model above (n_jobs=2: two threads), dense input')}`));
  const latNote = `raw RFC-822 → P(spam) with the GBM above; ours: MIME parse + all 5 feature views${peerSays('email.parser for the text + the 24 dense features computed from the e-mail\'s processed columns (looked up, where ours parses them from the raw message) + TfidfVectorizer.transform + XGBoost')}`;
  figures.push(figure('latency_p50_ms', `single e-mail latency p50 (${kernels.extra.latency.emails} test e-mails × passes)`, 'ms', 'lower', k.latency_p50_ms, peer?.latency_p50_ms, latNote));
  figures.push(figure('latency_p99_ms', 'single e-mail latency p99', 'ms', 'lower', k.latency_p99_ms, peer?.latency_p99_ms));
  figures.push(figure('auc', `ROC AUC on ${kernels.extra.auc.n.toLocaleString('en')} scores`, 's', 'lower', k.auc, peer?.auc_1e6));
  figures.push(figure('pool_task_ms', 'exec pool overhead per no-op task (1 worker)', 'ms', 'lower', k.pool_task_ms, null));
  figures.push(figure('study_trial_ms', 'HPO overhead per no-op trial (runStudy, 2 workers)', 'ms', 'lower', k.study_trial_ms, null));
  for (const r of scaling) {
    const warm = r.mode === 'warm';
    figures.push(
      figure(
        `hpo_trials_per_s_${r.workers}w${warm ? '_warm' : ''}`,
        `HPO throughput, ${r.workers} worker(s), ${s.scaling.trials} trials, compact space${warm ? ', warm pool' : ''}`,
        'trials/s',
        'higher',
        r.trialsPerSecond,
        null,
        warm
          ? `one pool per worker count that has run ${s.scaling.warmUp} untimed studies of the same space (other seeds) first; worker counts alternated, ${s.scaling.reps} studies each`
          : `each study starts its own threads (thread start, module loading, compilation in every study); worker counts alternated, ${s.scaling.reps} studies each`,
      ),
    );
  }

  const machineEnd = machineInfo();
  const results = {
    schema: 'train-spam-bench/1',
    mode: o.quick ? 'quick' : 'full',
    machine: { ...machineStart, loadavgEnd: machineEnd.loadavg },
    settings: { ...s, workers: o.workers },
    data: dataInfo,
    figures,
    quality: {
      ours: e2e?.quality ?? null,
      peer: peer?.quality ? { ...peer.quality, best_model: peer.quality.best_family } : null,
      kernels: {
        ours: { gbm_test_auc: kernels.extra.gbm.testAuc, logistic_test_auc: kernels.extra.logistic.testAuc, logistic_iterations: kernels.extra.logistic.iterations },
        peer: peer ? { gbm_test_auc: peer.gbm_test_auc, logistic_test_auc: peer.logistic_test_auc } : null,
      },
    },
    e2e: e2e ? { steps: e2e.steps, exitCode: e2e.exitCode } : null,
    workerScaling: scaling.map((r) => ({ workers: r.workers, mode: r.mode, seconds: r.seconds, speedup: r.speedup, bestScore: r.bestScore })),
    // fingerprint: what the peer's work was (script, input, versions), so that a later run knows
    // whether the peer's times can take the machine's drift out of ours (compare.mjs)
    peer: peer
      ? { python: peer.python, sklearn: peer.sklearn, xgboost: peer.xgboost, fingerprint: peerFingerprint(peerInput(m, shared, peerOpts), peer), e2eRuns: peer.e2e_runs }
      : { skipped: peerSkipped },
  };
  return results;
}

export function render(results, cmp) {
  const mc = results.machine;
  const lines = [];
  lines.push(`train-spam bench (${results.mode}) — absolute times are this machine's: ${mc.hostname}, ${mc.cores} cores (${mc.cpuModel}), node ${mc.node}, ${mc.date}; load average ${mc.loadavg.join(' ')} at start, ${mc.loadavgEnd.join(' ')} at end`);
  const d = results.data;
  lines.push(`data: ${d.file}, ${d.rows} e-mails → train ${d.trainRows} / test ${d.testRows}, ${d.features} features (${d.denseCols} dense + ${d.features - d.denseCols} TF-IDF)`);
  if (results.peer.skipped) lines.push(`peer: skipped (${results.peer.skipped})`);
  else lines.push(`peer: Python ${results.peer.python}, scikit-learn ${results.peer.sklearn}, XGBoost ${results.peer.xgboost}`);
  lines.push('');
  lines.push(formatFigureTable(results.figures));
  lines.push(...formatNotes(results.figures));
  lines.push('');
  lines.push('model quality (tuned model of the end-to-end run, test split):');
  lines.push(formatQuality(results.quality));
  const kq = results.quality.kernels;
  lines.push(`kernel models, test AUC: GBM ours ${kq.ours.gbm_test_auc.toFixed(5)}${kq.peer ? ` / XGBoost ${kq.peer.gbm_test_auc.toFixed(5)}` : ''}; logistic ours ${kq.ours.logistic_test_auc.toFixed(5)}${kq.peer ? ` / sklearn ${kq.peer.logistic_test_auc.toFixed(5)}` : ''}`);
  if (results.workerScaling.length > 1) {
    for (const mode of ['cold', 'warm']) {
      // results of older runs carry no mode: they are cold
      const rows = results.workerScaling.filter((r) => (r.mode ?? 'cold') === mode);
      if (rows.length > 1) lines.push(`worker scaling (${mode === 'warm' ? 'warm pool' : 'own threads per study'}): ${rows.map((r) => `${r.workers} w ${r.seconds.median.toFixed(2)} s (×${r.speedup.toFixed(2)})`).join(', ')}`);
    }
  }
  if (results.e2e) lines.push(`end-to-end steps (last run, s): ${Object.entries(results.e2e.steps).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}; exit ${results.e2e.exitCode}`);
  lines.push('');
  lines.push(formatComparison(cmp));
  return lines.join('\n');
}

/**
 * The baseline to compare with, read before anything is measured: a file named with --baseline
 * must exist and every baseline must parse, or the run stops at once instead of after ten minutes
 * of measuring (a missing default baseline only skips the comparison).
 */
export function readBaseline(file, explicit) {
  if (!existsSync(file)) {
    if (explicit) throw new Error(`bench: --baseline ${file}: no such file`);
    return null;
  }
  try {
    const b = JSON.parse(readFileSync(file, 'utf8'));
    if (!b || typeof b !== 'object' || !Array.isArray(b.figures)) throw new Error('no figures[] (not a bench results file)');
    return b;
  } catch (e) {
    throw new Error(`bench: baseline ${file} cannot be used: ${e.message}`);
  }
}

/** `file` itself when free, else the same name with -2, -3, ... before .json: a run never replaces another's results. */
export function freeResultPath(file) {
  if (!existsSync(file)) return file;
  const base = file.replace(/\.json$/, '');
  for (let k = 2; ; k++) if (!existsSync(`${base}-${k}.json`)) return `${base}-${k}.json`;
}

/** Written whole or not at all (a temporary sibling renamed into place). */
function writeJsonAtomic(file, value) {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export async function main(argv = process.argv.slice(2)) {
  const o = parseArgs(argv);
  if (o.help) {
    process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
    return 0;
  }
  const resultsDir = path.join(here, 'results');
  const baselinePath = o.baseline ?? path.join(resultsDir, o.quick ? 'baseline-quick.json' : 'baseline.json');
  const baseline = readBaseline(baselinePath, o.baseline !== null);
  const results = await runBench(o);
  mkdirSync(resultsDir, { recursive: true });
  const cmp = compareToBaseline(results, baseline);
  results.comparison = { baseline: path.relative(ROOT, baselinePath), ...cmp };
  const out = o.out ?? freeResultPath(path.join(resultsDir, resultFileName(results.machine, results.mode)));
  writeJsonAtomic(out, results);
  if (o.saveBaseline) writeJsonAtomic(baselinePath, { ...results, comparison: undefined });
  process.stdout.write(render(results, cmp) + '\n');
  process.stdout.write(`\nresults: ${path.relative(process.cwd(), out)}${o.saveBaseline ? `; baseline saved to ${path.relative(process.cwd(), baselinePath)}` : ''}\n`);
  return o.failOnRegression && cmp.comparable && cmp.regressions.length > 0 ? 3 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`${e?.stack ?? e}\n`);
      process.exitCode = 1;
    },
  );
}

