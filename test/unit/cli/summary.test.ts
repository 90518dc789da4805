/**
 * The end-of-run summary on the terminal says what happened in every outcome: no "undefined" or
 * "null" where a Staging version is unknown, and thresholds below 0.001 are not rounded to 0.
 */
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../../src/cli/summary.js';
import type { ComparisonResult } from '../../../src/pipeline/comparison.js';
import type { GateReport } from '../../../src/pipeline/gates.js';
import type { RunRecord } from '../../../src/pipeline/report.js';
import type { PipelineRunResult } from '../../../src/pipeline/runner.js';

function result(extra: Partial<RunRecord>): PipelineRunResult {
  const record = { runId: 'r1', startedAt: '2026-11-29T00:00:00Z', params: { model_name: 'spam-detector' }, timings: [], ...extra } as unknown as RunRecord;
  return { exitCode: 2, runId: 'r1', outDir: 'runs/r1', reportPath: null, record };
}

function comparison(c: Partial<ComparisonResult>): ComparisonResult {
  return {
    status: 'failed',
    passed: false,
    reasons: ['why'],
    deltas: { f1: null, auc: null },
    candidate: { f1: 0.9, auc: 0.95 },
    staging: null,
    thresholds: { maxF1Regression: 0.05, maxAucRegression: 0.05 },
    ...c,
  } as ComparisonResult;
}

function comparisonLine(r: PipelineRunResult): string {
  return formatSummary(r).split('\n').find((l) => l.startsWith('comparison'))!;
}

describe('formatSummary', () => {
  it('a first model and a run without a registry read differently', () => {
    const first = comparison({ status: 'first_model', passed: true, reasons: ['no model in Staging: this is the first model'] });
    expect(comparisonLine(result({ comparison: first }))).toMatch(/PASS {2}no model in Staging: this is the first model$/);
    const none = comparison({ status: 'first_model', passed: true, reasons: ['no model registry (run without tracking): not compared with a Staging model'] });
    expect(comparisonLine(result({ comparison: none }))).toMatch(/PASS {2}no model registry \(run without tracking\): not compared with a Staging model$/);
  });

  it('a comparison that failed without a Staging model (candidate metrics NaN) names no "vundefined"', () => {
    const r = result({ comparison: comparison({ reasons: ['candidate f1 is NaN, not a finite number'], candidate: { f1: NaN, auc: NaN } }) });
    const line = comparisonLine(r);
    expect(line).not.toMatch(/undefined|null/);
    expect(line).toContain('FAIL');
    expect(line).toContain('not compared with a Staging model');
    expect(formatSummary(r)).toContain('candidate f1 is NaN, not a finite number');
  });

  it('a Staging model that could not be loaded is said so, without "vnull" when its version is unknown', () => {
    const loadError = { code: 'NOT_FOUND' as const, message: 'artifact missing' };
    const unknown = comparisonLine(result({ comparison: comparison({ staging: { version: null, f1: null, auc: null, loadError } }) }));
    expect(unknown).not.toMatch(/undefined|null/);
    expect(unknown).toContain('Staging (version unknown) could not be loaded or scored');
    const known = comparisonLine(result({ comparison: comparison({ staging: { version: '3', f1: null, auc: null, loadError } }) }));
    expect(known).toContain('Staging v3 could not be loaded or scored');
  });

  it('a passed or failed comparison shows the Staging version and the deltas', () => {
    const line = comparisonLine(result({ comparison: comparison({ deltas: { f1: -0.007, auc: 0.0166 }, staging: { version: '2', f1: 0.96, auc: 0.99 } }) }));
    expect(line).toContain('FAIL  vs Staging v2: ΔF1 -0.0070, ΔAUC +0.0166');
  });

  it('a run that failed before any result has one blank line between the log and the decision', () => {
    const text = formatSummary({ ...result({}), exitCode: 1 });
    expect(text.startsWith('decision: ')).toBe(true); // the caller writes the blank line before the summary
  });

  it('a gate threshold below 0.001 keeps its significant digits (predictions_not_constant > 1e-6, not > 0.0000)', () => {
    const gates: GateReport = {
      passed: true,
      gates: [{ name: 'predictions_not_constant', value: 0.9999, threshold: 1e-6, comparator: '>', passed: true, message: 'x' }],
    } as unknown as GateReport;
    const text = formatSummary(result({ gates }));
    const row = text.split('\n').find((l) => l.startsWith('predictions_not_constant'))!;
    expect(row).toContain('> 0.000001');
    expect(row).not.toContain('0.0000 ');
    expect(row).toContain('0.9999');
  });

  it('a failed gate or comparison never reads as a pass: its value gets the digits that set it apart from the rule', () => {
    const gates: GateReport = {
      passed: false,
      gates: [
        { name: 'f1', value: 0.9708994708994708, threshold: 0.9709, comparator: '>=', passed: false, message: 'x' },
        { name: 'inference_time_p99_ms', value: 0.44102, threshold: 0.441, comparator: '<=', passed: false, message: 'x' },
        { name: 'recall', value: 0.96831, threshold: 0.8, comparator: '>=', passed: true, message: 'x' },
        // the threshold is not rounded to 4 decimals: 0.89796 as 0.8980 would put a passing 0.89797 below it
        { name: 'baseline_beaten', value: 0.89797, threshold: 0.89796, comparator: '>', passed: true, message: 'x' },
      ],
    } as unknown as GateReport;
    const rows = formatSummary(result({ gates })).split('\n');
    expect(rows.find((l) => l.startsWith('f1 '))).toMatch(/^f1 +0\.970899 +>= 0\.9709 +FAIL$/);
    expect(rows.find((l) => l.startsWith('inference_time_p99_ms'))).toMatch(/ 0\.44102 +<= 0\.441 +FAIL$/);
    expect(rows.find((l) => l.startsWith('recall'))).toMatch(/ 0\.9683 +>= 0\.8 +PASS$/);
    expect(rows.find((l) => l.startsWith('baseline_beaten'))).toMatch(/ 0\.8980 +> 0\.89796 +PASS$/);
    // a drop of 0.05004 against 0.05 allowed: not "-0.0500"
    const line = comparisonLine(result({ comparison: comparison({ deltas: { f1: -0.05004, auc: 0.001 }, staging: { version: '2', f1: 0.96, auc: 0.99 } }) }));
    expect(line).toContain('ΔF1 -0.05004, ΔAUC +0.0010');
  });
});

