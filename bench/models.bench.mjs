#!/usr/bin/env node
/**
 * Model benchmarks: GBM fit (200 trees, depth 6, 255 bins), logistic fit, batch prediction, on
 *   - the fixture matrix (800 × 500 TF-IDF, ../shared/fixtures/sklearn),
 *   - a synthetic 6k × (24 dense + 500 sparse at ~8 % density) matrix,
 *   - the synthetic matrix replicated 10× with jitter (60k rows),
 *   - the real SpamAssassin matrix (24 dense + 500 TF-IDF columns from the feature pipeline) when
 *     datasets/processed/emails/all_emails.parquet exists (`train-spam prepare` writes it); rows are
 *     shuffled with a fixed seed, 80 % train.
 * When /usr/bin/python3 has xgboost / scikit-learn, bench/peers/models_peer.py runs on the SAME
 * matrix (raw binary files in a temp dir) with the same parameters; ours, peer, ratio and the test
 * AUC of both are printed side by side.
 *
 * With the peer, our GBM fit and XGBoost's (same matrix, same thread count) also run back to back in
 * pairs (models_peer.py --serve keeps one Python process with the matrix loaded), and the ratio of
 * each pair is printed: the fairest figure on a machine whose speed drifts (not on x10).
 * Run after `npm run build`:  node bench/models.bench.mjs [--quick] [--json] [--no-peer] [--no-interleave] [--only=fixture,spam,synthetic,x10]
 *   [--gbm-kernel=both|native|typescript] (default both: the native kernel when built — npm run build:native — on one
 *   and on two threads, then the TypeScript kernel, fits alternated; ratios against the peer use the first). TRAIN_SPAM_BENCH_DIST picks the compiled tree.
 *   [--save-spam=DIR [--save-only]] writes the SpamAssassin matrix as raw files; [--spam-from=DIR] reads it back
 *   (to benchmark on a machine without the corpus or node_modules).
 * Timings: one warm-up run, then the median (and min–max) of --reps runs (default 5).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadMatrix, saveMatrix } from './lib/matrix-files.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// The compiled tree: TRAIN_SPAM_BENCH_DIST (relative to the repository root) or dist/.
const distDir = path.resolve(here, '..', process.env.TRAIN_SPAM_BENCH_DIST ?? 'dist');
const imp = (p) => import(pathToFileURL(path.join(distDir, p)).href);
const matrixModule = await imp('core/matrix.js');
const { denseMatrix, featureMatrix, selectRows } = matrixModule;
const { Rng } = await imp('core/random.js');
const { GradientBoosting } = await imp('models/gbm/index.js');
const { rocAuc } = await imp('models/gbm/evaluation.js');
const { LogisticRegression } = await imp('models/logistic/index.js');
const { loadNativeGbmKernel } = await imp('exec/native-gbm.js');
const { typescriptKernel } = await imp('models/gbm/kernel.js');
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name, dflt) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const quick = flag('quick');
const reps = Number(opt('reps', quick ? 3 : 5));
const only = opt('only', 'fixture,spam,synthetic,x10').split(',');
const PY = '/usr/bin/python3';
const gbmKernelOpt = opt('gbm-kernel', 'both');
const nativeKernel = gbmKernelOpt === 'typescript' ? null : loadNativeGbmKernel({ env: {} });
const nativeKernel2 = nativeKernel ? loadNativeGbmKernel({ env: {}, threads: 2 }) : null;
if (gbmKernelOpt === 'native' && !nativeKernel) throw new Error('--gbm-kernel=native: the native GBM kernel is not built or does not load (npm run build:native)');
const gbmKernels = [...(nativeKernel ? [nativeKernel] : []), ...(nativeKernel2 ? [nativeKernel2] : []), ...(gbmKernelOpt === 'native' ? [] : [typescriptKernel])];

const GBM = { n_estimators: 200, max_depth: 6, learning_rate: 0.1, reg_lambda: 1, min_child_weight: 1, max_bins: 255 };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function time(fn, n, warm = 1) {
  let out;
  for (let i = 0; i < warm; i++) out = await fn();
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    out = await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return { times: ts, median: median(ts), min: Math.min(...ts), max: Math.max(...ts), out };
}

/** Like time(), for several functions run in turn (order reversed every round), with CPU time medians. */
async function timeAlternating(fns, n, warm = 1) {
  const res = fns.map(() => ({ times: [], cpu: [], out: undefined }));
  for (let i = 0; i < warm + n; i++) {
    const order = fns.map((_, j) => j);
    if (i % 2) order.reverse();
    for (const j of order) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      res[j].out = await fns[j]();
      const wall = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      if (i >= warm) {
        res[j].times.push(wall);
        res[j].cpu.push((c.user + c.system) / 1e6);
      }
    }
  }
  return res.map((r) => ({ ...r, median: median(r.times), min: Math.min(...r.times), max: Math.max(...r.times), cpuMedian: median(r.cpu) }));
}

