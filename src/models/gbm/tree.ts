/**
 * Grows one regression tree on gradients/hessians (knows nothing about the objective).
 *
 * Rows of the current sample live in `rows`; each node owns a contiguous range [begin, end) that a
 * stable partition splits in place, so every node's rows stay in ascending order (good locality for
 * gradient reads). Histograms: the smaller child is built from its rows, the larger one is the
 * parent minus the smaller (subtraction), in the parent's buffer. Children that cannot split (depth
 * limit, too few rows or hessian) get no histogram at all.
 *
 * - depthwise: every node is split while depth < max_depth (depth-first order; the result equals
 *   level-by-level growth because no leaf budget couples the nodes), so at most depth + 1
 *   histograms are alive.
 * - lossguide: repeatedly splits the open leaf with the largest gain until num_leaves leaves
 *   (ties: the earlier node). Open leaves keep their histogram while fewer than `histogramCap`
 *   buffers are in use; a leaf split without one builds both children directly.
 */
import { columnBins, type BinMapper, type BinnedRows } from './binning.js';
import type { ForestBuilder } from './forest.js';
import type { NodeHistogram } from './histogram.js';
import { HistogramPool, histogramIndex } from './histogram-pool.js';
import type { FitMemo } from '../contract.js';
import { NO_MEMO } from '../memo.js';
import { typescriptKernel, type GbmKernel } from './kernel.js';
import { SplitResult } from './split.js';

export interface TreeConfig {
  readonly maxDepth: number;
  /** Leaf budget for lossguide; ignored by depthwise. */
  readonly numLeaves: number;
  readonly lossguide: boolean;
  readonly lambda: number;
  readonly minChildWeight: number;
  readonly minSplitGain: number;
  readonly learningRate: number;
  /** Use histogram subtraction (tests turn it off to compare with direct builds). */
  readonly subtraction: boolean;
  readonly histogramCap: number;
  /** Largest column-major bin table (bytes = rows × features) built for the row partition (default COLUMN_BINS_BYTES; 0: never). */
  readonly columnBinsBytes?: number;
  /** Share of the rows from which a row sample's root histogram is swept (default SWEEP_SAMPLE_SHARE). */
  readonly sweepSampleShare?: number;
}

/** 64 MiB: the SpamAssassin matrix needs 2.5 MB; a million rows fall back to the row search. */
export const COLUMN_BINS_BYTES = 64 * 1024 * 1024;

/** Non-zero entries of rows[begin, end). */
function entryCount(rows: Int32Array, begin: number, end: number, rowPtr: Int32Array): number {
  let n = 0;
  for (let i = begin; i < end; i++) {
    const r = rows[i];
    n += rowPtr[r + 1] - rowPtr[r];
  }
  return n;
}

/** Adds `v` to margin[rows[i]] for i in [begin, end). */
function addToRows(rows: Int32Array, begin: number, end: number, margin: Float64Array, v: number): void {
  for (let i = begin; i < end; i++) margin[rows[i]] += v;
}

interface OpenLeaf {
  node: number;
  begin: number;
  end: number;
  depth: number;
  G: number;
  H: number;
  hist: NodeHistogram | null;
  split: SplitResult;
}

/** Row samples at least this share of the rows get their root histogram by the sweep (sampledSweep). */
export const SWEEP_SAMPLE_SHARE = 0.5;

export class TreeLearner {
  /** Rows of the current sample, partitioned by node. Fill [0, count) before `grow`, ascending (sampledSweep). */
  readonly rows: Int32Array;
  private readonly tmp: Int32Array;
  private readonly pool: HistogramPool;
  private readonly kernel: GbmKernel;
  /** Column-major local bins for the row partition (null: too large, partition by row search). */
  private readonly localBins: Uint8Array | null;
  private readonly splits: SplitResult[] = [];
  private grad: Float64Array = new Float64Array(0);
  private hess: Float64Array = new Float64Array(0);
  private mask: Uint8Array = new Uint8Array(0);
  private margin: Float64Array = new Float64Array(0);
  private forest: ForestBuilder | null = null;
  /** Gradients of the current row sample, zero outside it (sampledSweep). */
  private sampleGrad: Float64Array = new Float64Array(0);
  private sampleHess: Float64Array = new Float64Array(0);

  constructor(
    private readonly mapper: BinMapper,
    private readonly data: BinnedRows,
    private readonly cfg: TreeConfig,
    kernel: GbmKernel = typescriptKernel,
    /** Where the read-only indexes of `data` may be shared with other fits on it (FitOptions.memo). */
    memo: FitMemo = NO_MEMO,
  ) {
    this.kernel = kernel;
    this.rows = new Int32Array(data.rows);
    this.tmp = new Int32Array(data.rows);
    const total = mapper.offset[mapper.numFeatures];
    this.pool = new HistogramPool(total, memo.get([data], 'gbm.histogram-index', () => histogramIndex(total, data.rowPtr, data.bins, data.rows)), kernel);
    const bytes = cfg.columnBinsBytes ?? COLUMN_BINS_BYTES;
    this.localBins = memo.get([mapper, data], `gbm.column-bins.${bytes}`, () => columnBins(mapper, data, bytes));
    for (let d = 0; d <= cfg.maxDepth; d++) this.splits.push(new SplitResult());
  }

