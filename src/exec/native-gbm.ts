/**
 * Loads the optional native GBM kernel (native/build/Release/gbm_kernel.node, built by
 * `npm run build:native`) as a `GbmKernel` for `FitOptions.kernels.gbm`. The engine layers cannot
 * load addons (no node:*), so callers that fit GBMs (HPO workers, the pipeline's refit, benches)
 * ask here and pass the result down.
 *
 * Returns null — the GBM then uses its TypeScript kernel — when the addon is missing, fails to
 * load (wrong platform, ABI), has another kernel ABI, fails the self-check (a small fit-like
 * workload compared bit for bit with the TypeScript kernel), or when
 * TRAIN_SPAM_GBM_KERNEL=typescript. The reason goes to the logger at debug level only.
 * The addon is context-aware (N-API), so every worker thread may load it.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger, type Logger } from '../core/ports.js';
import type { FitKernels } from '../models/contract.js';
import { NodeHistogram, rowBlockPointers } from '../models/gbm/histogram.js';
import { typescriptKernel, type GbmKernel } from '../models/gbm/kernel.js';

/** Must equal KERNEL_ABI in native/src/gbm_kernel.c. */
export const NATIVE_GBM_ABI = 4;
const ADDON = path.join('native', 'build', 'Release', 'gbm_kernel.node');

