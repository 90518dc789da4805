/**
 * Gradient/hessian histograms of tree nodes, built from the non-zero entries only (each feature's
 * zero bin is never stored: split finding derives it from the node totals).
 *
 * A node's histogram is compact: the list of its non-empty global bins in ascending order with
 * their gradient and hessian sums (`NodeHistogram`). Everything that reads or combines histograms
 * (split search, subtraction) walks these lists sequentially, so a node costs what it uses, not
 * all bins of all features (PERFORMANCE.md: one big histogram per node made subtraction useless).
 *
 * Building goes through one dense scratch accumulator (2 · totalBins values) plus a bitset of the
 * bins touched; compaction walks the bitset in order, copies the touched bins into the list and
 * clears them, so the scratch is never memset. Bitset words are 16 bits so `bits & -bits` stays
 * inside int32 (no V8 deoptimisation on -(-2^31)).
 *
 * Kernels are top-level functions over typed arrays (monomorphic, no closures).
 */

/**
 * One node's list: entries [start, start + length) of the three buffers. `start` is 0 except after
 * a two-thread subtraction (kernel.ts buildSubtract), which compacts the list's first half toward
 * its middle instead of moving the second half down.
 */
export class NodeHistogram {
  length = 0;
  start = 0;
  readonly bins: Int32Array;
  readonly grad: Float64Array;
  readonly hess: Float64Array;

  constructor(capacity: number) {
    this.bins = new Int32Array(capacity);
    this.grad = new Float64Array(capacity);
    this.hess = new Float64Array(capacity);
  }

  /** The list's bins from its start (the buffer itself when it starts at 0: no view is made). */
  listBins(): Int32Array {
    return this.start === 0 ? this.bins : this.bins.subarray(this.start);
  }

  listGrad(): Float64Array {
    return this.start === 0 ? this.grad : this.grad.subarray(this.start);
  }

  listHess(): Float64Array {
    return this.start === 0 ? this.hess : this.hess.subarray(this.start);
  }
}

/**
 * Bins are processed in blocks of 2^BLOCK_SHIFT (16,384 bins = 256 KiB of accumulator), so the
 * scattered updates of one pass stay inside the L2 cache instead of roaming the whole accumulator.
 */
export const BLOCK_SHIFT = 14;

/**
 * Per-row block boundaries: ptr[r * (B + 1) + k] is the first entry of row r whose bin is ≥
 * k << BLOCK_SHIFT (k = 0..B; entry B is the row end). Entries are ascending within a row.
 */
export function rowBlockPointers(rowPtr: Int32Array, bins: Int32Array, rows: number, B: number): Int32Array {
  const B1 = B + 1;
  const ptr = new Int32Array(rows * B1);
  for (let r = 0; r < rows; r++) {
    let k = rowPtr[r];
    const end = rowPtr[r + 1];
    const base = r * B1;
    for (let blk = 0; blk < B; blk++) {
      ptr[base + blk] = k;
      const limit = (blk + 1) << BLOCK_SHIFT;
      while (k < end && bins[k] < limit) k++;
    }
    ptr[base + B] = end;
  }
  return ptr;
}

/** Accumulates the entries of block `blk` of rows[begin, end) into the scratch accumulator and its bitset. */
export function accumulateRows(
  rows: Int32Array,
  begin: number,
  end: number,
  blockPtr: Int32Array,
  B1: number,
  blk: number,
  bins: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  acc: Float64Array,
  mark: Uint16Array,
): void {
  for (let i = begin; i < end; i++) {
    const r = rows[i];
    const g = grad[r];
    const h = hess[r];
    const q = r * B1 + blk;
    const kEnd = blockPtr[q + 1];
    for (let k = blockPtr[q]; k < kEnd; k++) {
      const b = bins[k];
      const p = b << 1;
      acc[p] += g;
      acc[p + 1] += h;
      mark[b >>> 4] |= 1 << (b & 15);
    }
  }
}

/**
 * Histogram of all rows from the entries sorted by bin (`entryRow` within [binStart[b], binStart[b+1])):
 * a sequential sweep that emits the list in order, with no scatter and no compaction. Per bin the
 * rows are added in ascending order, exactly as `accumulateRows` would, so results are identical.
 */
