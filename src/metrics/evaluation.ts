/**
 * All step-5 metrics for one set of labels and probabilities, as plain JSON-safe data.
 * Needs both classes in the labels (ROC AUC and average precision are undefined otherwise) and
 * probabilities in [0, 1]; throws an INVALID_DATA TrainSpamError otherwise.
 */
import { thresholdMetrics, toMatrix, type ConfusionMatrix } from './classification.js';
import { checkBinaryInput, requireBothClasses, type Labels, type Scores } from './input.js';
import { brierScore, calibrationCurve, logLoss, type CalibrationCurve } from './probabilistic.js';
import { averagePrecision, precisionRecallCurve, rocAuc, rocCurve, type PrCurve, type RocCurve } from './ranking.js';

export interface BinaryEvaluation {
  readonly n: number;
  readonly nPositive: number;
  readonly nNegative: number;
  readonly threshold: number;
  readonly confusion: ConfusionMatrix;
  /** scikit-learn layout [[tn, fp], [fn, tp]] */
  readonly confusionMatrix: [[number, number], [number, number]];
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly accuracy: number;
  readonly rocAuc: number;
  readonly averagePrecision: number;
  readonly logLoss: number;
  readonly brier: number;
  readonly rocCurve: RocCurve;
  readonly prCurve: PrCurve;
  readonly calibration: CalibrationCurve;
}

export interface EvaluationOptions {
  /** predict spam when score ≥ threshold (default 0.5) */
  readonly threshold?: number;
  /** uniform calibration bins (default 10) */
  readonly calibrationBins?: number;
}

export function evaluateBinary(labels: Labels, probabilities: Scores, options: EvaluationOptions = {}): BinaryEvaluation {
  const input = checkBinaryInput(labels, probabilities, 'evaluation', true);
  requireBothClasses(input, 'evaluation');
  const { y, s } = input;
  const t = thresholdMetrics(y, s, options.threshold ?? 0.5);
  return {
    n: y.length,
    nPositive: input.nPos,
    nNegative: input.nNeg,
    threshold: t.threshold,
    confusion: t.confusion,
    confusionMatrix: toMatrix(t.confusion),
    precision: t.precision,
    recall: t.recall,
    f1: t.f1,
    accuracy: t.accuracy,
    rocAuc: rocAuc(y, s),
    averagePrecision: averagePrecision(y, s),
    logLoss: logLoss(y, s),
    brier: brierScore(y, s),
    rocCurve: rocCurve(y, s),
    prCurve: precisionRecallCurve(y, s),
    calibration: calibrationCurve(y, s, options.calibrationBins ?? 10),
  };
}

/** How many scores are NaN or infinite. */
export function countNonFinite(scores: Scores): number {
  let n = 0;
  for (let i = 0; i < scores.length; i++) if (!Number.isFinite(scores[i])) n++;
  return n;
}

/**
 * The evaluation of scores that cannot be evaluated (some are NaN or infinite): the class counts,
 * every metric NaN, empty curves. The gates then fail it (no_nan_scores, and every metric gate as
 * "not a finite number") instead of the run failing on the metrics.
 */
export function unscoredEvaluation(labels: Labels, threshold = 0.5): BinaryEvaluation {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) pos++;
  return {
    n: labels.length,
    nPositive: pos,
    nNegative: labels.length - pos,
    threshold,
    confusion: { tn: 0, fp: 0, fn: 0, tp: 0 },
    confusionMatrix: [[0, 0], [0, 0]],
    precision: NaN,
    recall: NaN,
    f1: NaN,
    accuracy: NaN,
    rocAuc: NaN,
    averagePrecision: NaN,
    logLoss: NaN,
    brier: NaN,
    rocCurve: { fpr: [], tpr: [], thresholds: [] },
    prCurve: { precision: [], recall: [], thresholds: [] },
    calibration: { nBins: 0, edges: [], bins: [] },
  };
}
