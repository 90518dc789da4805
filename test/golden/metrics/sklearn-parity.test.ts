/**
 * Parity with scikit-learn 1.2.1 on ../shared/fixtures/sklearn/metrics.json (1e-9 absolute where
 * the value is exact) and with reference.json (calibration_curve, numpy.percentile) made by
 * make-reference.py in this folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  averagePrecision,
  brierScore,
  calibrationCurve,
  confusionMatrix,
  evaluateBinary,
  f1Score,
  logLoss,
  percentile,
  precision,
  precisionRecallCurve,
  recall,
  rocAuc,
  rocCurve,
  toMatrix,
} from '../../../src/metrics/index.js';
import { TrainSpamError } from '../../../src/core/errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixturePath = path.resolve(here, '../../../../shared/fixtures/sklearn/metrics.json');

interface Case {
  name: string;
  y_true: number[];
  score: number[];
  threshold: number;
  confusion_matrix: number[][];
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  roc_auc?: number;
  average_precision?: number;
  roc_curve?: { fpr: number[]; tpr: number[]; thresholds: number[] };
  pr_curve?: { precision: number[]; recall: number[]; thresholds: number[] };
  log_loss?: number;
  brier?: number;
}
const cases: Case[] = JSON.parse(readFileSync(fixturePath, 'utf8')).cases;
const reference = JSON.parse(readFileSync(path.join(here, 'reference.json'), 'utf8')) as {
  calibration: Array<{ case: string; n_bins: number; prob_true: number[]; prob_pred: number[]; y_true?: number[]; score?: number[] }>;
  percentile: Array<{ values: number[]; q: number[]; expected: number[] }>;
};

const TOL = 1e-9;
function expectArrayClose(actual: number[], expected: number[], tol = TOL): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    // A non-finite expected value (none in the fixtures today; e.g. newer scikit-learn's inf first
    // ROC threshold) must be matched exactly; otherwise the difference must be a number <= tol, so
    // a NaN or infinite result fails (Math.abs(NaN - x) > tol would be false).
    const ok = Number.isFinite(expected[i]) ? Math.abs(actual[i] - expected[i]) <= tol : Object.is(actual[i], expected[i]);
    if (!ok) throw new Error(`index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('fixture sanity', () => {
  it('has the expected cases', () => {
    expect(cases.map((c) => c.name)).toEqual(
      expect.arrayContaining(['random-continuous', 'heavy-ties', 'perfect', 'inverted', 'constant-score', 'all-predicted-negative', 'single-class', 'imbalanced']),
    );
  });
});

describe.each(cases.map((c) => [c.name, c] as const))('scikit-learn parity: %s', (_name, c) => {
  const y = Uint8Array.from(c.y_true);
  const s = Float64Array.from(c.score);

  it('confusion matrix, precision, recall, F1, accuracy', () => {
    expect(toMatrix(confusionMatrix(y, s, c.threshold))).toEqual(c.confusion_matrix);
    expect(precision(c.y_true, c.score, c.threshold)).toBeCloseTo(c.precision, 12);
    expect(recall(y, s, c.threshold)).toBeCloseTo(c.recall, 12);
    expect(f1Score(y, s, c.threshold)).toBeCloseTo(c.f1, 12);
    expect(accuracy(y, s, c.threshold)).toBeCloseTo(c.accuracy, 12);
  });

  if (c.roc_auc === undefined) {
    it('ROC AUC and average precision throw a clear error (single class)', () => {
      expect(() => rocAuc(y, s)).toThrow(TrainSpamError);
      expect(() => rocAuc(y, s)).toThrow(/only class 1/);
      expect(() => averagePrecision(y, s)).toThrow(/undefined/);
      expect(() => rocCurve(y, s)).toThrow(TrainSpamError);
      expect(() => evaluateBinary(y, s)).toThrow(TrainSpamError);
    });
    return;
  }

  it('ROC AUC and average precision', () => {
    expect(Math.abs(rocAuc(y, s) - c.roc_auc!)).toBeLessThan(TOL);
    expect(Math.abs(averagePrecision(c.y_true, c.score) - c.average_precision!)).toBeLessThan(TOL);
  });

  it('ROC curve (drop_intermediate) and PR curve with thresholds', () => {
    const roc = rocCurve(y, s);
    expectArrayClose(roc.fpr, c.roc_curve!.fpr);
    expectArrayClose(roc.tpr, c.roc_curve!.tpr);
    expectArrayClose(roc.thresholds, c.roc_curve!.thresholds);
    const pr = precisionRecallCurve(y, s);
    expectArrayClose(pr.precision, c.pr_curve!.precision);
    expectArrayClose(pr.recall, c.pr_curve!.recall);
    expectArrayClose(pr.thresholds, c.pr_curve!.thresholds);
  });

  it('log loss and Brier score', () => {
    expect(Math.abs(logLoss(y, s) - c.log_loss!)).toBeLessThan(TOL);
    expect(Math.abs(brierScore(y, s) - c.brier!)).toBeLessThan(TOL);
  });

  it('evaluateBinary agrees with the single metrics', () => {
    const e = evaluateBinary(y, s, { threshold: c.threshold });
    expect(e.confusionMatrix).toEqual(c.confusion_matrix);
    expect(Math.abs(e.rocAuc - c.roc_auc!)).toBeLessThan(TOL);
    expect(Math.abs(e.averagePrecision - c.average_precision!)).toBeLessThan(TOL);
    expect(Math.abs(e.logLoss - c.log_loss!)).toBeLessThan(TOL);
    expect(e.rocCurve.fpr.length).toBe(c.roc_curve!.fpr.length);
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });
});

describe('calibration curve parity (sklearn.calibration.calibration_curve, uniform)', () => {
  for (const ref of reference.calibration) {
    it(`${ref.case}, ${ref.n_bins} bins`, () => {
      const c = ref.y_true ? { y_true: ref.y_true, score: ref.score! } : cases.find((k) => k.name === ref.case)!;
      const curve = calibrationCurve(c.y_true, c.score, ref.n_bins);
      expectArrayClose(curve.bins.map((b) => b.fractionPositive), ref.prob_true);
      expectArrayClose(curve.bins.map((b) => b.meanPredicted), ref.prob_pred);
      expect(curve.bins.reduce((a, b) => a + b.count, 0)).toBe(c.y_true.length);
    });
  }
});

describe('percentile parity (numpy.percentile, linear)', () => {
  for (const ref of reference.percentile) {
    it(`n = ${ref.values.length}`, () => {
      expectArrayClose(ref.q.map((q) => percentile(ref.values, q)), ref.expected, 1e-12);
    });
  }
});
