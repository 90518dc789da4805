/**
 * Ranking metrics: ROC curve, ROC AUC, precision-recall curve, average precision.
 *
 * Semantics follow scikit-learn 1.2.1 (the reference in ../shared/fixtures/sklearn/metrics.json):
 * - Tied scores form one threshold (one point on the curve); ROC AUC is the trapezoidal area, so a
 *   tie between a positive and a negative counts one half (scikit-learn's tie handling).
 * - `rocCurve` drops collinear intermediate points by default (`dropIntermediate`), keeping a point
 *   when the second difference of fps or tps is non-zero, and prepends the point (0, 0) with the
 *   threshold `thresholds[0] + 1` (scikit-learn 1.2; versions from 1.3 on use +Infinity there).
 * - `precisionRecallCurve` keeps every distinct threshold (scikit-learn 1.2 has no
 *   drop_intermediate for PR curves), ordered by increasing threshold, and ends with the point
 *   precision 1, recall 0 that has no threshold.
 * - `averagePrecision` is the uninterpolated step sum  Σ (R_k − R_{k−1}) · P_k.
 * - ROC AUC, ROC curve, PR curve and average precision need both classes: with one class they
 *   throw an INVALID_DATA TrainSpamError, where scikit-learn 1.2 differs by metric (roc_auc_score
 *   raises; roc_curve warns and returns NaN rates; average_precision_score with positives only
 *   returns 1.0 and with negatives only -0.0, with a warning): a number from one class would pass
 *   for a measurement.
 *
 * Speed: scores are split by class into two Float64Arrays and sorted with the native typed-array
 * sort (no comparator, no index permutation); one merge walk from the top yields the counts per
 * distinct threshold. 1e6 scores take well under a second.
 */
import { TrainSpamError } from '../core/errors.js';
import { checkBinaryInput, requireBothClasses, type BinaryInput, type Labels, type Scores } from './input.js';

/** Cumulative counts per distinct threshold, thresholds decreasing (scikit-learn's _binary_clf_curve). */
export interface ClfCurveCounts {
  readonly fps: Float64Array;
  readonly tps: Float64Array;
  readonly thresholds: Float64Array;
}

export interface RocCurve {
  readonly fpr: number[];
  readonly tpr: number[];
  readonly thresholds: number[];
}

export interface PrCurve {
  /** length = thresholds.length + 1; last entry is 1 */
  readonly precision: number[];
  /** length = thresholds.length + 1; decreasing, last entry is 0 */
  readonly recall: number[];
  /** increasing */
  readonly thresholds: number[];
}

function sortedByClass(input: BinaryInput): { pos: Float64Array; neg: Float64Array } {
  const pos = new Float64Array(input.nPos);
  const neg = new Float64Array(input.nNeg);
  let p = 0;
  let q = 0;
  const { y, s } = input;
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) pos[p++] = s[i];
    else neg[q++] = s[i];
  }
  pos.sort();
  neg.sort();
  return { pos, neg };
}

/** Walks distinct score values from the highest down, calling `visit(value, nPosAtValue, nNegAtValue)`. */
function walkDistinct(pos: Float64Array, neg: Float64Array, visit: (value: number, dp: number, dn: number) => void): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  while (i >= 0 || j >= 0) {
    let v: number;
    if (i < 0) v = neg[j];
    else if (j < 0) v = pos[i];
    else v = pos[i] > neg[j] ? pos[i] : neg[j];
    let dp = 0;
    let dn = 0;
    while (i >= 0 && pos[i] === v) {
      dp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      dn++;
      j--;
    }
    visit(v, dp, dn);
  }
}

function clfCurveFromInput(input: BinaryInput): ClfCurveCounts {
  const { pos, neg } = sortedByClass(input);
  const n = input.y.length;
  const fps = new Float64Array(n);
  const tps = new Float64Array(n);
  const thresholds = new Float64Array(n);
  let k = 0;
  let tp = 0;
  let fp = 0;
  walkDistinct(pos, neg, (v, dp, dn) => {
    tp += dp;
    fp += dn;
    fps[k] = fp;
    tps[k] = tp;
    thresholds[k] = v;
    k++;
  });
  return { fps: fps.slice(0, k), tps: tps.slice(0, k), thresholds: thresholds.slice(0, k) };
}

