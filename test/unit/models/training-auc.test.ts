/**
 * The ROC AUC of the GBM's and the logistic model's iteration reports (models/gbm/evaluation.ts),
 * now metrics/'s exact one behind a guard: the same value, bit for bit, as the rank-sum AUC it
 * replaced, and NaN (not an error) where a report must leave it out.
 */
import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../../src/models/gbm/evaluation.js';
import { rngFor } from '../../../src/core/random.js';

/** The former implementation: average ranks over a comparator sort, U from the positives' rank sum. */
function rankSumAuc(y: Uint8Array, score: Float64Array): number {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i];
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && score[idx[j]] === score[idx[i]]) j++;
    let pos = 0;
    for (let k = i; k < j; k++) pos += y[idx[k]];
    rankSum += (pos * (i + 1 + j)) / 2;
    i = j;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * (n - nPos));
}

describe('training-loop ROC AUC', () => {
  it('equals the rank-sum AUC bit for bit, ties and signed zeros included', () => {
    const rng = rngFor(11, 'training-auc');
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(rng.next() * 1500);
      const levels = trial % 3 === 0 ? 7 : 1e6; // every third case: heavy ties
      const y = new Uint8Array(n);
      const s = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = rng.next() < 0.3 ? 1 : 0;
        const v = Math.round((y[i] * 0.8 + rng.next() * 2 - 1) * levels) / levels;
        s[i] = v === 0 && rng.next() < 0.5 ? -0 : v;
      }
      y[0] = 1;
      y[1] = 0;
      expect(rocAuc(y, s), `case ${trial}, n ${n}`).toBe(rankSumAuc(y, s));
    }
  });

  it('is NaN where a report leaves it out: one class only, a score that is NaN or infinite', () => {
    const s = Float64Array.of(0.1, 0.4, 0.35, 0.8);
    expect(rocAuc(Uint8Array.of(1, 1, 1, 1), s)).toBeNaN();
    expect(rocAuc(Uint8Array.of(0, 0, 0, 0), s)).toBeNaN();
    expect(rocAuc(Uint8Array.of(0, 0, 1, 1), s)).toBe(0.75);
    expect(rocAuc(Uint8Array.of(0, 0, 1, 1), Float64Array.of(0.1, NaN, 0.35, 0.8))).toBeNaN();
    expect(rocAuc(Uint8Array.of(0, 0, 1, 1), Float64Array.of(0.1, 0.4, Infinity, 0.8))).toBeNaN();
  });

  it('throws on labels and scores of different lengths instead of hiding the caller bug', () => {
    expect(() => rocAuc(Uint8Array.of(0, 1, 1), Float64Array.of(0.1, 0.9))).toThrow(/labels has 3 entries but scores has 2/);
  });
});
