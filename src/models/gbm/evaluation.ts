/**
 * Metrics used inside training loops (iteration reports, early stopping), shared by the GBM and the
 * logistic model: log losses from probabilities or margins, and ROC AUC through the validated
 * suite in `metrics/` (a layer below), NaN where it is undefined so a report can leave it out.
 */
import { rocAuc as exactRocAuc } from '../../metrics/index.js';

/** Mean binary log loss of probabilities `p` against 0/1 labels, probabilities clipped to [1e-15, 1 - 1e-15]. */
export function meanLogLoss(y: Uint8Array, p: Float64Array): number {
  const n = y.length;
  return n === 0 ? 0 : sumLogLoss(y, p, n) / n;
}

/** Mean log loss computed from raw margins (logits), numerically stable for large |margin|. */
export function meanLogLossFromMargin(y: Uint8Array, margin: Float64Array): number {
  const n = y.length;
  return n === 0 ? 0 : sumLogLossFromMargin(y, margin, n) / n;
}

// The sums are loops of their own with nothing after them: V8 compiles a long first call's loop on
// stack and re-enters that code in later calls, and code after the loop it had no type feedback
// for (the mean's `n === 0`) sent every call back to the interpreter (126 times in one run).

function sumLogLoss(y: Uint8Array, p: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let q = p[i];
    if (q < 1e-15) q = 1e-15;
    else if (q > 1 - 1e-15) q = 1 - 1e-15;
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s;
}

function sumLogLossFromMargin(y: Uint8Array, margin: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const z = y[i] === 1 ? -margin[i] : margin[i];
    s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return s;
}

/**
 * ROC AUC with ties counted one half (Mann-Whitney U), metrics/'s `rocAuc`. NaN when a class is
 * missing or a score is not finite (a diverged model), where that one throws: callers leave the
 * metric out of a report (reports carry only finite numbers).
 */
export function rocAuc(y: Uint8Array, score: Float64Array): number {
  // lengths that differ are the caller's bug: metrics/ throws, naming both
  return score.length !== y.length || aucDefined(y, score) ? exactRocAuc(y, score) : NaN;
}

function aucDefined(y: Uint8Array, score: Float64Array): boolean {
  const n = y.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(score[i])) return false;
    nPos += y[i];
  }
  return nPos > 0 && nPos < n;
}
