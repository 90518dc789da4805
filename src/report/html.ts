/**
 * One self-contained HTML file: inline CSS, plots as SVG data URIs (an <img> each, so the ids
 * inside different SVGs cannot clash), no scripts, no external requests (a CSP meta tag forbids
 * them). Every string from ReportData is HTML-escaped.
 */
import { formatThreshold, tableValue } from '../core/format.js';
import type { ReportData, ReportGate, ReportScalar } from './report-data.js';

/** Escapes & < > " ' for element text and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

/** Integers as is, other finite numbers with 4 decimals (or 4 significant digits when tiny). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v)) return String(v);
  // 4 significant digits without trailing zeros: 1e-6 reads 0.000001, not 0.000001000
  if (Math.abs(v) < 1e-3) return String(Number(v.toPrecision(4)));
  return v.toFixed(4);
}

function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return formatNumber(ms);
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)} min`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

function keyValueTable(record: Readonly<Record<string, ReportScalar | unknown>>): string {
  const keys = Object.keys(record).sort();
  if (keys.length === 0) return '<p class="muted">none</p>';
  const rows = keys.map((k) => `<tr><th>${e(k)}</th><td><code>${e(scalar(record[k]))}</code></td></tr>`).join('');
  return `<table class="kv">${rows}</table>`;
}

function badge(passed: boolean): string {
  return passed ? '<span class="pass">✔ pass</span>' : '<span class="fail">✘ fail</span>';
}

function decisionSection(d: ReportData['decision']): string {
  const cls = d.outcome === 'promoted' ? 'ok' : d.outcome === 'error' ? 'err' : 'warn';
  const model = d.modelName ? `<p>Model: <code>${e(d.modelName)}</code>${d.modelVersion ? ` version <code>${e(d.modelVersion)}</code>` : ''}</p>` : '';
  const reasons = d.reasons.length ? `<ul>${d.reasons.map((r) => `<li>${e(r)}</li>`).join('')}</ul>` : '';
  return `<section id="decision" class="decision ${cls}"><h2>Decision: ${e(d.outcome.replace('_', ' '))}</h2><p class="headline">${e(d.headline)}</p>${model}${reasons}</section>`;
}

function metricsSection(columns: ReportData['metrics']): string {
  if (columns.length === 0) return '<section id="metrics"><h2>Metrics</h2><p class="muted">no metrics</p></section>';
  const names: string[] = [];
  for (const c of columns) for (const k of Object.keys(c.values)) if (!names.includes(k)) names.push(k);
  const head = `<tr><th>metric</th>${columns.map((c) => `<th>${e(c.label)}</th>`).join('')}</tr>`;
  const rows = names.map((n) => `<tr><th>${e(n)}</th>${columns.map((c) => `<td class="num">${e(formatNumber(c.values[n]))}</td>`).join('')}</tr>`);
  return `<section id="metrics"><h2>Metrics</h2><table class="grid">${head}${rows.join('')}</table></section>`;
}

function plotsSection(plots: ReportData['plots']): string {
  if (plots.length === 0) return '<section id="plots"><h2>Plots</h2><p class="muted">no plots</p></section>';
  const figs = plots.map((p) => {
    const uri = `data:image/svg+xml;base64,${Buffer.from(p.svg, 'utf8').toString('base64')}`;
    return `<figure><img alt="${e(p.title)}" src="${uri}"><figcaption>${e(p.title)}</figcaption></figure>`;
  });
  return `<section id="plots"><h2>Plots</h2><div class="plots">${figs.join('')}</div></section>`;
}

/** A gate's value as formatNumber shows it, with more digits when those would make a failed value read as its threshold. */
function formatGateValue(g: ReportGate): string {
  const v = g.value;
  if (v === null || v === undefined || g.threshold === null || g.threshold === undefined || !Number.isFinite(v) || Number.isInteger(v)) return formatNumber(v);
  return Number.isFinite(g.threshold) ? tableValue(v, g.comparator, g.threshold, g.passed) : formatNumber(v);
}

function gateRow(g: ReportGate): string {
  return `<tr class="${g.passed ? '' : 'failed'}"><th>${e(g.name)}</th><td class="num">${e(formatGateValue(g))}</td><td class="op">${e(g.comparator)}</td><td class="num">${e(g.threshold === null || g.threshold === undefined || !Number.isFinite(g.threshold) ? formatNumber(g.threshold) : formatThreshold(g.threshold))}</td><td>${badge(g.passed)}</td><td>${e(g.message)}</td></tr>`;
}

function gatesSection(gates: ReportData['gates']): string {
  if (!gates) return '<section id="gates"><h2>Validation gates</h2><p class="muted">gates were not evaluated</p></section>';
  const head = '<tr><th>gate</th><th>value</th><th></th><th>threshold</th><th>result</th><th>detail</th></tr>';
  return `<section id="gates"><h2>Validation gates ${badge(gates.passed)}</h2><table class="grid">${head}${gates.gates.map(gateRow).join('')}</table></section>`;
}

