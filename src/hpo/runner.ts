/**
 * Trial runners: where trials execute. `poolRunner` runs each trial in a worker thread of the
 * generic exec pool (the folds cross to each worker once, on SharedArrayBuffers, in workerData);
 * `inlineRunner` runs them in this thread (no build needed; timeouts are cooperative: the fit is
 * aborted through its signal and the trial recorded as TIMEOUT right away).
 */
import type { ResourceLimits } from 'node:worker_threads';
import { TrainSpamError, toErrorData } from '../core/errors.js';
import { fromDescriptor, shareLabels, toShared, type MatrixDescriptor } from '../core/matrix.js';
import type { IterationDecision } from '../models/contract.js';
import { createFitMemo } from '../models/memo.js';
import type { TaskOutcome } from '../exec/protocol.js';
import { nativeFitKernels } from '../exec/native-gbm.js';
import { WorkerPool } from '../exec/pool.js';
import type { ModelFamilies } from './families.js';
import { runTrial, type TrialProgress, type TrialResult, type TrialTask } from './trial.js';
import type { Fold } from './validation.js';

export interface TrialRunOptions {
  /** Called for each report; for interactive tasks the returned decision goes back to the trial. */
  readonly onReport: (p: TrialProgress) => IterationDecision | Promise<IterationDecision>;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface TrialRunner {
  /** How many trials may run at the same time. */
  readonly concurrency: number;
  run(task: TrialTask, options: TrialRunOptions): Promise<TaskOutcome<TrialResult>>;
  close(): Promise<void>;
}

/** Folds as plain data on SharedArrayBuffers (the worker's workerData). */
export interface SharedFold {
  readonly train: { readonly X: MatrixDescriptor; readonly y: Uint8Array };
  readonly valid: { readonly X: MatrixDescriptor; readonly y: Uint8Array };
}

export interface TrialWorkerData {
  readonly folds: readonly SharedFold[];
  /** Module exporting createEstimator(kind, params) (default: the models registry). */
  readonly familiesModule: string | null;
}

export function shareFolds(folds: readonly Fold[]): SharedFold[] {
  return folds.map((f) => ({
    train: { X: toShared(f.train.X), y: shareLabels(f.train.y) },
    valid: { X: toShared(f.valid.X), y: shareLabels(f.valid.y) },
  }));
}

export function foldsFromShared(shared: readonly SharedFold[]): Fold[] {
  return shared.map((f) => ({ train: { X: fromDescriptor(f.train.X), y: f.train.y }, valid: { X: fromDescriptor(f.valid.X), y: f.valid.y } }));
}

/**
 * Default worker entry: dist/workers/trial-worker.js next to this compiled module. When this
 * module runs from the TypeScript sources (tests), the compiled file under dist/ is used.
 */
export function defaultTrialWorkerFile(): URL {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts') && here.pathname.includes('/src/hpo/')) {
    return new URL(here.href.replace(/\/src\/hpo\/[^/]+\.ts$/, '/dist/workers/trial-worker.js'));
  }
  return new URL('../workers/trial-worker.js', import.meta.url);
}

export interface PoolRunnerOptions {
  readonly workers: number;
  readonly folds: readonly Fold[];
  readonly workerFile?: string | URL;
  readonly familiesModule?: string | URL;
  readonly resourceLimits?: ResourceLimits;
}

export function poolRunner(o: PoolRunnerOptions): TrialRunner {
  const workerData: TrialWorkerData = {
    folds: shareFolds(o.folds),
    familiesModule: o.familiesModule === undefined ? null : typeof o.familiesModule === 'string' ? o.familiesModule : o.familiesModule.href,
  };
  const pool = new WorkerPool<TrialWorkerData, TrialTask, TrialResult, TrialProgress, IterationDecision>({
    workerFile: o.workerFile ?? defaultTrialWorkerFile(),
    workers: o.workers,
    workerData,
    resourceLimits: o.resourceLimits,
  });
  return {
    concurrency: pool.size,
    run: (task, opts) =>
      pool.run(task, {
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        onMessage: (p, expectsReply) => {
          const d = opts.onReport(p);
          return expectsReply ? d : undefined;
        },
      }) as Promise<TaskOutcome<TrialResult>>,
    close: () => pool.close(),
  };
}

export function inlineRunner(o: { readonly concurrency: number; readonly folds: readonly Fold[]; readonly families: Pick<ModelFamilies, 'createEstimator'> }): TrialRunner {
  const kernels = nativeFitKernels();
  // Trials on the same folds share what fits derive from the matrices alone (the GBM's bins).
  const memo = createFitMemo();
  return {
    concurrency: Math.max(1, o.concurrency),
    async run(task, opts) {
      const ac = new AbortController();
      let reason: TrainSpamError | null = null;
      const onAbort = () => {
        reason ??= new TrainSpamError('CANCELLED', 'task cancelled');
        ac.abort();
      };
      if (opts.signal?.aborted) onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const limit = new Promise<never>((_, reject) => {
        ac.signal.addEventListener('abort', () => reject(reason), { once: true });
        if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
          timer = setTimeout(() => {
            reason ??= new TrainSpamError('TIMEOUT', `task exceeded its time limit of ${opts.timeoutMs} ms`, { timeoutMs: opts.timeoutMs });
            ac.abort();
          }, opts.timeoutMs);
        }
      });
      limit.catch(() => undefined);
      try {
        if (reason) throw reason;
        const work = runTrial(task, o.folds, o.families, {
          signal: ac.signal,
          kernels,
          memo,
          // after a timeout or cancel the abandoned fit may still report: answer 'stop', record nothing
          report: (p) => (ac.signal.aborted ? 'stop' : task.interactive ? opts.onReport(p) : (void opts.onReport(p), 'continue')),
        });
        work.catch(() => undefined);
        const value = await Promise.race([work, limit]);
        return { ok: true, value };
      } catch (e) {
        return { ok: false, error: toErrorData(reason ?? e) };
      } finally {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      }
    },
    close: async () => undefined,
  };
}