function fixtureMatrix() {
  const dir = path.resolve(here, '../../shared/fixtures/sklearn');
  const tf = JSON.parse(readFileSync(path.join(dir, 'tfidf-spam-pipeline.json'), 'utf8'));
  const models = JSON.parse(readFileSync(path.join(dir, 'models.json'), 'utf8'));
  const m = tf.matrix;
  const [rows, cols] = m.shape;
  const sparse = { rows, cols, indptr: Int32Array.from(m.indptr), indices: Int32Array.from(m.indices), data: Float64Array.from(m.data) };
  return { X: featureMatrix(denseMatrix(rows, 0), sparse, tf.vocabulary), y: Uint8Array.from(models.y), nTrain: models.n_train };
}

/** 6k × (24 dense + 500 sparse), ~8 % sparse density, labels from a noisy logistic model. */
function syntheticMatrix(rows = 6000, dc = 24, sc = 500, density = 0.08, seed = 42) {
  const rng = new Rng(seed);
  const dense = new Float64Array(rows * dc);
  const indptr = new Int32Array(rows + 1);
  const idx = [];
  const val = [];
  const wD = Array.from({ length: dc }, () => rng.normal() * 0.6);
  const wS = Array.from({ length: sc }, () => (rng.next() < 0.2 ? rng.normal() * 2 : 0));
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let z = -0.3;
    for (let j = 0; j < dc; j++) {
      // mixture of counts, lengths and ratios, some with exact zeros
      const v = j % 3 === 0 ? Math.floor(rng.next() * 20) : j % 3 === 1 ? Math.log1p(rng.next() * 5000) : rng.next() < 0.3 ? 0 : rng.next();
      dense[r * dc + j] = v;
      z += wD[j] * (v - (j % 3 === 1 ? 7 : 0.5)) * 0.3;
    }
    for (let c = 0; c < sc; c++) {
      if (rng.next() < density) {
        const v = 0.05 + rng.next() * 0.5;
        idx.push(c);
        val.push(v);
        z += wS[c] * v * 3;
      }
    }
    indptr[r + 1] = idx.length;
    y[r] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const names = [...Array.from({ length: dc }, (_, j) => `d${j}`), ...Array.from({ length: sc }, (_, j) => `t${j}`)];
  const X = featureMatrix(denseMatrix(rows, dc, dense), { rows, cols: sc, indptr, indices: Int32Array.from(idx), data: Float64Array.from(val) }, names);
  return { X, y, nTrain: Math.floor(rows * 0.8) };
}

/** Replicates rows `times` times, multiplying every non-zero by (1 + 0.01·N(0,1)); shuffled rows. */
function replicated(base, times, seed = 7) {
  const rng = new Rng(seed);
  const n = base.X.rows * times;
  const order = rng.permutation(n);
  const src = Array.from(order, (i) => i % base.X.rows);
  const X = selectRows(base.X, src);
  for (let i = 0; i < X.dense.data.length; i++) if (X.dense.data[i] !== 0) X.dense.data[i] *= 1 + 0.01 * rng.normal();
  for (let i = 0; i < X.sparse.data.length; i++) X.sparse.data[i] *= 1 + 0.01 * rng.normal();
  const y = Uint8Array.from(src, (r) => base.y[r]);
  return { X, y, nTrain: Math.floor(n * 0.8) };
}

