/**
 * The estimator contract. An `Estimator` holds validated hyperparameters; `fit` returns a separate
 * `Fitted` object, the only thing that can predict ("not fitted" is a compile error).
 */
import type { FeatureMatrix } from '../core/matrix.js';
import type { ParamSpec } from '../core/params.js';
import type { Payload } from '../core/payload.js';
import type { GbmKernel } from './gbm/kernel.js';

export type ModelKind = 'logistic' | 'gbm' | 'mlp';

export interface TrainingData {
  readonly X: FeatureMatrix;
  /** 0/1 labels, one per row. */
  readonly y: Uint8Array;
}

/** One progress report: after boosting round / epoch / solver step `iteration` (1-based). */
export interface IterationReport {
  readonly iteration: number;
  /** Metrics computed at this iteration, e.g. `{ train_loss, val_loss, val_auc }`. Only finite numbers. */
  readonly metrics: Readonly<Record<string, number>>;
}

export type IterationDecision = 'continue' | 'stop';

export interface FitOptions {
  /** Seed for everything random inside fit (initialisation, subsampling, shuffling). */
  readonly seed: number;
  /** Held-out data used for early stopping and for the metrics in iteration reports. */
  readonly validation?: TrainingData;
  /**
   * Called after every iteration (or every `reportEvery` iterations). Returning (or resolving to)
   * 'stop' ends training early; the fitted model keeps the iterations done so far. This is the
   * hook the HPO scheduler (ASHA) uses to stop unpromising trials.
   */
  readonly onIteration?: (report: IterationReport) => IterationDecision | void | Promise<IterationDecision | void>;
  /** Report every n iterations (default 1). The last iteration is always reported. */
  readonly reportEvery?: number;
  /** Aborting rejects fit with a CANCELLED error. */
  readonly signal?: AbortSignal;
  /**
   * Compute kernels injected by a higher layer (`gbm`: the native addon loaded by
   * src/exec/native-gbm.ts). Absent: each model uses its TypeScript code. Results are identical.
   */
  readonly kernels?: FitKernels;
  /**
   * Memo for data derived from the training / validation matrices alone (the GBM's bins and row
   * indexes), shared by fits on the same matrix objects: the trials of an HPO study on one fold.
   * Absent: every fit derives its own. Results are identical either way.
   */
  readonly memo?: FitMemo;
}

/**
 * A fit may keep a value here only when it depends on nothing but the key objects (compared by
 * identity) and the tag, and must never modify a value it gets back. See createFitMemo (memo.ts).
 */
export interface FitMemo {
  get<T>(keys: readonly object[], tag: string, make: () => T): T;
}

export interface FitKernels {
  readonly gbm?: GbmKernel;
}

export interface Fitted {
  readonly kind: ModelKind;
  /** The resolved hyperparameters this model was trained with. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly numFeatures: number;
  /** Iterations actually trained (trees, epochs, solver steps). */
  readonly iterations: number;
  /** P(spam) per row. Throws INVALID_DATA when the column count differs from training. */
  predictProba(X: FeatureMatrix): Float64Array;
  /** Serialisable form (see core/payload.ts). */
  toPayload(): Payload;
  /** Frees native/GPU memory if any (tfjs). */
  dispose?(): void;
}

export interface Estimator {
  readonly kind: ModelKind;
  readonly paramSpec: ParamSpec;
  /** Resolved (validated, defaults filled) hyperparameters. */
  readonly params: Readonly<Record<string, unknown>>;
  fit(data: TrainingData, options: FitOptions): Promise<Fitted>;
}
