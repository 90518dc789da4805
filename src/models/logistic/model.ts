/**
 * Logistic regression: `LogisticRegression` (validated hyperparameters) → `fit` → `FittedLogistic`.
 * L2 uses L-BFGS with a strong-Wolfe line search; L1 / elastic-net use OWL-QN (see lbfgs.ts).
 * Works on the dense + CSR feature matrix without densifying it. With `scale_dense` (default) the
 * dense columns are standardised for the solve (their ranges span 1 to 1e5 on e-mail features,
 * which stalls any quasi-Newton method and makes one C mean different things per column); the
 * coefficients are mapped back so the fitted model predicts on the raw matrix. The sparse block
 * (TF-IDF, already l2-normalised) is never scaled, so with no dense columns or `scale_dense:
 * false` results match scikit-learn's `LogisticRegression` on the same raw matrix.
 */
import { TrainSpamError, invalidData } from '../../core/errors.js';
import { addColumnSums, addSquaredDeviations, assertFinite, columnRanges, type FeatureMatrix } from '../../core/matrix.js';
import { resolveParams } from '../../core/params.js';
import type { JsonValue, Payload } from '../../core/payload.js';
import type { Estimator, FitOptions, Fitted, TrainingData } from '../contract.js';
import { checkFitOptions, checkLayout, checkTrainingData, checkValidationData, isReportDue, report, throwIfAborted, unscalableColumn } from '../gbm/checks.js';
import { meanLogLossFromMargin, rocAuc } from '../gbm/evaluation.js';
import { QuasiNewton } from './lbfgs.js';
import { dataLossGrad, lossResiduals, margins, sigmoid } from './loss.js';
import { logisticParamSpec, type LogisticParams } from './params.js';
import { WasmLossKernel } from './wasm-kernel.js';

const OWNER = 'logistic';
export const LOGISTIC_PAYLOAD_KIND = 'model/logistic';
export const LOGISTIC_PAYLOAD_VERSION = 1;

export class LogisticRegression implements Estimator {
  readonly kind = 'logistic' as const;
  readonly paramSpec = logisticParamSpec;
  readonly params: LogisticParams;

