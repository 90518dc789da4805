import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../../src/core/params.js';
import { TrainSpamError } from '../../../src/core/errors.js';
import { selectRows, type FeatureMatrix } from '../../../src/core/matrix.js';
import { rocAuc } from '../../../src/models/gbm/evaluation.js';
import { QuasiNewton } from '../../../src/models/logistic/lbfgs.js';
import { FittedLogistic, LogisticRegression, logisticFromPayload, logisticParamSpec } from '../../../src/models/logistic/index.js';
import { makeData, withValue } from './gbm-data.js';

const train = makeData(500, 1);
const valid = makeData(300, 2);

const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/**
 * ∇(objective / C) at a fitted model, in the space the solver works in (params.ts, model.ts): the
 * objective is C · Σ s_i · logloss_i + ‖θ‖² / 2 with the intercept unpenalised, where θ holds the
 * coefficients of the standardised dense columns ((x − mean) / sd, population sd, 1 for constant
 * columns; mean 0 without intercept) and the raw sparse ones. With θ_j = coef_j · sd_j (dense) and
 * r_i = s_i · (sigmoid(z_i) − y_i): ∂/∂θ_j = θ_j / C + Σ r_i x̃_ij, ∂/∂b = Σ r_i. Index d = intercept.
 * `scaleCoef` multiplies the coefficients first (a point off the optimum).
 */
function solverGradient(m: FittedLogistic, data: { X: FeatureMatrix; y: Uint8Array }, C: number, balanced: boolean, scaleCoef = 1): Float64Array {
  const { X, y } = data;
  const n = X.rows;
  const dc = X.dense.cols;
  const d = m.coef.length;
  const xd = X.dense.data;
  const mean = new Float64Array(dc);
  const sd = new Float64Array(dc);
  for (let i = 0; i < n; i++) for (let j = 0; j < dc; j++) mean[j] += xd[i * dc + j];
  for (let j = 0; j < dc; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dc; j++) sd[j] += (xd[i * dc + j] - mean[j]) ** 2;
  for (let j = 0; j < dc; j++) sd[j] = Math.sqrt(sd[j] / n) > 1e-12 ? Math.sqrt(sd[j] / n) : 1;
  const pos = y.reduce((a, v) => a + v, 0);
  const sw = (yi: number) => (balanced ? n / (2 * (yi === 1 ? pos : n - pos)) : 1);
  const coef = m.coef.map((v) => v * scaleCoef);
  const g = new Float64Array(d + 1);
  for (let j = 0; j < d; j++) g[j] = (j < dc ? coef[j] * sd[j] : coef[j]) / C;
  for (let i = 0; i < n; i++) {
    let z = m.intercept;
    for (let j = 0; j < dc; j++) z += xd[i * dc + j] * coef[j];
    for (let k = X.sparse.indptr[i]; k < X.sparse.indptr[i + 1]; k++) z += X.sparse.data[k] * coef[dc + X.sparse.indices[k]];
    const r = sw(y[i]) * (1 / (1 + Math.exp(-z)) - y[i]);
    for (let j = 0; j < dc; j++) g[j] += (r * (xd[i * dc + j] - mean[j])) / sd[j];
    for (let k = X.sparse.indptr[i]; k < X.sparse.indptr[i + 1]; k++) g[dc + X.sparse.indices[k]] += r * X.sparse.data[k];
    g[d] += r;
  }
  return g;
}

