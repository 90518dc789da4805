/**
 * The weighted logistic loss and its gradient over a dense block plus a CSR block, without ever
 * densifying the sparse block. Three passes over caller-owned scratch (no allocation per call):
 * margins z = X·θ + b, the loss and residual of each row (one exp and one log1p per row), then the
 * gradient Xᵀr scattered row by row. The two matrix passes also exist as WebAssembly
 * (wasm-kernel.ts, bit-identical, about twice as fast); these are the reference and the fallback. Hot loops are top-level functions over typed
 * arrays (closures over typed arrays are slower in V8).
 *
 * Parameter vector θ: coefficients for the dense columns, then the sparse columns, then the intercept.
 */

/** log(1 + exp(z)) without overflow. */
export function log1pExp(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** 1 / (1 + exp(-z)) without overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Writes margins z = X·w + b into `out` (length rows). `theta` holds the dense coefficients at
 * 0..dc-1 and the sparse ones from dc on. Two accumulators per row (even and odd entries of the
 * dense part, then of the sparse part), so the adds do not form one serial dependency chain; the
 * WebAssembly kernel (wasm-kernel.ts) performs the same operations in the same order.
 */
export function margins(
  rows: number,
  dense: Float64Array,
  dc: number,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float64Array,
  theta: Float64Array,
  intercept: number,
  out: Float64Array,
): void {
  const ts = theta.subarray(dc);
  for (let i = 0; i < rows; i++) {
    let s0 = intercept;
    let s1 = 0;
    const base = i * dc;
    let j = 0;
    for (; j + 1 < dc; j += 2) {
      s0 += dense[base + j] * theta[j];
      s1 += dense[base + j + 1] * theta[j + 1];
    }
    if (j < dc) s0 += dense[base + j] * theta[j];
    const end = indptr[i + 1];
    let k = indptr[i];
    for (; k + 1 < end; k += 2) {
      s0 += values[k] * ts[indices[k]];
      s1 += values[k + 1] * ts[indices[k + 1]];
    }
    if (k < end) s0 += values[k] * ts[indices[k]];
    out[i] = s0 + s1;
  }
}

/**
 * Replaces each margin z[i] by the weighted residual C·s_i·(sigmoid(z_i) − y_i) and returns
 * C · Σ s_i · logloss_i (logloss = log(1 + exp(−z)) for y = 1, log(1 + exp(z)) for y = 0).
 * `sum` receives the sum of the residuals (the intercept gradient) in sum[0].
 */
export function lossResiduals(rows: number, y: Uint8Array, sw: Float64Array, C: number, z: Float64Array, sum: Float64Array): number {
  let loss = 0;
  let gb = 0;
  for (let i = 0; i < rows; i++) {
    const zi = z[i];
    const w = C * sw[i];
    const e = Math.exp(-Math.abs(zi));
    const lp = Math.log1p(e);
    const p = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    let r: number;
    if (y[i] === 1) {
      loss += w * ((zi > 0 ? 0 : -zi) + lp);
      r = (p - 1) * w;
    } else {
      loss += w * ((zi > 0 ? zi : 0) + lp);
      r = p * w;
    }
    gb += r;
    z[i] = r;
  }
  sum[0] = gb;
  return loss;
}

/** grad[0..dc) += denseᵀ·r, grad[dc + j] += (sparse column j)ᵀ·r. */
export function addTransposed(
  rows: number,
  dense: Float64Array,
  dc: number,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float64Array,
  r: Float64Array,
  grad: Float64Array,
): void {
  const gs = grad.subarray(dc);
  for (let i = 0; i < rows; i++) {
    const ri = r[i];
    const base = i * dc;
    for (let j = 0; j < dc; j++) grad[j] += dense[base + j] * ri;
    const end = indptr[i + 1];
    for (let k = indptr[i]; k < end; k++) gs[indices[k]] += values[k] * ri;
  }
}

/**
 * Data term only:  L = C · Σ s_i · logloss_i,  gradient ∂L/∂θ added into `grad` (which the caller
 * zeroes or pre-fills with the penalty gradient). Returns L. `sw` holds the per-row weights s_i.
 * The intercept gradient goes to grad[d] where d = dc + sparse cols, when fitIntercept.
 * `scratch` (length ≥ rows) and `sum` (length ≥ 1) are caller-owned work buffers, overwritten.
 */
export function dataLossGrad(
  rows: number,
  dense: Float64Array,
  dc: number,
  indptr: Int32Array,
  indices: Int32Array,
  values: Float64Array,
  y: Uint8Array,
  sw: Float64Array,
  C: number,
  theta: Float64Array,
  d: number,
  fitIntercept: boolean,
  grad: Float64Array,
  scratch: Float64Array,
  sum: Float64Array,
): number {
  margins(rows, dense, dc, indptr, indices, values, theta, fitIntercept ? theta[d] : 0, scratch);
  const loss = lossResiduals(rows, y, sw, C, scratch, sum);
  addTransposed(rows, dense, dc, indptr, indices, values, scratch, grad);
  if (fitIntercept) grad[d] += sum[0];
  return loss;
}
