/** The end-of-run summary: gates table, comparison, decision, where the report is. */
import type { PipelineRunResult } from '../pipeline/runner.js';
import { formatThreshold, tableValue } from '../core/format.js';
import { formatDelta } from '../pipeline/comparison.js';
import { decisionOf } from '../pipeline/report.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Math.abs(v) >= 1000 || Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  // 4 significant digits below 0.001: the predictions_not_constant threshold 1e-6 is not "0.0000"
  return Math.abs(v) < 1e-3 ? String(Number(v.toPrecision(4))) : v.toFixed(4);
}

/** A gate's value, with the digits that keep its verdict against the threshold as shown. */
function gateValue(g: { value: number | null; threshold: number | null; comparator: string; passed: boolean }): string {
  const v = g.value;
  if (v === null || g.threshold === null || !Number.isFinite(v) || Number.isInteger(v) || Math.abs(v) >= 1000) return num(v);
  return tableValue(v, g.comparator, g.threshold, g.passed);
}

/** A difference with its sign (+0.0123, -0.0040), with the digits its verdict against the allowed drop needs. */
function signed(v: number | null | undefined, limit: number): string {
  return typeof v === 'number' && Number.isFinite(v) ? formatDelta(v, limit) : num(v);
}

/** What the comparison line says after PASS/FAIL. */
function comparisonText(cmp: NonNullable<PipelineRunResult['record']['comparison']>): string {
  // the reason says which: no model in Staging yet, or no registry at all (a run without tracking)
  if (cmp.status === 'first_model') return cmp.reasons.join('; ') || 'no model in Staging';
  const st = cmp.staging;
  // no Staging model scored (the candidate's own metrics were unusable): the reasons say why
  if (!st) return 'not compared with a Staging model';
  const which = st.version ? `Staging v${st.version}` : 'Staging (version unknown)';
  if (st.loadError) return `${which} could not be loaded or scored`;
  return `vs ${which}: ΔF1 ${signed(cmp.deltas.f1, cmp.thresholds.maxF1Regression)}, ΔAUC ${signed(cmp.deltas.auc, cmp.thresholds.maxAucRegression)}`;
}

export function formatSummary(r: PipelineRunResult): string {
  const rec = r.record;
  const lines: string[] = [];
  if (rec.evaluation) {
    const c = rec.evaluation.candidate;
    lines.push(`model: ${rec.tuned?.kind ?? '?'}  test F1 ${c.f1.toFixed(4)}  AUC ${c.rocAuc.toFixed(4)}  precision ${c.precision.toFixed(4)}  recall ${c.recall.toFixed(4)}`);
  }
  if (rec.gates) {
    lines.push('');
    lines.push(`${pad('gate', 28)} ${pad('value', 10)} ${pad('rule', 14)} result`);
    lines.push(`${'-'.repeat(28)} ${'-'.repeat(10)} ${'-'.repeat(14)} ------`);
    for (const g of rec.gates.gates) {
      lines.push(`${pad(g.name, 28)} ${pad(gateValue(g), 10)} ${pad(`${g.comparator} ${g.threshold === null ? num(g.threshold) : formatThreshold(g.threshold)}`, 14)} ${g.passed ? 'PASS' : 'FAIL'}`);
    }
  }
  if (rec.comparison) {
    const cmp = rec.comparison;
    lines.push(`${pad('comparison', 28)} ${cmp.passed ? 'PASS' : 'FAIL'}  ${comparisonText(cmp)}`);
  }
  const dec = decisionOf(rec);
  if (lines.length) lines.push(''); // the caller's blank line already separates an empty summary from the log
  lines.push(`decision: ${dec.headline}`);
  for (const why of dec.reasons) if (dec.outcome !== 'promoted') lines.push(`  - ${why}`);
  const timings = rec.timings.map((t) => `${t.step} ${(t.durationMs / 1000).toFixed(2)}s`).join(', ');
  if (timings) lines.push(`timings: ${timings} (total ${(rec.timings.reduce((s, t) => s + t.durationMs, 0) / 1000).toFixed(2)}s)`);
  if (r.reportPath) lines.push(`report: ${r.reportPath}`);
  if (r.trackingError) lines.push(`tracking: ${r.trackingError}`);
  if (r.reportError) lines.push(`report: ${r.reportError}`);
  lines.push(`exit code: ${r.exitCode}`);
  return lines.join('\n');
}
