/**
 * Builds a full report from the scikit-learn fixture case "random-continuous" and writes it to
 * <os.tmpdir()>/train-spam-report-test/report.html.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateBinary } from '../../../src/metrics/index.js';
import { escapeHtml, formatNumber, renderHtmlReport } from '../../../src/report/html.js';
import { writeHtmlFile } from '../../../src/report/files.js';
import { renderEvaluationPlots } from '../../../src/report/plots.js';
import type { ReportData } from '../../../src/report/report-data.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.resolve(here, '../../../../shared/fixtures/sklearn/metrics.json'), 'utf8'));
const c = fixture.cases.find((k: { name: string }) => k.name === 'random-continuous');
const OUT = path.join(os.tmpdir(), 'train-spam-report-test', 'report.html');
const EVIL = `<script>alert("x")</script> & 'quoted'`;

let data: ReportData;
let html: string;
beforeAll(async () => {
  const ev = evaluateBinary(c.y_true, c.score);
  const plots = await renderEvaluationPlots(ev, c.y_true, c.score);
  data = {
    title: 'train-spam run 2026-11-27',
    runId: 'run-42',
    generatedAt: '2026-11-27T04:40:00Z',
    decision: {
      outcome: 'rejected',
      headline: 'Not promoted: 2 gates failed',
      reasons: ['f1 0.7982 < 0.85', EVIL],
      modelName: 'spam-detector',
      modelVersion: null,
    },
    metrics: [
      { label: 'candidate (test)', values: { f1: ev.f1, roc_auc: ev.rocAuc, precision: ev.precision, recall: ev.recall, log_loss: ev.logLoss, brier: ev.brier } },
      { label: 'baseline (test)', values: { f1: 0.71, roc_auc: 0.8 } },
      { label: 'staging (test)', values: { f1: null, roc_auc: undefined } },
    ],
    plots,
    gates: {
      passed: false,
      gates: [
        { name: 'f1', value: ev.f1, threshold: 0.85, comparator: '>=', passed: false, message: 'test F1 0.7982 (required >= 0.85): FAILED' },
        { name: 'inference_time_p99_ms', value: 1.25, threshold: 10, comparator: '<=', passed: true, message: 'ok' },
        { name: EVIL, value: null, threshold: null, comparator: '>', passed: false, message: EVIL },
      ],
    },
    comparison: {
      status: 'failed',
      reasons: ['the Staging model (version 3) could not be loaded or scored: [FORMAT_ERROR] bad'],
      deltas: { f1: null, auc: null },
      staging: { version: '3', f1: null, auc: null },
      candidate: { f1: ev.f1, auc: ev.rocAuc },
    },
    model: { name: 'spam-detector', kind: 'logistic', features: 500, artifact: '/tmp/model.json' },
    data: { train: 1600, test: 400, spam_share: 0.486, source: EVIL },
    parameters: { C: 1, penalty: 'l2', grid: [0.1, 1, 10], nested: { a: EVIL } },
    timings: [
      { step: 'data_prep', durationMs: 1234.5, status: 'ok' },
      { step: 'hpo', durationMs: 65_000, status: 'ok' },
    ],
    latency: { count: 400, meanMs: 0.8, p50Ms: 0.7, p95Ms: 1.1, p99Ms: 1.25, throughputPerSec: 5321.7 },
  };
  html = renderHtmlReport(data);
  await writeHtmlFile(OUT, html);
});

describe('HTML report', () => {
  it('has every section', () => {
    for (const id of ['decision', 'metrics', 'plots', 'gates', 'comparison', 'summary', 'parameters', 'timings']) {
      expect(html).toContain(`<section id="${id}"`);
    }
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('escapes every string from the data (no injected markup survives)', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;');
    expect(html.match(/&lt;script&gt;/g)!.length).toBeGreaterThanOrEqual(5);
    expect(escapeHtml(`a<b>"c"&'d'`)).toBe('a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;');
  });

  it('is self-contained: plots inline as data URIs, no external URLs, no scripts', () => {
    expect(html.match(/<img [^>]*src="data:image\/svg\+xml;base64,/g)).toHaveLength(5);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<link /);
    expect(html).toContain("default-src 'none'");
    const first = /src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html)![1];
    expect(Buffer.from(first, 'base64').toString('utf8')).toBe(data.plots[0].svg);
  });

  it('shows metrics, gates, comparison, timings with formatted values', () => {
    expect(html).toContain(formatNumber(data.metrics[0].values.f1));
    expect(html).toContain('0.7982');
    expect(html).toContain('✘ fail');
    expect(html).toContain('FORMAT_ERROR');
    expect(html).toContain('1.1 min');
    expect(html).toContain('5322 rows/s');
    expect(html).toContain('<th>batch prediction (feature matrix)</th>');
    expect(html).toContain('Decision: rejected');
  });

  it('a gate that failed by less than 4 decimals shows the digits that set its value apart from the threshold', () => {
    const near = renderHtmlReport({
      ...data,
      gates: { passed: false, gates: [{ name: 'f1', value: 0.9708994708994708, threshold: 0.9709, comparator: '>=', passed: false, message: 'm' }] },
    });
    expect(near).toContain('<td class="num">0.970899</td><td class="op">&gt;=</td><td class="num">0.9709</td>');
    expect(html).toContain(`<td class="num">${formatNumber(data.gates!.gates[0].value)}</td>`); // an ordinary value keeps 4 decimals
  });

  it('formatNumber never prints NaN silently as a number', () => {
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(0.00001234)).toBe('0.00001234');
  });

  it('formatNumber writes a threshold below 0.001 without trailing zeros (1e-6 is 0.000001, not 0.000001000)', () => {
    expect(formatNumber(1e-6)).toBe('0.000001');
    expect(formatNumber(0.0005)).toBe('0.0005');
    expect(formatNumber(-2.5e-4)).toBe('-0.00025');
  });
});
