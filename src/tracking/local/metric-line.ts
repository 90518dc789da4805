/**
 * Metric file lines: `<timestamp_ms> <value> <step>\n`, values in Python float text (`0.9`, `1.0`,
 * `nan`, `inf`, `-inf`) so MLflow's reader (`float(value)`) and ours agree. Readers accept 2 fields
 * (step 0) and the 5-field form of newer MLflow (`… <dataset_name> <dataset_digest>`).
 */
import { TrainSpamError } from '../../core/errors.js';
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

/** One metric line's point, or null when it is not `<timestamp> <value> [<step> [<dataset> <digest>]]`. */
function parseMetricLine(key: string, line: string): Metric | null {
  const f = line.trim().split(/\s+/);
  if (f.length !== 2 && f.length !== 3 && f.length !== 5) return null;
  const timestamp = Number(f[0]);
  const value = parseFloatText(f[1]);
  const step = f.length === 3 ? Number(f[2]) : 0; // MLflow's reader: step 0 in the 5-field form too
  if (!Number.isFinite(timestamp) || !Number.isFinite(step) || (Number.isNaN(value) && !/^[-+]?nan$/i.test(f[1]))) return null;
  return { key, value, timestamp, step };
}

/**
 * Parses a metric file (`file` names it in errors). Blank lines are skipped. A final line without
 * '\n' is read when it parses (other writers may omit the newline; ours never leave one, each append
 * is a single O_APPEND write) and skipped when it does not: a write cut short by a crash. Any other
 * malformed line fails with FORMAT_ERROR (as in MLflow's reader): skipping it could make the
 * latest value an older point.
 */
export function parseMetricLines(key: string, text: string, file: string = key): Metric[] {
  const out: Metric[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const point = parseMetricLine(key, line);
    if (point) out.push(point);
    else if (i < lines.length - 1) {
      throw new TrainSpamError('FORMAT_ERROR', `tracking: metric file '${file}' line ${i + 1} is malformed: '${line.slice(0, 200)}' (expected '<timestamp> <value> <step>')`, {
        file,
        line: i + 1,
      });
    }
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
