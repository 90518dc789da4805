/**
 * The MLP's learned numbers and its inference pass, in plain TypeScript (no tfjs): a fitted MLP
 * needs no backend, predicts synchronously, holds no tensors, and its first layer walks the CSR
 * block directly, so prediction costs O(rows · (dense cols + nnz/row) · units) instead of a dense
 * 524-wide product. Training (trainer.ts) runs on TensorFlow.js and exports these arrays.
 */
import { invalidData } from '../../core/errors.js';
import { addColumnSums, addSquaredDeviations, columnRanges, numCols, type FeatureMatrix } from '../../core/matrix.js';
import type { Rng } from '../../core/random.js';
import { wasmMargins } from './forward-wasm.js';
import { tanh64 } from './tanh64.js';
import { checkMatrixStructure, unscalableColumn } from '../gbm/checks.js';

export type Activation = 'relu' | 'tanh';

/** One dense layer: y = x · kernel + bias, kernel row-major [inputs, units] (tfjs layout). */
export interface DenseLayer {
  readonly inputs: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** Standardisation of the dense block, fitted on the training rows: (x - mean) / scale. */
export interface DenseScaler {
  readonly mean: Float64Array;
  /** Standard deviation, 1 where a column is constant (all values equal; its mean is then that value). */
  readonly scale: Float64Array;
}

export interface MlpNetwork {
  /** Hidden layers then the 1-unit output layer. */
  readonly layers: readonly DenseLayer[];
  readonly activation: Activation;
  readonly scaler: DenseScaler;
  readonly denseCols: number;
  readonly sparseCols: number;
}

/**
 * Column means and standard deviations of the dense block. A column is constant when all its
 * values are equal (not when its computed spread is small: a constant 123456789.123 has a
 * rounding-noise "sd" of ~6e-7, and an informative column of values near 1e-13 a real one below
 * 1e-12); it gets scale 1 and its value as mean, so it standardises to exact zeros. The same rule
 * as the logistic model's scaler (logistic/model.ts).
 */
export function fitScaler(X: FeatureMatrix): DenseScaler {
  const { rows, cols, data } = X.dense;
  const mean = new Float64Array(cols);
  const scale = new Float64Array(cols);
  const lo = new Float64Array(cols);
  const hi = new Float64Array(cols);
  addColumnSums(data, rows, cols, mean);
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  addSquaredDeviations(data, rows, cols, mean, scale);
  columnRanges(data, rows, cols, lo, hi);
  for (let c = 0; c < cols; c++) {
    const sd = Math.sqrt(scale[c] / rows);
    if (!Number.isFinite(sd) || !Number.isFinite(mean[c])) throw unscalableColumn('mlp fit', X, c);
    if (lo[c] === hi[c]) {
      scale[c] = 1;
      mean[c] = lo[c];
    } else {
      // the range when the squared deviations underflowed to 0 (values differing by less than
      // ~1e-162): positive for distinct doubles, where the sd would divide by zero
      scale[c] = sd > 0 ? sd : hi[c] - lo[c];
    }
  }
  return { mean, scale };
}


/** He-uniform (relu) or Glorot-uniform (tanh, output) kernel, zero bias, drawn from `rng`. */
export function initLayer(inputs: number, units: number, scheme: 'he' | 'glorot', rng: Rng): DenseLayer {
  const limit = scheme === 'he' ? Math.sqrt(6 / inputs) : Math.sqrt(6 / (inputs + units));
  const kernel = new Float32Array(inputs * units);
  for (let i = 0; i < kernel.length; i++) kernel[i] = rng.uniform(-limit, limit);
  return { inputs, units, kernel, bias: new Float32Array(units) };
}

/** Throws INVALID_DATA unless X has the column layout the network was trained on. */
export function checkLayout(net: MlpNetwork, X: FeatureMatrix, what: string): void {
  if (X.dense.cols !== net.denseCols || X.sparse.cols !== net.sparseCols) {
    throw invalidData(
      `${what}: feature matrix has ${numCols(X)} columns (${X.dense.cols} dense + ${X.sparse.cols} sparse); ` +
        `the model was trained on ${net.denseCols + net.sparseCols} (${net.denseCols} dense + ${net.sparseCols} sparse)`,
      { expectedDense: net.denseCols, expectedSparse: net.sparseCols, gotDense: X.dense.cols, gotSparse: X.sparse.cols },
    );
  }
  checkMatrixStructure(what, X, 'feature matrix');
}

/** The largest float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Throws INVALID_DATA naming the row and feature of the first sparse value beyond the float32
 * range. The sparse block enters the network as it is, and the network trains in float32: such a
 * value is ±Infinity there and turned every weight NaN (a model predicting NaN for every row,
 * whose artifact its own loader refuses). Prediction rejects it too: the network never saw one.
 * The dense block is standardised in float64 first, so its limit is the scaler's (about 1e154).
 */
export function checkFloat32Range(X: FeatureMatrix, what: string): void {
  const { indptr, indices, data, rows } = X.sparse;
  const k = firstBeyondFloat32(data, indptr[0], indptr[rows]);
  if (k < 0) return;
  let r = 0;
  while (indptr[r + 1] <= k) r++;
  const column = X.dense.cols + indices[k];
  const name = X.featureNames[column] ?? `#${column}`;
  throw invalidData(
    `${what} holds ${data[k]} at row ${r}, feature '${name}' (column ${column}), beyond the float32 range the MLP trains in (|x| ≤ ${FLOAT32_MAX}); rescale it`,
    { row: r, feature: name, column, value: data[k] },
  );
}

/** The first index in [from, to) whose value lies beyond ±FLOAT32_MAX, or -1 (a loop of its own, docs/CONVENTIONS.md). */
function firstBeyondFloat32(data: Float64Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (Math.abs(data[i]) > FLOAT32_MAX) return i;
  return -1;
}

/** Row count from which forwardProba runs the WebAssembly kernel (copying the weights in). */
export const WASM_MIN_ROWS = 64;

/**
 * P(class 1) for every row of X (float64 arithmetic over the float32 weights).
 *
 * Per row, the non-zero inputs of a layer are gathered as (index, value) pairs (first layer: the
 * standardised dense block, then the CSR entries; later layers: the non-zero activations), and
 * every unit o gets bias[o] + Σ value · kernel[index, o] over them in order; hidden units go
 * through relu or tanh64 (tanh64.ts). Calls with at least WASM_MIN_ROWS rows run the whole pass
 * in a WebAssembly SIMD kernel (forward-wasm.ts); smaller calls (single e-mails) and environments
 * without WebAssembly SIMD use the JavaScript loop. Both perform the same float64 operations in
 * the same order, so their probabilities are bit-identical (tested).
 */
export function forwardProba(net: MlpNetwork, X: FeatureMatrix): Float64Array {
  const out = new Float64Array(X.rows);
  if (X.rows >= WASM_MIN_ROWS && wasmMargins(net.layers, net.activation === 'tanh' ? 1 : 0, net.scaler, X, out)) {
    for (let r = 0; r < out.length; r++) out[r] = sigmoid(out[r]);
    return out;
  }
  forwardRows(net, X, out);
  return out;
}

function forwardRows(net: MlpNetwork, X: FeatureMatrix, out: Float64Array): void {
  const { layers, activation, scaler } = net;
  const dc = X.dense.cols;
  const dense = X.dense.data;
  const { indptr, indices, data } = X.sparse;
  const widest = Math.max(...layers.map((l) => l.units));
  let cur = new Float64Array(widest);
  let next = new Float64Array(widest);
  const maxInputs = Math.max(...layers.map((l) => l.inputs));
  const nzCol = new Int32Array(maxInputs);
  const nzVal = new Float64Array(maxInputs);
  const first = layers[0];
  for (let r = 0; r < X.rows; r++) {
    let nz = 0;
    for (let c = 0; c < dc; c++) {
      const v = (dense[r * dc + c] - scaler.mean[c]) / scaler.scale[c];
      if (v === 0) continue;
      nzCol[nz] = c;
      nzVal[nz++] = v;
    }
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const v = data[p];
      if (v === 0) continue;
      nzCol[nz] = dc + indices[p];
      nzVal[nz++] = v;
    }
    unitsFromInputs(first, nzCol, nzVal, nz, cur);
    let width = first.units;
    for (let li = 1; li < layers.length; li++) {
      activate(cur, width, activation);
      let m = 0;
      for (let i = 0; i < width; i++) {
        const v = cur[i];
        if (v === 0) continue;
        nzCol[m] = i;
        nzVal[m++] = v;
      }
      const L = layers[li];
      unitsFromInputs(L, nzCol, nzVal, m, next);
      const t = cur;
      cur = next;
      next = t;
      width = L.units;
    }
    out[r] = sigmoid(cur[0]);
  }
}

/** out[o] = bias[o] + Σ_q val[q] · kernel[col[q], o], q ascending (the JavaScript kernel). */
function unitsFromInputs(L: DenseLayer, col: Int32Array, val: Float64Array, nz: number, out: Float64Array): void {
  const { units, kernel, bias } = L;
  for (let o = 0; o < units; o++) out[o] = bias[o];
  for (let q = 0; q < nz; q++) {
    const v = val[q];
    const base = col[q] * units;
    for (let o = 0; o < units; o++) out[o] += v * kernel[base + o];
  }
}

function activate(h: Float64Array, n: number, a: Activation): void {
  if (a === 'relu') {
    for (let i = 0; i < n; i++) if (h[i] < 0) h[i] = 0;
  } else {
    for (let i = 0; i < n; i++) h[i] = tanh64(h[i]);
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