/** The SpamAssassin corpus through the project's feature pipeline (null when not prepared). */
async function spamMatrix() {
  const saved = opt('spam-from', '');
  if (saved) return loadMatrix(saved, matrixModule);
  const file = path.resolve(here, '../datasets/processed/emails/all_emails.parquet');
  if (!existsSync(file)) return null;
  const { loadEmailTable } = await imp('io/email-table.js');
  const { fitTransformFeaturePipeline } = await imp('features/pipeline.js');
  const { records } = await loadEmailTable(file);
  const order = new Rng(2024).permutation(records.length);
  const shuffled = Array.from(order, (i) => records[i]);
  const labels = Uint8Array.from(shuffled, (r) => (r.label ? 1 : 0));
  const { matrix } = fitTransformFeaturePipeline(shuffled, labels);
  return { X: matrix, y: labels, nTrain: Math.floor(records.length * 0.8) };
}

function split(ds) {
  const tr = Array.from({ length: ds.nTrain }, (_, i) => i);
  const te = Array.from({ length: ds.X.rows - ds.nTrain }, (_, i) => ds.nTrain + i);
  return { train: { X: selectRows(ds.X, tr), y: ds.y.slice(0, ds.nTrain) }, test: { X: selectRows(ds.X, te), y: ds.y.slice(ds.nTrain) } };
}

function peerAvailable() {
  if (flag('no-peer') || !existsSync(PY)) return false;
  return spawnSync(PY, ['-c', 'import sklearn, scipy, numpy'], { encoding: 'utf8' }).status === 0;
}

/** A temp dir with the matrix as raw files and the peer's meta.json (the caller removes it). */
function writePeerDir(ds, gbmReps, lrReps) {
  const dir = mkdtempSync(path.join(tmpdir(), 'models-bench-'));
  saveMatrix(ds, dir);
  const { X } = ds;
  const meta = {
    rows: X.rows,
    denseCols: X.dense.cols,
    sparseCols: X.sparse.cols,
    nTrain: ds.nTrain,
    gbm: { ...GBM, max_bin: GBM.max_bins + 1 },
    threads: [1, 2],
    gbmReps,
    logisticReps: lrReps,
    logistic: { C: 1, max_iter: 100 },
  };
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
  return dir;
}

