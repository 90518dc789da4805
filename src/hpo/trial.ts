/**
 * One trial: fit an estimator with the sampled params on each fold's training part, with
 * per-iteration reports going to the scheduler, then score on the fold's validation part.
 * Shared by the worker thread (src/workers/trial-worker.ts) and the in-process runner.
 *
 * Scores: F1 / precision / recall / accuracy at threshold 0.5 (predict spam when P ≥ 0.5),
 * ROC AUC, average precision and log loss, from src/metrics. With k folds each metric is the mean
 * over folds.
 */
import { invalidArgument } from '../core/errors.js';
import type { JsonValue } from '../core/payload.js';
import { averagePrecision, logLoss, rocAuc, thresholdMetrics } from '../metrics/index.js';
import type { FitKernels, FitMemo, IterationDecision, ModelKind, TrainingData } from '../models/contract.js';
import { iterationBudget, type ModelFamilies } from './families.js';
import type { Fold } from './validation.js';

export const THRESHOLD = 0.5;

export type MetricName = 'f1' | 'auc' | 'precision' | 'recall' | 'accuracy' | 'average_precision' | 'log_loss';
export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'auc', 'average_precision', 'f1', 'log_loss', 'precision', 'recall'];
export const METRIC_MODE: Readonly<Record<MetricName, 'max' | 'min'>> = {
  f1: 'max', auc: 'max', precision: 'max', recall: 'max', accuracy: 'max', average_precision: 'max', log_loss: 'min',
};

export function checkMetricName(name: string, what = 'metric'): MetricName {
  if (!(METRIC_NAMES as readonly string[]).includes(name)) {
    throw invalidArgument(`${what} '${name}' is unknown; expected one of ${METRIC_NAMES.join(', ')}`, { parameter: what, value: name });
  }
  return name as MetricName;
}

/** Plain-data description of a trial (crosses the worker boundary). */
export interface TrialTask {
  readonly trial: number;
  readonly seed: number;
  readonly model: ModelKind;
  readonly params: Readonly<Record<string, JsonValue>>;
  readonly metric: MetricName;
  readonly tieBreak: MetricName | null;
  /** True when the scheduler may stop the trial: reports are questions awaiting a decision. */
  readonly interactive: boolean;
  /**
   * At most this many progress reports per fold (evenly spaced, the last iteration always
   * included); absent: every iteration. Random search only watches the curve, so it thins them:
   * a 1,000-round GBM otherwise spent ~10% of its time computing, sending and journaling reports.
   */
  readonly maxReports?: number;
}

/** A progress report from a running trial (crosses the worker boundary). */
export interface TrialProgress {
  readonly trial: number;
  readonly fold: number;
  readonly iteration: number;
  /** The trial's iteration budget (resolved params), for the scheduler's time axis. */
  readonly budget: number | null;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface TrialResult {
  readonly score: number;
  readonly tieBreak: number | null;
  readonly metrics: Readonly<Record<string, number>>;
  /** Iterations actually trained (summed over folds). */
  readonly iterations: number;
  /** True when the scheduler stopped the trial early. */
  readonly stopped: boolean;
}

export interface TrialIO {
  /** Sends a report; for interactive trials resolves to the scheduler's decision. */
  report(progress: TrialProgress): Promise<IterationDecision> | IterationDecision;
  readonly signal?: AbortSignal;
  /** Compute kernels for the fits (the native GBM kernel, see src/exec/native-gbm.ts); absent: TypeScript. */
  readonly kernels?: FitKernels;
  /** Memo shared by the trials this runner executes on the same folds (FitOptions.memo). */
  readonly memo?: FitMemo;
}

/** Validation metrics of one fold at threshold 0.5. */
export function scoreFold(valid: TrainingData, proba: Float64Array): Record<MetricName, number> {
  const t = thresholdMetrics(valid.y, proba, THRESHOLD);
  const clipped = new Float64Array(proba.length);
  for (let i = 0; i < proba.length; i++) clipped[i] = Math.min(1, Math.max(0, proba[i]));
  return {
    accuracy: t.accuracy,
    auc: rocAuc(valid.y, proba),
    average_precision: averagePrecision(valid.y, proba),
    f1: t.f1,
    log_loss: logLoss(valid.y, clipped),
    precision: t.precision,
    recall: t.recall,
  };
}

export async function runTrial(task: TrialTask, folds: readonly Fold[], families: Pick<ModelFamilies, 'createEstimator'>, io: TrialIO): Promise<TrialResult> {
  const sums: Record<string, number> = {};
  let iterations = 0;
  let stopped = false;
  for (let f = 0; f < folds.length; f++) {
    const fold = folds[f];
    const estimator = families.createEstimator(task.model, task.params);
    const budget = iterationBudget(task.model, estimator.params) ?? null;
    const reportEvery = task.maxReports !== undefined && budget !== null ? Math.max(1, Math.ceil(budget / task.maxReports)) : undefined;
    const fitted = await estimator.fit(fold.train, {
      seed: task.seed,
      ...(reportEvery !== undefined ? { reportEvery } : {}),
      validation: fold.valid,
      signal: io.signal,
      kernels: io.kernels,
      memo: io.memo,
      onIteration: async (r) => {
        const decision = await io.report({ trial: task.trial, fold: f, iteration: r.iteration, budget, metrics: { ...r.metrics } });
        // a stop at the last budgeted iteration (ASHA's time ≥ max_t) is not an early stop
        if (decision === 'stop' && (budget === null || r.iteration < budget)) stopped = true;
        return decision;
      },
    });
    try {
      iterations += fitted.iterations;
      const m = scoreFold(fold.valid, fitted.predictProba(fold.valid.X));
      for (const k of Object.keys(m) as MetricName[]) sums[k] = (sums[k] ?? 0) + m[k];
    } finally {
      fitted.dispose?.();
    }
    if (stopped) {
      // a stopped trial is scored on the folds it trained (ASHA runs with a holdout: one fold)
      for (const k of Object.keys(sums)) sums[k] /= f + 1;
      return finish(task, sums, iterations, true);
    }
  }
  for (const k of Object.keys(sums)) sums[k] /= folds.length;
  return finish(task, sums, iterations, false);
}

function finish(task: TrialTask, metrics: Record<string, number>, iterations: number, stopped: boolean): TrialResult {
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(metrics).sort()) sorted[k] = metrics[k];
  return { score: sorted[task.metric], tieBreak: task.tieBreak ? sorted[task.tieBreak] : null, metrics: sorted, iterations, stopped };
}