  constructor(params: Readonly<Record<string, unknown>> = {}) {
    this.params = resolveParams(OWNER, logisticParamSpec, params);
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FittedLogistic> {
    const p = this.params;
    checkTrainingData(OWNER, data);
    checkFitOptions(OWNER, options);
    const { X, y } = data;
    const dc = X.dense.cols;
    const sc = X.sparse.cols;
    const val = options.validation;
    if (val) checkValidationData(OWNER, val, dc, sc);
    throwIfAborted(OWNER, options.signal);

    const n = X.rows;
    const d = dc + sc;
    const sw = classWeights(y, p.class_weight === 'balanced');
    let swSum = 0;
    for (let i = 0; i < n; i++) swSum += sw[i];
    const rho = p.penalty === 'l2' ? 0 : p.penalty === 'l1' ? 1 : p.l1_ratio;
    const l2 = 1 - rho;
    const C = p.C;
    const fitIntercept = p.fit_intercept;
    let l1: Float64Array | null = null;
    if (rho > 0) {
      l1 = new Float64Array(d + 1);
      for (let j = 0; j < d; j++) l1[j] = rho;
    }
    const scaler = p.scale_dense && dc > 0 ? denseScaler(X, n, dc, fitIntercept) : null;
    const dense = scaler ? scaleDense(X.dense.data, n, dc, scaler) : X.dense.data;
    const { indptr, indices, data: values } = X.sparse;
    // The data term's two matrix passes run in WebAssembly (matrix copied once per fit) when
    // available, else in the bit-identical JavaScript kernels over work buffers allocated once.
    const wk = WasmLossKernel.create(n, dense, dc, indptr, indices, values, d + 1);
    try {
      const objective = new LogisticObjective(n, d, dense, dc, indptr, indices, values, y, sw, C, l2, fitIntercept, wk);
      const fun = (theta: Float64Array, grad: Float64Array): number => objective.value(theta, grad);
      const l1Scaled = l1 ? l1.map((v) => v / C) : null;
      const solver = new QuasiNewton(fun, new Float64Array(d + 1), { gtol: p.tol, l1: l1Scaled });
      const valMargin = val ? new Float64Array(val.X.rows) : null;
      let converged = solver.isConverged();
      let iterations = 0;
      while (!converged && iterations < p.max_iter) {
        throwIfAborted(OWNER, options.signal);
        const outcome = solver.step();
        if (outcome === 'failed' && solver.iterations === iterations) {
          // no step at all: not the zero model (P = 0.5 for every row) as if it were a fit
          if (iterations === 0 && !isRoundingNoise(solver.gradientNorm(), solver.objective())) throw noDescentFromStart(X, scaler === null);
          break;
        }
        iterations = solver.iterations;
        converged = outcome === 'converged';
        const last = outcome !== 'continue' || iterations >= p.max_iter;
        if (isReportDue(options, iterations, last ? iterations : p.max_iter)) {
          // lastDataLoss belongs to the last evaluation, which the line search accepted.
          const metrics: Record<string, number> = { train_loss: objective.lastDataLoss / (C * swSum), objective: solver.objective() * C };
          if (val && valMargin) {
            const vx = val.X;
            const raw = toRawSpace(solver.x, d, dc, fitIntercept, scaler);
            margins(vx.rows, vx.dense.data, dc, vx.sparse.indptr, vx.sparse.indices, vx.sparse.data, raw, raw[d], valMargin);
            metrics.val_loss = meanLogLossFromMargin(val.y, valMargin);
            metrics.val_auc = rocAuc(val.y, valMargin);
          }
          if ((await report(options, iterations, metrics)) === 'stop') break;
        }
        if (outcome !== 'continue') break;
      }
      const raw = toRawSpace(solver.x, d, dc, fitIntercept, scaler);
      const coef = raw.slice(0, d);
      const intercept = fitIntercept ? raw[d] : 0;
      return new FittedLogistic({ ...p }, dc, sc, coef, intercept, iterations, converged);
    } finally {
      // the kernel's memory goes back to the pool for the next fit
      wk?.release();
    }
  }
}

/**
 * A gradient this small against the objective is rounding noise: the start is the optimum as far
 * as doubles tell (only a `tol` below that noise gets this far), and the zero model is the answer.
 */
function isRoundingNoise(gradientNorm: number, objective: number): boolean {
  return gradientNorm <= 1e-8 * Math.max(1, Math.abs(objective));
}

/**
 * The solver's first step found no lower objective, from a start whose gradient is not zero.
 * The line searches go down to steps that no longer move the coefficients, so this is what
 * values near 1e154 and above do (the squared gradient or the loss overflows a double): the
 * error names the largest |value| the solver sees (the sparse block, and the dense block when
 * it is not standardised).
 */
function noDescentFromStart(X: FeatureMatrix, rawDense: boolean): TrainSpamError {
  const big = largestValue(X, rawDense);
  const name = X.featureNames[big.column] ?? `#${big.column}`;
  return invalidData(
    `${OWNER}: the optimiser could not lower the loss from its start (all coefficients 0), where the gradient is not zero; ` +
      `likely cause: feature values too large: the largest |value| is ${big.value} at row ${big.row}, feature '${name}' (column ${big.column}); ` +
      `rescale the features (only the dense block is standardised, and only with scale_dense: true)`,
    { row: big.row, column: big.column, feature: name, value: big.value },
  );
}

/** The entry of largest magnitude among the sparse block's entries and, with `dense`, the dense block's (first one on ties). */
function largestValue(X: FeatureMatrix, dense: boolean): { value: number; row: number; column: number } {
  let best = { value: 0, row: 0, column: 0 };
  const dc = X.dense.cols;
  if (dense) {
    const data = X.dense.data;
    for (let i = 0; i < X.rows * dc; i++) {
      if (Math.abs(data[i]) > Math.abs(best.value)) best = { value: data[i], row: Math.floor(i / dc), column: i % dc };
    }
  }
  const { indptr, indices, data } = X.sparse;
  for (let r = 0; r < X.rows; r++) {
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      if (Math.abs(data[k]) > Math.abs(best.value)) best = { value: data[k], row: r, column: dc + indices[k] };
    }
  }
  return best;
}

interface DenseScaler {
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/**
 * The solver's objective: the data term's loss and gradient plus the l2 term, divided by C. A
 * class, not a closure made in each fit: its method is one function for the thread's lifetime, so
 * V8 optimises it once instead of again in every fit whose closure it had not seen
 * (docs/CONVENTIONS.md).
 */
class LogisticObjective {
  /** The data term of the last evaluation (before the division by C). */
  lastDataLoss = 0;
  private readonly scratch: Float64Array;
  private readonly sum = new Float64Array(1);

