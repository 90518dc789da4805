// MLP training and prediction speed, with a breakdown of where a trial's time goes.
//   npx tsc -p tsconfig.build.json --outDir bench/results/tmp/<you>/dist
//   TRAIN_SPAM_BENCH_DIST=bench/results/tmp/<you>/dist node bench/mlp.bench.mjs
//     [--backend wasm|cpu|tensorflow] [--hidden 128[,64]] [--epochs 28] [--batch 316] [--rows 3900]
//     [--density 0.08] [--dropout 0.1] [--activation relu|tanh] [--reps 3] [--seeds 7[,8,..]] [--spam DIR] [--base DIST]
// Defaults mimic one HPO trial: ~3,900 training rows × 524 columns (24 dense + 500 sparse), a
// validation set of 970 rows reported every epoch (as the HPO runner does), hidden [128], 28 epochs,
// batch 316. --spam DIR uses the SpamAssassin matrix cached by bench/logistic.bench.mjs
// (bench/results/tmp/logistic-bench-matrix) instead of synthetic rows.
// --base DIST runs the same fits with a second build (e.g. the previous commit's) alternately in this
// process and prints both (A/B under the same load).
// Prints one JSON object: backend + SIMD/threads flags, backend init, fit wall/CPU per rep, per-epoch
// wall time, time spent in the iteration callback's validation metrics, batch prediction rate,
// validation AUC/F1 of each fit, single-row predictProba latency, and the load average.
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadMatrix } from './lib/matrix-files.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const distA = path.resolve(root, process.env.TRAIN_SPAM_BENCH_DIST ?? 'dist');
const distB = args.base ? path.resolve(root, args.base) : null;
const load = (dist, p) => import(pathToFileURL(path.join(dist, p)).href);

const rows = Number(args.rows ?? 3900);
const hidden = String(args.hidden ?? '128').split(',').map(Number);
const epochs = Number(args.epochs ?? 28);
const batch = Number(args.batch ?? 316);
const density = Number(args.density ?? 0.08);
const dropout = Number(args.dropout ?? 0.1);
const activation = String(args.activation ?? 'relu');
const reps = Number(args.reps ?? 3);
// Seed of rep r (1-based) is seeds[(r - 1) % seeds.length]; the warm-up uses the first.
const seeds = String(args.seeds ?? '7').split(',').map(Number);

const { selectRows, denseMatrix, featureMatrix } = await load(distA, 'core/matrix.js');
const { rocAuc } = await load(distA, 'metrics/index.js');
const { syntheticData } = await load(distA, 'models/conformance.js');

function spamData(dir) {
  const { X, y, nTrain: trainRows } = loadMatrix(dir, { featureMatrix, denseMatrix });
  // As an HPO trial: 80 % of the training split trains, 20 % validates.
  const nTrain = Math.floor(trainRows * 0.8);
  const tr = Array.from({ length: nTrain }, (_, i) => i);
  const va = Array.from({ length: trainRows - nTrain }, (_, i) => nTrain + i);
  return { train: { X: selectRows(X, tr), y: y.slice(0, nTrain) }, val: { X: selectRows(X, va), y: y.slice(nTrain, trainRows) } };
}

const { train, val } = args.spam
  ? spamData(path.resolve(root, args.spam))
  : {
      train: syntheticData({ rows, seed: 1, denseCols: 24, sparseCols: 500, density }),
      val: syntheticData({ rows: Math.round(rows / 4), seed: 2, denseCols: 24, sparseCols: 500, density }),
    };

function f1(y, p) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const hat = p[i] >= 0.5 ? 1 : 0;
    if (hat && y[i]) tp++;
    else if (hat) fp++;
    else if (y[i]) fn++;
  }
  return (2 * tp) / (2 * tp + fp + fn);
}

const builds = [{ name: 'A', dist: distA }];
if (distB) builds.push({ name: 'B', dist: distB });
for (const b of builds) {
  const mod = await load(b.dist, 'models/mlp/index.js');
  b.MlpClassifier = mod.MlpClassifier;
  const t0 = performance.now();
  b.rt = await mod.tfRuntime(args.backend);
  b.initMs = Math.round(performance.now() - t0);
  b.fits = [];
}
// Both builds share one tfjs engine (one process); flags tell which wasm binary was picked.
const { tf } = builds[0].rt;
const flags = {};
for (const f of ['WASM_HAS_SIMD_SUPPORT', 'WASM_HAS_MULTITHREAD_SUPPORT']) {
  try {
    flags[f] = await tf.env().getAsync(f);
  } catch {
    flags[f] = 'n/a';
  }
}

const load0 = loadavg()[0];
const params = { hidden_layers: hidden, epochs, batch_size: batch, dropout, activation };
for (let r = 0; r <= reps; r++) {
  for (const b of builds) {
    const epochMs = [];
    let last = performance.now();
    let cbMs = 0;
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const seed = seeds[Math.max(0, r - 1) % seeds.length];
    const fitted = await new b.MlpClassifier(params).fit(train, {
      seed,
      validation: val,
      onIteration: () => {
        const now = performance.now();
        epochMs.push(now - last);
        last = now;
      },
    });
    const fitMs = performance.now() - t1;
    const cpu = process.cpuUsage(c1);
    void cbMs;
    const p = fitted.predictProba(val.X);
    const fit = {
      seed,
      fitSeconds: +(fitMs / 1000).toFixed(3),
      fitCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(3),
      epochMsMedian: +[...epochMs].sort((x, y) => x - y)[epochMs.length >> 1].toFixed(1),
      firstEpochMs: +epochMs[0].toFixed(1),
      valAuc: +rocAuc(val.y, p).toFixed(5),
      valF1: +f1(val.y, p).toFixed(5),
    };
    if (r > 0) b.fits.push(fit); // rep 0 warms up
  }
}

// Batch prediction throughput (plain-TS forward pass) on the training rows.
const out = { backend: builds[0].rt.backend, flags, rows: train.X.rows, valRows: val.X.rows, nnz: train.X.sparse.data.length, params, reps, load: [load0] };
for (const b of builds) {
  const fitted = await new b.MlpClassifier({ ...params, epochs: 1 }).fit(train, { seed: 7 });
  fitted.predictProba(train.X);
  const t2 = performance.now();
  for (let i = 0; i < 5; i++) fitted.predictProba(train.X);
  const predictRowsPerSec = Math.round((train.X.rows * 5) / ((performance.now() - t2) / 1000));
  // Single-row latency (the serving path: one e-mail per call).
  const singles = Array.from({ length: 2000 }, (_, i) => selectRows(val.X, [i % val.X.rows]));
  for (const s1 of singles.slice(0, 200)) fitted.predictProba(s1);
  const lat = singles.map((s1) => {
    const a = performance.now();
    fitted.predictProba(s1);
    return performance.now() - a;
  });
  lat.sort((x, y) => x - y);
  const med = (k) => +[...b.fits.map((f) => f[k])].sort((x, y) => x - y)[b.fits.length >> 1];
  out[b.name] = {
    dist: path.relative(root, b.dist),
    backendInitMs: b.initMs,
    median: { fitSeconds: med('fitSeconds'), fitCpuSeconds: med('fitCpuSeconds'), epochMs: med('epochMsMedian') },
    fits: b.fits,
    predictRowsPerSec,
    singleRowMs: { p50: +lat[Math.floor(lat.length * 0.5)].toFixed(4), p99: +lat[Math.floor(lat.length * 0.99)].toFixed(4) },
  };
}
out.load.push(loadavg()[0]);
out.node = process.version;
console.log(JSON.stringify(out, null, 2));