function comparisonSection(c: ReportData['comparison']): string {
  if (!c) return '<section id="comparison"><h2>Comparison with Staging</h2><p class="muted">comparison was not run</p></section>';
  const status = c.status === 'first_model' ? '<span class="pass">first model</span>' : badge(c.status === 'passed');
  const metricNames = Object.keys(c.deltas).sort();
  const staging = (c.staging ?? null) as Record<string, unknown> | null;
  const candidate = (c.candidate ?? null) as Record<string, unknown> | null;
  const head = '<tr><th>metric</th><th>candidate</th><th>staging</th><th>Δ (candidate − staging)</th></tr>';
  const rows = metricNames.map((m) => {
    const cand = candidate && typeof candidate[m] === 'number' ? (candidate[m] as number) : null;
    const stag = staging && typeof staging[m] === 'number' ? (staging[m] as number) : null;
    return `<tr><th>${e(m)}</th><td class="num">${e(formatNumber(cand))}</td><td class="num">${e(formatNumber(stag))}</td><td class="num">${e(formatNumber(c.deltas[m]))}</td></tr>`;
  });
  const version = staging && staging.version != null ? `<p>Staging version: <code>${e(String(staging.version))}</code></p>` : '';
  const reasons = c.reasons.length ? `<ul>${c.reasons.map((r) => `<li>${e(r)}</li>`).join('')}</ul>` : '';
  return `<section id="comparison"><h2>Comparison with Staging ${status}</h2>${version}${rows.length ? `<table class="grid">${head}${rows.join('')}</table>` : ''}${reasons}</section>`;
}

function timingsSection(data: ReportData): string {
  const total = data.timings.reduce((a, t) => a + t.durationMs, 0);
  const rows = data.timings.map(
    (t) => `<tr><th>${e(t.step)}</th><td class="num">${e(formatMs(t.durationMs))}</td><td>${e(t.status ?? '')}</td></tr>`,
  );
  const table = data.timings.length
    ? `<table class="grid"><tr><th>step</th><th>duration</th><th>status</th></tr>${rows.join('')}<tr><th>total</th><td class="num">${e(formatMs(total))}</td><td></td></tr></table>`
    : '<p class="muted">no timings</p>';
  const l = data.latency;
  const latency = !l
    ? ''
    : l.count === 0
      ? '<h3>Inference latency</h3><p class="muted">not measured: no e-mail was timed (a model whose test scores are not all finite is not timed)</p>'
      : `<h3>Inference latency (one e-mail at a time, n = ${e(String(l.count))})</h3><table class="grid"><tr><th>p50</th><th>p95</th><th>p99</th><th>mean</th><th>batch prediction (feature matrix)</th></tr><tr><td class="num">${e(formatMs(l.p50Ms))}</td><td class="num">${e(formatMs(l.p95Ms))}</td><td class="num">${e(formatMs(l.p99Ms))}</td><td class="num">${e(formatMs(l.meanMs))}</td><td class="num">${l.throughputPerSec == null || !Number.isFinite(l.throughputPerSec) ? e(formatNumber(l.throughputPerSec)) : e(`${Math.round(l.throughputPerSec)} rows/s`)}</td></tr></table>`;
  return `<section id="timings"><h2>Timings</h2>${table}${latency}</section>`;
}

const CSS = `
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:0 auto;max-width:1180px;padding:1.5rem;color:#222;background:#fafafa}
h1{font-size:1.6rem;margin:0 0 .2rem}h2{font-size:1.25rem;margin:0 0 .6rem}h3{font-size:1.05rem}
header p{margin:.1rem 0;color:#555}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem 1.2rem;margin:1rem 0}
.decision.ok{border-left:8px solid #2e7d32}.decision.warn{border-left:8px solid #e65100}.decision.err{border-left:8px solid #b71c1c}
.headline{font-size:1.1rem;font-weight:bold}
table{border-collapse:collapse;font-size:.92rem}
table.grid th,table.grid td,table.kv th,table.kv td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}
table.grid tr:first-child th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.op{text-align:center}
tr.failed{background:#fdecea}
.pass{color:#2e7d32;font-weight:bold}.fail{color:#b71c1c;font-weight:bold}.muted{color:#777}
.plots{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0;flex:1 1 360px;max-width:540px}figure img{width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555;text-align:center}
.columns{display:flex;flex-wrap:wrap;gap:1.5rem}.columns>div{flex:1 1 320px}
code{font-size:.88rem;word-break:break-all}
`;

/** Renders the whole report as one HTML document (UTF-8). */
export function renderHtmlReport(data: ReportData): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(data.title)}</title><style>${CSS}</style></head><body>`,
    `<header><h1>${e(data.title)}</h1><p>Run <code>${e(data.runId)}</code> · generated ${e(data.generatedAt)}</p></header>`,
    decisionSection(data.decision),
    metricsSection(data.metrics),
    plotsSection(data.plots),
    gatesSection(data.gates),
    comparisonSection(data.comparison),
    `<section id="summary"><h2>Model and data</h2><div class="columns"><div><h3>Model</h3>${keyValueTable(data.model)}</div><div><h3>Data</h3>${keyValueTable(data.data)}</div></div></section>`,
    `<section id="parameters"><h2>Parameters</h2>${keyValueTable(data.parameters)}</section>`,
    timingsSection(data),
    '</body></html>',
    '',
  ].join('\n');
}
