/**
 * The GBM kernels the tests run against: always the TypeScript kernel, plus the native addon (one
 * and two threads) whenever its file is built (npm run build:native). Only a missing file skips
 * the native cases (machines without a C compiler); a file that is there but does not load (load
 * error, other ABI, failed self-check) throws here, so every suite importing this module fails
 * with the loader's reason instead of quietly running on the TypeScript kernel alone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeLogger } from '../../../src/core/ports.js';
import { loadNativeGbmKernel } from '../../../src/exec/native-gbm.js';
import type { FitKernels } from '../../../src/models/contract.js';
import { typescriptKernel, type GbmKernel } from '../../../src/models/gbm/kernel.js';

/** The addon the loader finds by default (it looks for native/build/Release above src/exec). */
export const addonFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../native/build/Release/gbm_kernel.node');
/** Whether the addon file is built; the only reason a native case may be skipped. */
export const addonBuilt = existsSync(addonFile);

function loadBuilt(threads: 1 | 2): GbmKernel | null {
  if (!addonBuilt) return null;
  const lines: string[] = [];
  // env {}: the default path (not TRAIN_SPAM_GBM_NATIVE_PATH), and no TRAIN_SPAM_GBM_KERNEL=typescript.
  const k = loadNativeGbmKernel({ env: {}, threads, logger: makeLogger((l) => lines.push(l), 'debug') });
  if (!k) throw new Error(`${addonFile} is built but does not load as the native GBM kernel (threads ${threads}); rebuild it with npm run build:native:\n${lines.join('\n')}`);
  return k;
}

/** The native kernels: non-null exactly when the addon file exists. */
export const nativeKernel: GbmKernel | null = loadBuilt(1);
export const nativeKernel2: GbmKernel | null = loadBuilt(2);

/** [name, kernel, fit-option fragment] for describe.each. */
export const KERNELS: [string, GbmKernel, { kernels: FitKernels }][] = [
  ['typescript', typescriptKernel, { kernels: { gbm: typescriptKernel } }],
  ...(nativeKernel ? [['native', nativeKernel, { kernels: { gbm: nativeKernel } }] as [string, GbmKernel, { kernels: FitKernels }]] : []),
  ...(nativeKernel2 ? [['native-2t', nativeKernel2, { kernels: { gbm: nativeKernel2 } }] as [string, GbmKernel, { kernels: FitKernels }]] : []),
];
