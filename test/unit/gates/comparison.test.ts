import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import { compareWithStaging, DEFAULT_COMPARISON_THRESHOLDS } from '../../../src/pipeline/comparison.js';

const candidate = { f1: 0.93, auc: 0.97 };

describe('compareWithStaging', () => {
  it('no model in Staging → first_model, passes', () => {
    const r = compareWithStaging({ candidate, staging: null });
    expect(r).toMatchObject({ status: 'first_model', passed: true, deltas: { f1: null, auc: null }, staging: null });
    expect(r.reasons[0]).toMatch(/first model/);
  });

  it('a run without a registry says so instead of claiming a first model', () => {
    const r = compareWithStaging({ candidate, staging: null, registry: false });
    expect(r).toMatchObject({ status: 'first_model', passed: true, staging: null });
    expect(r.reasons).toEqual(['no model registry (run without tracking): not compared with a Staging model']);
  });

  it('better candidate passes with positive deltas', () => {
    const r = compareWithStaging({ candidate, staging: { version: '3', f1: 0.9, auc: 0.95 } });
    expect(r.status).toBe('passed');
    expect(r.deltas.f1).toBeCloseTo(0.03, 12);
    expect(r.deltas.auc).toBeCloseTo(0.02, 12);
    expect(r.staging).toEqual({ version: '3', f1: 0.9, auc: 0.95 });
  });

  it('equal candidate passes with zero deltas', () => {
    const r = compareWithStaging({ candidate, staging: { version: '3', ...candidate } });
    expect(r).toMatchObject({ status: 'passed', passed: true, deltas: { f1: 0, auc: 0 } });
  });

  it('a drop of exactly the allowed regression passes; a larger drop fails', () => {
    expect(compareWithStaging({ candidate: { f1: 0.85, auc: 0.9 }, staging: { version: '1', f1: 0.9, auc: 0.95 } }).status).toBe('passed');
    const r = compareWithStaging({ candidate: { f1: 0.84, auc: 0.97 }, staging: { version: '1', f1: 0.9, auc: 0.95 } });
    expect(r.status).toBe('failed');
    expect(r.passed).toBe(false);
    expect(r.reasons).toHaveLength(1);
    expect(r.reasons[0]).toMatch(/f1 drops by 0.0600/);
  });

  it('a drop just over the limit is shown with the digits that set it apart from the limit', () => {
    const r = compareWithStaging({ candidate: { f1: 0.90996, auc: 0.96 }, staging: { version: '1', f1: 0.96, auc: 0.96 } });
    expect(r.status).toBe('failed');
    expect(r.reasons[0]).toMatch(/^f1 drops by 0\.05004 \(candidate 0\.9100 vs Staging 0\.9600\); at most 0\.05 allowed$/);
    const ok = compareWithStaging({ candidate: { f1: 0.91001, auc: 0.96 }, staging: { version: '1', f1: 0.96, auc: 0.96 } });
    expect(ok.reasons[0]).toMatch(/^F1 -0\.0500 and AUC \+0\.0000 vs Staging version 1/);
  });

  it('worse AUC alone fails', () => {
    const r = compareWithStaging({ candidate: { f1: 0.93, auc: 0.9 }, staging: { version: '2', f1: 0.93, auc: 0.96 } });
    expect(r.status).toBe('failed');
    expect(r.reasons[0]).toMatch(/^auc drops/);
  });

  it('corrupt / unloadable staging artifact → failed with a clear reason, no throw', () => {
    const loadError = new TrainSpamError('FORMAT_ERROR', 'model artifact format version 9 is not supported (expected 1)').toJSON();
    const r = compareWithStaging({ candidate, staging: { loadError, version: '4' } });
    expect(r).toMatchObject({ status: 'failed', passed: false, deltas: { f1: null, auc: null }, staging: { version: '4', f1: null, auc: null } });
    expect(r.reasons[0]).toMatch(/version 4\) could not be loaded.*FORMAT_ERROR.*format version 9/);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('garbage loadError or NaN staging metrics still give a failed result, not an exception', () => {
    expect(compareWithStaging({ candidate, staging: { loadError: null as never } }).status).toBe('failed');
    const r = compareWithStaging({ candidate, staging: { version: '5', f1: NaN, auc: 0.9 } });
    expect(r.status).toBe('failed');
    expect(r.reasons[0]).toMatch(/Staging model f1 is NaN/);
  });

  it('a NaN candidate metric fails even without a staging model', () => {
    expect(compareWithStaging({ candidate: { f1: NaN, auc: 0.9 }, staging: null }).status).toBe('failed');
  });

  it('thresholds are validated and configurable', () => {
    expect(DEFAULT_COMPARISON_THRESHOLDS).toEqual({ maxF1Regression: 0.05, maxAucRegression: 0.05 });
    const staging = { version: '1', f1: 0.9, auc: 0.95 };
    expect(compareWithStaging({ candidate: { f1: 0.88, auc: 0.95 }, staging }, { maxF1Regression: 0.01, maxAucRegression: 0.05 }).status).toBe('failed');
    expect(() => compareWithStaging({ candidate, staging }, { maxF1Regression: -1, maxAucRegression: 0.05 })).toThrow(/max_f1_regression/);
  });

  it('records the test e-mails the Staging model was trained on: left out (excludedRows), or kept and said so (seenRows)', () => {
    const staging = { version: '3', f1: 0.9, auc: 0.95 };
    const left = compareWithStaging({ candidate: { f1: 0.91, auc: 0.95 }, staging: { ...staging, excludedRows: 40, seenRows: 40 } });
    expect(left.staging).toEqual({ version: '3', f1: 0.9, auc: 0.95, excludedRows: 40 });
    expect(left.reasons[0]).toMatch(/, without the 40 test e-mails the Staging model was trained on$/);
    const kept = compareWithStaging({ candidate: { f1: 0.91, auc: 0.95 }, staging: { ...staging, excludedRows: 0, seenRows: 48 } });
    expect(kept.staging).toEqual({ version: '3', f1: 0.9, auc: 0.95, seenRows: 48 });
    expect(kept.reasons[0]).toMatch(/, on every test e-mail although the Staging model was trained on 48 of them \(too few would be left without them\)$/);
    // a failed comparison says it too
    const failed = compareWithStaging({ candidate: { f1: 0.8, auc: 0.95 }, staging: { ...staging, excludedRows: 0, seenRows: 48 } });
    expect(failed.status).toBe('failed');
    expect(failed.reasons).toContain('the Staging model was trained on 48 of the test e-mails it was scored on (too few would be left without them): its figures are flattered');
    expect(compareWithStaging({ candidate: { f1: 0.91, auc: 0.95 }, staging }).staging).toEqual(staging);
  });
});
