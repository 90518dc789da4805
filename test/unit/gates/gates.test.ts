import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import { f1FromCounts, precisionFromCounts, recallFromCounts } from '../../../src/metrics/classification.js';
import { DEFAULT_GATE_THRESHOLDS, evaluateGates, formatThreshold, resolveGateThresholds, type GateInput } from '../../../src/pipeline/gates.js';

const GATE_NAMES = [
  'f1',
  'roc_auc',
  'precision',
  'recall',
  'inference_time_p99_ms',
  'no_nan_scores',
  'predictions_not_constant',
  'both_classes_predicted',
  'no_train_test_overlap',
  'baseline_beaten',
];

function passing(): GateInput {
  return {
    metrics: { f1: 0.95, rocAuc: 0.98, precision: 0.94, recall: 0.96 },
    latencyP99Ms: 2.5,
    scores: Float64Array.from([0.1, 0.9, 0.2, 0.8, 0.7]),
    trainTestOverlap: 0,
    baseline: { metric: 'f1', baselineValue: 0.7, candidateValue: 0.95 },
  };
}

function failedNames(input: GateInput): string[] {
  return evaluateGates(input).gates.filter((g) => !g.passed).map((g) => g.name);
}

describe('evaluateGates', () => {
  it('defaults are the documented seed thresholds', () => {
    expect(DEFAULT_GATE_THRESHOLDS).toEqual({ f1Threshold: 0.85, minAucRoc: 0.9, minPrecision: 0.8, minRecall: 0.8, maxInferenceTimeMs: 10 });
  });

  it('a good candidate passes every gate, all gates listed with value, threshold, comparator', () => {
    const r = evaluateGates(passing());
    expect(r.passed).toBe(true);
    expect(r.gates.map((g) => g.name)).toEqual(GATE_NAMES);
    expect(r.gates.find((g) => g.name === 'f1')).toMatchObject({ value: 0.95, threshold: 0.85, comparator: '>=', passed: true });
    expect(r.gates.find((g) => g.name === 'inference_time_p99_ms')).toMatchObject({ value: 2.5, threshold: 10, comparator: '<=' });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  const single: Array<[string, (i: GateInput) => GateInput]> = [
    ['f1', (i) => ({ ...i, metrics: { ...i.metrics, f1: 0.8499 } })],
    ['roc_auc', (i) => ({ ...i, metrics: { ...i.metrics, rocAuc: 0.89 } })],
    ['precision', (i) => ({ ...i, metrics: { ...i.metrics, precision: 0.79 } })],
    ['recall', (i) => ({ ...i, metrics: { ...i.metrics, recall: 0.7999 } })],
    ['inference_time_p99_ms', (i) => ({ ...i, latencyP99Ms: 10.01 })],
    ['no_nan_scores', (i) => ({ ...i, scores: [0.1, 0.9, NaN, 0.8] })],
    ['predictions_not_constant', (i) => ({ ...i, scores: [0.4999999, 0.5000001, 0.5] })],
    ['both_classes_predicted', (i) => ({ ...i, scores: [0.6, 0.7, 0.9] })],
    ['no_train_test_overlap', (i) => ({ ...i, trainTestOverlap: 3 })],
    ['baseline_beaten', (i) => ({ ...i, baseline: { metric: 'f1', baselineValue: 0.95, candidateValue: 0.95 } })],
  ];

  it.each(single)('gate %s can fail alone', (name, mutate) => {
    const input = mutate(passing());
    expect(failedNames(input)).toEqual([name]);
    const report = evaluateGates(input);
    expect(report.passed).toBe(false);
    expect(report.gates.find((g) => g.name === name)!.message).toMatch(/FAILED|not a finite/);
  });

  it('exactly constant scores fail the spread gate (and, necessarily, both_classes_predicted)', () => {
    const r = evaluateGates({ ...passing(), scores: [0.4, 0.4] });
    expect(r.gates.find((g) => g.name === 'predictions_not_constant')).toMatchObject({ value: 0, passed: false });
    expect(failedNames({ ...passing(), scores: [0.4, 0.4] })).toEqual(['predictions_not_constant', 'both_classes_predicted']);
  });

  it('thresholds are inclusive (value equal to threshold passes) except the strict ones', () => {
    const i = passing();
    const r = evaluateGates({ ...i, metrics: { f1: 0.85, rocAuc: 0.9, precision: 0.8, recall: 0.8 }, latencyP99Ms: 10 });
    expect(r.passed).toBe(true);
  });

  it('an F1 exactly at the threshold passes although 2pr/(p+r) rounds it an ulp below', () => {
    // tp 51, fp 1, fn 17: F1 = 102/120 = 0.85 exactly, computed (as scikit-learn does) as 0.8499999999999999
    const cm = { tp: 51, fp: 1, fn: 17, tn: 100 };
    const f1 = f1FromCounts(cm);
    expect(f1).toBeLessThan(0.85);
    const metrics = { f1, rocAuc: 0.98, precision: precisionFromCounts(cm), recall: recallFromCounts(cm) };
    const r = evaluateGates({ ...passing(), metrics, baseline: { metric: 'f1', baselineValue: 0.7, candidateValue: f1 } }, { ...DEFAULT_GATE_THRESHOLDS, minRecall: 0.75 });
    expect(r.gates.find((g) => g.name === 'f1')).toMatchObject({ passed: true, threshold: 0.85 });
    expect(r.passed).toBe(true);
    // a real shortfall still fails, however small next to the printed 4 decimals
    expect(evaluateGates({ ...passing(), metrics: { ...metrics, f1: 0.85 - 1e-9 } }).gates.find((g) => g.name === 'f1')!.passed).toBe(false);
    expect(evaluateGates({ ...passing(), latencyP99Ms: 10 + 1e-9 }).gates.find((g) => g.name === 'inference_time_p99_ms')!.passed).toBe(false);
  });

  it('a candidate whose F1 equals the baseline\'s does not beat it because of rounding', () => {
    // both F1 = 1/3 exactly; computed 0.3333333333333333 (baseline) and 0.33333333333333337 (candidate)
    const baselineValue = f1FromCounts({ tp: 1, fp: 1, fn: 3, tn: 5 });
    const candidateValue = f1FromCounts({ tp: 1, fp: 0, fn: 4, tn: 5 });
    expect(candidateValue).toBeGreaterThan(baselineValue);
    const g = evaluateGates({ ...passing(), baseline: { metric: 'f1', baselineValue, candidateValue } }).gates.find((x) => x.name === 'baseline_beaten')!;
    expect(g.passed).toBe(false);
    expect(evaluateGates({ ...passing(), baseline: { metric: 'f1', baselineValue, candidateValue: baselineValue + 1e-9 } }).gates.find((x) => x.name === 'baseline_beaten')!.passed).toBe(true);
  });

  it('messages show a computed threshold (the baseline\'s F1) to 6 significant digits, a given one as given', () => {
    const g = evaluateGates({ ...passing(), baseline: { metric: 'f1', baselineValue: 44 / 49, candidateValue: 0.85 } }).gates.find((x) => x.name === 'baseline_beaten')!;
    expect(g.message).toBe('candidate f1 0.8500 vs baseline 0.897959 (required > 0.897959): FAILED');
    expect(g.threshold).toBe(44 / 49); // the record keeps the exact value
    expect(evaluateGates(passing()).gates.find((x) => x.name === 'f1')!.message).toMatch(/\(required >= 0\.85\)$/);
    expect([0.85, 10, 1e-9, 0.5, 2 / 3, 123456.789].map(formatThreshold)).toEqual(['0.85', '10', '1e-9', '0.5', '0.666667', '123457']);
  });

  it('a value that fails by less than the shown digits gets more digits, so the message never reads as a pass', () => {
    const r = evaluateGates({ ...passing(), metrics: { ...passing().metrics, f1: 0.9708994708994708 }, latencyP99Ms: 0.44102 }, { ...DEFAULT_GATE_THRESHOLDS, f1Threshold: 0.9709, maxInferenceTimeMs: 0.441 });
    expect(r.gates.find((x) => x.name === 'f1')!.message).toBe('test F1 0.970899 (required >= 0.9709): FAILED');
    expect(r.gates.find((x) => x.name === 'inference_time_p99_ms')!.message).toBe('p99 inference time 0.44102 ms per e-mail (required <= 0.441): FAILED');
    // a pass within the rounding slack, and an ordinary value, keep the usual digits
    const ok = evaluateGates({ ...passing(), metrics: { ...passing().metrics, f1: 0.85 - 1e-13 } }, { ...DEFAULT_GATE_THRESHOLDS, f1Threshold: 0.85 });
    expect(ok.gates.find((x) => x.name === 'f1')!.message).toBe('test F1 0.8500 (required >= 0.85)');
  });

  it('a NaN metric fails its gate with value null and never passes', () => {
    const r = evaluateGates({ ...passing(), metrics: { ...passing().metrics, rocAuc: NaN } });
    const g = r.gates.find((x) => x.name === 'roc_auc')!;
    expect(g).toMatchObject({ value: null, passed: false });
    expect(g.message).toMatch(/not a finite number/);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('an unknown baseline value fails baseline_beaten with threshold null', () => {
    const r = evaluateGates({ ...passing(), baseline: { metric: 'f1', baselineValue: NaN, candidateValue: 0.9 } });
    expect(r.gates.find((g) => g.name === 'baseline_beaten')).toMatchObject({ threshold: null, passed: false });
  });

  it('empty score arrays fail the sanity gates instead of passing vacuously', () => {
    const failed = failedNames({ ...passing(), scores: [] });
    expect(failed).toEqual(['predictions_not_constant', 'both_classes_predicted']);
  });

  it('custom thresholds are applied and validated', () => {
    const t = resolveGateThresholds({ f1Threshold: 0.96 });
    expect(t.minAucRoc).toBe(0.9);
    expect(evaluateGates(passing(), t).gates.find((g) => g.name === 'f1')!.passed).toBe(false);
    expect(() => resolveGateThresholds({ minRecall: 1.2 })).toThrow(/min_recall is 1.2/);
    expect(() => resolveGateThresholds({ maxInferenceTimeMs: 0 })).toThrow(TrainSpamError);
    expect(() => evaluateGates(passing(), { ...DEFAULT_GATE_THRESHOLDS, minPrecision: NaN })).toThrow(/min_precision/);
  });
});