  constructor(
    private readonly n: number,
    private readonly d: number,
    private readonly dense: Float64Array,
    private readonly dc: number,
    private readonly indptr: Int32Array,
    private readonly indices: Int32Array,
    private readonly values: Float64Array,
    private readonly y: Uint8Array,
    private readonly sw: Float64Array,
    private readonly C: number,
    private readonly l2: number,
    private readonly fitIntercept: boolean,
    private readonly wk: WasmLossKernel | null,
  ) {
    this.scratch = wk ? wk.z : new Float64Array(n);
  }

  value(theta: Float64Array, grad: Float64Array): number {
    const { n, d, l2, wk, fitIntercept, C, sum } = this;
    let pen = 0;
    for (let j = 0; j < d; j++) {
      const w = theta[j];
      grad[j] = l2 * w;
      pen += w * w;
    }
    grad[d] = 0;
    if (wk) {
      wk.theta.set(theta);
      wk.margins(fitIntercept ? theta[d] : 0);
      this.lastDataLoss = lossResiduals(n, this.y, this.sw, C, this.scratch, sum);
      wk.grad.set(grad);
      wk.transposed();
      grad.set(wk.grad);
      if (fitIntercept) grad[d] += sum[0];
    } else {
      this.lastDataLoss = dataLossGrad(n, this.dense, this.dc, this.indptr, this.indices, this.values, this.y, this.sw, C, theta, d, fitIntercept, grad, this.scratch, sum);
    }
    // Solve on objective / C (scikit-learn 1.2's scaling: Σ s_i·logloss_i + ‖w‖²/(2C)), so tol and
    // the relative-decrease test mean what they mean there and the iterates follow the same path.
    const inv = 1 / C;
    for (let j = 0; j <= d; j++) grad[j] *= inv;
    return (0.5 * l2 * pen + this.lastDataLoss) * inv;
  }
}

/**
 * Column means (0 without an intercept: centring would need one) and standard deviations. A column
 * is constant when all its values are equal (not when its computed spread is small: a constant
 * 123456789.123 has a rounding-noise "sd" of ~6e-7, and an informative column of values near 1e-13
 * a real one below 1e-12); it gets scale 1 and its value as mean, so it standardises to exact
 * zeros and keeps a zero coefficient.
 */
function denseScaler(X: FeatureMatrix, n: number, dc: number, center: boolean): DenseScaler {
  const dense = X.dense.data;
  const mean = new Float64Array(dc);
  const sq = new Float64Array(dc);
  const lo = new Float64Array(dc);
  const hi = new Float64Array(dc);
  addColumnSums(dense, n, dc, mean);
  for (let j = 0; j < dc; j++) mean[j] /= n;
  addSquaredDeviations(dense, n, dc, mean, sq);
  columnRanges(dense, n, dc, lo, hi);
  const scale = new Float64Array(dc);
  for (let j = 0; j < dc; j++) {
    const sd = Math.sqrt(sq[j] / n);
    if (!Number.isFinite(sd) || !Number.isFinite(mean[j])) throw unscalableColumn(OWNER, X, j);
    scale[j] = columnScale(sd, lo[j], hi[j]);
    if (lo[j] === hi[j]) mean[j] = lo[j];
  }
  if (!center) mean.fill(0);
  return { mean, scale };
}

/**
 * 1 for a constant column (lo = hi), else the standard deviation; when the squared deviations
 * underflowed to 0 (values differing by less than ~1e-162), the range hi − lo instead, which is
 * positive for distinct doubles (a non-finite sd never gets here: the caller throws first).
 */
function columnScale(sd: number, lo: number, hi: number): number {
  if (lo === hi) return 1;
  return sd > 0 ? sd : hi - lo;
}


function scaleDense(dense: Float64Array, n: number, dc: number, s: DenseScaler): Float64Array {
  const out = new Float64Array(n * dc);
  for (let i = 0; i < n; i++) {
    const o = i * dc;
    for (let j = 0; j < dc; j++) out[o + j] = (dense[o + j] - s.mean[j]) / s.scale[j];
  }
  return out;
}

/** Coefficients of the standardised problem → coefficients on the raw matrix (intercept at index d). */
function toRawSpace(theta: Float64Array, d: number, dc: number, fitIntercept: boolean, s: DenseScaler | null): Float64Array {
  const raw = theta.slice(0, d + 1);
  if (!fitIntercept) raw[d] = 0;
  if (!s) return raw;
  for (let j = 0; j < dc; j++) {
    raw[j] = theta[j] / s.scale[j];
    if (fitIntercept) raw[d] -= raw[j] * s.mean[j];
  }
  return raw;
}

/** Per-row weights: 1, or n / (2 · n_class) for 'balanced' (scikit-learn's formula). */
function classWeights(y: Uint8Array, balanced: boolean): Float64Array {
  const n = y.length;
  const sw = new Float64Array(n).fill(1);
  if (!balanced) return sw;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i];
  const wPos = n / (2 * pos);
  const wNeg = n / (2 * (n - pos));
  for (let i = 0; i < n; i++) sw[i] = y[i] === 1 ? wPos : wNeg;
  return sw;
}

