// Edge cases found by the models audit: damaged payload metadata, a CSR block that starts after
// index 0, bin edges of values near the largest double, and a raw (unscaled) column of large values.
import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import { denseMatrix, emptyCsr, featureMatrix, type FeatureMatrix } from '../../../src/core/matrix.js';
import type { Payload } from '../../../src/core/payload.js';
import { rngFor } from '../../../src/core/random.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { rocAuc } from '../../../src/models/gbm/evaluation.js';
import { fitBins } from '../../../src/models/gbm/binning.js';
import { GradientBoosting, gbmFromPayload } from '../../../src/models/gbm/index.js';
import { LogisticRegression, logisticFromPayload } from '../../../src/models/logistic/index.js';
import { MlpClassifier } from '../../../src/models/mlp/index.js';
import type { IterationReport } from '../../../src/models/contract.js';

function errorOf(fn: () => unknown): TrainSpamError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TrainSpamError) return e;
    throw e;
  }
  throw new Error('nothing was thrown');
}

const withMeta = (p: Payload, meta: Record<string, unknown>): Payload => ({ ...p, meta: { ...p.meta, ...(meta as Payload['meta']) } });

describe('payload metadata', () => {
  const data = syntheticData({ rows: 120, seed: 3 });

  it('logistic: a negative or fractional iteration count is a FORMAT_ERROR naming the field', async () => {
    const p = (await new LogisticRegression({ max_iter: 5 }).fit(data, { seed: 1 })).toPayload();
    for (const iterations of [-3, 2.5, '4']) {
      const e = errorOf(() => logisticFromPayload(withMeta(p, { iterations })));
      expect([e.code, e.message]).toEqual(['FORMAT_ERROR', expect.stringContaining('iterations')]);
    }
    expect(logisticFromPayload(p).iterations).toBe(p.meta.iterations);
  });

  it('gbm: a negative or fractional roundsTrained / bestIteration is a FORMAT_ERROR naming the field', async () => {
    const p = (await new GradientBoosting({ n_estimators: 4 }).fit(data, { seed: 1 })).toPayload();
    for (const [key, v] of [['roundsTrained', -1], ['roundsTrained', 1.5], ['bestIteration', -2], ['bestIteration', 'x']] as const) {
      const e = errorOf(() => gbmFromPayload(withMeta(p, { [key]: v })));
      expect([e.code, e.message]).toEqual(['FORMAT_ERROR', expect.stringContaining(key)]);
    }
    expect(gbmFromPayload(p).roundsTrained).toBe(4);
    expect(gbmFromPayload(withMeta(p, { bestIteration: 3 })).bestIteration).toBe(3);
  });
});

describe('gbm on a CSR block whose rows start after index 0', () => {
  it('bins and trains on the rows entries only (entries before indptr[0] belong to no row)', async () => {
    const { X, y } = syntheticData({ rows: 300, seed: 5, denseCols: 2, sparseCols: 12, density: 0.3 });
    const s = X.sparse;
    // 200 entries of column 0 in front, not part of any row; the rows' entries follow unchanged.
    const pad = 200;
    const indices = new Int32Array(pad + s.indices.length);
    const values = new Float64Array(pad + s.data.length);
    for (let k = 0; k < pad; k++) values[k] = 50 + k;
    indices.set(s.indices, pad);
    values.set(s.data, pad);
    const shifted = featureMatrix(X.dense, { rows: s.rows, cols: s.cols, indptr: s.indptr.map((v) => v + pad), indices, data: values }, X.featureNames);
    expect(fitBins(shifted, 16).upper).toEqual(fitBins(X, 16).upper);
    const params = { n_estimators: 8, max_depth: 3, max_bins: 16 };
    const a = await new GradientBoosting(params).fit({ X, y }, { seed: 2 });
    const b = await new GradientBoosting(params).fit({ X: shifted, y }, { seed: 2 });
    expect(b.predictProba(X)).toEqual(a.predictProba(X));
    expect(b.predictProba(shifted)).toEqual(a.predictProba(X));
  });
});

