/**
 * buildReportData (pipeline/report.ts) puts every metrics column on the same rows: the best HPO
 * trial's metrics name ROC AUC `auc`, shown in the roc_auc row beside the test metrics, not in a
 * row of its own with "–" in the roc_auc row.
 */
import { describe, expect, it } from 'vitest';
import { buildReportData, type RunRecord } from '../../../src/pipeline/report.js';

describe('buildReportData metrics', () => {
  it("the best HPO trial's auc is in the roc_auc row", () => {
    const best = { trial: 1, metrics: { f1: 0.97, auc: 0.998, precision: 0.96, recall: 0.98, log_loss: 0.07 } };
    const record = {
      runId: 'r1',
      startedAt: '2026-11-29T00:00:00Z',
      params: { model_name: 'spam-detector' },
      timings: [],
      tuned: { kind: 'logistic', params: {}, model: { iterations: 10 }, artifactDir: 'm', study: { trials: [best], best } },
    } as unknown as RunRecord;
    const data = buildReportData(record, '2026-11-29T00:00:00Z');
    const column = data.metrics.find((c) => c.label.startsWith('best HPO trial'))!;
    expect(column.values.roc_auc).toBe(0.998);
    expect(Object.keys(column.values)).not.toContain('auc');
    expect(column.values.f1).toBe(0.97);
    expect(column.values.log_loss).toBe(0.07);
  });
});
