/**
 * The GBM compute kernel: the hot loops of tree growth behind one interface, so a native
 * implementation (the N-API addon in native/, loaded by src/exec/native-gbm.ts and passed in
 * through `FitOptions.kernels.gbm`) can replace the TypeScript one. Every implementation must
 * give bit-identical results: the same floating-point operations in the same order (tests run the
 * same cases against every kernel available).
 *
 * Histogram layout (see histogram.ts): compact lists of (global bin, grad sum, hess sum) in
 * ascending bin order; the scratch accumulator `acc` holds interleaved (grad, hess) per global bin
 * and is all zeros between calls; `mark` is its 16-bit-word bitset of touched bins.
 *
 * Argument contents are trusted (they come from the histogram pool and the tree learner); a
 * native kernel checks only types and lengths.
 */
import { accumulateRows, clearScratch, compactKeep, compactScratch, subtractScratch, sweepAllRows } from './histogram.js';
import { binEntries, rowBin, sortSegments, type BinningOps } from './binning.js';
import { findBestSplit } from './split.js';

/**
 * Each operation has the signature of its TypeScript implementation below (the reference every
 * kernel must reproduce), so the parameter lists are written once.
 */
export interface GbmKernel extends BinningOps {
  /** 'typescript' or 'native' (reported by the fitted model and the benches). */
  readonly name: string;

  /** Histogram of every row from the entries sorted by bin; returns the list length. */
  sweepAllRows: typeof sweepAllRows;

  /**
   * Histogram of rows[begin, end) (all `blocks` bin blocks, see rowBlockPointers) into the out
   * lists; returns the length. Leaves acc and mark cleared.
   */
  build: typeof buildTs;

  /**
   * Builds the histogram of rows[begin, end) into the out lists and subtracts it from the parent
   * list in place. lens[0] ← child length, lens[1] ← parent length, lens[2] ← where the parent's
   * entries now start (0 here; the native two-thread kernel compacts the first half of the list
   * toward its middle, see native/src/gbm_kernel.c). Leaves acc and mark cleared.
   */
  buildSubtract: typeof buildSubtractTs;

  /** Best split of one node (split.ts); out = [gain, feature, local bin, gradLeft, hessLeft], feature −1 when none. */
  findBestSplit: typeof findBestSplit;

  /**
   * The same partition from a column-major table of local bins (`localBins[base + r]` = local bin
   * of row r for the split feature, see columnBins): one lookup per row instead of a search.
   */
  partitionColumn: typeof partitionColumn;

  /** Stable in-place partition of rows[begin, end): rows whose local bin of the feature [lo, hi) is ≤ splitBin first; returns the first right position. */
  partitionRows: typeof partitionRows;
}

/** Stable in-place partition (see GbmKernel.partitionRows). */
export function partitionRows(
  rows: Int32Array,
  begin: number,
  end: number,
  tmp: Int32Array,
  rowPtr: Int32Array,
  bins: Int32Array,
  lo: number,
  hi: number,
  zeroLocal: number,
  splitBin: number,
): number {
  let l = begin;
  let t = 0;
  for (let i = begin; i < end; i++) {
    const r = rows[i];
    if (rowBin(bins, rowPtr[r], rowPtr[r + 1], lo, hi, zeroLocal) <= splitBin) rows[l++] = r;
    else tmp[t++] = r;
  }
  for (let i = 0; i < t; i++) rows[l + i] = tmp[i];
  return l;
}

/** Stable in-place partition by a column of local bins (see GbmKernel.partitionColumn). */
export function partitionColumn(rows: Int32Array, begin: number, end: number, tmp: Int32Array, localBins: Uint8Array, base: number, splitBin: number): number {
  let l = begin;
  let t = 0;
  for (let i = begin; i < end; i++) {
    const r = rows[i];
    if (localBins[base + r] <= splitBin) rows[l++] = r;
    else tmp[t++] = r;
  }
  for (let i = 0; i < t; i++) rows[l + i] = tmp[i];
  return l;
}

function buildTs(
  rows: Int32Array,
  begin: number,
  end: number,
  blockPtr: Int32Array,
  blocks: number,
  bins: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  acc: Float64Array,
  mark: Uint16Array,
  outBins: Int32Array,
  outGrad: Float64Array,
  outHess: Float64Array,
): number {
  for (let blk = 0; blk < blocks; blk++) accumulateRows(rows, begin, end, blockPtr, blocks + 1, blk, bins, grad, hess, acc, mark);
  return compactScratch(acc, mark, outBins, outGrad, outHess);
}

function buildSubtractTs(
  rows: Int32Array,
  begin: number,
  end: number,
  blockPtr: Int32Array,
  blocks: number,
  bins: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  acc: Float64Array,
  mark: Uint16Array,
  outBins: Int32Array,
  outGrad: Float64Array,
  outHess: Float64Array,
  pBins: Int32Array,
  pGrad: Float64Array,
  pHess: Float64Array,
  pLen: number,
  lens: Int32Array,
): void {
  for (let blk = 0; blk < blocks; blk++) accumulateRows(rows, begin, end, blockPtr, blocks + 1, blk, bins, grad, hess, acc, mark);
  const n = compactKeep(acc, mark, outBins, outGrad, outHess);
  lens[1] = subtractScratch(pBins, pGrad, pHess, pLen, acc);
  clearScratch(acc, outBins, n);
  lens[0] = n;
  lens[2] = 0;
}

/** The TypeScript kernel (the default, and the fallback when the native addon is not available). */
export const typescriptKernel: GbmKernel = Object.freeze({
  name: 'typescript',
  sweepAllRows,
  build: buildTs,
  buildSubtract: buildSubtractTs,
  findBestSplit,
  partitionRows,
  partitionColumn,
  sortSegments,
  binEntries,
});
