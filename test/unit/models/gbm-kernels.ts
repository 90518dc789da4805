/**
 * The GBM kernels the tests run against: always the TypeScript kernel, plus the native addon when
 * it is built and loads (npm run build:native; absent on machines without a C compiler, where the
 * native cases are skipped and reported as such).
 */
import { loadNativeGbmKernel } from '../../../src/exec/native-gbm.js';
import type { FitKernels } from '../../../src/models/contract.js';
import { typescriptKernel, type GbmKernel } from '../../../src/models/gbm/kernel.js';

export const nativeKernel: GbmKernel | null = loadNativeGbmKernel({ env: {} });
export const nativeKernel2: GbmKernel | null = loadNativeGbmKernel({ env: {}, threads: 2 });

/** [name, kernel, fit-option fragment] for describe.each. */
export const KERNELS: [string, GbmKernel, { kernels: FitKernels }][] = [
  ['typescript', typescriptKernel, { kernels: { gbm: typescriptKernel } }],
  ...(nativeKernel ? [['native', nativeKernel, { kernels: { gbm: nativeKernel } }] as [string, GbmKernel, { kernels: FitKernels }]] : []),
  ...(nativeKernel2 ? [['native-2t', nativeKernel2, { kernels: { gbm: nativeKernel2 } }] as [string, GbmKernel, { kernels: FitKernels }]] : []),
];
