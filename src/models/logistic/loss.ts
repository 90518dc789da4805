/**
 * The weighted logistic loss and its gradient over a dense block plus a CSR block, without ever
 * densifying the sparse block. One pass over the rows computes each margin, the residual and its
 * contribution to the gradient. Hot loops are top-level functions over typed arrays (see
 * PERFORMANCE.md: closures over typed arrays are slower in V8).
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
 * Writes margins z = X·w + b into `out` (length rows).
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
  for (let i = 0; i < rows; i++) {
    let z = intercept;
    const base = i * dc;
    for (let j = 0; j < dc; j++) z += dense[base + j] * theta[j];
    const end = indptr[i + 1];
    for (let k = indptr[i]; k < end; k++) z += values[k] * theta[dc + indices[k]];
    out[i] = z;
  }
}

/**
 * Data term only:  L = C · Σ s_i · logloss_i,  gradient ∂L/∂θ added into `grad` (which the caller
 * zeroes or pre-fills with the penalty gradient). Returns L. `sw` holds the per-row weights s_i.
 * The intercept gradient goes to grad[d] where d = dc + sparse cols, when fitIntercept.
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
): number {
  const b = fitIntercept ? theta[d] : 0;
  let loss = 0;
  let gb = 0;
  for (let i = 0; i < rows; i++) {
    let z = b;
    const base = i * dc;
    for (let j = 0; j < dc; j++) z += dense[base + j] * theta[j];
    const start = indptr[i];
    const end = indptr[i + 1];
    for (let k = start; k < end; k++) z += values[k] * theta[dc + indices[k]];
    const w = C * sw[i];
    // loss = log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0; residual r = sigmoid(z) - y.
    let r: number;
    if (y[i] === 1) {
      loss += w * log1pExp(-z);
      r = sigmoid(z) - 1;
    } else {
      loss += w * log1pExp(z);
      r = sigmoid(z);
    }
    r *= w;
    gb += r;
    for (let j = 0; j < dc; j++) grad[j] += dense[base + j] * r;
    for (let k = start; k < end; k++) grad[dc + indices[k]] += values[k] * r;
  }
  if (fitIntercept) grad[d] += gb;
  return loss;
}
