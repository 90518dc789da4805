/**
 * Text formatting of bench results: values with units, the ours | peer | ratio table (Markdown,
 * so it pastes into the README), the quality lines and the baseline comparison. Pure.
 */
import { cpuRatio, speedRatio } from './compare.mjs';

/** A number with a unit: seconds switch to ms / µs below 1 s / 1 ms; rates get k / M. */
export function formatValue(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (unit === 's') {
    if (v === 0) return '0 s';
    if (Math.abs(v) >= 1) return `${v.toFixed(v >= 100 ? 0 : 2)} s`;
    if (Math.abs(v) >= 1e-3) return `${(v * 1e3).toFixed(v >= 0.1 ? 0 : 1)} ms`;
    return `${(v * 1e6).toFixed(1)} µs`;
  }
  if (unit === 'ms') return v >= 100 ? `${v.toFixed(0)} ms` : v >= 1 ? `${v.toFixed(2)} ms` : `${(v * 1e3).toFixed(0)} µs`;
  if (unit.endsWith('/s')) {
    const base = unit.slice(0, -2);
    const n = Math.abs(v) >= 1e6 ? `${(v / 1e6).toFixed(2)} M` : Math.abs(v) >= 1e4 ? `${(v / 1e3).toFixed(0)} k` : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
    return `${n} ${base}/s`;
  }
  return `${Number(v.toPrecision(4))} ${unit}`.trim();
}

/** "median (min–max, n runs)". */
export function formatSummary(s, unit) {
  if (!s) return '—';
  if (s.runs <= 1) return `${formatValue(s.median, unit)} (1 run)`;
  return `${formatValue(s.median, unit)} (${formatValue(s.min, unit)}–${formatValue(s.max, unit)}, ${s.runs})`;
}

export function formatRatio(r) {
  if (r === null || r === undefined) return '—';
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function escapeCell(s) {
  return String(s).replace(/\|/g, '\\|');
}

/** Markdown table: columns as given, cells padded so the text stays readable in a terminal. */
export function markdownTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map(escapeCell));
  const widths = header.map((_, c) => Math.max(3, ...all.map((r) => r[c].length)));
  const line = (r) => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`;
  return [line(all[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...all.slice(1).map(line)].join('\n');
}

/** Note markers: 1 → "[1]". */
function marker(n) {
  return `[${n}]`;
}

/**
 * figure | ours | peer | ratio (peer/ours for times, ours/peer for rates: > 1 = we are faster) |
 * the same ratio on process CPU time where both sides measured it.
 */
export function formatFigureTable(figures) {
  let n = 0;
  const rows = figures.map((f) => [
    f.label + (f.note ? ` ${marker(++n)}` : ''),
    formatSummary(f.ours, f.unit),
    formatSummary(f.peer, f.unit),
    formatRatio(speedRatio(f)),
    formatRatio(cpuRatio(f)),
  ]);
  return markdownTable(['figure', 'ours: median (min–max, runs)', 'peer: median (min–max, runs)', 'ratio (>1 = ours faster)', 'CPU-time ratio'], rows);
}

/** The notes of figures that have one, numbered in table order. */
export function formatNotes(figures) {
  let n = 0;
  return figures.filter((f) => f.note).map((f) => `${marker(++n)} ${f.label}: ${f.note}`);
}

const q4 = (v) => (typeof v === 'number' ? v.toFixed(4) : 'n/a');

/** model quality of both sides: test F1 and AUC of the tuned model, and the F1 gap. */
export function formatQuality(quality) {
  const rows = [];
  for (const [side, label] of [['ours', 'ours'], ['peer', 'peer']]) {
    const q = quality?.[side];
    if (q) rows.push([label, q.best_model ?? 'n/a', q4(q.test_f1), q4(q.test_auc)]);
  }
  const o = quality?.ours?.test_f1;
  const p = quality?.peer?.test_f1;
  if (rows.length === 0) return 'n/a (no end-to-end run)';
  const table = markdownTable(['side', 'tuned model', 'test F1', 'test AUC'], rows);
  const gap = typeof o === 'number' && typeof p === 'number' ? `\nF1 ours − peer: ${(o - p >= 0 ? '+' : '') + (o - p).toFixed(4)}` : '';
  return table + gap + denseParity(quality?.peer?.dense_max_abs_diff);
}

/** The peer builds the 24 dense features itself (bench/peers/dense_features.py): are they ours? */
function denseParity(diff) {
  if (typeof diff !== 'number') return '';
  return diff === 0
    ? '\npeer\'s 24 dense features (built in Python): identical to ours'
    : `\nWARNING: the peer's 24 dense features differ from ours by up to ${diff} (the two sides did not train on the same features)`;
}

/** One line per compared figure, regressions first. */
export function formatComparison(cmp, baselineLabel = 'baseline') {
  if (!cmp.comparable) return `baseline comparison: skipped (${cmp.reason})`;
  const order = { regression: 0, improvement: 1, missing: 2, new: 3, ok: 4 };
  const rows = [...cmp.rows].sort((a, b) => order[a.status] - order[b.status] || a.id.localeCompare(b.id));
  const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
  const body = rows.map((r) => [
    r.label,
    formatValue(r.baseline, r.unit),
    formatValue(r.current, r.unit),
    r.change === null ? '—' : pct(r.change),
    r.corrected === null || r.corrected === undefined ? '—' : `${pct(r.corrected)} (${r.correctedBy === 'peer' ? 'vs peer' : 'drift'})`,
    r.status === 'regression' && r.overlap ? 'regression? (ranges overlap)' : r.status,
  ]);
  const n = cmp.rows.filter((r) => r.status === 'regression').length;
  const drift = cmp.drift
    ? `machine drift: the peer's figures were ${pct(cmp.drift.change)} against the baseline (median of ${cmp.drift.figures}); statuses judge the corrected change`
    : cmp.peer && !cmp.peer.comparable
      ? `machine drift: not corrected (${cmp.peer.reason}); statuses judge the raw change, which includes the machine's drift`
      : 'machine drift: unknown (fewer than 3 figures with a peer in both runs); statuses judge the raw change';
  return `${markdownTable(['figure', baselineLabel, 'now', 'slower by', 'corrected', 'status'], body)}\n${drift}\n${n ? `${n} regression(s) > 10 %` : 'no regression > 10 %'}`;
}
