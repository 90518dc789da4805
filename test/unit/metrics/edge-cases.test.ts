import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import {
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
  summarizeLatency,
  thresholdMetrics,
} from '../../../src/metrics/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TrainSpamError ? e.code : 'not-a-TrainSpamError';
  }
  return undefined;
}

describe('input validation', () => {
  it('rejects NaN and infinite scores with the index in the message', () => {
    expect(() => rocAuc([0, 1], [0.1, NaN])).toThrow(/score at index 1 is NaN/);
    expect(() => confusionMatrix([0, 1], [Infinity, 0.2])).toThrow(/index 0/);
    expect(codeOf(() => brierScore([0, 1], [0.1, NaN]))).toBe('INVALID_DATA');
  });
  it('rejects labels other than 0/1', () => {
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/label at index 1 is 2; expected 0 or 1/);
    expect(() => f1Score([0, -1], [0.1, 0.2])).toThrow(TrainSpamError);
  });
  it('rejects length mismatch and empty input', () => {
    expect(() => rocAuc([0, 1, 1], [0.1, 0.2])).toThrow(/3 entries but scores has 2/);
    expect(codeOf(() => confusionMatrix([], []))).toBe('INVALID_DATA');
    expect(() => summarizeLatency([])).toThrow(/no durations/);
  });
  it('probabilities outside [0, 1] are rejected by probability metrics only', () => {
    expect(() => logLoss([0, 1], [-0.1, 0.5])).toThrow(/expected a value in \[0, 1\]/);
    expect(() => brierScore([0, 1], [0.5, 1.5])).toThrow(TrainSpamError);
    expect(() => calibrationCurve([0, 1], [0.5, 1.5])).toThrow(TrainSpamError);
    expect(rocAuc([0, 1], [-3, 7])).toBe(1);
  });
  it('rejects a NaN threshold and bad bin counts', () => {
    expect(codeOf(() => confusionMatrix([0, 1], [0.1, 0.2], NaN))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => calibrationCurve([0, 1], [0.1, 0.2], 0))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => percentile([1, 2], 101))).toBe('INVALID_ARGUMENT');
  });
});

describe('documented edge values (never NaN)', () => {
  it('nothing predicted positive: precision 0, recall 0, F1 0', () => {
    const m = thresholdMetrics([0, 1, 1], [0.1, 0.2, 0.3], 0.9);
    expect(m.confusion).toEqual({ tn: 1, fp: 0, fn: 2, tp: 0 });
    expect([m.precision, m.recall, m.f1]).toEqual([0, 0, 0]);
  });
  it('no positive labels: recall 0 and F1 0, precision defined', () => {
    expect(recall([0, 0], [0.9, 0.1])).toBe(0);
    expect(precision([0, 0], [0.9, 0.1])).toBe(0);
    expect(f1Score([0, 0], [0.9, 0.1])).toBe(0);
  });
  it('single class: ROC AUC, ROC curve, AP throw INVALID_DATA naming the class', () => {
    expect(() => rocAuc([0, 0, 0], [0.1, 0.2, 0.3])).toThrow(/only class 0/);
    expect(codeOf(() => rocCurve([1, 1], [0.1, 0.2]))).toBe('INVALID_DATA');
    expect(codeOf(() => averagePrecision([1, 1], [0.1, 0.2]))).toBe('INVALID_DATA');
    expect(() => precisionRecallCurve([0, 0], [0.1, 0.2])).toThrow(/no positive/);
  });
  it('single class: log loss, Brier and calibration are still defined', () => {
    expect(Number.isFinite(logLoss([1, 1], [0.9, 0.8]))).toBe(true);
    expect(logLoss([1, 1], [0.9, 0.8])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(brierScore([1, 1], [1, 1])).toBe(0);
    expect(calibrationCurve([1, 1], [0.95, 0.99]).bins).toHaveLength(1);
  });
  it('precision-recall curve with no negatives has precision 1 everywhere', () => {
    expect(precisionRecallCurve([1, 1], [0.2, 0.4]).precision).toEqual([1, 1, 1]);
  });
  it('constant scores: AUC 0.5, one ROC threshold, PR curve of one threshold', () => {
    const y = [0, 1, 1, 0, 1];
    const s = new Float64Array(5).fill(0.3);
    expect(rocAuc(y, s)).toBe(0.5);
    expect(rocCurve(y, s)).toEqual({ fpr: [0, 1], tpr: [0, 1], thresholds: [1.3, 0.3] });
    expect(precisionRecallCurve(y, s).thresholds).toEqual([0.3]);
    expect(averagePrecision(y, s)).toBeCloseTo(0.6, 15);
  });
  it('log loss clips 0 and 1 to eps = 2^-52 exactly as sklearn 1.2.1 log_loss does (finite)', () => {
    // reference values: /usr/bin/python3 -c "from sklearn.metrics import log_loss; print(log_loss([1,0],[0,1]))" etc.
    expect(logLoss([1, 0], [0, 1])).toBeCloseTo(36.04365338911715, 12);
    expect(logLoss([1, 0], [1, 0])).toBeCloseTo(2.2204460492503136e-16, 25);
    expect(logLoss([1, 0], [0, 1], 1e-15)).toBeCloseTo(34.53917619362578, 12);
    expect(codeOf(() => logLoss([1, 0], [0, 1], 0))).toBe('INVALID_ARGUMENT');
  });
  it('dropIntermediate false keeps every threshold', () => {
    const y = [0, 0, 0, 1, 1, 1];
    const s = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
    expect(rocCurve(y, s, { dropIntermediate: false }).fpr).toHaveLength(7);
    expect(rocCurve(y, s).fpr).toHaveLength(4);
  });
  it('-0 and +0 count as one tied score', () => {
    expect(rocAuc([0, 1], [-0, 0])).toBe(0.5);
    expect(rocCurve([0, 1, 0], [-0, 0, 1]).thresholds).toHaveLength(3);
  });
  it('evaluateBinary refuses scores outside [0, 1]', () => {
    expect(codeOf(() => evaluateBinary([0, 1], [0.2, 2]))).toBe('INVALID_DATA');
  });
});

describe('calibration binning', () => {
  it('interior edges belong to the lower bin; 0 and 1 to the end bins', () => {
    const c = calibrationCurve([0, 1, 0, 1], [0, 0.5, 0.5000001, 1], 2);
    expect(c.edges).toEqual([0, 0.5, 1]);
    expect(c.bins.map((b) => [b.index, b.count])).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });
});

describe('latency summary', () => {
  it('gives p50/p95/p99/mean by linear interpolation', () => {
    const d = Array.from({ length: 101 }, (_, i) => i); // 0..100
    const s = summarizeLatency(d);
    expect(s).toMatchObject({ count: 101, meanMs: 50, minMs: 0, maxMs: 100, p50Ms: 50, p95Ms: 95, p99Ms: 99 });
    expect(summarizeLatency([4]).p99Ms).toBe(4);
    expect(summarizeLatency(Float64Array.from([1, 3])).p50Ms).toBe(2);
  });
  it('rejects negative and NaN durations', () => {
    expect(() => summarizeLatency([1, -2])).toThrow(/index 1/);
    expect(() => summarizeLatency([NaN])).toThrow(TrainSpamError);
  });
  it('does not reorder the caller array', () => {
    const d = [3, 1, 2];
    summarizeLatency(d);
    expect(d).toEqual([3, 1, 2]);
  });
});
