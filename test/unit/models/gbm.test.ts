import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../../src/core/params.js';
import { denseMatrix, featureMatrix, selectRows } from '../../../src/core/matrix.js';
import { TrainSpamError } from '../../../src/core/errors.js';
import { binOf, binRows, columnBins, fitBins, rowBin } from '../../../src/models/gbm/binning.js';
import { rocAuc } from '../../../src/models/gbm/evaluation.js';
import { forestMargins, layoutMargins, PREDICT_BLOCK, predictLayout } from '../../../src/models/gbm/forest.js';
import { HistogramPool, histogramIndex } from '../../../src/models/gbm/histogram-pool.js';
import { GradientBoosting, gbmFromPayload, gbmParamSpec, type FittedGbm } from '../../../src/models/gbm/index.js';
import type { GbmKernel } from '../../../src/models/gbm/kernel.js';
import { makeData, withValue } from './gbm-data.js';
import { KERNELS } from './gbm-kernels.js';

const train = makeData(600, 1);
const valid = makeData(300, 2);
const base = { n_estimators: 30, max_depth: 4, learning_rate: 0.2 };

function sameForest(a: FittedGbm, b: FittedGbm): boolean {
  const fa = a.forest;
  const fb = b.forest;
  if (fa.feature.length !== fb.feature.length) return false;
  for (let i = 0; i < fa.feature.length; i++) {
    if (fa.feature[i] !== fb.feature[i] || fa.threshold[i] !== fb.threshold[i] || fa.value[i] !== fb.value[i]) return false;
  }
  return true;
}

describe('binning', () => {
  it('cuts a column by quantiles, negatives and positives sharing the budget (worked example)', () => {
    // One sparse column, non-zeros -3, -1, -1, 2, 2, 2, 5, 7 (and two zero rows); 3 non-zero bins.
    // Negatives hold 3 of 8 values: round(3 · 3/8) = 1 bin; positives 2. The negative bin ends
    // halfway to zero (-0.5); the zero bin halfway to the smallest positive (1); positives
    // {2, 2, 2} | {5, 7}: edge halfway between 2 and 5 (3.5); the last bin is open.
    const vals = [-3, -1, -1, 2, 2, 2, 5, 7, 0, 0];
    const X = featureMatrix(
      denseMatrix(vals.length, 0, new Float64Array(0)),
      { rows: vals.length, cols: 1, indptr: Int32Array.from({ length: vals.length + 1 }, (_, i) => Math.min(i, 8)), indices: new Int32Array(8), data: Float64Array.from(vals.slice(0, 8)) },
      ['f0'],
    );
    const m = fitBins(X, 3);
    expect(Array.from(m.offset)).toEqual([0, 4]);
    expect(Array.from(m.upper)).toEqual([-0.5, 1, 3.5, Infinity]);
    expect(Array.from(m.zeroBin)).toEqual([1]);
    const b = binRows(X, m);
    expect(Array.from(b.bins)).toEqual([0, 0, 0, 2, 2, 2, 3, 3]);
    expect(Array.from(b.rowPtr)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8]);
  });

  it('zero has its own bin, bins are ordered, and bin(v) ≤ t ⟺ v ≤ upper[t]', () => {
    const m = fitBins(train.X, 16);
    for (let f = 0; f < m.numFeatures; f++) {
      const lo = m.offset[f];
      const hi = m.offset[f + 1];
      expect(hi - lo).toBeLessThanOrEqual(17);
      for (let b = lo + 1; b < hi; b++) expect(m.upper[b]).toBeGreaterThan(m.upper[b - 1]);
      expect(m.upper[hi - 1]).toBe(Infinity);
      const zb = lo + m.zeroBin[f];
      expect(binOf(m.upper, lo, hi, 0)).toBe(zb);
      for (const v of [-3, -0.5, -1e-9, 1e-9, 0.3, 1, 2.5, 100]) {
        const b = binOf(m.upper, lo, hi, v);
        for (let t = lo; t < hi; t++) expect(b <= t).toBe(v <= m.upper[t]);
      }
    }
  });

  it('every training non-zero lands in a non-zero bin of its own feature', () => {
    const m = fitBins(train.X, 8);
    const b = binRows(train.X, m);
    for (let r = 0; r < 50; r++) {
      for (let k = b.rowPtr[r]; k < b.rowPtr[r + 1]; k++) {
        const g = b.bins[k];
        let f = 0;
        while (m.offset[f + 1] <= g) f++;
        expect(g - m.offset[f]).not.toBe(m.zeroBin[f]);
      }
    }
  });
});