  /** The column-major local-bin table of the training rows (null when too large). */
  get columnTable(): Uint8Array | null {
    return this.localBins;
  }

  get histogramBuffers(): number {
    return this.pool.size;
  }

  /**
   * Grows one tree over rows[0, count), writes it into `forest` and adds its leaf values to
   * margin[r] for the rows in the sample. Returns the root node.
   */
  grow(count: number, grad: Float64Array, hess: Float64Array, featureMask: Uint8Array, margin: Float64Array, forest: ForestBuilder): number {
    this.grad = grad;
    this.hess = hess;
    this.mask = featureMask;
    this.margin = margin;
    this.forest = forest;
    let G = 0;
    let H = 0;
    const rows = this.rows;
    for (let i = 0; i < count; i++) {
      G += grad[rows[i]];
      H += hess[rows[i]];
    }
    const root = forest.beginTree();
    if (!this.canSplit(0, count, 0, H)) {
      this.makeLeaf(root, 0, count, G, H);
      return root;
    }
    const h =
      count === this.data.rows
        ? this.pool.buildAll(grad, hess)
        : count >= (this.cfg.sweepSampleShare ?? SWEEP_SAMPLE_SHARE) * this.data.rows
          ? this.sampledSweep(count, grad, hess)
          : this.build(0, count);
    if (this.cfg.lossguide) this.growLossguide(root, count, G, H, h);
    else this.growDepthwise(root, 0, count, 0, G, H, h);
    this.forest = null;
    return root;
  }

  /**
   * The root histogram of a row sample by the sorted sweep over all rows, with the gradients of the
   * rows outside the sample set to 0. The sample (rows[0, count)) is ascending, and the sweep adds
   * each bin's rows in ascending order too, so every sum is the one `build` would make (adding +0
   * leaves a sum unchanged; gradients and hessians are never −0). A bin that only unsampled rows
   * touch comes out as an entry with zero sums, which no split search counts and the first
   * subtraction below drops. Over ~300k entries the sweep costs ~2 ns each here, an accumulation
   * ~4 ns, hence SWEEP_SAMPLE_SHARE.
   */
  private sampledSweep(count: number, grad: Float64Array, hess: Float64Array): NodeHistogram {
    const n = this.data.rows;
    if (this.sampleGrad.length !== n) {
      this.sampleGrad = new Float64Array(n);
      this.sampleHess = new Float64Array(n);
    }
    const g = this.sampleGrad;
    const h = this.sampleHess;
    g.fill(0);
    h.fill(0);
    const rows = this.rows;
    for (let i = 0; i < count; i++) {
      const r = rows[i];
      g[r] = grad[r];
      h[r] = hess[r];
    }
    return this.pool.buildAll(g, h);
  }

  private canSplit(begin: number, end: number, depth: number, H: number): boolean {
    return depth < this.cfg.maxDepth && end - begin >= 2 && H >= 2 * this.cfg.minChildWeight;
  }

  private build(begin: number, end: number): NodeHistogram {
    return this.pool.build(this.rows, begin, end, this.grad, this.hess);
  }

  private makeLeaf(node: number, begin: number, end: number, G: number, H: number): void {
    const v = (-G / (H + this.cfg.lambda)) * this.cfg.learningRate;
    (this.forest as ForestBuilder).setLeaf(node, v);
    addToRows(this.rows, begin, end, this.margin, v);
  }

  private findSplit(h: NodeHistogram, G: number, H: number, out: SplitResult): void {
    const { offset, zeroBin } = this.mapper;
    const c = this.cfg;
    this.kernel.findBestSplit(h.listBins(), h.listGrad(), h.listHess(), h.length, offset, zeroBin, this.mask, G, H, c.lambda, c.minChildWeight, c.minSplitGain, out.out);
  }

  /** Partitions the node by `split`, records the split; returns [mid, leftNode, rightNode]. */
  private applySplit(node: number, begin: number, end: number, split: SplitResult): [number, number, number] {
    const { offset, zeroBin, upper } = this.mapper;
    const f = split.feature;
    const lo = offset[f];
    const lb = this.localBins;
    const mid = lb
      ? this.kernel.partitionColumn(this.rows, begin, end, this.tmp, lb, f * this.data.rows, split.bin)
      : this.kernel.partitionRows(this.rows, begin, end, this.tmp, this.data.rowPtr, this.data.bins, lo, offset[f + 1], zeroBin[f], split.bin);
    const forest = this.forest as ForestBuilder;
    const left = forest.addNode();
    const right = forest.addNode();
    forest.setSplit(node, f, split.bin, upper[lo + split.bin], left, right, split.gain);
    return [mid, left, right];
  }

