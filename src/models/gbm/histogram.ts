/**
 * Gradient/hessian histograms over global bins, built from the non-zero entries only (each
 * feature's zero bin is never written: split finding derives it from the node totals).
 *
 * A histogram is a Float64Array of 2 · totalBins values (gradient, hessian interleaved) plus a
 * bitset `mark` of the bins that received rows (16-bit words: bit tricks stay inside int32
 * range, so V8 never deoptimises on -(-2^31)). Only marked bins are visited by split finding,
 * subtraction and clearing, so a node's cost follows the bins it uses, not all bins ("compact
 * per-node histograms" without a sparse data structure). Buffers are reused from a pool; a
 * released buffer is cleared through its marks, so it never needs a full memset.
 *
 * Kernels are top-level functions over typed arrays (monomorphic, no closures).
 */

/** Accumulates rows[begin, end) into hist/mark. */
export function buildHistogram(
  rows: Int32Array,
  begin: number,
  end: number,
  rowPtr: Int32Array,
  bins: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  hist: Float64Array,
  mark: Uint16Array,
): void {
  for (let i = begin; i < end; i++) {
    const r = rows[i];
    const g = grad[r];
    const h = hess[r];
    const kEnd = rowPtr[r + 1];
    for (let k = rowPtr[r]; k < kEnd; k++) {
      const b = bins[k];
      const p = b << 1;
      hist[p] += g;
      hist[p + 1] += h;
      mark[b >>> 4] |= 1 << (b & 15);
    }
  }
}

/**
 * parent ← parent − child over the parent's marked bins (the child's marks are a subset). Bins the
 * child took completely (remaining hessian at round-off level: ≤ 1e-11 of the parent's) are zeroed
 * and unmarked, so the larger child's histogram stays as compact as a directly built one; without
 * this the larger child would inherit all of its parent's bins at every level.
 */
export function subtractHistogram(parent: Float64Array, parentMark: Uint16Array, child: Float64Array): void {
  const words = parentMark.length;
  for (let w = 0; w < words; w++) {
    let bits = parentMark[w];
    if (bits === 0) continue;
    let keep = bits;
    while (bits !== 0) {
      const t = bits & -bits;
      const b = (w << 4) + 31 - Math.clz32(t);
      bits ^= t;
      const p = b << 1;
      const hp = parent[p + 1];
      const h = hp - child[p + 1];
      if (h <= 1e-11 * hp) {
        parent[p] = 0;
        parent[p + 1] = 0;
        keep ^= t;
      } else {
        parent[p] -= child[p];
        parent[p + 1] = h;
      }
    }
    parentMark[w] = keep;
  }
}

/** Zeroes the marked bins and the marks. */
export function clearHistogram(hist: Float64Array, mark: Uint16Array): void {
  const words = mark.length;
  for (let w = 0; w < words; w++) {
    let bits = mark[w];
    if (bits === 0) continue;
    while (bits !== 0) {
      const t = bits & -bits;
      const b = (w << 4) + 31 - Math.clz32(t);
      bits ^= t;
      hist[b << 1] = 0;
      hist[(b << 1) + 1] = 0;
    }
    mark[w] = 0;
  }
}

/** One histogram buffer. */
export interface Histogram {
  readonly hist: Float64Array;
  readonly mark: Uint16Array;
}

/** Reusable histogram buffers, allocated on first need and kept for the whole fit. */
export class HistogramPool {
  private readonly free: Histogram[] = [];
  private allocated = 0;

  constructor(private readonly totalBins: number) {}

  get size(): number {
    return this.allocated;
  }

  /** Buffers handed out and not yet released. */
  get inUse(): number {
    return this.allocated - this.free.length;
  }

  acquire(): Histogram {
    const h = this.free.pop();
    if (h) return h;
    this.allocated++;
    return { hist: new Float64Array(this.totalBins * 2), mark: new Uint16Array((this.totalBins + 15) >>> 4) };
  }

  release(h: Histogram): void {
    clearHistogram(h.hist, h.mark);
    this.free.push(h);
  }
}