describe('QuasiNewton', () => {
  it('L-BFGS minimises a badly scaled quadratic to the gradient tolerance', () => {
    const scale = [1, 10, 100, 1000, 0.1];
    const target = [1, -2, 3, 0.5, -4];
    const f = (x: Float64Array, g: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 5; i++) {
        const d = x[i] - target[i];
        s += 0.5 * scale[i] * d * d;
        g[i] = scale[i] * d;
      }
      return s;
    };
    const q = new QuasiNewton(f, new Float64Array(5), { gtol: 1e-10, ftol: 0 });
    for (let i = 0; i < 200 && q.step() === 'continue'; i++);
    for (let i = 0; i < 5; i++) expect(q.x[i]).toBeCloseTo(target[i], 8);
  });

  it('OWL-QN finds the exact soft-threshold solution with zeros', () => {
    // minimise ½‖x − t‖² + λ‖x‖₁: solution sign(t)·max(|t| − λ, 0)
    const t = [3, -0.5, 0.2, -2, 0];
    const lam = 1;
    const f = (x: Float64Array, g: Float64Array) => {
      let s = 0;
      for (let i = 0; i < 5; i++) {
        s += 0.5 * (x[i] - t[i]) ** 2;
        g[i] = x[i] - t[i];
      }
      return s;
    };
    const q = new QuasiNewton(f, new Float64Array(5), { gtol: 1e-12, ftol: 0, l1: new Float64Array(5).fill(lam) });
    for (let i = 0; i < 200 && q.step() === 'continue'; i++);
    const want = t.map((v) => Math.sign(v) * Math.max(Math.abs(v) - lam, 0));
    for (let i = 0; i < 5; i++) {
      if (want[i] === 0) expect(q.x[i]).toBe(0);
      else expect(q.x[i]).toBeCloseTo(want[i], 8);
    }
  });
});

describe('QuasiNewton where f is a step function of the step length (one feature value of 1e20)', () => {
  // f(x) = log(1 + exp(−big · x₀)) + ½x₀² + ½x₁² + ½(x₁ − 1)²: the first trial step 1 / ‖g‖ moves x₀
  // by ~1, and only steps ~16 (big = 1e20) or ~26 (1e30) orders of magnitude smaller lower f by the
  // sufficient decrease. The Wolfe zoom shrank its bracket by ~3 per trial and gave up after 30
  // ('failed' at the start); OWL-QN's 60 halvings were too few for 1e30, and for 1e20 the step it
  // found left a curvature pair that scaled the next direction down by ~1e36 (a step below ftol:
  // 'converged' with x₁ still ~1e-36).
  const objective = (big: number) => (x: Float64Array, g: Float64Array) => {
    const z = -big * x[0];
    const sig = z > 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    g[0] = -big * sig + x[0];
    g[1] = 2 * x[1] - 1;
    return (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) + 0.5 * x[0] * x[0] + 0.5 * x[1] * x[1] + 0.5 * (x[1] - 1) ** 2;
  };

  it.each([
    ['1e20', 1e20, 0],
    ['1e30', 1e30, 0],
    ['1e20', 1e20, 1e-3],
    ['1e30', 1e30, 1e-3],
  ])('big %s, l1 weight on x₁ %s: steps, and reaches the optimum of x₁', (_label, big, lam) => {
    const l1 = lam === 0 ? null : Float64Array.from([0, lam]);
    const q = new QuasiNewton(objective(big), new Float64Array(2), { gtol: 1e-8, l1 });
    const f0 = q.objective();
    expect(q.step()).not.toBe('failed');
    expect(q.objective()).toBeLessThan(f0 - 0.6);
    for (let i = 0; i < 50 && q.step() === 'continue'; i++);
    // minimum of ½x₁² + ½(x₁ − 1)² + λ|x₁|: x₁ = (1 − λ) / 2
    expect(q.x[1]).toBeCloseTo((1 - lam) / 2, 6);
    expect(q.x[0]).toBeGreaterThan(0);
  });
});