  /**
   * Histograms for the children that need one. `parent` (may be null) is consumed: reused as the
   * larger child's buffer or released.
   */
  private childHistograms(
    parent: NodeHistogram | null,
    begin: number,
    mid: number,
    end: number,
    needLeft: boolean,
    needRight: boolean,
  ): [NodeHistogram | null, NodeHistogram | null] {
    const pool = this.pool;
    if (!needLeft && !needRight) {
      if (parent) pool.release(parent);
      return [null, null];
    }
    // "Smaller" by stored entries: building costs one update per non-zero entry.
    const leftSmaller = entryCount(this.rows, begin, mid, this.data.rowPtr) <= entryCount(this.rows, mid, end, this.data.rowPtr);
    if (parent && this.cfg.subtraction && needLeft !== needRight && needLeft === leftSmaller) {
      // Only the smaller child needs one: build it alone; the subtraction would only make the
      // larger child's, which nobody reads (same sums for the smaller child either way).
      pool.release(parent);
      return needLeft ? [this.build(begin, mid), null] : [null, this.build(mid, end)];
    }
    if (parent && this.cfg.subtraction) {
      const small = leftSmaller
        ? pool.buildSubtract(parent, this.rows, begin, mid, this.grad, this.hess)
        : pool.buildSubtract(parent, this.rows, mid, end, this.grad, this.hess);
      let hl: NodeHistogram | null = leftSmaller ? small : parent;
      let hr: NodeHistogram | null = leftSmaller ? parent : small;
      if (!needLeft) {
        pool.release(hl);
        hl = null;
      }
      if (!needRight) {
        pool.release(hr);
        hr = null;
      }
      return [hl, hr];
    }
    if (parent) pool.release(parent);
    return [needLeft ? this.build(begin, mid) : null, needRight ? this.build(mid, end) : null];
  }

  private growDepthwise(node: number, begin: number, end: number, depth: number, G: number, H: number, h: NodeHistogram): void {
    const split = this.splits[depth];
    this.findSplit(h, G, H, split);
    if (split.feature < 0) {
      this.pool.release(h);
      this.makeLeaf(node, begin, end, G, H);
      return;
    }
    const GL = split.gradLeft;
    const HL = split.hessLeft;
    const GR = G - GL;
    const HR = H - HL;
    const [mid, left, right] = this.applySplit(node, begin, end, split);
    const needL = this.canSplit(begin, mid, depth + 1, HL);
    const needR = this.canSplit(mid, end, depth + 1, HR);
    const [hl, hr] = this.childHistograms(h, begin, mid, end, needL, needR);
    if (hl) this.growDepthwise(left, begin, mid, depth + 1, GL, HL, hl);
    else this.makeLeaf(left, begin, mid, GL, HL);
    if (hr) this.growDepthwise(right, mid, end, depth + 1, GR, HR, hr);
    else this.makeLeaf(right, mid, end, GR, HR);
  }

  private openLeaf(node: number, begin: number, end: number, depth: number, G: number, H: number, hist: NodeHistogram | null): OpenLeaf {
    const split = new SplitResult();
    if (hist) {
      this.findSplit(hist, G, H, split);
      if (split.feature < 0 || this.pool.inUse > this.cfg.histogramCap) {
        this.pool.release(hist);
        hist = null;
      }
    }
    return { node, begin, end, depth, G, H, hist, split };
  }

  private growLossguide(root: number, count: number, G: number, H: number, h: NodeHistogram): void {
    // G, H: totals of the root (its children's sums come from the splits).
    const open: OpenLeaf[] = [this.openLeaf(root, 0, count, 0, G, H, h)];
    let leaves = 1;
    while (leaves < this.cfg.numLeaves) {
      let best = -1;
      for (let i = 0; i < open.length; i++) {
        const s = open[i].split;
        if (s.feature >= 0 && (best < 0 || s.gain > open[best].split.gain)) best = i;
      }
      if (best < 0) break;
      const leaf = open[best];
      open.splice(best, 1);
      const s = leaf.split;
      const GL = s.gradLeft;
      const HL = s.hessLeft;
      const [mid, left, right] = this.applySplit(leaf.node, leaf.begin, leaf.end, s);
      const d = leaf.depth + 1;
      const needL = this.canSplit(leaf.begin, mid, d, HL);
      const needR = this.canSplit(mid, leaf.end, d, leaf.H - HL);
      const [hl, hr] = this.childHistograms(leaf.hist, leaf.begin, mid, leaf.end, needL, needR);
      open.push(this.openLeaf(left, leaf.begin, mid, d, GL, HL, hl));
      open.push(this.openLeaf(right, mid, leaf.end, d, leaf.G - GL, leaf.H - HL, hr));
      leaves++;
    }
    for (const o of open) {
      if (o.hist) this.pool.release(o.hist);
      this.makeLeaf(o.node, o.begin, o.end, o.G, o.H);
    }
  }
}
