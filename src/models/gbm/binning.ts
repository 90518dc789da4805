/**
 * Quantile binning, fitted on the training matrix and reused for every other matrix.
 *
 * Per feature, zero has a bin of its own (the matrix stores no zeros in its sparse block, and
 * missing values cannot occur: NaN is rejected at the boundary), and the non-zero values are cut
 * into at most `maxBins` bins holding about equally many training values (negative and positive
 * values share the budget in proportion to their counts). With no more distinct values than bins,
 * every distinct value gets its own bin. Bin edges are midpoints between neighbouring training
 * values; `upper[b]` is the largest value of bin b, so
 *     bin(v) = the first b with v ≤ upper[b],   and   bin(v) ≤ t  ⟺  v ≤ upper[t].
 * That equivalence lets a tree trained on bins predict from raw values with the threshold upper[t].
 *
 * Bins of all features are numbered globally: feature f owns [offset[f], offset[f + 1]).
 */
import type { FeatureMatrix } from '../../core/matrix.js';

export interface BinMapper {
  readonly numFeatures: number;
  /** Length numFeatures + 1. */
  readonly offset: Int32Array;
  /** Upper bound of each global bin; the last bin of every feature is +Infinity. */
  readonly upper: Float64Array;
  /** Local index of the zero bin of each feature. */
  readonly zeroBin: Int32Array;
}

/** Matrix entries as global bins: a CSR of non-zero entries (zeros are implicit, in the zero bin). */
export interface BinnedRows {
  readonly rows: number;
  /** Length rows + 1. */
  readonly rowPtr: Int32Array;
  /** Global bin of each non-zero entry, ascending within a row. */
  readonly bins: Int32Array;
}

/** Column-wise copy of the non-zero values of a matrix (dense block zeros skipped). */
function nonZeroColumns(X: FeatureMatrix): { start: Int32Array; values: Float64Array } {
  const dc = X.dense.cols;
  const F = dc + X.sparse.cols;
  const n = X.rows;
  const count = new Int32Array(F + 1);
  const dd = X.dense.data;
  countDenseNonZeros(dd, n, dc, count);
  const { indptr, indices, data } = X.sparse;
  // Row 0's entries may start after index 0 (a CSR view into a larger one): only [indptr[0], indptr[n]) are rows'.
  const first = indptr[0];
  const nnz = indptr[n];
  countSparseNonZeros(data, indices, first, nnz, dc, count);
  for (let f = 0; f < F; f++) count[f + 1] += count[f];
  const start = count;
  const fill = start.slice(0, F);
  const values = new Float64Array(start[F]);
  fillDenseNonZeros(dd, n, dc, fill, values);
  fillSparseNonZeros(data, indices, first, nnz, dc, fill, values);
  return { start, values };
}

// nonZeroColumns' four passes, each a function of its own: V8 compiles each plain loop once per
// thread instead of nonZeroColumns' loops on stack in every fit, deoptimising at each next loop
// (docs/CONVENTIONS.md).
function countDenseNonZeros(dd: Float64Array, n: number, dc: number, count: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const base = i * dc;
    for (let j = 0; j < dc; j++) if (dd[base + j] !== 0) count[j + 1]++;
  }
}

function countSparseNonZeros(data: Float64Array, indices: Int32Array, first: number, nnz: number, dc: number, count: Int32Array): void {
  for (let k = first; k < nnz; k++) if (data[k] !== 0) count[dc + indices[k] + 1]++;
}

function fillDenseNonZeros(dd: Float64Array, n: number, dc: number, fill: Int32Array, values: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const base = i * dc;
    for (let j = 0; j < dc; j++) {
      const v = dd[base + j];
      if (v !== 0) values[fill[j]++] = v;
    }
  }
}

function fillSparseNonZeros(data: Float64Array, indices: Int32Array, first: number, nnz: number, dc: number, fill: Int32Array, values: Float64Array): void {
  for (let k = first; k < nnz; k++) {
    const v = data[k];
    if (v !== 0) values[fill[dc + indices[k]]++] = v;
  }
}

/**
 * Groups sorted distinct values (with counts) into at most `budget` bins of about equal count:
 * counts[from, from + m) are the distinct values' counts. Writes the index (relative to `from`) of
 * the last distinct value of each bin into `ends`; returns the number of bins.
 */
