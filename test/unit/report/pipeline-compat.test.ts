/** GateReport and ComparisonResult from the pipeline fit ReportData as they are (type + render check). */
import { describe, expect, it } from 'vitest';
import { compareWithStaging } from '../../../src/pipeline/comparison.js';
import { evaluateGates } from '../../../src/pipeline/gates.js';
import { renderHtmlReport } from '../../../src/report/html.js';
import type { ReportData } from '../../../src/report/report-data.js';

describe('report accepts pipeline results unchanged', () => {
  it('renders gate rows and comparison deltas', () => {
    const gates = evaluateGates({
      metrics: { f1: 0.9, rocAuc: 0.95, precision: 0.9, recall: 0.9 },
      latencyP99Ms: 12,
      scores: [0.1, 0.9],
      trainTestOverlap: 0,
      baseline: { metric: 'f1', baselineValue: 0.5, candidateValue: 0.9 },
    });
    const comparison = compareWithStaging({ candidate: { f1: 0.9, auc: 0.95 }, staging: { version: '7', f1: 0.88, auc: 0.96 } });
    const data: ReportData = {
      title: 't',
      runId: 'r',
      generatedAt: 'now',
      decision: { outcome: 'rejected', headline: 'latency gate failed', reasons: [] },
      metrics: [],
      plots: [],
      gates,
      comparison,
      model: {},
      data: {},
      parameters: {},
      timings: [],
    };
    const html = renderHtmlReport(data);
    expect(html).toContain('inference_time_p99_ms');
    expect(html.match(/<tr class="failed">/g)).toHaveLength(1);
    expect(html).toContain('Staging version: <code>7</code>');
    expect(html).toContain('-0.0100');
  });
});
