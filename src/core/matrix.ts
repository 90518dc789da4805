/**
 * The feature matrix every model consumes: a dense block (row-major Float64Array) beside a sparse
 * block in CSR form. Both live in typed arrays whose buffers may be SharedArrayBuffers, so a
 * matrix can be handed to worker threads without copying (see `toShared` / `fromDescriptor`).
 */
import { invalidArgument, invalidData } from './errors.js';

export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major: value (r, c) at data[r * cols + c]. */
  readonly data: Float64Array;
}

export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Length rows + 1; the non-zeros of row r are at [indptr[r], indptr[r + 1]). */
  readonly indptr: Int32Array;
  /** Column index of each non-zero, sorted ascending within a row. */
  readonly indices: Int32Array;
  readonly data: Float64Array;
}

/** Dense columns first (0 .. dense.cols-1), then sparse columns (dense.cols .. dense.cols+sparse.cols-1). */
export interface FeatureMatrix {
  readonly rows: number;
  readonly dense: DenseMatrix;
  readonly sparse: CsrMatrix;
  /** One name per column, dense names first; length dense.cols + sparse.cols. */
  readonly featureNames: readonly string[];
}

export function numCols(m: FeatureMatrix): number {
  return m.dense.cols + m.sparse.cols;
}

export function denseMatrix(rows: number, cols: number, data?: Float64Array): DenseMatrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw invalidArgument(`dense matrix data has ${d.length} values, expected ${rows}x${cols}`);
  return { rows, cols, data: d };
}

export function emptyCsr(rows: number, cols: number): CsrMatrix {
  return { rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(0), data: new Float64Array(0) };
}

export function featureMatrix(dense: DenseMatrix, sparse: CsrMatrix, featureNames: readonly string[]): FeatureMatrix {
  if (dense.rows !== sparse.rows) throw invalidArgument(`dense block has ${dense.rows} rows but sparse block has ${sparse.rows}`);
  if (featureNames.length !== dense.cols + sparse.cols) {
    throw invalidArgument(`expected ${dense.cols + sparse.cols} feature names, got ${featureNames.length}`);
  }
  if (sparse.indptr.length !== sparse.rows + 1) throw invalidArgument('CSR indptr must have rows + 1 entries');
  return { rows: dense.rows, dense, sparse, featureNames };
}

/** Throws INVALID_DATA naming the first row/column holding NaN or Infinity. */
export function assertFinite(m: FeatureMatrix): void {
  const { dense, sparse } = m;
  const i = firstNonFinite(dense.data, 0, dense.data.length);
  if (i >= 0) {
    const r = Math.floor(i / dense.cols);
    const c = i % dense.cols;
    throw invalidData(`feature matrix holds ${dense.data[i]} at row ${r}, feature '${m.featureNames[c]}'; expected finite numbers`, { row: r, feature: m.featureNames[c] });
  }
  const k = firstNonFinite(sparse.data, sparse.indptr[0], sparse.indptr[sparse.rows]);
  if (k >= 0) {
    let r = 0;
    while (sparse.indptr[r + 1] <= k) r++;
    const name = m.featureNames[dense.cols + sparse.indices[k]];
    throw invalidData(`feature matrix holds ${sparse.data[k]} at row ${r}, feature '${name}'; expected finite numbers`, { row: r, feature: name });
  }
}

/**
 * The first index in [from, to) whose value is not finite, or -1. A function of its own (called
 * for both blocks) so that V8 optimises one plain loop, instead of compiling assertFinite's two
 * loops on stack in every fit and deoptimising at the second one (docs/CONVENTIONS.md).
 */
function firstNonFinite(data: Float64Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/**
 * sum[c] += Σ_r data[r·cols + c], rows in order (a row-major block). With addSquaredDeviations, the
 * two passes of a column standardisation, each a function of its own: V8 optimises each loop once
 * per thread instead of compiling the scaler's loops on stack in every fit (docs/CONVENTIONS.md).
 */
export function addColumnSums(data: Float64Array, rows: number, cols: number, sum: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) sum[c] += data[o + c];
  }
}

