/**
 * Worker-thread entry for HPO trials (run by the exec pool from dist/workers/trial-worker.js).
 * workerData (cloned once per thread; the matrices are SharedArrayBuffer views, not copies):
 * the study's folds and, optionally, the module providing `createEstimator` (tests use a fake).
 */
import { workerData } from 'piscina';
import { nativeFitKernels } from '../exec/native-gbm.js';
import { defineWorker } from '../exec/worker-runtime.js';
import type { ModelFamilies } from '../hpo/families.js';
import { foldsFromShared, type TrialWorkerData } from '../hpo/runner.js';
import { runTrial, type TrialProgress, type TrialResult, type TrialTask } from '../hpo/trial.js';
import type { IterationDecision } from '../models/contract.js';
import { createFitMemo } from '../models/memo.js';

const data = workerData as TrialWorkerData;
const folds = foldsFromShared(data.folds);
const familiesUrl = data.familiesModule ?? new URL('../models/registry.js', import.meta.url).href;
// Loaded once per thread; a failure surfaces as the error of each task (not as a crashed worker).
const families = import(familiesUrl) as Promise<Pick<ModelFamilies, 'createEstimator'>>;
families.catch(() => undefined);
// The native GBM kernel when built (loaded once per thread), else the TypeScript one.
const kernels = nativeFitKernels();
// This thread's trials all run on the same folds: what fits derive from the matrices alone (the
// GBM's bins and row indexes, ~80 ms per GBM trial here) is computed once per thread.
const memo = createFitMemo();

export default defineWorker<TrialWorkerData, TrialTask, TrialResult, TrialProgress, IterationDecision>(data, async (task, ctx) => {
  const fam = await families;
  return runTrial(task, folds, fam, {
    kernels,
    memo,
    report: (p) => {
      if (task.interactive) return ctx.ask(p);
      ctx.notify(p);
      return 'continue';
    },
  });
});
