/**
 * The MLP's learned numbers and its inference pass, in plain TypeScript (no tfjs): a fitted MLP
 * needs no backend, predicts synchronously, holds no tensors, and its first layer walks the CSR
 * block directly, so prediction costs O(rows · (dense cols + nnz/row) · units) instead of a dense
 * 524-wide product. Training (trainer.ts) runs on TensorFlow.js and exports these arrays.
 */
import { invalidData } from '../../core/errors.js';
import { numCols, type FeatureMatrix } from '../../core/matrix.js';
import type { Rng } from '../../core/random.js';
import { WasmUnits } from './forward-wasm.js';

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
  /** Standard deviation, 1 where a column is constant. */
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

export function fitScaler(X: FeatureMatrix): DenseScaler {
  const { rows, cols, data } = X.dense;
  const mean = new Float64Array(cols);
  const scale = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c];
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = data[r * cols + c] - mean[c];
      scale[c] += d * d;
    }
  }
  for (let c = 0; c < cols; c++) {
    const sd = Math.sqrt(scale[c] / rows);
    scale[c] = sd > 1e-12 && Number.isFinite(sd) ? sd : 1;
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
}

/** Row count from which forwardProba copies the weights into the WebAssembly kernel. */
export const WASM_MIN_ROWS = 64;

/**
 * P(class 1) for every row of X (float64 arithmetic over the float32 weights).
 *
 * Each layer's kernel is transposed once per call into float64 [units × inputs], so every unit is a
 * dot product held in a register (eight units at a time: eight independent accumulators) instead of
 * an axpy that loads and stores the whole activation vector for every input. Every unit still adds
 * bias, then its inputs in ascending order, skipping zero inputs: the same operations in the same
 * order as the straightforward row-by-row pass, so probabilities are bit-identical to it. Calls with
 * at least WASM_MIN_ROWS rows run the same kernel in WebAssembly SIMD (forward-wasm.ts, float64x2
 * lanes, bit-identical again); smaller calls (single e-mails) stay in JavaScript.
 */
export function forwardProba(net: MlpNetwork, X: FeatureMatrix): Float64Array {
  const out = new Float64Array(X.rows);
  const { layers, activation, scaler } = net;
  const dc = X.dense.cols;
  const dense = X.dense.data;
  const { indptr, indices, data } = X.sparse;
  // WebAssembly SIMD kernel for calls with enough rows to repay copying the weights in.
  const wk = X.rows >= WASM_MIN_ROWS ? WasmUnits.create(layers) : null;
  const kT = wk ? [] : layers.map((l) => transposeKernel(l));
  const bias = layers.map((l) => Float64Array.from(l.bias));
  const widest = Math.max(...layers.map((l) => l.units));
  let cur = new Float64Array(widest);
  let next = new Float64Array(widest);
  // The row's non-zero inputs to the first layer: (column, value), dense block standardised first.
  const maxInputs = Math.max(...layers.map((l) => l.inputs));
  const nzCol = wk ? wk.col : new Int32Array(maxInputs);
  const nzVal = wk ? wk.val : new Float64Array(maxInputs);
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
    if (wk) {
      wk.units(0, nz);
      cur.set(wk.out.subarray(0, first.units));
    } else unitsFromInputs(kT[0], bias[0], first.inputs, first.units, nzCol, nzVal, nz, cur);
    let width = first.units;
    for (let li = 1; li < layers.length; li++) {
      activate(cur, width, activation);
      // Non-zero activations as (index, value) pairs, then the same dot-product kernel.
      let m = 0;
      for (let i = 0; i < width; i++) {
        const v = cur[i];
        if (v === 0) continue;
        nzCol[m] = i;
        nzVal[m++] = v;
      }
      const L = layers[li];
      if (wk) {
        wk.units(li, m);
        next.set(wk.out.subarray(0, L.units));
      } else unitsFromInputs(kT[li], bias[li], L.inputs, L.units, nzCol, nzVal, m, next);
      const t = cur;
      cur = next;
      next = t;
      width = L.units;
    }
    out[r] = sigmoid(cur[0]);
  }
  return out;
}

/** Kernel [inputs × units] (float32) → float64 [units × inputs]. */
function transposeKernel(l: DenseLayer): Float64Array {
  const { inputs, units, kernel } = l;
  const t = new Float64Array(inputs * units);
  for (let i = 0; i < inputs; i++) {
    const base = i * units;
    for (let o = 0; o < units; o++) t[o * inputs + i] = kernel[base + o];
  }
  return t;
}

/** out[o] = bias[o] + Σ_q val[q] · kT[o·inputs + col[q]], q ascending; eight units per sweep. */
function unitsFromInputs(
  kT: Float64Array,
  bias: Float64Array,
  inputs: number,
  units: number,
  col: Int32Array,
  val: Float64Array,
  nz: number,
  out: Float64Array,
): void {
  let o = 0;
  for (; o + 7 < units; o += 8) {
    const b0 = o * inputs;
    let s0 = bias[o];
    let s1 = bias[o + 1];
    let s2 = bias[o + 2];
    let s3 = bias[o + 3];
    let s4 = bias[o + 4];
    let s5 = bias[o + 5];
    let s6 = bias[o + 6];
    let s7 = bias[o + 7];
    for (let q = 0; q < nz; q++) {
      const v = val[q];
      const c = b0 + col[q];
      s0 += v * kT[c];
      s1 += v * kT[c + inputs];
      s2 += v * kT[c + 2 * inputs];
      s3 += v * kT[c + 3 * inputs];
      s4 += v * kT[c + 4 * inputs];
      s5 += v * kT[c + 5 * inputs];
      s6 += v * kT[c + 6 * inputs];
      s7 += v * kT[c + 7 * inputs];
    }
    out[o] = s0;
    out[o + 1] = s1;
    out[o + 2] = s2;
    out[o + 3] = s3;
    out[o + 4] = s4;
    out[o + 5] = s5;
    out[o + 6] = s6;
    out[o + 7] = s7;
  }
  for (; o < units; o++) {
    const b0 = o * inputs;
    let s0 = bias[o];
    for (let q = 0; q < nz; q++) s0 += val[q] * kT[b0 + col[q]];
    out[o] = s0;
  }
}

function activate(h: Float64Array, n: number, a: Activation): void {
  if (a === 'relu') {
    for (let i = 0; i < n; i++) if (h[i] < 0) h[i] = 0;
  } else {
    for (let i = 0; i < n; i++) h[i] = Math.tanh(h[i]);
  }
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