function groupQuantiles(counts: Int32Array, from: number, m: number, budget: number, ends: Int32Array): number {
  if (m === 0) return 0;
  if (m <= budget) {
    for (let i = 0; i < m; i++) ends[i] = i;
    return m;
  }
  let n = 0;
  let remaining = 0;
  for (let i = 0; i < m; i++) remaining += counts[from + i];
  let binsLeft = budget;
  let acc = 0;
  for (let i = 0; i < m; i++) {
    acc += counts[from + i];
    const valuesLeft = m - i - 1;
    const target = remaining / binsLeft;
    if (i === m - 1 || acc >= target || valuesLeft < binsLeft) {
      if (i === m - 1 || binsLeft > 1) {
        ends[n++] = i;
        remaining -= acc;
        acc = 0;
        binsLeft--;
      }
    }
  }
  if (ends[n - 1] !== m - 1) ends[n++] = m - 1;
  return n;
}

/** Sorts each segment values[start[i], start[i + 1]) (i < segments) ascending, in place. */
export function sortSegments(start: Int32Array, segments: number, values: Float64Array): void {
  for (let i = 0; i < segments; i++) values.subarray(start[i], start[i + 1]).sort();
}

/**
 * The global bin of every non-zero entry of a matrix (dense block, then sparse block, per row),
 * written to bins[rowPtr[i], rowPtr[i + 1]) for row i; rowPtr counts the non-zeros (binRows).
 */
export function binEntries(
  dense: Float64Array,
  dc: number,
  rows: number,
  indptr: Int32Array,
  indices: Int32Array,
  data: Float64Array,
  offset: Int32Array,
  upper: Float64Array,
  rowPtr: Int32Array,
  bins: Int32Array,
): void {
  for (let i = 0; i < rows; i++) {
    let pos = rowPtr[i];
    const base = i * dc;
    for (let j = 0; j < dc; j++) {
      const v = dense[base + j];
      if (v !== 0) bins[pos++] = binOf(upper, offset[j], offset[j + 1], v);
    }
    for (let k = indptr[i]; k < indptr[i + 1]; k++) {
      const v = data[k];
      if (v !== 0) {
        const f = dc + indices[k];
        bins[pos++] = binOf(upper, offset[f], offset[f + 1], v);
      }
    }
  }
}

/**
 * The two bulk loops of binning, replaceable by a faster implementation with the same results
 * (the native GBM kernel has them; GbmKernel extends this).
 */
export interface BinningOps {
  sortSegments: typeof sortSegments;
  binEntries: typeof binEntries;
}

export const typescriptBinning: BinningOps = Object.freeze({ sortSegments, binEntries });

/** Fits the bin mapper on training data. `maxBins` counts non-zero-value bins (zero gets one more). */
export function fitBins(X: FeatureMatrix, maxBins: number, ops: BinningOps = typescriptBinning): BinMapper {
  const F = X.dense.cols + X.sparse.cols;
  const { start, values } = nonZeroColumns(X);
  // `values` is this function's own copy: the columns are sorted in place.
  ops.sortSegments(start, F, values);
  const offset = new Int32Array(F + 1);
  const zeroBin = new Int32Array(F);
  let longest = 0;
  for (let f = 0; f < F; f++) longest = Math.max(longest, start[f + 1] - start[f]);
  // Distinct values of one column (ascending: the negatives first) and their counts.
  const distinct = new Float64Array(longest);
  const counts = new Int32Array(longest);
  const ends = new Int32Array(Math.max(longest, maxBins) + 1);
  // At most maxBins + 1 bins per feature (the zero bin included).
  const uppers = new Float64Array(F * (maxBins + 1));
  let nu = 0;
  for (let f = 0; f < F; f++) {
    const a = start[f];
    const len = start[f + 1] - a;
    let m = 0;
    let nNeg = 0;
    let mNeg = 0;
    for (let k = 0; k < len; ) {
      const v = values[a + k];
      let c = 0;
      while (k < len && values[a + k] === v) {
        k++;
        c++;
      }
      distinct[m] = v;
      counts[m] = c;
      m++;
      if (v < 0) {
        nNeg += c;
        mNeg = m;
      }
    }
    const mPos = m - mNeg;
    const nPos = len - nNeg;
    let bNeg = 0;
    let bPos = 0;
    if (m <= maxBins) {
      bNeg = mNeg;
      bPos = mPos;
    } else {
      bNeg = nNeg === 0 ? 0 : Math.min(maxBins - (nPos > 0 ? 1 : 0), Math.max(1, Math.round((maxBins * nNeg) / len)));
      bPos = maxBins - bNeg;
    }
    offset[f] = nu;
    // Negative bins: edges at midpoints; the last negative bin ends halfway to zero.
    const kn = groupQuantiles(counts, 0, mNeg, bNeg, ends);
    for (let b = 0; b < kn; b++) {
      const last = distinct[ends[b]];
      const next = b + 1 < kn ? distinct[ends[b] + 1] : 0;
      uppers[nu++] = midpoint(last, next);
    }
    zeroBin[f] = kn;
    const kp = groupQuantiles(counts, mNeg, mPos, bPos, ends);
    uppers[nu++] = kp > 0 ? distinct[mNeg] / 2 : Infinity;
    for (let b = 0; b < kp; b++) {
      const last = distinct[mNeg + ends[b]];
      uppers[nu++] = b + 1 < kp ? midpoint(last, distinct[mNeg + ends[b] + 1]) : Infinity;
    }
  }
  offset[F] = nu;
  return { numFeatures: F, offset, upper: uppers.slice(0, nu), zeroBin };
}