export interface NativeGbmOptions {
  readonly logger?: Logger;
  /** Addon file (default: TRAIN_SPAM_GBM_NATIVE_PATH, else native/build/Release/gbm_kernel.node above this module). */
  readonly file?: string;
  /**
   * 2: the root sweep, build-and-subtract and split search of large nodes run on this thread plus
   * one helper thread of the addon (kernel name 'native-2t'; same results). 'auto': 2 when the
   * machine has at least two cores, else 1. Default 1. Only for a fit that has the machine to
   * itself (the pipeline's refit): HPO already runs one trial per worker thread, and the helper
   * spins between calls.
   */
  readonly threads?: 1 | 2 | 'auto';
  /** Environment to read TRAIN_SPAM_GBM_KERNEL / TRAIN_SPAM_GBM_NATIVE_PATH from (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** native/build/Release/gbm_kernel.node in the nearest ancestor directory of this module that has one. */
function defaultAddonPath(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const f = path.join(dir, ADDON);
    if (existsSync(f)) return f;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

type Addon = Omit<GbmKernel, 'name'> & {
  readonly abi: number;
  readonly sweepAllRows2: GbmKernel['sweepAllRows'];
  readonly buildSubtract2: GbmKernel['buildSubtract'];
  readonly findBestSplit2: GbmKernel['findBestSplit'];
  readonly sortSegments2: GbmKernel['sortSegments'];
  readonly binEntries2: GbmKernel['binEntries'];
};

function isAddon(m: unknown): m is Addon {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return [
    'sweepAllRows', 'build', 'buildSubtract', 'findBestSplit', 'partitionRows', 'partitionColumn', 'sortSegments', 'binEntries',
    'sweepAllRows2', 'buildSubtract2', 'findBestSplit2', 'sortSegments2', 'binEntries2',
  ].every(
    (k) => typeof o[k] === 'function',
  );
}

/** Deterministic pseudo-random integers for the self-check (no Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/**
 * Runs the same small workload (root sweep, builds, build-and-subtract, split search, partition)
 * through both kernels; returns a description of the first difference, or null when identical.
 */
export function compareKernels(a: GbmKernel, b: GbmKernel, seed = 12345): string | null {
  const next = lcg(seed);
  const rows = 300;
  const F = 9;
  const perFeature = 7;
  const offset = Int32Array.from({ length: F + 1 }, (_, f) => f * perFeature);
  const zeroBin = Int32Array.from({ length: F }, (_, f) => f % 3);
  const total = F * perFeature;
  const rowPtr = new Int32Array(rows + 1);
  const binList: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < F; f++) {
      if (next() % 3 === 0) continue; // implicit zero
      let local = next() % perFeature;
      if (local === zeroBin[f]) local = (local + 1) % perFeature;
      binList.push(offset[f] + local);
    }
    rowPtr[r + 1] = binList.length;
  }
  const bins = Int32Array.from(binList);
  const grad = Float64Array.from({ length: rows }, () => (next() / 2 ** 32 - 0.5) * 2);
  const hess = Float64Array.from({ length: rows }, () => 0.01 + next() / 2 ** 32);
  const blocks = 1;
  const blockPtr = rowBlockPointers(rowPtr, bins, rows, blocks);
  const binStart = new Int32Array(total + 1);
  for (const b of binList) binStart[b + 1]++;
  for (let i = 0; i < total; i++) binStart[i + 1] += binStart[i];
  const fill = binStart.slice(0, total);
  const entryRow = new Int32Array(binList.length);
  for (let r = 0; r < rows; r++) for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) entryRow[fill[bins[k]]++] = r;
  const mask = new Uint8Array(F).fill(1);
  mask[4] = 0;

  const run = (k: GbmKernel) => {
    const acc = new Float64Array(2 * total);
    const mark = new Uint16Array((total + 15) >>> 4);
    const root = new NodeHistogram(total);
    root.length = k.sweepAllRows(binStart, entryRow, grad, hess, root.bins, root.grad, root.hess);
    let G = 0;
    let H = 0;
    for (let r = 0; r < rows; r++) {
      G += grad[r];
      H += hess[r];
    }
    const split = new Float64Array(5);
    k.findBestSplit(root.bins, root.grad, root.hess, root.length, offset, zeroBin, mask, G, H, 1, 0.5, 0, split);
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    const tmp = new Int32Array(rows);
    const f = split[1];
    const mid = f >= 0 ? k.partitionRows(order, 0, rows, tmp, rowPtr, bins, offset[f], offset[f + 1], zeroBin[f], split[2]) : rows >> 1;
    // The column partition of the same split on a copy: must give the same order.
    const local = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      local[r] = zeroBin[Math.max(f, 0)];
      for (let e = rowPtr[r]; e < rowPtr[r + 1]; e++) if (f >= 0 && bins[e] >= offset[f] && bins[e] < offset[f + 1]) local[r] = bins[e] - offset[f];
    }
    const order2 = Int32Array.from({ length: rows }, (_, i) => i);
    const mid2 = f >= 0 ? k.partitionColumn(order2, 0, rows, tmp, local, 0, split[2]) : rows >> 1;
    const child = new NodeHistogram(total);
    const lens = new Int32Array(3);
    k.buildSubtract(order, 0, mid, blockPtr, blocks, bins, grad, hess, acc, mark, child.bins, child.grad, child.hess, root.bins, root.grad, root.hess, root.length, lens);
    const direct = new NodeHistogram(total);
    direct.length = k.build(order, mid, rows, blockPtr, blocks, bins, grad, hess, acc, mark, direct.bins, direct.grad, direct.hess);
    const split2 = new Float64Array(5);
    k.findBestSplit(root.bins, root.grad, root.hess, lens[1], offset, zeroBin, mask, G / 2, H, 0.3, 0.1, 0, split2);
    const scratchClean = acc.every((v) => v === 0) && mark.every((v) => v === 0);
    // Binning: sort the gradients in three segments (duplicates, negatives), then bin them as a
    // one-column dense matrix against edges taken from the sorted values.
    const seg = Int32Array.from([0, 7, 7, rows]);
    const sorted = Float64Array.from(grad, (g, i) => (i % 5 === 0 ? Math.round(g * 4) / 4 || 0.5 : g));
    k.sortSegments(seg, 3, sorted);
    const upper = Float64Array.from({ length: 9 }, (_, i) => (i < 8 ? sorted[7 + i * 36] : Infinity));
    const binned = new Int32Array(rows);
    k.binEntries(sorted, 1, rows, new Int32Array(rows + 1), new Int32Array(0), new Float64Array(0), Int32Array.from([0, 9]), upper, Int32Array.from({ length: rows + 1 }, (_, i) => i), binned);
    return [
      Array.from(split), mid, Array.from(order), mid2, Array.from(order2), Array.from(lens), Array.from(split2), scratchClean,
      Array.from(child.bins.subarray(0, lens[0])), Array.from(child.grad.subarray(0, lens[0])), Array.from(child.hess.subarray(0, lens[0])),
      Array.from(root.bins.subarray(0, lens[1])), Array.from(root.grad.subarray(0, lens[1])), Array.from(root.hess.subarray(0, lens[1])),
      Array.from(direct.bins.subarray(0, direct.length)), Array.from(direct.grad.subarray(0, direct.length)),
      Array.from(sorted), Array.from(binned),
    ];
  };
  const ra = run(a);
  const rb = run(b);
  const names = ['split', 'mid', 'partition', 'column mid', 'column partition', 'lens', 'split2', 'scratch cleared', 'child bins', 'child grad', 'child hess', 'parent bins', 'parent grad', 'parent hess', 'direct bins', 'direct grad', 'sorted segments', 'binned entries'];
  for (let i = 0; i < ra.length; i++) {
    if (JSON.stringify(ra[i]) !== JSON.stringify(rb[i])) return `${names[i]} differ`;
  }
  return null;
}

