/**
 * The binary logistic objective: gradients and hessians of the log loss with respect to the raw
 * margin, for the tree learner (which never sees the objective itself).
 */

/** 1 / (1 + e^-z), stable for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Margin (logit) of a probability. */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * g = w · (p − y), h = w · max(p (1 − p), 1e-16) with w = scalePosWeight for positives, 1 otherwise
 * (XGBoost's binary:logistic and scale_pos_weight).
 */
export function logisticGradients(margin: Float64Array, y: Uint8Array, scalePosWeight: number, grad: Float64Array, hess: Float64Array): void {
  const n = margin.length;
  for (let i = 0; i < n; i++) {
    const p = sigmoid(margin[i]);
    let h = p * (1 - p);
    if (h < 1e-16) h = 1e-16;
    if (y[i] === 1) {
      grad[i] = (p - 1) * scalePosWeight;
      hess[i] = h * scalePosWeight;
    } else {
      grad[i] = p;
      hess[i] = h;
    }
  }
}
