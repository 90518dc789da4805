/**
 * Trial runners: where trials execute. `poolRunner` runs each trial in a worker thread of the
 * generic exec pool (the folds cross to each worker once, on SharedArrayBuffers, in workerData);
 * `inlineRunner` runs them in this thread (no build needed; timeouts are cooperative: the fit is
 * aborted through its signal and the trial recorded as TIMEOUT right away).
 */
import type { ResourceLimits } from 'node:worker_threads';
import { TrainSpamError, toErrorData } from '../core/errors.js';
import { fromDescriptor, shareLabels, toShared, type MatrixDescriptor } from '../core/matrix.js';
import type { IterationDecision, ModelKind, TrainingData } from '../models/contract.js';
import type { JsonValue, Payload } from '../core/payload.js';
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
  /** Module exporting createEstimator(kind, params) (default: the models registry). */
  readonly familiesModule: string | null;
  /**
   * Families whose runtime the thread loads as soon as it starts (the families module's
   * `preload(kind)`, e.g. TensorFlow.js for 'mlp'), so a pool started early pays it while the
   * cores are free rather than in its first trial of that family.
   */
  readonly preload: readonly ModelKind[];
}

/**
 * What a trial thread runs. Trials carry their study's folds (SharedArrayBuffer views: the
 * descriptors are cloned, the data is not), which the thread keeps under `foldsKey` until a task
 * names another key; a refit fits one configuration on the whole training split.
 */
export type TrialWorkerTask =
  | { readonly kind: 'trial'; readonly foldsKey: string; readonly folds: readonly SharedFold[]; readonly task: TrialTask }
  | { readonly kind: 'refit'; readonly refit: RefitTask };

/** One configuration fitted on all training rows (the study's best, refitted). */
export interface RefitTask {
  readonly model: ModelKind;
  readonly params: Readonly<Record<string, JsonValue>>;
  readonly seed: number;
  readonly data: { readonly X: MatrixDescriptor; readonly y: Uint8Array };
}

/** What a trial thread sends back: a trial's result, or a refitted model's payload. */
export type TrialWorkerResult = TrialResult | Payload;

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

export interface TrialPoolOptions {
  readonly workers: number;
  readonly workerFile?: string | URL;
  readonly familiesModule?: string | URL;
  readonly resourceLimits?: ResourceLimits;
  /** Families whose runtime each thread loads at start (see TrialWorkerData.preload). */
  readonly preload?: readonly ModelKind[];
}

/** Options of a refit on the pool. */
export interface RefitRunOptions {
  readonly signal?: AbortSignal;
}

let foldsKeys = 0;

/**
 * Trial worker threads that outlive one study: the pipeline starts them before its data and
 * feature steps (the threads load their modules, the native kernel and the preloaded families'
 * runtimes on the core those steps leave idle), runs the study on them (`runner(folds)`), then the
 * refit of the best configuration on a thread that has trained that family already (`refit`).
 */
export class TrialPool {
  private readonly pool: WorkerPool<TrialWorkerData, TrialWorkerTask, TrialWorkerResult, TrialProgress, IterationDecision>;
  readonly size: number;

  constructor(o: TrialPoolOptions) {
    const workerData: TrialWorkerData = {
      familiesModule: o.familiesModule === undefined ? null : typeof o.familiesModule === 'string' ? o.familiesModule : o.familiesModule.href,
      preload: [...(o.preload ?? [])],
    };
    this.pool = new WorkerPool<TrialWorkerData, TrialWorkerTask, TrialWorkerResult, TrialProgress, IterationDecision>({
      workerFile: o.workerFile ?? defaultTrialWorkerFile(),
      workers: o.workers,
      workerData,
      resourceLimits: o.resourceLimits,
    });
    this.size = this.pool.size;
  }

  /** A runner of trials on `folds` (shared once, here); closing it leaves the threads running. */
  runner(folds: readonly Fold[], concurrency = this.size): TrialRunner {
    const shared = shareFolds(folds);
    const foldsKey = `${process.pid}-${++foldsKeys}`;
    return {
      concurrency: Math.max(1, Math.min(concurrency, this.size)),
      run: (task, opts) =>
        this.pool.run(
          { kind: 'trial', foldsKey, folds: shared, task },
          {
            signal: opts.signal,
            timeoutMs: opts.timeoutMs,
            // returned for notifications too, so that the pool sees a decision that failed (e.g.
            // its journal write) and fails the trial with it; the worker gets no reply then
            onMessage: (p) => opts.onReport(p),
          },
        ) as Promise<TaskOutcome<TrialResult>>,
      close: async () => undefined,
    };
  }

  /** Fits one configuration on all of `data` on a pool thread; the model comes back as its payload. */
  refit(model: ModelKind, params: Readonly<Record<string, JsonValue>>, seed: number, data: TrainingData, options: RefitRunOptions = {}): Promise<TaskOutcome<Payload>> {
    const refit: RefitTask = { model, params, seed, data: { X: toShared(data.X), y: shareLabels(data.y) } };
    return this.pool.run({ kind: 'refit', refit }, { signal: options.signal }) as Promise<TaskOutcome<Payload>>;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

export interface PoolRunnerOptions extends TrialPoolOptions {
  readonly folds: readonly Fold[];
}

/** A study's own pool: threads started for it and stopped when it closes the runner. */
export function poolRunner(o: PoolRunnerOptions): TrialRunner {
  const pool = new TrialPool(o);
  const runner = pool.runner(o.folds);
  return { ...runner, close: () => pool.close() };
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
          report: (p) => {
            if (ac.signal.aborted) return 'stop';
            if (task.interactive) return opts.onReport(p);
            // not waited for, but a failure (e.g. its journal write) fails the trial with it
            Promise.resolve()
              .then(() => opts.onReport(p))
              .then(undefined, (e: unknown) => {
                reason ??= e instanceof TrainSpamError ? e : TrainSpamError.fromJSON(toErrorData(e));
                ac.abort();
              });
            return 'continue';
          },
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
