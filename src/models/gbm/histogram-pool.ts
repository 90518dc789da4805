/**
 * Node histogram buffers and the scratch accumulator of one binned matrix, allocated on first need
 * and reused for the whole fit; the loops themselves run in the fit's `GbmKernel`.
 */
import { BLOCK_SHIFT, NodeHistogram, rowBlockPointers, subtractLists } from './histogram.js';
import { typescriptKernel, type GbmKernel } from './kernel.js';

/**
 * Read-only row indexes of one binned matrix (a pure function of it, so fits on the same matrix
 * may share one through FitOptions.memo): per-row block pointers for builds, and the entries
 * sorted by bin (counting sort; rows stay ascending within a bin) for the root sweep.
 */
export interface HistogramIndex {
  readonly bins: Int32Array;
  readonly blocks: number;
  readonly blockPtr: Int32Array;
  readonly binStart: Int32Array;
  readonly entryRow: Int32Array;
}

export function histogramIndex(totalBins: number, rowPtr: Int32Array, bins: Int32Array, rows: number): HistogramIndex {
  const blocks = Math.max(1, (totalBins + (1 << BLOCK_SHIFT) - 1) >>> BLOCK_SHIFT);
  const blockPtr = rowBlockPointers(rowPtr, bins, rows, blocks);
  const binStart = new Int32Array(totalBins + 1);
  const nnz = rowPtr[rows];
  for (let k = 0; k < nnz; k++) binStart[bins[k] + 1]++;
  for (let b = 0; b < totalBins; b++) binStart[b + 1] += binStart[b];
  const fill = binStart.slice(0, totalBins);
  const entryRow = new Int32Array(nnz);
  for (let r = 0; r < rows; r++) for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) entryRow[fill[bins[k]]++] = r;
  return { bins, blocks, blockPtr, binStart, entryRow };
}

export class HistogramPool {
  private readonly free: NodeHistogram[] = [];
  private allocated = 0;
  readonly acc: Float64Array;
  readonly mark: Uint16Array;

  private readonly blocks: number;
  private readonly blockPtr: Int32Array;
  private readonly binStart: Int32Array;
  private readonly entryRow: Int32Array;
  private readonly bins: Int32Array;
  private readonly lens = new Int32Array(3);

  constructor(
    private readonly totalBins: number,
    index: HistogramIndex,
    readonly kernel: GbmKernel = typescriptKernel,
  ) {
    this.acc = new Float64Array(totalBins * 2);
    this.mark = new Uint16Array((totalBins + 15) >>> 4);
    this.blocks = index.blocks;
    this.blockPtr = index.blockPtr;
    this.binStart = index.binStart;
    this.entryRow = index.entryRow;
    this.bins = index.bins;
  }

  /** Histogram of every row of the matrix (the root without row subsampling), by the sorted sweep. */
  buildAll(grad: Float64Array, hess: Float64Array): NodeHistogram {
    const h = this.acquire();
    h.length = this.kernel.sweepAllRows(this.binStart, this.entryRow, grad, hess, h.bins, h.grad, h.hess);
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
      h.start = 0;
      return h;
    }
    this.allocated++;
    return new NodeHistogram(this.totalBins);
  }

  release(h: NodeHistogram): void {
    h.length = 0;
    h.start = 0;
    this.free.push(h);
  }

  /** Builds the histogram of rows[begin, end) (of the matrix given at construction) into a fresh buffer. */
  build(rows: Int32Array, begin: number, end: number, grad: Float64Array, hess: Float64Array): NodeHistogram {
    const h = this.acquire();
    h.length = this.kernel.build(rows, begin, end, this.blockPtr, this.blocks, this.bins, grad, hess, this.acc, this.mark, h.bins, h.grad, h.hess);
    return h;
  }

  /**
   * Builds the histogram of rows[begin, end) (a child of `parent`) and subtracts it from `parent`
   * in place; returns the child. Equals `build` followed by `subtract`, reading the child's sums
   * from the accumulator instead of merging the two lists.
   */
  buildSubtract(parent: NodeHistogram, rows: Int32Array, begin: number, end: number, grad: Float64Array, hess: Float64Array): NodeHistogram {
    const h = this.acquire();
    const lens = this.lens;
    this.kernel.buildSubtract(
      rows, begin, end, this.blockPtr, this.blocks, this.bins, grad, hess, this.acc, this.mark,
      h.bins, h.grad, h.hess, parent.listBins(), parent.listGrad(), parent.listHess(), parent.length, lens,
    );
    h.length = lens[0];
    parent.length = lens[1];
    parent.start += lens[2];
    return h;
  }

  /** parent ← parent − child (see subtractLists). */
  subtract(parent: NodeHistogram, child: NodeHistogram): void {
    parent.length = subtractLists(
      parent.listBins(), parent.listGrad(), parent.listHess(), parent.length,
      child.listBins(), child.listGrad(), child.listHess(), child.length,
    );
  }
}
