/**
 * Worker-thread entry for HPO trials and refits (run by the exec pool from
 * dist/workers/trial-worker.js). workerData: the module providing `createEstimator` (tests use a
 * fake) and the families to preload. Trial tasks bring their study's folds (SharedArrayBuffer
 * views, not copies), kept until a task names other folds.
 */
import { workerData } from 'piscina';
import { nativeFitKernels } from '../exec/native-gbm.js';
import { requirePackage } from '../exec/require-package.js';
import { defineWorker } from '../exec/worker-runtime.js';
import type { ModelFamilies } from '../hpo/families.js';
import { foldsFromShared, type TrialWorkerData, type TrialWorkerResult, type TrialWorkerTask } from '../hpo/runner.js';
import { runTrial, type TrialProgress } from '../hpo/trial.js';
import type { Fold } from '../hpo/validation.js';
import { fromDescriptor } from '../core/matrix.js';
import type { FitMemo, IterationDecision, ModelKind } from '../models/contract.js';
import { createFitMemo } from '../models/memo.js';
import { setTfPackageLoader } from '../models/mlp/backend.js';

type Families = Pick<ModelFamilies, 'createEstimator'> & { preload?: (kind: ModelKind) => Promise<void> };

const data = workerData as TrialWorkerData;
// TensorFlow.js through require: no export scan of its CommonJS files in every thread (backend.ts).
setTfPackageLoader(requirePackage);
const familiesUrl = data.familiesModule ?? new URL('../models/registry.js', import.meta.url).href;
// Loaded once per thread; a failure surfaces as the error of each task (not as a crashed worker).
const families = import(familiesUrl) as Promise<Families>;
families.catch(() => undefined);
// Runtimes of the preloaded families (TensorFlow.js for the MLP) load now, before any task; a
// failure here is left to the first fit of that family to report.
// The thread is ready (its tasks' time limits start) once both have settled.
const ready = families.then((f) => Promise.all(data.preload.map((k) => f.preload?.(k)))).catch(() => undefined);
// The native GBM kernel when built (loaded once per thread), else the TypeScript one; a refit may
// use a second core (the study's other threads are idle by then).
const kernels = nativeFitKernels();
let refitKernels: ReturnType<typeof nativeFitKernels> | null = null;

// The current study's folds, and what fits derive from their matrices alone (the GBM's bins and
// row indexes, ~80 ms per GBM trial here), computed once per thread and study.
let current: { key: string; folds: Fold[]; memo: FitMemo } | null = null;

export default defineWorker<TrialWorkerData, TrialWorkerTask, TrialWorkerResult, TrialProgress, IterationDecision>(data, async (job, ctx) => {
  const fam = await families;
  if (job.kind === 'refit') {
    const r = job.refit;
    refitKernels ??= nativeFitKernels({ threads: 'auto' });
    const fitted = await fam.createEstimator(r.model, r.params).fit({ X: fromDescriptor(r.data.X), y: r.data.y }, { seed: r.seed, kernels: refitKernels });
    return fitted.toPayload();
  }
  if (current?.key !== job.foldsKey) current = { key: job.foldsKey, folds: foldsFromShared(job.folds), memo: createFitMemo() };
  const task = job.task;
  return runTrial(task, current.folds, fam, {
    kernels,
    memo: current.memo,
    report: (p) => {
      if (task.interactive) return ctx.ask(p);
      ctx.notify(p);
      return 'continue';
    },
  });
}, { ready });
