#!/usr/bin/env node
/**
 * Logistic regression fit: ours vs scikit-learn's lbfgs on the SAME SpamAssassin matrix, in one run,
 * wall time and CPU time (process.cpuUsage / time.process_time) side by side.
 *
 *   npx tsc -p tsconfig.build.json --outDir bench/results/tmp/<you>/dist
 *   TRAIN_SPAM_BENCH_DIST=bench/results/tmp/<you>/dist node bench/logistic.bench.mjs
 *     [--reps=7] [--C=1] [--max_iter=100] [--no-peer] [--threads=1] [--cache=DIR] [--json]
 *
 * The matrix: datasets/processed/emails/all_emails.parquet through the feature pipeline, rows shuffled
 * with seed 2024, first 80 % train (as bench/models.bench.mjs). It is cached as raw files in --cache
 * (default bench/results/tmp/logistic-bench-matrix) so later runs skip the feature pipeline.
 * Variants (each ours and sklearn's):
 *   raw      — the matrix as it is (ours: scale_dense false), sklearn on a dense numpy array (as
 *              bench/models.bench.mjs's peer) and on a scipy CSR matrix (what a scikit-learn user
 *              passes: TfidfVectorizer output);
 *   scaled   — ours with scale_dense true (the default); sklearn on the same matrix with the dense
 *              columns standardised beforehand (scaling time not counted), dense array and CSR.
 * The peer is pinned to --threads BLAS threads (default 1) so CPU time compares like with like.
 * Our timings: 1 warm-up, then --reps fits alternating the variants; medians printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadMatrix, saveMatrix } from './lib/matrix-files.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const distDir = path.resolve(root, process.env.TRAIN_SPAM_BENCH_DIST ?? 'dist');
const imp = (p) => import(pathToFileURL(path.join(distDir, p)).href);
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const opt = (name, dflt) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const reps = Number(opt('reps', 7));
const C = Number(opt('C', 1));
const maxIter = Number(opt('max_iter', 100));
const threads = Number(opt('threads', 1));
const cacheDir = path.resolve(root, opt('cache', 'bench/results/tmp/logistic-bench-matrix'));
const PY = '/usr/bin/python3';

const matrixModule = await imp('core/matrix.js');
const { selectRows } = matrixModule;
const { Rng } = await imp('core/random.js');
const { LogisticRegression } = await imp('models/logistic/index.js');
const { rocAuc } = await imp('models/gbm/evaluation.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function spamMatrix() {
  if (existsSync(path.join(cacheDir, 'matrix.json'))) return loadMatrix(cacheDir, matrixModule);
  const file = path.join(root, 'datasets/processed/emails/all_emails.parquet');
  if (!existsSync(file)) throw new Error(`${file} not found (run train-spam prepare) and no cache in ${cacheDir}`);
  const { loadEmailTable } = await imp('io/email-table.js');
  const { fitTransformFeaturePipeline } = await imp('features/pipeline.js');
  const { records } = await loadEmailTable(file);
  const order = new Rng(2024).permutation(records.length);
  const shuffled = Array.from(order, (i) => records[i]);
  const labels = Uint8Array.from(shuffled, (r) => (r.label ? 1 : 0));
  const { matrix } = fitTransformFeaturePipeline(shuffled, labels);
  const ds = { X: matrix, y: labels, nTrain: Math.floor(records.length * 0.8) };
  saveMatrix(ds, cacheDir);
  return ds;
}

const PEER = String.raw`
import json, os, sys, time
import numpy as np, scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
d = sys.argv[1]; C = float(sys.argv[2]); max_iter = int(sys.argv[3]); reps = int(sys.argv[4])
meta = json.load(open(os.path.join(d, 'matrix.json')))
n, dc, sc, nt = meta['rows'], meta['denseCols'], meta['sparseCols'], meta['nTrain']
dense = np.fromfile(os.path.join(d, 'dense.f64'), dtype='<f8').reshape(n, dc)
S = sp.csr_matrix((np.fromfile(os.path.join(d, 'values.f64'), dtype='<f8'), np.fromfile(os.path.join(d, 'indices.i32'), dtype='<i4'),
                   np.fromfile(os.path.join(d, 'indptr.i32'), dtype='<i4')), shape=(n, sc))
y = np.fromfile(os.path.join(d, 'y.u8'), dtype='u1').astype(np.int64)
Xd = np.hstack([dense, S.toarray()])
mu = dense[:nt].mean(0); sd = dense[:nt].std(0); sd[sd <= 1e-12] = 1
Xs = np.hstack([(dense - mu) / sd, S.toarray()])
Xcsr = sp.csr_matrix(Xd)
Xscsr = sp.csr_matrix(Xs)
out = {'threads_env': os.environ.get('OPENBLAS_NUM_THREADS')}
for name, X in [('raw_dense', Xd), ('raw_csr', Xcsr), ('scaled_dense', Xs), ('scaled_csr', Xscsr)]:
    Xtr, Xte = X[:nt], X[nt:]
    walls, cpus = [], []
    m = None
    for r in range(reps + 1):
        t0 = time.perf_counter(); c0 = time.process_time()
        m = LogisticRegression(C=C, max_iter=max_iter).fit(Xtr, y[:nt])
        if r > 0:
            walls.append(time.perf_counter() - t0); cpus.append(time.process_time() - c0)
    out[name] = {'wall': walls, 'cpu': cpus, 'n_iter': int(m.n_iter_[0]), 'auc': float(roc_auc_score(y[nt:], m.predict_proba(Xte)[:, 1]))}
print(json.dumps(out))
`;

function runPeer() {
  if (flag('no-peer') || !existsSync(PY)) return null;
  const n = String(threads);
  const env = { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n, MKL_NUM_THREADS: n };
  const r = spawnSync(PY, ['-c', PEER, cacheDir, String(C), String(maxIter), String(reps)], { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.error(`peer failed: ${r.stderr.slice(-2000)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const ds = await spamMatrix();
const tr = Array.from({ length: ds.nTrain }, (_, i) => i);
const te = Array.from({ length: ds.X.rows - ds.nTrain }, (_, i) => ds.nTrain + i);
const train = { X: selectRows(ds.X, tr), y: ds.y.slice(0, ds.nTrain) };
const test = { X: selectRows(ds.X, te), y: ds.y.slice(ds.nTrain) };

const variants = { raw: { scale_dense: false }, scaled: { scale_dense: true } };
const ours = {};
for (const v of Object.keys(variants)) ours[v] = { wall: [], cpu: [], out: null };
const load0 = loadavg()[0];
for (let r = 0; r <= reps; r++) {
  for (const [v, extra] of Object.entries(variants)) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const fitted = await new LogisticRegression({ C, max_iter: maxIter, ...extra }).fit(train, { seed: 1 });
    const c = process.cpuUsage(c0);
    const wall = (performance.now() - t0) / 1000;
    if (r > 0) {
      ours[v].wall.push(wall);
      ours[v].cpu.push((c.user + c.system) / 1e6);
    }
    ours[v].out = fitted;
  }
}
const peer = runPeer();
const load1 = loadavg()[0];

const fmt = (s) => (s < 0.1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(3)} s`);
const result = { rows: train.X.rows, cols: train.X.dense.cols + train.X.sparse.cols, C, maxIter, reps, load: [load0, load1], cores: cpus().length, ours: {}, peer: {} };
for (const [v, o] of Object.entries(ours)) {
  result.ours[v] = { wall: median(o.wall), cpu: median(o.cpu), iterations: o.out.iterations, converged: o.out.converged, auc: rocAuc(test.y, o.out.predictProba(test.X)) };
}
if (peer) for (const k of ['raw_dense', 'raw_csr', 'scaled_dense', 'scaled_csr']) result.peer[k] = { wall: median(peer[k].wall), cpu: median(peer[k].cpu), iterations: peer[k].n_iter, auc: peer[k].auc };

if (flag('json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`SpamAssassin train ${result.rows} × ${result.cols}, C=${C}, max_iter=${maxIter}, medians of ${reps}, load ${load0.toFixed(2)} → ${load1.toFixed(2)}, peer BLAS threads ${threads}`);
  for (const [v, o] of Object.entries(result.ours)) {
    console.log(`ours ${v.padEnd(13)} wall ${fmt(o.wall).padStart(9)}  cpu ${fmt(o.cpu).padStart(9)}  it ${String(o.iterations).padStart(3)}  AUC ${o.auc.toFixed(5)}`);
  }
  for (const [k, o] of Object.entries(result.peer)) {
    console.log(`sklearn ${k.padEnd(10)} wall ${fmt(o.wall).padStart(9)}  cpu ${fmt(o.cpu).padStart(9)}  it ${String(o.iterations).padStart(3)}  AUC ${o.auc.toFixed(5)}`);
  }
  if (peer) {
    const r = result.ours.raw;
    const s = result.ours.scaled;
    for (const form of ['dense', 'csr']) {
      const pr = result.peer[`raw_${form}`];
      const ps = result.peer[`scaled_${form}`];
      console.log(`ratio sklearn(${form})/ours, >1 = ours faster: raw wall ${(pr.wall / r.wall).toFixed(2)} cpu ${(pr.cpu / r.cpu).toFixed(2)}; scaled wall ${(ps.wall / s.wall).toFixed(2)} cpu ${(ps.cpu / s.cpu).toFixed(2)}`);
    }
  }
}
