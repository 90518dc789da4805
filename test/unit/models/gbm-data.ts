/** Small deterministic matrices for GBM / logistic unit tests. */
import { denseMatrix, featureMatrix, type FeatureMatrix } from '../../../src/core/matrix.js';
import { Rng } from '../../../src/core/random.js';

export interface Data {
  X: FeatureMatrix;
  y: Uint8Array;
}

/** rows × (dc dense + sc sparse) with signal in a few columns; dense values include negatives and zeros. */
export function makeData(rows: number, seed = 1, dc = 4, sc = 30, density = 0.15): Data {
  const rng = new Rng(seed);
  const dense = new Float64Array(rows * dc);
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const y = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let z = 0;
    for (let j = 0; j < dc; j++) {
      const v = j === 0 ? rng.normal() : j === 1 ? Math.floor(rng.next() * 4) : rng.next() < 0.4 ? 0 : rng.normal() * 2;
      dense[r * dc + j] = v;
      z += j === 0 ? 1.5 * v : j === 1 ? 0.5 * (v - 1.5) : 0.2 * v;
    }
    for (let c = 0; c < sc; c++) {
      if (rng.next() < density) {
        const v = 0.1 + rng.next();
        idx.push(c);
        val.push(v);
        if (c < 5) z += (c % 2 === 0 ? 2 : -2) * v;
      }
    }
    indptr[r + 1] = idx.length;
    y[r] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const names = [...Array.from({ length: dc }, (_, j) => `d${j}`), ...Array.from({ length: sc }, (_, j) => `s${j}`)];
  const X = featureMatrix(denseMatrix(rows, dc, dense), { rows, cols: sc, indptr, indices: Int32Array.from(idx), data: Float64Array.from(val) }, names);
  return { X, y };
}

/** A copy of X with one value replaced (dense column c < dc, or the k-th sparse non-zero). */
export function withValue(X: FeatureMatrix, where: { dense?: [number, number]; sparseIndex?: number }, v: number): FeatureMatrix {
  const dense = X.dense.data.slice();
  const data = X.sparse.data.slice();
  if (where.dense) dense[where.dense[0] * X.dense.cols + where.dense[1]] = v;
  if (where.sparseIndex !== undefined) data[where.sparseIndex] = v;
  return featureMatrix(denseMatrix(X.rows, X.dense.cols, dense), { ...X.sparse, data }, X.featureNames);
}
