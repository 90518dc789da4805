// Edge cases found by the models audits: damaged payload metadata, a CSR block that starts after
// index 0, bin edges of values near the largest double, a raw (unscaled) column of large values,
// constant and tiny dense columns in the logistic / MLP standardisation, huge sparse values in the
// logistic solve, and sparse values beyond float32 in the MLP.
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
import { MlpClassifier, mlpFromPayload } from '../../../src/models/mlp/index.js';
import { fitScaler } from '../../../src/models/mlp/network.js';

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

describe('dense standardisation (logistic, mlp): a column is constant when all its values are equal', () => {
  const base = syntheticData({ rows: 400, seed: 3, denseCols: 3, sparseCols: 20 });
  /** base.X with a 4th dense column holding value(i) in row i. */
  const withColumn = (value: (i: number) => number): FeatureMatrix => {
    const { rows, cols, data } = base.X.dense;
    const d = new Float64Array(rows * (cols + 1));
    for (let i = 0; i < rows; i++) {
      d.set(data.subarray(i * cols, (i + 1) * cols), i * (cols + 1));
      d[i * (cols + 1) + cols] = value(i);
    }
    const names = base.X.featureNames;
    return featureMatrix(denseMatrix(rows, cols + 1, d), base.X.sparse, [...names.slice(0, cols), 'extra', ...names.slice(cols)]);
  };
  // 400 × 123456789.123 does not sum to 400 times it: the computed sd is rounding noise, ~6e-7
  const CONST = 123456789.123;

  it('logistic: a constant 123456789.123 gets coefficient 0; the model is the one with a zero column, whatever the constant', async () => {
    const Xc = withColumn(() => CONST);
    const X0 = withColumn(() => 0);
    const a = await new LogisticRegression({}).fit({ X: Xc, y: base.y }, { seed: 1 });
    const b = await new LogisticRegression({}).fit({ X: X0, y: base.y }, { seed: 1 });
    expect(a.coef[3]).toBe(0);
    expect(a.predictProba(Xc)).toEqual(b.predictProba(X0));
    // a constant one unit larger (never seen in training) changes nothing
    expect(a.predictProba(withColumn(() => CONST + 1))).toEqual(a.predictProba(Xc));
  });

  it('mlp: a constant 123456789.123 standardises to exact zeros; the model is the one with a zero column', async () => {
    const Xc = withColumn(() => CONST);
    const X0 = withColumn(() => 0);
    const s = fitScaler(Xc);
    expect([s.mean[3], s.scale[3]]).toEqual([CONST, 1]);
    const params = { hidden_layers: [8], epochs: 3, dropout: 0 };
    const a = await new MlpClassifier(params).fit({ X: Xc, y: base.y }, { seed: 1 });
    const b = await new MlpClassifier(params).fit({ X: X0, y: base.y }, { seed: 1 });
    expect(a.predictProba(Xc)).toEqual(b.predictProba(X0));
  });

  describe('an informative column of tiny values keeps its signal', () => {
    const n = 400;
    const rng = rngFor(1, 'tiny');
    const y = new Uint8Array(n);
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      raw[i] = rng.normal() + 2 * y[i];
    }
    const column = (unit: number) => featureMatrix(denseMatrix(n, 1, raw.map((v) => v * unit)), emptyCsr(n, 0), ['signal']);
    const popSd = (a: Float64Array) => {
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
    };

    it('scale: the sd below 1e-12 (it was 1, as for a constant); the range where the squared deviations underflow to 0', () => {
      const s13 = fitScaler(column(1e-13)).scale[0];
      expect(Math.abs(s13 / popSd(raw.map((v) => v * 1e-13)) - 1)).toBeLessThan(1e-12);
      // values of 1e-170: (x − mean)² < 1e-323 rounds to 0, sd 0
      const vals = raw.map((v) => v * 1e-170);
      expect(fitScaler(column(1e-170)).scale[0]).toBe(Math.max(...vals) - Math.min(...vals));
    });

    it('logistic learns it (AUC 0.94 as on the unscaled column; it was 0.5)', async () => {
      const ref = rocAuc(y, (await new LogisticRegression({}).fit({ X: column(1), y }, { seed: 1 })).predictProba(column(1)));
      expect(ref).toBeGreaterThan(0.9);
      for (const unit of [1e-13, 1e-15, 1e-170]) {
        const X = column(unit);
        const f = await new LogisticRegression({}).fit({ X, y }, { seed: 1 });
        expect(rocAuc(y, f.predictProba(X)), `column × ${unit}`).toBeCloseTo(ref, 6);
      }
    });

    it('mlp learns it: confident probabilities, as on the unscaled column (they were all ~0.5)', async () => {
      const params = { hidden_layers: [8], epochs: 20, dropout: 0, learning_rate: 0.01 };
      const spread = (p: Float64Array) => Math.max(...p) - Math.min(...p);
      const ref = (await new MlpClassifier(params).fit({ X: column(1), y }, { seed: 1 })).predictProba(column(1));
      expect(spread(ref)).toBeGreaterThan(0.9);
      const X = column(1e-13);
      const p = (await new MlpClassifier(params).fit({ X, y }, { seed: 1 })).predictProba(X);
      expect(spread(p)).toBeGreaterThan(0.9);
      expect(rocAuc(y, p)).toBeGreaterThan(0.9);
    });
  });
});