/** A histogram pool over the training matrix with fixed gradients, and the identity row list. */
function histogramSetup(kernel: GbmKernel) {
  const m = fitBins(train.X, 255);
  const data = binRows(train.X, m);
  const total = m.offset[m.numFeatures];
  const pool = new HistogramPool(total, histogramIndex(total, data.rowPtr, data.bins, data.rows), kernel);
  const n = data.rows;
  const grad = Float64Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
  const hess = Float64Array.from({ length: n }, (_, i) => 0.1 + 0.1 * Math.cos(i) ** 2);
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  return { pool, n, grad, hess, rows };
}

describe.each(KERNELS)('%s kernel', (kernelName, kernel, K) => {
  describe('histograms', () => {
    it('subtraction (parent − smaller child) equals the directly built larger child', () => {
      const { pool, n, grad, hess, rows } = histogramSetup(kernel);
      const parent = pool.build(rows, 0, n, grad, hess);
      const mid = 180;
      const small = pool.build(rows, 0, mid, grad, hess);
      const direct = pool.build(rows, mid, n, grad, hess);
      pool.subtract(parent, small);
      expect(parent.length).toBe(direct.length);
      for (let i = 0; i < direct.length; i++) {
        expect(parent.bins[i]).toBe(direct.bins[i]);
        expect(parent.grad[i]).toBeCloseTo(direct.grad[i], 10);
        expect(parent.hess[i]).toBeCloseTo(direct.hess[i], 10);
      }
    });

    it('buildSubtract (child sums read from the accumulator) equals build + list subtraction exactly', () => {
      const { pool, n, grad, hess, rows } = histogramSetup(kernel);
      for (const [b, e] of [[0, 37], [37, 300], [450, n]]) {
        const p1 = pool.build(rows, 0, n, grad, hess);
        const p2 = pool.build(rows, 0, n, grad, hess);
        const c1 = pool.build(rows, b, e, grad, hess);
        pool.subtract(p1, c1);
        const c2 = pool.buildSubtract(p2, rows, b, e, grad, hess);
        expect(Array.from(c2.bins.subarray(0, c2.length))).toEqual(Array.from(c1.bins.subarray(0, c1.length)));
        expect(p2.length).toBe(p1.length);
        expect(p2.bins.subarray(0, p2.length)).toEqual(p1.bins.subarray(0, p1.length));
        expect(p2.grad.subarray(0, p2.length)).toEqual(p1.grad.subarray(0, p1.length));
        expect(p2.hess.subarray(0, p2.length)).toEqual(p1.hess.subarray(0, p1.length));
        // The accumulator is left clean: a fresh build still matches.
        const again = pool.build(rows, b, e, grad, hess);
        expect(again.grad.subarray(0, again.length)).toEqual(c1.grad.subarray(0, c1.length));
        for (const h of [p1, p2, c1, c2, again]) pool.release(h);
      }
    });

    it('a model trained with subtraction equals one trained with direct builds', async () => {
      const a = await new GradientBoosting(base).fit(train, { ...K, seed: 3 });
      const b = await new GradientBoosting(base, { subtraction: false }).fit(train, { ...K, seed: 3 });
      expect(a.forest.feature).toEqual(b.forest.feature);
      const pa = a.predictProba(valid.X);
      const pb = b.predictProba(valid.X);
      for (let i = 0; i < pa.length; i++) expect(pa[i]).toBeCloseTo(pb[i], 9);
    });
  });

  describe('GradientBoosting', () => {
    it('learns: validation AUC well above chance, depthwise and lossguide', async () => {
      for (const grow_policy of ['depthwise', 'lossguide'] as const) {
        const m = await new GradientBoosting({ ...base, grow_policy, num_leaves: 12 }).fit(train, { ...K, seed: 1 });
        expect(rocAuc(valid.y, m.predictProba(valid.X))).toBeGreaterThan(0.8);
      }
    });

    it('depthwise respects max_depth; lossguide respects num_leaves', async () => {
      const d = await new GradientBoosting({ ...base, max_depth: 2 }).fit(train, { ...K, seed: 1 });
      const f = d.forest;
      for (let t = 0; t < f.roots.length; t++) {
        const end = t + 1 < f.roots.length ? f.roots[t + 1] : f.feature.length;
        expect(end - f.roots[t]).toBeLessThanOrEqual(7);
      }
      const l = await new GradientBoosting({ ...base, grow_policy: 'lossguide', num_leaves: 5, max_depth: 10 }).fit(train, { ...K, seed: 1 });
      const g = l.forest;
      let deep = false;
      for (let t = 0; t < g.roots.length; t++) {
        const end = t + 1 < g.roots.length ? g.roots[t + 1] : g.feature.length;
        let leaves = 0;
        for (let i = g.roots[t]; i < end; i++) if (g.feature[i] < 0) leaves++;
        expect(leaves).toBeLessThanOrEqual(5);
        if (end - g.roots[t] === 9) deep = true;
      }
      expect(deep).toBe(true);
    });

    it('is deterministic for a seed; subsample and colsample seeds matter', async () => {
      const params = { ...base, subsample: 0.7, colsample_bytree: 0.5 };
      const a = await new GradientBoosting(params).fit(train, { ...K, seed: 11 });
      const b = await new GradientBoosting(params).fit(train, { ...K, seed: 11 });
      const c = await new GradientBoosting(params).fit(train, { ...K, seed: 12 });
      expect(sameForest(a, b)).toBe(true);
      expect(a.predictProba(valid.X)).toEqual(b.predictProba(valid.X));
      expect(sameForest(a, c)).toBe(false);
      // Without sampling the seed does not matter.
      const d = await new GradientBoosting(base).fit(train, { ...K, seed: 1 });
      const e = await new GradientBoosting(base).fit(train, { ...K, seed: 2 });
      expect(sameForest(d, e)).toBe(true);
    });

    it('colsample restricts each tree to its drawn features', async () => {
      const m = await new GradientBoosting({ ...base, colsample_bytree: 0.1, n_estimators: 10 }).fit(train, { ...K, seed: 5 });
      const f = m.forest;
      const k = Math.round(0.1 * m.numFeatures);
      for (let t = 0; t < f.roots.length; t++) {
        const end = t + 1 < f.roots.length ? f.roots[t + 1] : f.feature.length;
        const used = new Set<number>();
        for (let i = f.roots[t]; i < end; i++) if (f.feature[i] >= 0) used.add(f.feature[i]);
        expect(used.size).toBeLessThanOrEqual(k);
      }
    });

    it('early stopping stops and keeps the best round', async () => {
      const reports: number[] = [];
      const m = await new GradientBoosting({ n_estimators: 400, max_depth: 6, learning_rate: 0.5, early_stopping_rounds: 5 }).fit(train, {
        ...K,
        seed: 1,
        validation: valid,
        onIteration: (r) => {
          reports.push(r.metrics.val_loss);
        },
      });
      expect(m.roundsTrained).toBeLessThan(400);
      expect(m.bestIteration).not.toBeNull();
      expect(m.roundsTrained - (m.bestIteration as number)).toBe(5);
      expect(m.iterations).toBe(m.bestIteration);
      const best = Math.min(...reports);
      expect(reports[(m.bestIteration as number) - 1]).toBe(best);
    });

    it("onIteration 'stop' ends training at that round; reports carry finite metrics", async () => {
      const seen: number[] = [];
      const m = await new GradientBoosting({ ...base, n_estimators: 50 }).fit(train, {
        ...K,
        seed: 1,
        validation: valid,
        onIteration: async (r) => {
          seen.push(r.iteration);
          for (const v of Object.values(r.metrics)) expect(Number.isFinite(v)).toBe(true);
          expect(Object.keys(r.metrics).sort()).toEqual(['train_loss', 'val_auc', 'val_loss']);
          return r.iteration === 7 ? 'stop' : 'continue';
        },
      });
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(m.iterations).toBe(7);
    });

    it('reportEvery reports every n rounds and the last one', async () => {
      const seen: number[] = [];
      await new GradientBoosting({ ...base, n_estimators: 10 }).fit(train, { ...K, seed: 1, reportEvery: 4, onIteration: (r) => void seen.push(r.iteration) });
      expect(seen).toEqual([4, 8, 10]);
    });

    it('payload round trip predicts identically', async () => {
      const m = await new GradientBoosting({ ...base, subsample: 0.8 }).fit(train, { ...K, seed: 4 });
      const copy = gbmFromPayload(m.toPayload());
      expect(copy.predictProba(valid.X)).toEqual(m.predictProba(valid.X));
      expect(copy.iterations).toBe(m.iterations);
      const bad = m.toPayload();
      const left = (bad.arrays.left as Int32Array).slice();
      const inner = Array.from(m.forest.feature).findIndex((f) => f >= 0);
      left[inner] = inner; // a cycle
      expect(() => gbmFromPayload({ ...bad, arrays: { ...bad.arrays, left } })).toThrow(TrainSpamError);
      expect(() => gbmFromPayload({ ...bad, version: 99 })).toThrow(/version 99/);
    });

    it('refuses a payload whose nodes are shared between parents (a crafted graph: prediction over all its paths would take exponential time)', async () => {
      const m = await new GradientBoosting({ ...base, max_depth: 3 }).fit(train, { ...K, seed: 4 });
      const p = m.toPayload();
      const feature = p.arrays.feature as Int32Array;
      const left = (p.arrays.left as Int32Array).slice();
      const right = (p.arrays.right as Int32Array).slice();
      // an inner node whose two children are the same node
      const inner = Array.from(feature).findIndex((f) => f >= 0);
      const shared = { ...p, arrays: { ...p.arrays, left, right: Object.assign(right.slice(), { [inner]: left[inner] }) } };
      expect(() => gbmFromPayload(shared)).toThrow(/children .* are reached from elsewhere too/);
      // two inner nodes pointing at one child: the root's left child (inner at depth 3) takes the root's right child as its own
      const a = (p.arrays.roots as Int32Array)[0];
      const c = left[a];
      expect(feature[c]).toBeGreaterThanOrEqual(0);
      expect(right[a]).toBeGreaterThan(c);
      const twoParents = right.slice();
      twoParents[c] = right[a];
      expect(() => gbmFromPayload({ ...p, arrays: { ...p.arrays, right: twoParents } })).toThrow(/reached from elsewhere too/);
      const roots = (p.arrays.roots as Int32Array).slice();
      roots[1] = roots[0];
      expect(() => gbmFromPayload({ ...p, arrays: { ...p.arrays, roots } })).toThrow(/tree 1 shares its root/);
      expect(gbmFromPayload(p).predictProba(valid.X)).toEqual(m.predictProba(valid.X));
    });

    it('branch-free layout prediction equals the generic traversal; forests without adjacent children fall back', async () => {
      const m = await new GradientBoosting({ ...base, max_depth: 5 }).fit(train, { ...K, seed: 2 });
      const f = m.forest;
      const X = valid.X;
      const F = m.numFeatures;
      const { indptr, indices, data } = X.sparse;
      const generic = new Float64Array(X.rows);
      forestMargins(f.roots, f.feature, f.threshold, f.left, f.right, f.value, X.rows, X.dense.data, X.dense.cols, indptr, indices, data, 0.25, F, new Float64Array(PREDICT_BLOCK * F), generic);
      const L = predictLayout(f);
      expect(L).not.toBeNull();
      if (!L) return;
      expect(Math.max(...L.depth)).toBeLessThanOrEqual(5);
      const fast = new Float64Array(X.rows);
      layoutMargins(L.roots, L.depth, L.feature, L.left, L.threshold, L.value, X.rows, X.dense.data, X.dense.cols, indptr, indices, data, 0.25, F, new Float64Array(PREDICT_BLOCK * F), fast);
      expect(fast).toEqual(generic);
      // Swap the children of one inner node (and its test): same predictions, but no layout.
      const p = m.toPayload();
      const left = (p.arrays.left as Int32Array).slice();
      const right = (p.arrays.right as Int32Array).slice();
      const inner = Array.from(f.feature).findIndex((v) => v >= 0);
      [left[inner], right[inner]] = [right[inner], left[inner]];
      expect(predictLayout({ ...f, left, right })).toBeNull();
      const swapped = gbmFromPayload({ ...p, arrays: { ...p.arrays, left, right } });
      expect(swapped.predictMargin(X)).not.toEqual(m.predictMargin(X));
    });

    it('training-time margins (binned) equal prediction from raw values', async () => {
      const seen: number[] = [];
      const m = await new GradientBoosting({ ...base, n_estimators: 12 }).fit(train, {
        ...K,
        seed: 1,
        validation: valid,
        onIteration: (r) => void seen.push(r.metrics.val_loss),
      });
      const p = m.predictProba(valid.X);
      let loss = 0;
      for (let i = 0; i < p.length; i++) loss -= valid.y[i] ? Math.log(p[i]) : Math.log(1 - p[i]);
      expect(loss / p.length).toBeCloseTo(seen[seen.length - 1], 10);
    });

    it('scale_pos_weight raises predicted spam probabilities', async () => {
      const a = await new GradientBoosting(base).fit(train, { ...K, seed: 1 });
      const b = await new GradientBoosting({ ...base, scale_pos_weight: 4 }).fit(train, { ...K, seed: 1 });
      const mean = (p: Float64Array) => p.reduce((s, v) => s + v, 0) / p.length;
      expect(mean(b.predictProba(valid.X))).toBeGreaterThan(mean(a.predictProba(valid.X)) + 0.05);
    });
  });

  it('the column table (partition, out-of-sample and validation margins) equals the row search', async () => {
    for (const params of [{ ...base, max_depth: 5 }, { ...base, grow_policy: 'lossguide', num_leaves: 16, subsample: 0.8 }]) {
      const la: number[] = [];
      const lb: number[] = [];
      const a = await new GradientBoosting(params).fit(train, { ...K, seed: 2, validation: valid, onIteration: (r) => void la.push(r.metrics.val_loss, r.metrics.train_loss) });
      const b = await new GradientBoosting(params, { columnBinsBytes: 0 }).fit(train, {
        ...K,
        seed: 2,
        validation: valid,
        onIteration: (r) => void lb.push(r.metrics.val_loss, r.metrics.train_loss),
      });
      expect(sameForest(a, b)).toBe(true);
      expect(a.forest.feature.length).toBeGreaterThan(30);
      expect(la.length).toBe(2 * a.iterations);
      expect(la).toEqual(lb);
    }
  });

  it('the root histogram of a row sample by the masked sweep trains the forest the direct build trains', async () => {
    for (const params of [{ ...base, max_depth: 5, subsample: 0.7 }, { ...base, grow_policy: 'lossguide', num_leaves: 16, subsample: 0.9 }]) {
      const swept = await new GradientBoosting(params, { sweepSampleShare: 0 }).fit(train, { ...K, seed: 3, validation: valid });
      const built = await new GradientBoosting(params, { sweepSampleShare: 2 }).fit(train, { ...K, seed: 3, validation: valid });
      expect(swept.forest.feature.length).toBeGreaterThan(30);
      expect(sameForest(swept, built)).toBe(true);
    }
  });

  it('reports the kernel that trained the model', async () => {
    const m = await new GradientBoosting({ ...base, n_estimators: 3 }).fit(train, { ...K, seed: 1 });
    expect(m.kernel).toBe(kernelName);
  });
});