/** Cumulative false/true positives at each distinct score, scores decreasing. */
export function binaryClfCurve(labels: Labels, scores: Scores): ClfCurveCounts {
  return clfCurveFromInput(checkBinaryInput(labels, scores, 'binary_clf_curve'));
}

/** ROC AUC with ties counted one half (equals the trapezoidal area under `rocCurve`). */
export function rocAuc(labels: Labels, scores: Scores): number {
  const input = checkBinaryInput(labels, scores, 'roc_auc');
  requireBothClasses(input, 'roc_auc');
  const { pos, neg } = sortedByClass(input);
  // Σ over thresholds of dn · (2·tpBefore + dp) is an integer < 2^53 for any realistic n, so
  // the area is exact up to the final division.
  let tp = 0;
  let twiceArea = 0;
  walkDistinct(pos, neg, (_v, dp, dn) => {
    twiceArea += dn * (2 * tp + dp);
    tp += dp;
  });
  return twiceArea / (2 * input.nPos * input.nNeg);
}

export interface RocCurveOptions {
  /** Drop collinear points as scikit-learn does (default true). */
  readonly dropIntermediate?: boolean;
}

export function rocCurve(labels: Labels, scores: Scores, options: RocCurveOptions = {}): RocCurve {
  const input = checkBinaryInput(labels, scores, 'roc_curve');
  requireBothClasses(input, 'roc_curve');
  let { fps, tps, thresholds } = clfCurveFromInput(input);
  const m = fps.length;
  if ((options.dropIntermediate ?? true) && m > 2) {
    const keep: number[] = [0];
    for (let k = 1; k < m - 1; k++) {
      const d2f = fps[k + 1] - fps[k] - (fps[k] - fps[k - 1]);
      const d2t = tps[k + 1] - tps[k] - (tps[k] - tps[k - 1]);
      if (d2f !== 0 || d2t !== 0) keep.push(k);
    }
    keep.push(m - 1);
    fps = Float64Array.from(keep, (k) => fps[k]);
    tps = Float64Array.from(keep, (k) => tps[k]);
    thresholds = Float64Array.from(keep, (k) => thresholds[k]);
  }
  const fpTotal = fps[fps.length - 1];
  const tpTotal = tps[tps.length - 1];
  const fpr = [0];
  const tpr = [0];
  const th = [thresholds[0] + 1];
  for (let k = 0; k < fps.length; k++) {
    fpr.push(fps[k] / fpTotal);
    tpr.push(tps[k] / tpTotal);
    th.push(thresholds[k]);
  }
  return { fpr, tpr, thresholds: th };
}

/**
 * Precision-recall pairs for every distinct threshold (increasing thresholds). Needs at least one
 * positive label (recall is undefined otherwise); with no negatives, precision is 1 throughout.
 */
export function precisionRecallCurve(labels: Labels, scores: Scores): PrCurve {
  const input = checkBinaryInput(labels, scores, 'precision_recall_curve');
  if (input.nPos === 0) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `precision_recall_curve: labels contain no positive (class 1) sample (n=${input.y.length}); recall is undefined`,
      { metric: 'precision_recall_curve', nPositive: 0, nNegative: input.nNeg },
    );
  }
  const { fps, tps, thresholds } = clfCurveFromInput(input);
  const m = fps.length;
  const tpTotal = tps[m - 1];
  const precision: number[] = new Array(m + 1);
  const recall: number[] = new Array(m + 1);
  const th: number[] = new Array(m);
  for (let k = 0; k < m; k++) {
    const r = m - 1 - k;
    precision[k] = tps[r] / (tps[r] + fps[r]);
    recall[k] = tps[r] / tpTotal;
    th[k] = thresholds[r];
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds: th };
}

/** Uninterpolated average precision Σ (R_k − R_{k−1}) · P_k over thresholds, highest first. */
export function averagePrecision(labels: Labels, scores: Scores): number {
  const input = checkBinaryInput(labels, scores, 'average_precision');
  requireBothClasses(input, 'average_precision');
  const { fps, tps } = clfCurveFromInput(input);
  const tpTotal = tps[tps.length - 1];
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < fps.length; k++) {
    const r = tps[k] / tpTotal;
    ap += (r - prevRecall) * (tps[k] / (tps[k] + fps[k]));
    prevRecall = r;
  }
  return ap;
}