describe('LogisticRegression', () => {
  it('fits after fits on reused WebAssembly memory give exactly the first fit', async () => {
    const first = await new LogisticRegression({ C: 0.5 }).fit(train, { seed: 1 });
    await new LogisticRegression({ C: 3 }).fit(makeData(900, 4), { seed: 1 });
    const again = await new LogisticRegression({ C: 0.5 }).fit(train, { seed: 1 });
    expect(Array.from(again.coef)).toEqual(Array.from(first.coef));
    expect(again.intercept).toBe(first.intercept);
  });

  it('learns and reaches the stationarity condition of its objective', async () => {
    // 200 rows and tol 1e-3: the gradient test (max |∇(objective / C)| ≤ tol) is what stops the
    // solver. On 500 rows the relative-decrease test (scipy's ftol, 2.2e-9) stops it first, at
    // max |∇| ≈ 2e-3 whatever tol is, and converged alone would say nothing about the gradient.
    const small = makeData(200, 1);
    const tol = 1e-3;
    for (const params of [{ C: 1 }, { C: 0.1, class_weight: 'balanced' }] as const) {
      const m = await new LogisticRegression({ ...params, tol }).fit(small, { seed: 1 });
      expect(m.converged).toBe(true);
      const g = solverGradient(m, small, params.C, 'class_weight' in params);
      expect(g.length).toBe(small.X.dense.cols + small.X.sparse.cols + 1);
      expect(maxAbs(g), `C ${params.C}`).toBeLessThanOrEqual(tol);
      // The same gradient 1 % away from the fitted coefficients is far from zero: the check has teeth.
      expect(maxAbs(solverGradient(m, small, params.C, 'class_weight' in params, 1.01))).toBeGreaterThan(50 * tol);
      expect(rocAuc(valid.y, m.predictProba(valid.X))).toBeGreaterThan(0.8);
    }
  });

  it('larger C means a weaker penalty (larger coefficients)', async () => {
    const norm = (c: Float64Array) => Math.sqrt(c.reduce((s, v) => s + v * v, 0));
    const a = await new LogisticRegression({ C: 0.01 }).fit(train, { seed: 1 });
    const b = await new LogisticRegression({ C: 10 }).fit(train, { seed: 1 });
    expect(norm(b.coef)).toBeGreaterThan(norm(a.coef) * 2);
  });

  it('l1 and elasticnet produce exact zeros; l1 more of them', async () => {
    const zeros = (c: Float64Array) => c.filter((v) => v === 0).length;
    const l1 = await new LogisticRegression({ C: 0.05, penalty: 'l1', tol: 1e-8 }).fit(train, { seed: 1 });
    const en = await new LogisticRegression({ C: 0.05, penalty: 'elasticnet', l1_ratio: 0.5, tol: 1e-8 }).fit(train, { seed: 1 });
    const l2 = await new LogisticRegression({ C: 0.05 }).fit(train, { seed: 1 });
    expect(zeros(l1.coef)).toBeGreaterThan(5);
    expect(zeros(l1.coef)).toBeGreaterThanOrEqual(zeros(en.coef));
    expect(zeros(l2.coef)).toBe(0);
    expect(rocAuc(valid.y, l1.predictProba(valid.X))).toBeGreaterThan(0.75);
  });

  it("class_weight 'balanced' shifts probabilities towards the minority class", async () => {
    // make positives rare
    const keep: number[] = [];
    for (let i = 0; i < train.X.rows; i++) if (train.y[i] === 0 || i % 5 === 0) keep.push(i);
    const X = selectRows(train.X, keep);
    const y = Uint8Array.from(keep, (i) => train.y[i]);
    const a = await new LogisticRegression({}).fit({ X, y }, { seed: 1 });
    const b = await new LogisticRegression({ class_weight: 'balanced' }).fit({ X, y }, { seed: 1 });
    const mean = (p: Float64Array) => p.reduce((s, v) => s + v, 0) / p.length;
    expect(mean(b.predictProba(valid.X))).toBeGreaterThan(mean(a.predictProba(valid.X)) + 0.05);
  });

  it('fit_intercept false keeps the intercept at 0', async () => {
    const m = await new LogisticRegression({ fit_intercept: false }).fit(train, { seed: 1 });
    expect(m.intercept).toBe(0);
  });

  it('reports each solver step with train/val metrics, and stops on request', async () => {
    const seen: number[] = [];
    const m = await new LogisticRegression({ C: 10, tol: 1e-10 }).fit(train, {
      seed: 1,
      validation: valid,
      onIteration: (r) => {
        seen.push(r.iteration);
        expect(Object.keys(r.metrics).sort()).toEqual(['objective', 'train_loss', 'val_auc', 'val_loss']);
        return r.iteration === 4 ? 'stop' : 'continue';
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(m.iterations).toBe(4);
    expect(m.converged).toBe(false);
  });

  it('is deterministic and round-trips through its payload', async () => {
    const a = await new LogisticRegression({ C: 2 }).fit(train, { seed: 1 });
    const b = await new LogisticRegression({ C: 2 }).fit(train, { seed: 99 });
    expect(a.coef).toEqual(b.coef);
    const c = logisticFromPayload(a.toPayload());
    expect(c.predictProba(valid.X)).toEqual(a.predictProba(valid.X));
    expect(() => logisticFromPayload({ ...a.toPayload(), kind: 'model/gbm' })).toThrow(TrainSpamError);
  });

  it('rejects bad hyperparameters and bad data', async () => {
    // a dense column whose spread overflows a double (it used to be zeroed silently)
    const huge = { X: { ...train.X, dense: { ...train.X.dense, data: train.X.dense.data.map((v, i) => (i % train.X.dense.cols === 1 ? (i % 2 ? 1e300 : -1e300) : v)) } }, y: train.y };
    await expect(new LogisticRegression({}).fit(huge, { seed: 1 })).rejects.toThrow(new RegExp(`dense feature '${train.X.featureNames[1]}' \\(column 1\\) has values too large to standardise`));
    expect(() => new LogisticRegression({ C: 0 })).toThrow(/'C' = 0 is invalid; expected a number in \[1e-12, 1000000000000\]/);
    // values whose C · loss or 1 / C overflow: the solver could not move and returned the zero model
    expect(() => new LogisticRegression({ C: 1e-20 })).toThrow(/'C' = 1e-20 is invalid/);
    expect(() => new LogisticRegression({ C: 1e306 })).toThrow(/'C' = 1e\+306 is invalid/);
    expect(() => new LogisticRegression({ penalty: 'l3' })).toThrow(/'penalty'/);
    expect(() => new LogisticRegression({ l1_ratio: 2 })).toThrow(/'l1_ratio'.*\[0, 1\]/);
    expect(() => new LogisticRegression({ max_iter: 0 })).toThrow(/'max_iter'/);
    const lr = new LogisticRegression();
    await expect(lr.fit({ X: withValue(train.X, { dense: [5, 2] }, NaN), y: train.y }, { seed: 1 })).rejects.toThrow(/row 5/);
    await expect(lr.fit({ X: selectRows(train.X, []), y: new Uint8Array(0) }, { seed: 1 })).rejects.toThrow(/zero rows/);
    await expect(lr.fit({ X: train.X, y: new Uint8Array(train.X.rows).fill(1) }, { seed: 1 })).rejects.toThrow(/one class/);
    const m = await lr.fit(train, { seed: 1 });
    expect(() => m.predictProba(makeData(10, 3, 5, 30).X)).toThrow(/features/);
    expect(() => m.predictProba(withValue(valid.X, { sparseIndex: 2 }, -Infinity))).toThrow(TrainSpamError);
    let checked = 0;
    for (const [name, def] of Object.entries(logisticParamSpec as ParamSpec)) {
      if ((def.type === 'float' || def.type === 'int') && 'search' in def && def.search) {
        if (def.min !== undefined) expect(def.search.low, name).toBeGreaterThanOrEqual(def.min);
        if (def.max !== undefined) expect(def.search.high, name).toBeLessThanOrEqual(def.max);
        if (def.min !== undefined || def.max !== undefined) checked++;
      }
    }
    expect(checked).toBeGreaterThan(0); // C at least has a bounded search range
  });
});
