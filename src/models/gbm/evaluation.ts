/**
 * Small, allocation-light metrics used inside training loops (iteration reports, early stopping).
 * The full, validated metric suite lives in `metrics/`; models sit on the same layer and do not
 * import it, so these two helpers are kept here (shared by the GBM and the logistic model).
 */

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
 * ROC AUC with ties counted one half (Mann-Whitney U). Returns NaN when a class is missing, so
 * callers can leave the metric out of a report (reports carry only finite numbers).
 */
export function rocAuc(y: Uint8Array, score: Float64Array): number {
  const n = y.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i];
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    const v = score[idx[i]];
    while (j < n && score[idx[j]] === v) j++;
    const avgRank = (i + 1 + j) / 2;
    let pos = 0;
    for (let k = i; k < j; k++) pos += y[idx[k]];
    rankSum += pos * avgRank;
    i = j;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
