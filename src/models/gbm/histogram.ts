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

export class NodeHistogram {
  length = 0;
  readonly bins: Int32Array;
  readonly grad: Float64Array;
  readonly hess: Float64Array;

  constructor(capacity: number) {
    this.bins = new Int32Array(capacity);
    this.grad = new Float64Array(capacity);
    this.hess = new Float64Array(capacity);
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
      acc[p] = 0;
      acc[p + 1] = 0;
      n++;
    }
    mark[w] = 0;
  }
  return n;
}

/**
 * Like compactScratch, but leaves the sums in the accumulator (only the bitset is cleared), so
 * `subtractScratch` can read the child's sums by bin; `clearScratch` zeroes them afterwards.
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

/** Scratch accumulator + list buffers for one binned matrix, allocated on first need and reused for the whole fit. */
export class HistogramPool {
  private readonly free: NodeHistogram[] = [];
  private allocated = 0;
  readonly acc: Float64Array;
  readonly mark: Uint16Array;

  private readonly blocks: number;
  private readonly blockPtr: Int32Array;

  constructor(
    private readonly totalBins: number,
    rowPtr: Int32Array,
    private readonly bins: Int32Array,
    rows: number,
  ) {
    this.acc = new Float64Array(totalBins * 2);
    this.mark = new Uint16Array((totalBins + 15) >>> 4);
    this.blocks = Math.max(1, (totalBins + (1 << BLOCK_SHIFT) - 1) >>> BLOCK_SHIFT);
    this.blockPtr = rowBlockPointers(rowPtr, bins, rows, this.blocks);
    // Entries sorted by bin (counting sort; rows stay ascending within a bin) for the root sweep.
    const binStart = new Int32Array(totalBins + 1);
    const nnz = rowPtr[rows];
    for (let k = 0; k < nnz; k++) binStart[bins[k] + 1]++;
    for (let b = 0; b < totalBins; b++) binStart[b + 1] += binStart[b];
    const fill = binStart.slice(0, totalBins);
    const entryRow = new Int32Array(nnz);
    for (let r = 0; r < rows; r++) for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) entryRow[fill[bins[k]]++] = r;
    this.binStart = binStart;
    this.entryRow = entryRow;
  }

  private readonly binStart: Int32Array;
  private readonly entryRow: Int32Array;

  /** Histogram of every row of the matrix (the root without row subsampling), by the sorted sweep. */
  buildAll(grad: Float64Array, hess: Float64Array): NodeHistogram {
    const h = this.acquire();
    h.length = sweepAllRows(this.binStart, this.entryRow, grad, hess, h.bins, h.grad, h.hess);
    return h;
  }

  get size(): number {
    return this.allocated;
  }

  /** Buffers handed out and not yet released. */
  get inUse(): number {
    return this.allocated - this.free.length;
  }

  acquire(): NodeHistogram {
    const h = this.free.pop();
    if (h) {
      h.length = 0;
      return h;
    }
    this.allocated++;
    return new NodeHistogram(this.totalBins);
  }

  release(h: NodeHistogram): void {
    h.length = 0;
    this.free.push(h);
  }

  /** Builds the histogram of rows[begin, end) (of the matrix given at construction) into a fresh buffer. */
  build(rows: Int32Array, begin: number, end: number, grad: Float64Array, hess: Float64Array): NodeHistogram {
    const h = this.acquire();
    const B = this.blocks;
    for (let blk = 0; blk < B; blk++) accumulateRows(rows, begin, end, this.blockPtr, B + 1, blk, this.bins, grad, hess, this.acc, this.mark);
    h.length = compactScratch(this.acc, this.mark, h.bins, h.grad, h.hess);
    return h;
  }

  /**
   * Builds the histogram of rows[begin, end) (a child of `parent`) and subtracts it from `parent`
   * in place; returns the child. Equals `build` followed by `subtract`, reading the child's sums
   * from the accumulator instead of merging the two lists.
   */
  buildSubtract(parent: NodeHistogram, rows: Int32Array, begin: number, end: number, grad: Float64Array, hess: Float64Array): NodeHistogram {
    const h = this.acquire();
    const B = this.blocks;
    const acc = this.acc;
    for (let blk = 0; blk < B; blk++) accumulateRows(rows, begin, end, this.blockPtr, B + 1, blk, this.bins, grad, hess, acc, this.mark);
    h.length = compactKeep(acc, this.mark, h.bins, h.grad, h.hess);
    parent.length = subtractScratch(parent.bins, parent.grad, parent.hess, parent.length, acc);
    clearScratch(acc, h.bins, h.length);
    return h;
  }

  /** parent ← parent − child (see subtractLists). */
  subtract(parent: NodeHistogram, child: NodeHistogram): void {
    parent.length = subtractLists(parent.bins, parent.grad, parent.hess, parent.length, child.bins, child.grad, child.hess, child.length);
  }
}