describe('GradientBoosting bad input', () => {
  it('rejects invalid hyperparameters naming the parameter and range', () => {
    expect(() => new GradientBoosting({ learning_rate: -0.1 })).toThrow(/'learning_rate'.*\(0, 1\]/);
    expect(() => new GradientBoosting({ max_depth: 0 })).toThrow(/'max_depth'.*\[1, 30\]/);
    expect(() => new GradientBoosting({ subsample: 1.5 })).toThrow(/'subsample'/);
    expect(() => new GradientBoosting({ grow_policy: 'random' })).toThrow(/'grow_policy'/);
    expect(() => new GradientBoosting({ max_bins: 256 })).toThrow(/'max_bins'/);
    expect(() => new GradientBoosting({ depth: 3 })).toThrow(/unknown parameter 'depth'/);
  });

  it('every search range lies inside the allowed range', () => {
    let checked = 0;
    for (const [name, def] of Object.entries(gbmParamSpec as ParamSpec)) {
      if ((def.type === 'float' || def.type === 'int') && def.search) {
        if (def.min !== undefined) expect(def.search.low, name).toBeGreaterThanOrEqual(def.min);
        if (def.max !== undefined) expect(def.search.high, name).toBeLessThanOrEqual(def.max);
        if (def.min !== undefined || def.max !== undefined) checked++;
      }
    }
    expect(checked).toBeGreaterThan(3); // learning_rate, max_depth, subsample, ... have bounded search ranges
  });

  it('rejects NaN / Infinity, zero rows, one class, label mismatch, wrong feature count', async () => {
    const g = new GradientBoosting(base);
    const fit = (X: typeof train.X, y: Uint8Array) => g.fit({ X, y }, { seed: 1 });
    await expect(fit(withValue(train.X, { dense: [3, 0] }, NaN), train.y)).rejects.toThrow(/row 3, feature 'd0'/);
    await expect(fit(withValue(train.X, { sparseIndex: 0 }, Infinity), train.y)).rejects.toThrow(/Infinity/);
    await expect(fit(selectRows(train.X, []), new Uint8Array(0))).rejects.toThrow(/zero rows/);
    await expect(fit(train.X, new Uint8Array(train.X.rows))).rejects.toThrow(/one class/);
    await expect(fit(train.X, train.y.slice(1))).rejects.toThrow(/labels/);
    await expect(g.fit(train, { seed: 1 })).resolves.toBeDefined();
    await expect(new GradientBoosting({ early_stopping_rounds: 3 }).fit(train, { seed: 1 })).rejects.toThrow(/needs validation data/);
    const m = await g.fit(train, { seed: 1 });
    const other = makeData(20, 3, 4, 29);
    expect(() => m.predictProba(other.X)).toThrow(/features/);
    expect(() => m.predictProba(withValue(valid.X, { dense: [0, 1] }, NaN))).toThrow(TrainSpamError);
    const ac = new AbortController();
    ac.abort();
    await expect(g.fit(train, { seed: 1, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('column bin table', () => {
  it('holds each row’s local bin per feature (zero bin where the row has no entry); null past its size limit', () => {
    const m = fitBins(train.X, 255);
    const data = binRows(train.X, m);
    const t = columnBins(m, data, 1 << 30);
    expect(t).not.toBeNull();
    if (!t) return;
    const n = data.rows;
    for (const r of [0, 1, 17, 311, n - 1]) {
      for (let f = 0; f < m.numFeatures; f++) {
        const expected = rowBin(data.bins, data.rowPtr[r], data.rowPtr[r + 1], m.offset[f], m.offset[f + 1], m.zeroBin[f]);
        expect(t[f * n + r]).toBe(expected);
      }
    }
    expect(columnBins(m, data, n * m.numFeatures - 1)).toBeNull();
  });
});