function runPeer(ds, gbmReps, lrReps) {
  if (!peerAvailable()) return null;
  const dir = writePeerDir(ds, gbmReps, lrReps);
  try {
    const r = spawnSync(PY, [path.join(here, 'peers/models_peer.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      console.error(`peer failed: ${r.stderr.slice(-2000)}`);
      return null;
    }
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The peer in serve mode (models_peer.py --serve) on the same matrix, for single fits on request:
 * `fit(threads)` resolves to { seconds, cpu_seconds, auc } of one XGBoost fit. Null when unavailable.
 */
function startPeerServer(ds) {
  if (!peerAvailable()) return null;
  const dir = writePeerDir(ds, 1, 1);
  const child = spawn(PY, [path.join(here, 'peers/models_peer.py'), dir, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const waiting = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      waiting.shift()?.resolve(JSON.parse(line));
    }
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`models_peer.py --serve exited (${code})`));
  });
  return {
    fit: (threads) =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(JSON.stringify({ op: 'gbm', threads }) + '\n');
      }),
    close: () => {
      child.stdin.end(JSON.stringify({ op: 'quit' }) + '\n');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Our GBM fit and XGBoost's on the same matrix and thread count, back to back, `pairs` times (who
 * goes first alternates): the ratio of each pair is measured within seconds, so the slow phases of
 * this VM (minutes long) fall on both sides of a pair. Our kernels are warm (timeAlternating ran).
 */
async function interleavedGbm(train, server, pairs) {
  const sides = [
    [nativeKernel2, 2],
    [nativeKernel, 1],
  ].filter(([k]) => k);
  const out = [];
  for (const [kernel, threads] of sides) {
    const ours = [];
    const peer = [];
    for (let i = 0; i < pairs; i++) {
      const mine = async () => {
        const t0 = performance.now();
        await new GradientBoosting(GBM).fit(train, { seed: 1, kernels: { gbm: kernel } });
        ours.push((performance.now() - t0) / 1000);
      };
      const theirs = async () => peer.push((await server.fit(threads)).seconds);
      if (i % 2) {
        await theirs();
        await mine();
      } else {
        await mine();
        await theirs();
      }
    }
    const ratios = peer.map((p, i) => p / ours[i]);
    out.push({ kernel: kernel.name, threads, pairs, ours, peer, ratios, oursMedian: median(ours), peerMedian: median(peer), ratioMedian: median(ratios) });
  }
  return out;
}

const fmt = (s) => (s < 0.1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(3)} s`);
const spread = (t) => `${fmt(t.median)} (${fmt(t.min)}–${fmt(t.max)})`;

async function benchOne(name, ds, gbmReps) {
  const { train, test } = split(ds);
  const nnz = ds.X.sparse.indptr[ds.X.rows];
  const row = { matrix: name, rows: ds.X.rows, cols: ds.X.dense.cols + ds.X.sparse.cols, sparseNnz: nnz };
  console.error(`# ${name}: ${ds.X.rows} rows × ${row.cols} cols (${ds.X.dense.cols} dense + ${ds.X.sparse.cols} sparse, ${nnz} sparse non-zeros)`);
  const gbms = await timeAlternating(gbmKernels.map((k) => () => new GradientBoosting(GBM).fit(train, { seed: 1, kernels: { gbm: k } })), gbmReps);
  const gbm = gbms[0];
  const gModel = gbm.out;
  const sameForest = gbms.every((g) => JSON.stringify(Array.from(g.out.forest.value)) === JSON.stringify(Array.from(gModel.forest.value)));
  const gAuc = rocAuc(test.y, gModel.predictProba(test.X));
  const lr = await time(() => new LogisticRegression({ C: 1 }).fit(train, { seed: 1 }), Math.max(reps, 5) + 2);
  const lAuc = rocAuc(test.y, lr.out.predictProba(test.X));
  const pred = await time(() => gModel.predictProba(ds.X), 5);
  const lpred = await time(() => lr.out.predictProba(ds.X), 5);
  Object.assign(row, {
    gbm: { median_s: gbm.median, min_s: gbm.min, max_s: gbm.max, cpu_median_s: gbm.cpuMedian, runs: gbm.times.length, auc: gAuc, trees: gModel.iterations, kernel: gModel.kernel },
    gbm_kernels: gbms.map((g) => ({ kernel: g.out.kernel, median_s: g.median, min_s: g.min, max_s: g.max, cpu_median_s: g.cpuMedian })),
    gbm_kernels_same_forest: sameForest,
    logistic: { median_s: lr.median, min_s: lr.min, max_s: lr.max, runs: lr.times.length, auc: lAuc, iterations: lr.out.iterations },
    gbm_predict_rows_per_s: ds.X.rows / pred.median,
    logistic_predict_rows_per_s: ds.X.rows / lpred.median,
  });
  const peer = runPeer(ds, name === 'x10' ? 1 : quick ? 1 : 3, 5);
  row.peer = peer;
  // back-to-back pairs with XGBoost (not on x10: its XGBoost fits take minutes here)
  const server = name !== 'x10' && !flag('no-interleave') && nativeKernel ? startPeerServer(ds) : null;
  if (server) {
    try {
      row.gbm_interleaved = await interleavedGbm(train, server, quick ? 2 : gbmReps);
    } finally {
      server.close();
    }
  }
  const lines = [];
  lines.push(`## ${name} (${ds.X.rows}×${row.cols}, train ${ds.nTrain})`);
  for (const g of gbms) lines.push(`GBM fit 200 trees d6: ours, ${g.out.kernel} kernel: ${spread(g)}, CPU ${fmt(g.cpuMedian)}  test AUC ${rocAuc(test.y, g.out.predictProba(test.X)).toFixed(5)}`);
  if (gbms.length > 1) lines.push(`   kernels trained ${sameForest ? 'identical' : 'DIFFERENT'} forests; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  if (peer) {
    for (const t of [1, 2]) {
      const p = peer[`xgboost_${t}t`];
      if (!p) continue;
      const m = median(p.times);
      // Same thread count on both sides when we have it: native (1) vs native-2t (2).
      const mine = gbms.find((g) => g.out.kernel === (t === 2 ? 'native-2t' : 'native')) ?? gbm;
      lines.push(`   xgboost ${peer.xgboost_version} hist ${t} thread(s): ${fmt(m)} (runs ${p.times.length})  AUC ${p.auc?.toFixed(5)}  → ours (${mine.out.kernel}) ${(m / mine.median).toFixed(1)}× faster`);
    }
    if (peer.xgboost_error) lines.push(`   xgboost unavailable: ${peer.xgboost_error}`);
  }
  for (const p of row.gbm_interleaved ?? []) {
    lines.push(`   back to back with xgboost, ${p.threads} thread(s), ${p.pairs} pairs: ours (${p.kernel}) ${fmt(p.oursMedian)}, xgboost ${fmt(p.peerMedian)}; ` +
      `ratio per pair median ${p.ratioMedian.toFixed(1)}× (${Math.min(...p.ratios).toFixed(1)}–${Math.max(...p.ratios).toFixed(1)}×)`);
  }
  lines.push(`Logistic fit (C=1): ours ${spread(lr)}  iterations ${lr.out.iterations}  test AUC ${lAuc.toFixed(5)}`);
  if (peer?.sklearn_logistic) {
    const p = peer.sklearn_logistic;
    const m = median(p.times);
    lines.push(`   sklearn lbfgs: ${fmt(m)}  n_iter ${p.n_iter}  AUC ${p.auc?.toFixed(5)}  → ours ${(m / lr.median).toFixed(1)}× faster`);
  }
  lines.push(`Batch predict (all ${ds.X.rows} rows): GBM ${Math.round(row.gbm_predict_rows_per_s).toLocaleString('en')} rows/s, logistic ${Math.round(row.logistic_predict_rows_per_s).toLocaleString('en')} rows/s` +
    (peer?.xgboost_2t ? `; xgboost ${Math.round(peer.xgboost_2t.predict_rows_per_s).toLocaleString('en')} rows/s` : ''));
  console.log(lines.join('\n'));
  return row;
}

const results = [];
const syn = only.includes('synthetic') || only.includes('x10') ? syntheticMatrix() : null;
if (only.includes('fixture')) results.push(await benchOne('fixture', fixtureMatrix(), reps));
if (only.includes('spam')) {
  const spam = await spamMatrix().catch((e) => (console.error(`spam matrix unavailable: ${e.message}`), null));
  const saveTo = opt('save-spam', '');
  if (spam && saveTo) saveMatrix(spam, saveTo);
  if (spam && !flag('save-only')) results.push(await benchOne('spam', spam, reps));
  if (!spam) console.error('# spam: datasets/processed/emails/all_emails.parquet not found (run train-spam prepare); skipped');
}
if (only.includes('synthetic') && syn) results.push(await benchOne('synthetic', syn, reps));
if (only.includes('x10') && syn) results.push(await benchOne('x10', replicated(syn, 10), quick ? 1 : 3));
if (flag('json')) console.log(JSON.stringify({ node: process.version, results }, null, 2));
