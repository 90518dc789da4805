// MLP training and prediction speed on a synthetic 6k x 524 matrix (24 dense + 500 sparse columns,
// ~8% density in the sparse block).
//   npm run build && node bench/mlp.bench.mjs [--backend wasm|cpu|tensorflow] [--hidden 64[,32]]
//     [--epochs 10] [--batch 128] [--rows 6000] [--density 0.08]
// Prints one JSON object.
import { performance } from 'node:perf_hooks';
import { selectRows } from '../dist/core/matrix.js';
import { rocAuc } from '../dist/metrics/index.js';
import { syntheticData } from '../dist/models/conformance.js';
import { MlpClassifier, tfRuntime } from '../dist/models/mlp/index.js';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const rows = Number(args.rows ?? 6000);
const hidden = String(args.hidden ?? '64').split(',').map(Number);
const epochs = Number(args.epochs ?? 10);
const batch = Number(args.batch ?? 128);
const density = Number(args.density ?? 0.08);

const t0 = performance.now();
const rt = await tfRuntime(args.backend);
const initMs = performance.now() - t0;

const train = syntheticData({ rows, seed: 1, denseCols: 24, sparseCols: 500, density });
const test = syntheticData({ rows: 2000, seed: 2, denseCols: 24, sparseCols: 500, density });

const epochMs = [];
let last = performance.now();
const t1 = performance.now();
const c1 = process.cpuUsage();
const fitted = await new MlpClassifier({ hidden_layers: hidden, epochs, batch_size: batch }).fit(train, {
  seed: 7,
  onIteration: () => {
    const now = performance.now();
    epochMs.push(Math.round(now - last));
    last = now;
  },
});
const fitMs = performance.now() - t1;
const fitCpu = process.cpuUsage(c1);

// Batch prediction throughput: the 6k training matrix, several passes after a warm-up.
fitted.predictProba(train.X);
const passes = 10;
const t2 = performance.now();
const c2 = process.cpuUsage();
for (let i = 0; i < passes; i++) fitted.predictProba(train.X);
const predSec = (performance.now() - t2) / 1000;
const predCpu = process.cpuUsage(c2);

// Single-row latency.
const singles = Array.from({ length: 2000 }, (_, i) => selectRows(test.X, [i % test.X.rows]));
for (const s of singles.slice(0, 200)) fitted.predictProba(s);
const lat = singles.map((s) => {
  const a = performance.now();
  fitted.predictProba(s);
  return performance.now() - a;
});
lat.sort((a, b) => a - b);

console.log(
  JSON.stringify(
    {
      backend: rt.backend,
      backendInitMs: Math.round(initMs),
      rows,
      cols: 524,
      nnz: train.X.sparse.data.length,
      hidden,
      epochs,
      batchSize: batch,
      fitSeconds: +(fitMs / 1000).toFixed(3),
      // CPU time of this process during fit (user + system): less sensitive to other load than wall time.
      fitCpuSeconds: +((fitCpu.user + fitCpu.system) / 1e6).toFixed(3),
      epochMs,
      testAuc: +rocAuc(test.y, fitted.predictProba(test.X)).toFixed(4),
      predictRowsPerSec: Math.round((rows * passes) / predSec),
      predictRowsPerCpuSec: Math.round((rows * passes) / ((predCpu.user + predCpu.system) / 1e6)),
      singleRowMs: { p50: +lat[Math.floor(lat.length * 0.5)].toFixed(4), p99: +lat[Math.floor(lat.length * 0.99)].toFixed(4) },
      node: process.version,
    },
    null,
    2,
  ),
);