describe('logistic regression on huge sparse values (the line search gave up: the zero model, P = 0.5 for every row)', () => {
  const d = syntheticData({ rows: 300, seed: 7, denseCols: 4, sparseCols: 20 });
  const withSparse = (f: (v: number, k: number) => number) => featureMatrix(d.X.dense, { ...d.X.sparse, data: d.X.sparse.data.map(f) }, d.X.featureNames);

  it.each(['l2', 'l1'])('%s: one entry of 1e10 … 1e100 among ordinary rows: the fit of the rows without it', async (penalty) => {
    const plain = await new LogisticRegression({ penalty }).fit(d, { seed: 1 });
    const ref = rocAuc(d.y, plain.predictProba(d.X));
    expect(ref).toBeGreaterThan(0.9);
    for (const big of [1e10, 1e20, 1e25, 1e100]) {
      const X = withSparse((v, k) => (k === 0 ? big : v));
      const f = await new LogisticRegression({ penalty }).fit({ X, y: d.y }, { seed: 1 });
      expect(f.iterations, `${big}`).toBeGreaterThan(10);
      expect(rocAuc(d.y, f.predictProba(X)), `${big}`).toBeGreaterThan(ref - 0.02);
    }
  });

  it.each(['l2', 'l1'])('%s: the whole sparse block × 1e30 or × 1e100 is fitted (the solve is ill-conditioned, but not the zero model)', async (penalty) => {
    for (const s of [1e30, 1e100]) {
      const X = withSparse((v) => v * s);
      const f = await new LogisticRegression({ penalty }).fit({ X, y: d.y }, { seed: 1 });
      expect(f.iterations).toBeGreaterThan(0);
      expect(rocAuc(d.y, f.predictProba(X)), `× ${s}`).toBeGreaterThan(0.7);
    }
  });

  it('values whose squared gradient overflows a double are INVALID_DATA naming the largest value and its feature', async () => {
    const k = 40;
    let row = 0;
    while (d.X.sparse.indptr[row + 1] <= k) row++;
    const column = d.X.dense.cols + d.X.sparse.indices[k];
    for (const penalty of ['l2', 'l1']) {
      for (const [X, value] of [
        [withSparse((v, i) => (i === k ? 1e300 : v)), 1e300],
        [withSparse((v, i) => (i === k ? -1e200 : v)), -1e200],
      ] as const) {
        const e = await new LogisticRegression({ penalty }).fit({ X, y: d.y }, { seed: 1 }).then(
          () => null,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(TrainSpamError);
        const err = e as TrainSpamError;
        expect(err.code).toBe('INVALID_DATA');
        expect(err.message).toContain('the optimiser could not lower the loss from its start');
        expect(err.message).toContain(`feature values too large: the largest |value| is ${value} at row ${row}, feature '${d.X.featureNames[column]}' (column ${column})`);
        expect(err.details).toMatchObject({ row, column, value });
      }
    }
  });

  it('a start that is already optimal is no error: zero gradient, or one of rounding noise below tol', async () => {
    const n = 4;
    const y = Uint8Array.from([1, 1, 0, 0]);
    const zeros = featureMatrix(denseMatrix(n, 1), emptyCsr(n, 2), ['a', 'b', 'c']);
    const z = await new LogisticRegression({}).fit({ X: zeros, y }, { seed: 1 });
    expect([z.iterations, z.converged, z.intercept]).toEqual([0, true, 0]);
    // Σ (p − y) x = (−0.1 − 0.2 + 0.3) / 2: 2.8e-17 in doubles, above a tol of 1e-20, and no step lowers the loss
    const noise = featureMatrix(denseMatrix(n, 1, Float64Array.from([0.1, 0.2, 0.3, 0])), emptyCsr(n, 0), ['x']);
    for (const penalty of ['l2', 'l1']) {
      const f = await new LogisticRegression({ penalty, scale_dense: false, tol: 1e-20 }).fit({ X: noise, y }, { seed: 1 });
      expect(f.iterations).toBe(0);
      expect(f.predictProba(noise)).toEqual(new Float64Array(n).fill(0.5));
    }
  });
});

describe('mlp on a sparse value beyond float32, the precision it trains in', () => {
  // every weight came out NaN: predictions NaN for every row and an artifact its own loader refused
  const t = syntheticData({ rows: 120, seed: 7 });
  const v = syntheticData({ rows: 60, seed: 8 });
  const params = { hidden_layers: [8], epochs: 2, dropout: 0 };
  /** X with its sparse entry k set to value (entry 0 is in row 0 or later, its row returned). */
  const withEntry = (X: FeatureMatrix, k: number, value: number) => {
    const s = X.sparse;
    let row = 0;
    while (s.indptr[row + 1] <= k) row++;
    const X2 = featureMatrix(X.dense, { ...s, data: s.data.map((x, i) => (i === k ? value : x)) }, X.featureNames);
    const column = X.dense.cols + s.indices[k];
    return { X: X2, row, column, name: X.featureNames[column] };
  };

  it('fit rejects it with INVALID_DATA naming the row and feature, in training and in validation data', async () => {
    for (const value of [1e39, -1e39, 3.5e38, Number.MAX_VALUE]) {
      const bad = withEntry(t.X, 5, value);
      const e = await new MlpClassifier(params).fit({ X: bad.X, y: t.y }, { seed: 1 }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(TrainSpamError);
      const err = e as TrainSpamError;
      expect(err.code).toBe('INVALID_DATA');
      expect(err.message).toContain(`mlp fit: training data holds ${value} at row ${bad.row}, feature '${bad.name}' (column ${bad.column}), beyond the float32 range`);
      expect(err.details).toMatchObject({ row: bad.row, column: bad.column, feature: bad.name });
    }
    const badVal = withEntry(v.X, 3, 1e39);
    await expect(new MlpClassifier(params).fit(t, { seed: 1, validation: { X: badVal.X, y: v.y } })).rejects.toThrow(
      `mlp fit: validation data holds 1e+39 at row ${badVal.row}, feature '${badVal.name}'`,
    );
  });

  it('the largest float32 itself is accepted, and gives finite predictions and a loadable payload', async () => {
    const edge = withEntry(t.X, 5, 3.4028234663852886e38);
    const f = await new MlpClassifier(params).fit({ X: edge.X, y: t.y }, { seed: 1 });
    const p = f.predictProba(t.X);
    expect(p.every((x) => Number.isFinite(x))).toBe(true);
    expect(mlpFromPayload(f.toPayload()).predictProba(t.X)).toEqual(p);
  });

  it('predictProba rejects it the same way (the network never saw one); other rows still predict', async () => {
    const f = await new MlpClassifier(params).fit(t, { seed: 1 });
    const bad = withEntry(v.X, 7, -2e39);
    const e = errorOf(() => f.predictProba(bad.X));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toContain(`mlp predictProba: feature matrix holds -2e+39 at row ${bad.row}, feature '${bad.name}' (column ${bad.column})`);
    expect(e.details).toMatchObject({ row: bad.row, column: bad.column });
    expect(f.predictProba(v.X).every((x) => Number.isFinite(x))).toBe(true);
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