/** lo[c] / hi[c] = the smallest / largest value of column c (left 0 without rows; a loop of its own, docs/CONVENTIONS.md). */
export function columnRanges(data: Float64Array, rows: number, cols: number, lo: Float64Array, hi: Float64Array): void {
  if (rows === 0) return;
  for (let c = 0; c < cols; c++) lo[c] = hi[c] = data[c];
  for (let r = 1; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = data[o + c];
      if (v < lo[c]) lo[c] = v;
      else if (v > hi[c]) hi[c] = v;
    }
  }
}

/** out[c] += Σ_r (data[r·cols + c] − mean[c])², rows in order. */
export function addSquaredDeviations(data: Float64Array, rows: number, cols: number, mean: Float64Array, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const d = data[o + c] - mean[c];
      out[c] += d * d;
    }
  }
}

/** A new matrix holding the given rows, in the given order. */
export function selectRows(m: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const n = rows.length;
  const dc = m.dense.cols;
  const dense = new Float64Array(n * dc);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (r < 0 || r >= m.rows) throw invalidArgument(`row ${r} out of range 0..${m.rows - 1}`);
    nnz += m.sparse.indptr[r + 1] - m.sparse.indptr[r];
  }
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    dense.set(m.dense.data.subarray(r * dc, r * dc + dc), i * dc);
    const a = m.sparse.indptr[r];
    const b = m.sparse.indptr[r + 1];
    indices.set(m.sparse.indices.subarray(a, b), pos);
    data.set(m.sparse.data.subarray(a, b), pos);
    pos += b - a;
    indptr[i + 1] = pos;
  }
  return featureMatrix(denseMatrix(n, dc, dense), { rows: n, cols: m.sparse.cols, indptr, indices, data }, m.featureNames);
}

/** Value (r, c) with c over all columns (dense first). O(log nnz(row)) for sparse columns. */
export function getValue(m: FeatureMatrix, r: number, c: number): number {
  const dc = m.dense.cols;
  if (c < dc) return m.dense.data[r * dc + c];
  const col = c - dc;
  let lo = m.sparse.indptr[r];
  let hi = m.sparse.indptr[r + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = m.sparse.indices[mid];
    if (v === col) return m.sparse.data[mid];
    if (v < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Plain-data description of a matrix whose arrays sit on SharedArrayBuffers (structured-clone safe, zero copy). */
export interface MatrixDescriptor {
  rows: number;
  denseCols: number;
  sparseCols: number;
  featureNames: string[];
  dense: Float64Array;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

function shareArray<T extends Float64Array | Int32Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const sab = new SharedArrayBuffer(a.length * Ctor.BYTES_PER_ELEMENT);
  const out = new Ctor(sab);
  (out as unknown as { set(x: T): void }).set(a);
  return out;
}

/** Copies the matrix once onto SharedArrayBuffers (no-op for arrays already shared). */
/** Bytes of the matrix's arrays (dense block + CSR). */
export function matrixBytes(m: FeatureMatrix): number {
  return m.dense.data.byteLength + m.sparse.data.byteLength + m.sparse.indices.byteLength + m.sparse.indptr.byteLength;
}

export function toShared(m: FeatureMatrix): MatrixDescriptor {
  return {
    rows: m.rows,
    denseCols: m.dense.cols,
    sparseCols: m.sparse.cols,
    featureNames: [...m.featureNames],
    dense: shareArray(m.dense.data),
    indptr: shareArray(m.sparse.indptr),
    indices: shareArray(m.sparse.indices),
    values: shareArray(m.sparse.data),
  };
}

export function fromDescriptor(d: MatrixDescriptor): FeatureMatrix {
  return featureMatrix(
    denseMatrix(d.rows, d.denseCols, d.dense),
    { rows: d.rows, cols: d.sparseCols, indptr: d.indptr, indices: d.indices, data: d.values },
    d.featureNames,
  );
}

export function shareLabels(y: Uint8Array): Uint8Array {
  return shareArray(y);
}

/** Labels must be 0/1 and contain both classes; names the first bad row. */
export function assertBinaryLabels(y: ArrayLike<number>, what = 'labels'): void {
  if (y.length === 0) throw invalidData(`${what}: zero rows; expected at least one row per class`);
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v !== 0 && v !== 1) throw invalidData(`${what}: row ${i} has label ${v}; expected 0 or 1`, { row: i });
    pos += v;
  }
  if (pos === 0 || pos === y.length) {
    throw invalidData(`${what}: only one class present (${pos === 0 ? 'all 0' : 'all 1'} over ${y.length} rows); expected both 0 and 1`);
  }
}