export function sweepAllRows(
  binStart: Int32Array,
  entryRow: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  outBins: Int32Array,
  outGrad: Float64Array,
  outHess: Float64Array,
): number {
  const total = binStart.length - 1;
  let n = 0;
  for (let b = 0; b < total; b++) {
    const s = binStart[b];
    const e = binStart[b + 1];
    if (s === e) continue;
    let g = 0;
    let h = 0;
    for (let k = s; k < e; k++) {
      const r = entryRow[k];
      g += grad[r];
      h += hess[r];
    }
    outBins[n] = b;
    outGrad[n] = g;
    outHess[n] = h;
    n++;
  }
  return n;
}

/** Moves the touched bins of the scratch into the lists (ascending), clearing the scratch. Returns the length. */
export function compactScratch(acc: Float64Array, mark: Uint16Array, outBins: Int32Array, outGrad: Float64Array, outHess: Float64Array): number {
  const n = compactKeep(acc, mark, outBins, outGrad, outHess);
  clearScratch(acc, outBins, n);
  return n;
}

/**
 * Moves the touched bins of the scratch into the lists (ascending) but leaves the sums in the
 * accumulator (only the bitset is cleared), so `subtractScratch` can read the child's sums by bin;
 * `clearScratch` zeroes them afterwards.
 */
export function compactKeep(acc: Float64Array, mark: Uint16Array, outBins: Int32Array, outGrad: Float64Array, outHess: Float64Array): number {
  const words = mark.length;
  let n = 0;
  for (let w = 0; w < words; w++) {
    let bits = mark[w];
    if (bits === 0) continue;
    while (bits !== 0) {
      const t = bits & -bits;
      const b = (w << 4) + 31 - Math.clz32(t);
      bits ^= t;
      const p = b << 1;
      outBins[n] = b;
      outGrad[n] = acc[p];
      outHess[n] = acc[p + 1];
      n++;
    }
    mark[w] = 0;
  }
  return n;
}

/**
 * parent ← parent − child where the child's sums are still in the accumulator (`compactKeep`):
 * bins the child does not hold read zeros there, so every parent entry takes the same two
 * subtractions with no merge walk and no data-dependent branch (the write cursor advances by the
 * keep flag). Same arithmetic and the same dropping rule as subtractLists, so identical results.
 */
export function subtractScratch(pBins: Int32Array, pGrad: Float64Array, pHess: Float64Array, pLen: number, acc: Float64Array): number {
  let w = 0;
  for (let i = 0; i < pLen; i++) {
    const b = pBins[i];
    const p = b << 1;
    const h = pHess[i];
    const ch = acc[p + 1];
    const h2 = h - ch;
    pBins[w] = b;
    pGrad[w] = pGrad[i] - acc[p];
    pHess[w] = h2;
    // Kept unless the child took the bin completely (ch = 0 exactly when the child lacks it: h2 = h > 0).
    w += h2 <= 1e-11 * h ? 0 : 1;
  }
  return w;
}

/** Zeroes the accumulator at the bins of a list. */
export function clearScratch(acc: Float64Array, bins: Int32Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const p = bins[i] << 1;
    acc[p] = 0;
    acc[p + 1] = 0;
  }
}

/**
 * parent ← parent − child, in place (the child's bins are a subset of the parent's; both lists
 * are ascending). Bins the child took completely (remaining hessian at round-off level, ≤ 1e-11 of
 * the parent's) are dropped, so the larger child's list is as compact as a directly built one.
 * Returns the new length.
 */
export function subtractLists(
  pBins: Int32Array,
  pGrad: Float64Array,
  pHess: Float64Array,
  pLen: number,
  cBins: Int32Array,
  cGrad: Float64Array,
  cHess: Float64Array,
  cLen: number,
): number {
  let w = 0;
  let j = 0;
  for (let i = 0; i < pLen; i++) {
    const b = pBins[i];
    let g = pGrad[i];
    let h = pHess[i];
    if (j < cLen && cBins[j] === b) {
      const h2 = h - cHess[j];
      g -= cGrad[j];
      j++;
      if (h2 <= 1e-11 * h) continue;
      h = h2;
    }
    pBins[w] = b;
    pGrad[w] = g;
    pHess[w] = h;
    w++;
  }
  return w;
}