describe('gbm bin edges near the largest double', () => {
  function column(values: number[]): FeatureMatrix {
    return featureMatrix(denseMatrix(values.length, 1, Float64Array.from(values)), emptyCsr(values.length, 0), ['x']);
  }

  it('keeps two values whose sum overflows in separate bins, with a finite edge between them', () => {
    for (const [lo, hi] of [[1.6e308, 1.7e308], [-1.7e308, -1.6e308]]) {
      const m = fitBins(column([lo, hi, lo, hi]), 8);
      const edges = Array.from(m.upper.subarray(m.offset[0], m.offset[1]));
      const between = edges.filter((u) => u >= lo && u < hi);
      expect(between).toHaveLength(1);
      expect(Number.isFinite(between[0])).toBe(true);
    }
  });

  it('learns a split there, and the model survives its payload', async () => {
    const n = 40;
    const y = Uint8Array.from({ length: n }, (_, i) => i % 2);
    const X = column(Array.from(y, (v) => (v ? 1.7e308 : 1.6e308)));
    const f = await new GradientBoosting({ n_estimators: 3 }).fit({ X, y }, { seed: 1 });
    const p = f.predictProba(X);
    expect(rocAuc(y, p)).toBe(1);
    expect(gbmFromPayload(f.toPayload()).predictProba(X)).toEqual(p);
  });
});

describe('logistic regression on a raw column of large values (scale_dense: false)', () => {
  it('takes steps instead of returning the zero model (the line search gave up below an absolute 1e-16 step)', async () => {
    const n = 40;
    const rng = rngFor(1, 'raw-column');
    const dense = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3 === 0 ? 1 : 0;
      dense[i * 2] = (rng.normal() + 2 * y[i]) * 1e8;
      dense[i * 2 + 1] = rng.normal();
    }
    const X = featureMatrix(denseMatrix(n, 2, dense), emptyCsr(n, 0), ['bytes', 'noise']);
    const f = await new LogisticRegression({ scale_dense: false }).fit({ X, y }, { seed: 1 });
    expect(f.iterations).toBeGreaterThan(0);
    expect(f.coef[0]).toBeGreaterThan(0);
    expect(rocAuc(y, f.predictProba(X))).toBeGreaterThan(0.8);
  });
});

describe('mlp whose network diverges (a sparse value beyond float32, the precision it trains in)', () => {
  it('with validation data returns the model as a fit without does, reporting only finite metrics', async () => {
    const grow = (X: FeatureMatrix) => featureMatrix(X.dense, { ...X.sparse, data: X.sparse.data.map((v) => v * 1e39) }, X.featureNames);
    const t = syntheticData({ rows: 120, seed: 7 });
    const v = syntheticData({ rows: 60, seed: 8 });
    const train = { X: grow(t.X), y: t.y };
    const validation = { X: grow(v.X), y: v.y };
    const params = { hidden_layers: [8], epochs: 3, dropout: 0 };
    const without = (await new MlpClassifier(params).fit(train, { seed: 1 })).predictProba(validation.X);
    expect(without.every((p) => Number.isNaN(p))).toBe(true);
    for (const extra of [{}, { early_stopping_rounds: 1 }]) {
      const reports: IterationReport[] = [];
      const f = await new MlpClassifier({ ...params, ...extra }).fit(train, { seed: 1, validation, onIteration: (r) => void reports.push(r) });
      expect(f.predictProba(validation.X)).toEqual(without);
      expect(reports.map((r) => r.iteration)).toEqual([1, 2, 3]);
      for (const r of reports) for (const m of Object.values(r.metrics)) expect(Number.isFinite(m)).toBe(true);
    }
  });
});

describe('parameters whose huge values gave a NaN model without an error', () => {
  it.each([
    ['gbm', 'scale_pos_weight', 1e308, () => new GradientBoosting({ scale_pos_weight: 1e308 })],
    ['mlp', 'l2', 1e39, () => new MlpClassifier({ l2: 1e39 })],
  ] as const)('%s %s = %s is INVALID_ARGUMENT naming it', (_kind, name, _v, make) => {
    const e = errorOf(make);
    expect([e.code, e.details.parameter]).toEqual(['INVALID_ARGUMENT', name]);
    expect(e.message).toContain(name);
  });
});