/** The native GBM kernel, or null (use the TypeScript kernel); see the module comment. */
export function loadNativeGbmKernel(options: NativeGbmOptions = {}): GbmKernel | null {
  const logger = options.logger ?? silentLogger;
  const env = options.env ?? process.env;
  const wanted = env.TRAIN_SPAM_GBM_KERNEL;
  if (wanted === 'typescript' || wanted === 'ts') {
    logger.log('debug', 'gbm kernel: TypeScript (TRAIN_SPAM_GBM_KERNEL)');
    return null;
  }
  const file = options.file ?? env.TRAIN_SPAM_GBM_NATIVE_PATH ?? defaultAddonPath();
  if (!file) {
    logger.log('debug', `gbm kernel: TypeScript (no ${ADDON}; run npm run build:native)`);
    return null;
  }
  let addon: unknown;
  try {
    addon = createRequire(import.meta.url)(path.resolve(file));
  } catch (e) {
    logger.log('debug', 'gbm kernel: TypeScript (native addon failed to load)', { file, error: e instanceof Error ? e.message : String(e) });
    return null;
  }
  if (!isAddon(addon) || addon.abi !== NATIVE_GBM_ABI) {
    logger.log('debug', 'gbm kernel: TypeScript (native addon has another ABI)', { file, expected: NATIVE_GBM_ABI });
    return null;
  }
  const two = options.threads === 2 || (options.threads === 'auto' && availableParallelism() >= 2);
  const kernel: GbmKernel = Object.freeze({
    name: two ? 'native-2t' : 'native',
    sweepAllRows: two ? addon.sweepAllRows2 : addon.sweepAllRows,
    build: addon.build,
    buildSubtract: two ? addon.buildSubtract2 : addon.buildSubtract,
    findBestSplit: two ? addon.findBestSplit2 : addon.findBestSplit,
    partitionRows: addon.partitionRows,
    partitionColumn: addon.partitionColumn,
    sortSegments: two ? addon.sortSegments2 : addon.sortSegments,
    binEntries: two ? addon.binEntries2 : addon.binEntries,
  });
  let mismatch: string | null;
  try {
    mismatch = compareKernels(kernel, typescriptKernel);
  } catch (e) {
    mismatch = e instanceof Error ? e.message : String(e);
  }
  if (mismatch) {
    logger.log('debug', 'gbm kernel: TypeScript (native self-check failed)', { file, mismatch });
    return null;
  }
  logger.log('debug', 'gbm kernel: native', { file });
  return kernel;
}

/** `FitOptions.kernels` with the native GBM kernel when it loads, else empty (TypeScript kernels). */
export function nativeFitKernels(options: NativeGbmOptions = {}): FitKernels {
  const gbm = loadNativeGbmKernel(options);
  return gbm ? { gbm } : {};
}
