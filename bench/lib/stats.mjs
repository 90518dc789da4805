/**
 * Repetition statistics for the bench: median and spread of repeated measurements, and timing
 * helpers that warm up first. Pure except for the clock in `timeRuns`.
 */

/** Median, min, max and count of a non-empty list of numbers (NaN entries rejected). */
export function summarize(values) {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) throw new TypeError('summarize: expected an array of numbers');
  const s = Array.from(values);
  if (s.length === 0) throw new RangeError('summarize: no values');
  for (const v of s) if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`summarize: not a number: ${v}`);
  s.sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], runs: n };
}

/** Nearest-rank quantile (q in [0, 1]) of values sorted ascending. */
export function quantileSorted(sorted, q) {
  if (sorted.length === 0) throw new RangeError('quantileSorted: no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantileSorted: q = ${q}; expected [0, 1]`);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Relative spread (max − min) / median; 0 for a zero median. */
export function relativeSpread(s) {
  return s.median === 0 ? 0 : (s.max - s.min) / Math.abs(s.median);
}

/** Maps a time summary (seconds) to a rate summary (items / second): min and max swap. */
export function toRate(timeSummary, items) {
  return { median: items / timeSummary.median, min: items / timeSummary.max, max: items / timeSummary.min, runs: timeSummary.runs };
}

/** CPU seconds (user + system) of this process, all threads. */
function cpuSeconds() {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/**
 * Runs `fn` `warm` times untimed, then `reps` times timed (seconds, wall clock). `fn` may be
 * async. Returns the wall-clock summary with the process CPU-time summary in `stats.cpu` (less
 * sensitive to other load on the machine for single-threaded work), and the last result.
 */
export async function timeRuns(fn, { reps = 5, warm = 1, now = () => performance.now(), cpu = cpuSeconds } = {}) {
  let out;
  for (let i = 0; i < warm; i++) out = await fn();
  const secs = [];
  const cpus = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpu();
    const t0 = now();
    out = await fn();
    secs.push((now() - t0) / 1000);
    cpus.push(cpu() - c0);
  }
  return { stats: { ...summarize(secs), cpu: summarize(cpus) }, last: out };
}