export class FittedLogistic implements Fitted {
  readonly kind = 'logistic' as const;
  readonly numFeatures: number;

  constructor(
    readonly params: Readonly<Record<string, unknown>>,
    readonly denseCols: number,
    readonly sparseCols: number,
    /** Coefficients: dense columns first, then sparse columns. */
    readonly coef: Float64Array,
    readonly intercept: number,
    readonly iterations: number,
    /** Whether the solver met `tol` (false: stopped by max_iter, a stall or the iteration hook). */
    readonly converged: boolean,
  ) {
    this.numFeatures = denseCols + sparseCols;
  }

  /** Raw margins X·w + b. */
  decisionFunction(X: FeatureMatrix): Float64Array {
    checkLayout(OWNER, X, this.denseCols, this.sparseCols);
    assertFinite(X);
    const out = new Float64Array(X.rows);
    margins(X.rows, X.dense.data, this.denseCols, X.sparse.indptr, X.sparse.indices, X.sparse.data, this.coef, this.intercept, out);
    return out;
  }

  predictProba(X: FeatureMatrix): Float64Array {
    const z = this.decisionFunction(X);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]);
    return z;
  }

  toPayload(): Payload {
    return {
      kind: LOGISTIC_PAYLOAD_KIND,
      version: LOGISTIC_PAYLOAD_VERSION,
      meta: {
        params: this.params as { [k: string]: JsonValue },
        denseCols: this.denseCols,
        sparseCols: this.sparseCols,
        intercept: this.intercept,
        iterations: this.iterations,
        converged: this.converged,
      },
      arrays: { coef: this.coef.slice() },
    };
  }
}

/** Rebuilds a fitted model from `toPayload()` output, validating kind, version and shapes. */
export function logisticFromPayload(payload: Payload): FittedLogistic {
  const bad = (why: string) => new TrainSpamError('FORMAT_ERROR', `${OWNER} payload: ${why}`, { kind: payload.kind, version: payload.version });
  if (payload.kind !== LOGISTIC_PAYLOAD_KIND) throw bad(`kind is '${payload.kind}', expected '${LOGISTIC_PAYLOAD_KIND}'`);
  if (payload.version !== LOGISTIC_PAYLOAD_VERSION) throw bad(`version ${payload.version} is not supported (expected ${LOGISTIC_PAYLOAD_VERSION})`);
  const m = payload.meta;
  const dc = m.denseCols;
  const sc = m.sparseCols;
  const b = m.intercept;
  if (typeof dc !== 'number' || typeof sc !== 'number' || !Number.isInteger(dc) || !Number.isInteger(sc) || dc < 0 || sc < 0) {
    throw bad('denseCols / sparseCols must be non-negative integers');
  }
  if (typeof b !== 'number' || !Number.isFinite(b)) throw bad('intercept must be a finite number');
  const coef = payload.arrays.coef;
  if (!(coef instanceof Float64Array) || coef.length !== dc + sc) throw bad(`coef must be a Float64Array of length ${dc + sc}`);
  for (let j = 0; j < coef.length; j++) if (!Number.isFinite(coef[j])) throw bad(`coef[${j}] is not finite`);
  const params = m.params && typeof m.params === 'object' && !Array.isArray(m.params) ? (m.params as Record<string, unknown>) : {};
  let resolved: LogisticParams;
  try {
    resolved = resolveParams(OWNER, logisticParamSpec, params);
  } catch (e) {
    // a damaged artifact, not a bad argument of the caller's: same code as every other payload fault
    throw bad(`meta.params are invalid: ${e instanceof Error ? e.message : String(e)}`);
  }
  const iterations = m.iterations === undefined ? 0 : m.iterations;
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 0) throw bad(`iterations is ${JSON.stringify(iterations)}; expected a non-negative integer`);
  return new FittedLogistic(resolved, dc, sc, coef.slice(), b, iterations, m.converged === true);
}
