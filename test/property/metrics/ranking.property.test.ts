/** Invariance properties of the ranking metrics over seeded random inputs (sklearn's metric tests style). */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { averagePrecision, brierScore, precisionRecallCurve, rocAuc, rocCurve } from '../../../src/metrics/index.js';

interface Sample {
  y: Uint8Array;
  s: Float64Array;
}

/** Random labels with both classes, scores with deliberate ties (rounded to `levels` values some of the time). */
function sample(rng: Rng): Sample {
  const n = rng.int(2, 300);
  const y = new Uint8Array(n);
  const s = new Float64Array(n);
  const levels = rng.choice([0, 3, 10, 1000]);
  for (let i = 0; i < n; i++) {
    y[i] = rng.next() < 0.4 ? 1 : 0;
    const raw = Math.min(1, Math.max(0, 0.5 + 0.25 * rng.normal() + (y[i] ? 0.1 : 0)));
    s[i] = levels === 0 ? raw : Math.round(raw * levels) / levels;
  }
  y[0] = 0;
  y[1] = 1;
  return { y, s };
}

/** O(n²) definition: P(score_pos > score_neg) + ½ P(tie). */
function pairwiseAuc({ y, s }: Sample): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      den++;
      num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return num / den;
}

function trapezoid(x: number[], yv: number[]): number {
  let a = 0;
  for (let i = 1; i < x.length; i++) a += ((x[i] - x[i - 1]) * (yv[i] + yv[i - 1])) / 2;
  return a;
}

const CASES = 200;

describe('ROC AUC properties', () => {
  it('equals the pairwise (Mann-Whitney) definition with ties counted one half', () => {
    const rng = new Rng(11);
    for (let k = 0; k < CASES; k++) {
      const smp = sample(rng);
      expect(Math.abs(rocAuc(smp.y, smp.s) - pairwiseAuc(smp))).toBeLessThan(1e-12);
    }
  });

  it('is unchanged by strictly increasing transforms of the scores', () => {
    const rng = new Rng(12);
    const transforms: Array<(v: number) => number> = [(v) => 3 * v - 7, (v) => Math.exp(5 * v), (v) => v ** 3 + v, (v) => 1 / (1 + Math.exp(-20 * (v - 0.5)))];
    for (let k = 0; k < CASES; k++) {
      const smp = sample(rng);
      const auc = rocAuc(smp.y, smp.s);
      for (const f of transforms) {
        expect(rocAuc(smp.y, smp.s.map(f))).toBeCloseTo(auc, 12);
      }
    }
  });

  it('AUC(1 − s) = 1 − AUC(s) and AUC with flipped labels = 1 − AUC', () => {
    const rng = new Rng(13);
    for (let k = 0; k < CASES; k++) {
      const smp = sample(rng);
      const auc = rocAuc(smp.y, smp.s);
      expect(rocAuc(smp.y, smp.s.map((v) => 1 - v))).toBeCloseTo(1 - auc, 12);
      expect(rocAuc(smp.y.map((v) => 1 - v), smp.s)).toBeCloseTo(1 - auc, 12);
    }
  });

  it('is invariant to the order of the samples', () => {
    const rng = new Rng(14);
    for (let k = 0; k < 50; k++) {
      const smp = sample(rng);
      const perm = rng.permutation(smp.y.length);
      const y2 = Uint8Array.from(perm, (i) => smp.y[i]);
      const s2 = Float64Array.from(perm, (i) => smp.s[i]);
      expect(rocAuc(y2, s2)).toBe(rocAuc(smp.y, smp.s));
      expect(averagePrecision(y2, s2)).toBe(averagePrecision(smp.y, smp.s));
    }
  });

  it('equals the trapezoidal area under rocCurve, with and without dropped points', () => {
    const rng = new Rng(15);
    for (let k = 0; k < CASES; k++) {
      const smp = sample(rng);
      const auc = rocAuc(smp.y, smp.s);
      const full = rocCurve(smp.y, smp.s, { dropIntermediate: false });
      const thin = rocCurve(smp.y, smp.s);
      expect(trapezoid(full.fpr, full.tpr)).toBeCloseTo(auc, 12);
      expect(trapezoid(thin.fpr, thin.tpr)).toBeCloseTo(auc, 12);
      expect(thin.fpr.length).toBeLessThanOrEqual(full.fpr.length);
    }
  });
});

describe('curve shape properties', () => {
  it('ROC: monotone non-decreasing from (0,0) to (1,1), thresholds decreasing', () => {
    const rng = new Rng(16);
    for (let k = 0; k < CASES; k++) {
      const { y, s } = sample(rng);
      const r = rocCurve(y, s);
      expect([r.fpr[0], r.tpr[0]]).toEqual([0, 0]);
      expect([r.fpr.at(-1), r.tpr.at(-1)]).toEqual([1, 1]);
      for (let i = 1; i < r.fpr.length; i++) {
        expect(r.fpr[i]).toBeGreaterThanOrEqual(r.fpr[i - 1]);
        expect(r.tpr[i]).toBeGreaterThanOrEqual(r.tpr[i - 1]);
        expect(r.thresholds[i]).toBeLessThan(r.thresholds[i - 1]);
      }
    }
  });

  it('PR: recall non-increasing to 0, precision in [0, 1], AP in [0, 1] and = step sum of the curve', () => {
    const rng = new Rng(17);
    for (let k = 0; k < CASES; k++) {
      const { y, s } = sample(rng);
      const pr = precisionRecallCurve(y, s);
      expect(pr.recall.at(-1)).toBe(0);
      expect(pr.precision.at(-1)).toBe(1);
      let step = 0;
      for (let i = 0; i < pr.thresholds.length; i++) {
        expect(pr.recall[i]).toBeGreaterThanOrEqual(pr.recall[i + 1]);
        expect(pr.precision[i]).toBeGreaterThanOrEqual(0);
        expect(pr.precision[i]).toBeLessThanOrEqual(1);
        step -= (pr.recall[i + 1] - pr.recall[i]) * pr.precision[i];
      }
      const ap = averagePrecision(y, s);
      expect(ap).toBeCloseTo(step, 12);
      expect(ap).toBeGreaterThanOrEqual(0);
      expect(ap).toBeLessThanOrEqual(1);
    }
  });

  it('Brier is 0 for perfect probabilities and 1 for perfectly wrong ones', () => {
    const rng = new Rng(18);
    const { y } = sample(rng);
    expect(brierScore(y, Float64Array.from(y))).toBe(0);
    expect(brierScore(y, Float64Array.from(y, (v) => 1 - v))).toBe(1);
  });
});