/**
 * (a + b) / 2, or a / 2 + b / 2 where the sum overflows (values beyond ~9e307 of one sign): the
 * overflowed edge was ±Infinity, which put both values in one bin (the feature could not split)
 * and gave a threshold no artifact may hold. Elsewhere the same bits as before.
 */
function midpoint(a: number, b: number): number {
  const m = (a + b) / 2;
  return Number.isFinite(m) ? m : a / 2 + b / 2;
}

/** Global bin of value v for feature f (binary search over the feature's upper bounds). */
export function binOf(upper: Float64Array, lo: number, hi: number, v: number): number {
  let a = lo;
  let b = hi - 1; // the last bin is +Infinity, so the answer lies in [lo, hi - 1]
  while (a < b) {
    const mid = (a + b) >> 1;
    if (v <= upper[mid]) b = mid;
    else a = mid + 1;
  }
  return a;
}

/** Maps a matrix onto the fitted bins (non-zero entries only). */
export function binRows(X: FeatureMatrix, mapper: BinMapper, ops: BinningOps = typescriptBinning): BinnedRows {
  const n = X.rows;
  const dc = X.dense.cols;
  const dd = X.dense.data;
  const { indptr, indices, data } = X.sparse;
  const rowPtr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let c = 0;
    const base = i * dc;
    for (let j = 0; j < dc; j++) if (dd[base + j] !== 0) c++;
    for (let k = indptr[i]; k < indptr[i + 1]; k++) if (data[k] !== 0) c++;
    rowPtr[i + 1] = rowPtr[i] + c;
  }
  const bins = new Int32Array(rowPtr[n]);
  ops.binEntries(dd, dc, n, indptr, indices, data, mapper.offset, mapper.upper, rowPtr, bins);
  return { rows: n, rowPtr, bins };
}

/**
 * Column-major table of local bins: out[f · rows + r] = local bin of feature f in row r (the zero
 * bin where the row has no entry), for the tree learner's row partition. Null when a feature has
 * more than 256 bins or the table would exceed `maxBytes`.
 */
export function columnBins(mapper: BinMapper, data: BinnedRows, maxBytes: number): Uint8Array | null {
  const F = mapper.numFeatures;
  const n = data.rows;
  const { offset, zeroBin } = mapper;
  if (F * n > maxBytes) return null;
  for (let f = 0; f < F; f++) if (offset[f + 1] - offset[f] > 256) return null;
  const out = new Uint8Array(F * n);
  for (let f = 0; f < F; f++) if (zeroBin[f] !== 0) out.fill(zeroBin[f], f * n, (f + 1) * n);
  const { rowPtr, bins } = data;
  for (let r = 0; r < n; r++) {
    let f = 0;
    for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
      const b = bins[k];
      while (offset[f + 1] <= b) f++;
      out[f * n + r] = b - offset[f];
    }
  }
  return out;
}

/**
 * Local bin of feature f in one binned row: the entry whose global bin lies in [lo, hi), found by
 * binary search, or the zero bin when the row has no entry for f.
 */
export function rowBin(bins: Int32Array, from: number, to: number, lo: number, hi: number, zeroLocal: number): number {
  let a = from;
  let b = to;
  while (a < b) {
    const mid = (a + b) >> 1;
    if (bins[mid] < lo) a = mid + 1;
    else b = mid;
  }
  if (a < to) {
    const g = bins[a];
    if (g < hi) return g - lo;
  }
  return zeroLocal;
}
