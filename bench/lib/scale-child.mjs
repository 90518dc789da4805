// One scale measurement in a fresh process: node bench/lib/scale-child.mjs FILE [--trees N]
// The pipeline's data + feature + train path on FILE: load (loadEmailTable → EmailRecord[]),
// split (data-preparation step), features (feature-retrieval step: fit on train, transform both),
// one logistic fit and one GBM fit (N trees, depth 6, 255 bins) on the training matrix, and the
// test evaluation of both (predict + F1/AUC). Prints one JSON line: seconds per phase, peak RSS
// (process.resourceUsage().maxRSS) after each phase, matrix sizes.
import { tmpdir } from 'node:os';
import { benchContext, loadDist } from './ours.mjs';

const file = process.argv[2];
const ti = process.argv.indexOf('--trees');
const trees = ti > 0 ? Number(process.argv[ti + 1]) : 50; // 0 = skip the GBM fit
const m = await loadDist();
const { evaluateBinary } = await import(new URL('../../dist/metrics/evaluation.js', import.meta.url).href);
const ctx = benchContext(m, { dataPath: file, workers: 1, outDir: tmpdir() });
const phases = {};
const peak = {};
const rssMb = () => process.resourceUsage().maxRSS / 1024;
const t = async (name, fn) => {
  const t0 = performance.now();
  const out = await fn();
  phases[name] = (performance.now() - t0) / 1000;
  peak[name] = +rssMb().toFixed(0);
  process.stderr.write(`scale: ${name} ${phases[name].toFixed(1)} s, peak RSS ${peak[name]} MB\n`);
  return out;
};
const data = await t('load+split', () => m.dataStep.dataPreparation(ctx));
const features = await t('features', () => m.featStep.featureRetrieval(ctx, data));
const train = { X: features.train.X, y: features.train.y };
const heapAfterFeatures = process.memoryUsage();
const lr = await t('logistic_fit', () => m.registry.createEstimator('logistic', {}).fit(train, { seed: 1 }));
const gbm = trees > 0 ? await t('gbm_fit', () => m.registry.createEstimator('gbm', { n_estimators: trees, max_depth: 6, max_bins: 255 }).fit(train, { seed: 1 })) : null;
const ev = await t('evaluation', () => ({
  logistic: evaluateBinary(features.test.y, lr.predictProba(features.test.X)),
  gbm: gbm ? evaluateBinary(features.test.y, gbm.predictProba(features.test.X)) : null,
}));
const X = features.train.X;
const matrixBytes = (M) => M.dense.data.byteLength + M.sparse.data.byteLength + M.sparse.indices.byteLength + M.sparse.indptr.byteLength;
process.stdout.write(
  JSON.stringify({
    file,
    rows: data.source.rows,
    trainRows: X.rows,
    testRows: features.test.X.rows,
    trees,
    phases,
    totalSeconds: Object.values(phases).reduce((a, b) => a + b, 0),
    peakRssMbAfter: peak,
    peakRssMb: +rssMb().toFixed(0),
    heapUsedMbAfterFeatures: +(heapAfterFeatures.heapUsed / 2 ** 20).toFixed(0),
    externalMbAfterFeatures: +(heapAfterFeatures.arrayBuffers / 2 ** 20).toFixed(0),
    featureMatrixMb: +((matrixBytes(X) + matrixBytes(features.test.X)) / 2 ** 20).toFixed(1),
    testF1: { logistic: ev.logistic.f1, gbm: ev.gbm?.f1 ?? null },
    testAuc: { logistic: ev.logistic.rocAuc, gbm: ev.gbm?.rocAuc ?? null },
  }) + '\n',
);
