/**
 * Metric file lines: `<timestamp_ms> <value> <step>\n`, values in Python float text (`0.9`, `1.0`,
 * `nan`, `inf`, `-inf`) so MLflow's reader (`float(value)`) and ours agree. Readers accept 2 fields
 * (step 0) and the 5-field form of newer MLflow (`… <dataset_name> <dataset_digest>`).
 */
import type { Metric } from '../contract.js';

export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0.0';
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

export function parseFloatText(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '-nan' || t === '+nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return Number(t);
}

export function formatMetricLine(m: { value: number; timestamp: number; step: number }): string {
  return `${m.timestamp} ${formatFloat(m.value)} ${m.step}\n`;
}

/**
 * Parses a metric file; malformed lines are skipped. A final line without '\n' is read too (other
 * writers may omit it; ours never leave one, each append is a single O_APPEND write).
 */
export function parseMetricLines(key: string, text: string): Metric[] {
  const out: Metric[] = [];
  const lines = text.split('\n');
  for (const line of lines) {
    const f = line.trim().split(/\s+/);
    if (f.length < 2) continue;
    const timestamp = Number(f[0]);
    const value = parseFloatText(f[1]);
    const step = f.length === 3 ? Number(f[2]) : 0;
    if (!Number.isFinite(timestamp) || !Number.isFinite(step) || (Number.isNaN(value) && !/nan/i.test(f[1]))) continue;
    out.push({ key, value, timestamp, step });
  }
  return out;
}

/** MLflow's "latest" point: highest step, then timestamp, then value. */
export function latestMetric(points: readonly Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const p of points) {
    if (!best) {
      best = p;
      continue;
    }
    const pv = Number.isNaN(p.value) ? -Infinity : p.value;
    const bv = Number.isNaN(best.value) ? -Infinity : best.value;
    if (p.step > best.step || (p.step === best.step && (p.timestamp > best.timestamp || (p.timestamp === best.timestamp && pv > bv)))) best = p;
  }
  return best;
}
