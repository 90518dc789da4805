/**
 * Probability metrics: log loss, Brier score, calibration curve. Scores must be probabilities in
 * [0, 1] (an INVALID_DATA error otherwise).
 *
 * Log loss follows scikit-learn 1.2.1 `log_loss(eps="auto")` for float64 input: p is clipped to
 * [eps, 1 − eps] with eps = 2^-52 (float64 machine epsilon), the pair (1 − p, p) is renormalised
 * to sum 1, and the mean of −log(probability of the true class) is returned. Unlike scikit-learn
 * (which cannot infer the label set from one class), a single-class input is fine here: the label
 * set is always {0, 1}.
 *
 * Calibration curve: `nBins` uniform bins over [0, 1] with edges i/nBins; a probability p goes to
 * the bin whose upper edge is the first interior edge ≥ p (scikit-learn's
 * `np.searchsorted(bins[1:-1], p)`), so a value on an interior edge belongs to the lower bin.
 * Empty bins are left out, as scikit-learn does.
 */
import { TrainSpamError } from '../core/errors.js';
import { checkBinaryInput, type Labels, type Scores } from './input.js';

/** float64 machine epsilon, numpy's np.finfo(np.float64).eps. */
export const FLOAT64_EPS = 2.220446049250313e-16;

export function logLoss(labels: Labels, probabilities: Scores, eps: number = FLOAT64_EPS): number {
  if (!(eps > 0 && eps < 0.5)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `log_loss: eps is ${eps}; expected 0 < eps < 0.5`, { eps });
  }
  const { y, s } = checkBinaryInput(labels, probabilities, 'log_loss', true);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const p1 = Math.min(Math.max(s[i], eps), 1 - eps);
    const p0 = 1 - p1;
    const sum = p0 + p1;
    total -= Math.log((y[i] === 1 ? p1 : p0) / sum);
  }
  return total / y.length;
}

/** Mean squared difference between the probability and the 0/1 label. */
export function brierScore(labels: Labels, probabilities: Scores): number {
  const { y, s } = checkBinaryInput(labels, probabilities, 'brier_score', true);
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i] - s[i];
    total += d * d;
  }
  return total / y.length;
}

export interface CalibrationBin {
  /** bin index in 0 .. nBins-1 */
  readonly index: number;
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** mean predicted probability in the bin (scikit-learn's prob_pred) */
  readonly meanPredicted: number;
  /** fraction of positive labels in the bin (scikit-learn's prob_true) */
  readonly fractionPositive: number;
}

export interface CalibrationCurve {
  readonly nBins: number;
  /** nBins + 1 edges, edges[i] = i / nBins */
  readonly edges: number[];
  /** non-empty bins only, in increasing order */
  readonly bins: CalibrationBin[];
}

export function calibrationCurve(labels: Labels, probabilities: Scores, nBins = 10): CalibrationCurve {
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new TrainSpamError('INVALID_ARGUMENT', `calibration_curve: nBins is ${nBins}; expected an integer ≥ 1`, { nBins });
  }
  const { y, s } = checkBinaryInput(labels, probabilities, 'calibration_curve', true);
  const step = 1 / nBins;
  const edges: number[] = [];
  for (let i = 0; i < nBins; i++) edges.push(i * step);
  edges.push(1);
  const sums = new Float64Array(nBins);
  const positives = new Float64Array(nBins);
  const counts = new Float64Array(nBins);
  for (let i = 0; i < y.length; i++) {
    const p = s[i];
    // number of interior edges strictly below p (searchsorted, side="left")
    let b = Math.min(nBins - 1, Math.max(0, Math.floor(p * nBins)));
    while (b > 0 && edges[b] >= p) b--;
    while (b < nBins - 1 && edges[b + 1] < p) b++;
    sums[b] += p;
    positives[b] += y[i];
    counts[b] += 1;
  }
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < nBins; b++) {
    if (counts[b] === 0) continue;
    bins.push({
      index: b,
      lower: edges[b],
      upper: edges[b + 1],
      count: counts[b],
      meanPredicted: sums[b] / counts[b],
      fractionPositive: positives[b] / counts[b],
    });
  }
  return { nBins, edges, bins };
}
