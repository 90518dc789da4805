/**
 * Threshold metrics: confusion matrix, precision, recall, F1, accuracy.
 *
 * Decision rule: predict 1 (spam) when `score >= threshold`.
 * zero_division rule (same as scikit-learn's default `zero_division="warn"`, which returns 0):
 * - precision = 0 when nothing is predicted positive (tp + fp = 0);
 * - recall = 0 when there are no positive labels (tp + fn = 0);
 * - F1 = 0 when precision + recall = 0.
 * These are documented values, never NaN.
 */
import { TrainSpamError } from '../core/errors.js';
import { checkBinaryInput, type Labels, type Scores } from './input.js';

/** Counts at one threshold. `toMatrix` gives scikit-learn's layout [[tn, fp], [fn, tp]]. */
export interface ConfusionMatrix {
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
  readonly tp: number;
}

export interface ThresholdMetrics {
  readonly threshold: number;
  readonly confusion: ConfusionMatrix;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly accuracy: number;
}

function checkThreshold(threshold: number, metric: string): void {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `${metric}: threshold is ${String(threshold)}; expected a number`, {
      metric,
      threshold: String(threshold),
    });
  }
}

/** Confusion counts when predicting 1 for `score >= threshold` (default 0.5). */
export function confusionMatrix(labels: Labels, scores: Scores, threshold = 0.5): ConfusionMatrix {
  checkThreshold(threshold, 'confusion_matrix');
  const { y, s } = checkBinaryInput(labels, scores, 'confusion_matrix');
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  for (let i = 0; i < y.length; i++) {
    const predicted = s[i] >= threshold;
    if (y[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { tn, fp, fn, tp };
}

/** scikit-learn layout: rows = true class (0, 1), columns = predicted class (0, 1). */
export function toMatrix(cm: ConfusionMatrix): [[number, number], [number, number]] {
  return [
    [cm.tn, cm.fp],
    [cm.fn, cm.tp],
  ];
}

/** tp / (tp + fp); 0 when nothing is predicted positive. */
export function precisionFromCounts(cm: ConfusionMatrix): number {
  const d = cm.tp + cm.fp;
  return d === 0 ? 0 : cm.tp / d;
}

/** tp / (tp + fn); 0 when there are no positive labels. */
export function recallFromCounts(cm: ConfusionMatrix): number {
  const d = cm.tp + cm.fn;
  return d === 0 ? 0 : cm.tp / d;
}

/** Harmonic mean computed as scikit-learn does: 2·p·r / (p + r); 0 when p + r = 0. */
export function f1FromCounts(cm: ConfusionMatrix): number {
  const p = precisionFromCounts(cm);
  const r = recallFromCounts(cm);
  const denom = p + r;
  return denom === 0 ? 0 : (2 * p * r) / denom;
}

export function accuracyFromCounts(cm: ConfusionMatrix): number {
  const n = cm.tn + cm.fp + cm.fn + cm.tp;
  if (n === 0) throw new TrainSpamError('INVALID_DATA', 'accuracy: confusion matrix is empty; expected at least one sample');
  return (cm.tp + cm.tn) / n;
}

export function precision(labels: Labels, scores: Scores, threshold = 0.5): number {
  return precisionFromCounts(confusionMatrix(labels, scores, threshold));
}

export function recall(labels: Labels, scores: Scores, threshold = 0.5): number {
  return recallFromCounts(confusionMatrix(labels, scores, threshold));
}

export function f1Score(labels: Labels, scores: Scores, threshold = 0.5): number {
  return f1FromCounts(confusionMatrix(labels, scores, threshold));
}

export function accuracy(labels: Labels, scores: Scores, threshold = 0.5): number {
  return accuracyFromCounts(confusionMatrix(labels, scores, threshold));
}

/** All threshold metrics from one pass over the data. */
export function thresholdMetrics(labels: Labels, scores: Scores, threshold = 0.5): ThresholdMetrics {
  const confusion = confusionMatrix(labels, scores, threshold);
  return {
    threshold,
    confusion,
    precision: precisionFromCounts(confusion),
    recall: recallFromCounts(confusion),
    f1: f1FromCounts(confusion),
    accuracy: accuracyFromCounts(confusion),
  };
}
