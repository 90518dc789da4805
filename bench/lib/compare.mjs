/**
 * Result comparison: the ratio of the peer to us per figure, and regressions of a run against a
 * stored baseline. Pure functions over the results JSON (see bench/README.md for its shape).
 */

/** Default regression threshold: 10 % worse than the baseline's median. */
export const REGRESSION_THRESHOLD = 0.1;

/**
 * How much faster we are than the peer on one figure: > 1 = we are faster (or have the higher
 * throughput). null when either side is missing or a median is not positive.
 */
export function speedRatio(figure) {
  const o = figure.ours?.median;
  const p = figure.peer?.median;
  if (!(o > 0) || !(p > 0)) return null;
  return figure.better === 'higher' ? o / p : p / o;
}

/**
 * The same ratio on process CPU time (peer / ours), for figures where both sides measured it
 * (single-process kernels); less sensitive to other load than wall time. null otherwise.
 */
export function cpuRatio(figure) {
  const o = figure.ours?.cpu?.median;
  const p = figure.peer?.cpu?.median;
  if (!(o > 0) || !(p > 0) || figure.better === 'higher') return null;
  return p / o;
}

/**
 * Relative slow-down of `current` against `baseline` (medians): 0.25 = 25 % worse, −0.2 = 20 %
 * better. For 'lower'-is-better figures (times) current/baseline − 1; for 'higher' (rates)
 * baseline/current − 1, so both directions read the same way.
 */
export function slowdown(better, current, baseline) {
  if (!(current > 0) || !(baseline > 0)) return null;
  return better === 'higher' ? baseline / current - 1 : current / baseline - 1;
}

/** Fewest figures with a peer in both runs for a machine-drift estimate. */
export const MIN_DRIFT_FIGURES = 3;

/**
 * How much slower the machine was than in the baseline, as the peer saw it: the median over the
 * figures whose peer ran in both runs of the peer's own slow-down (0.3 = the peer took 30 % longer).
 * Valid only when the peer did the same work in both runs (see peerComparison); then this is the
 * machine's phase (this VM drifts by ±30 % over minutes). A peer measurement shown beside several
 * of our figures (XGBoost's fit beside each of our GBM kernels) counts once: the figures that
 * borrow it name its figure in `peerOf`. null with fewer than MIN_DRIFT_FIGURES measurements.
 */
export function machineDrift(current, baseline) {
  const base = new Map((baseline?.figures ?? []).map((f) => [f.id, f]));
  const changes = [];
  for (const f of current.figures) {
    const b = base.get(f.id);
    // `peerOf`: the figure shows another figure's peer measurement, which is counted there
    if (!b?.peer || !f.peer || f.peerOf) continue;
    const c = slowdown(f.better, f.peer.median, b.peer.median);
    if (c !== null) changes.push(c);
  }
  if (changes.length < MIN_DRIFT_FIGURES) return null;
  changes.sort((x, y) => x - y);
  const m = changes.length >> 1;
  return { change: changes.length % 2 ? changes[m] : (changes[m - 1] + changes[m]) / 2, figures: changes.length };
}

/**
 * Whether the peer did the same work in both runs, so that its times can take the machine's drift
 * out of ours: both runs carry a peer fingerprint (its script and its input, see peer.mjs) and they
 * are equal. { comparable, reason }.
 */
export function peerComparison(current, baseline) {
  const now = current.peer?.fingerprint;
  const then = baseline.peer?.fingerprint;
  if (current.peer?.skipped || baseline.peer?.skipped) return { comparable: false, reason: 'the peer did not run in both runs' };
  if (!now || !then) return { comparable: false, reason: `${then ? 'this run' : 'the baseline'} has no peer fingerprint (written before the harness recorded one)` };
  const diff = ['script', 'input', 'versions'].filter((k) => now[k] !== then[k]);
  if (diff.length) return { comparable: false, reason: `the peer's ${diff.join(' and ')} changed since the baseline` };
  return { comparable: true, reason: null };
}

/**
 * Settings that change what a figure measures (not only how often): runs that differ in one are
 * not comparable. Older results without a setting are taken at face value.
 */
const MEASURED_SETTINGS = [
  ['trials', (s) => s?.trials],
  ['workers', (s) => s?.workers],
  ['aucSize', (s) => s?.aucSize],
  ['latencyEmails', (s) => s?.latencyEmails],
  ['scaling.trials', (s) => s?.scaling?.trials],
  ['scaling.counts', (s) => (s?.scaling?.counts ? s.scaling.counts.join(',') : undefined)],
];

/** The measured settings that differ between two runs, as "name then → now" strings. */
export function settingsDiff(current, baseline) {
  const out = [];
  for (const [name, get] of MEASURED_SETTINGS) {
    const now = get(current.settings);
    const then = get(baseline.settings);
    if (now !== undefined && then !== undefined && now !== then) out.push(`${name} ${then} → ${now}`);
  }
  return out;
}

/**
 * Compares our side of every figure with a baseline results object. Runs of different modes
 * (quick vs full), different data or different measured settings (trials, workers, sizes) are not
 * comparable: `comparable` false with the reason, no rows.
 *
 * Two changes per row: `change`, our median against the baseline's (raw), and `corrected`, the
 * change with the machine's drift taken out: for a figure whose peer ran in both runs, the change
 * of the ratio to the peer (ratio then / ratio now − 1: how much ground we lost against the same
 * reference on the same machine state); for the others, the raw change divided by the peers'
 * median drift (machineDrift), when there is one. Both corrections need a peer that did the same
 * work in both runs (`peer`, see peerComparison); otherwise `corrected` is null. The status follows `corrected` when it exists,
 * else `change`: 'regression' (worse by more than the threshold), 'improvement' (better by more),
 * 'ok', 'new' (no baseline figure), 'missing' (in the baseline, not measured now).
 * `overlap` says whether the min–max ranges of both runs overlap (a flagged change with
 * overlapping ranges may be noise; rerun before acting on it).
 */
export function compareToBaseline(current, baseline, threshold = REGRESSION_THRESHOLD) {
  if (!baseline) return { comparable: false, reason: 'no baseline', rows: [], drift: null };
  if (current.mode !== baseline.mode) return { comparable: false, reason: `baseline is a ${baseline.mode} run, this is a ${current.mode} run`, rows: [], drift: null };
  const key = (d) => (d ? `${d.rows}/${d.trainRows}/${d.testRows}` : '');
  if (key(current.data) !== key(baseline.data)) {
    return { comparable: false, reason: `different data (baseline ${key(baseline.data)} rows/train/test, now ${key(current.data)})`, rows: [], drift: null };
  }
  const changed = settingsDiff(current, baseline);
  if (changed.length) return { comparable: false, reason: `different settings (${changed.join(', ')})`, rows: [], drift: null };
  // the peer corrects for the machine's drift only when it did the same work in both runs
  const peer = peerComparison(current, baseline);
  const drift = peer.comparable ? machineDrift(current, baseline) : null;
  const base = new Map(baseline.figures.map((f) => [f.id, f]));
  const rows = [];
  for (const f of current.figures) {
    const b = base.get(f.id);
    base.delete(f.id);
    if (!f.ours) continue;
    if (!b || !b.ours) {
      rows.push({ id: f.id, label: f.label, unit: f.unit, status: 'new', current: f.ours.median, baseline: null, change: null, corrected: null, correctedBy: null, overlap: null });
      continue;
    }
    const change = slowdown(f.better, f.ours.median, b.ours.median);
    const ratioNow = speedRatio(f);
    const ratioThen = speedRatio(b);
    let corrected = null;
    let correctedBy = null;
    if (peer.comparable && ratioNow !== null && ratioThen !== null) {
      corrected = ratioThen / ratioNow - 1;
      correctedBy = 'peer';
    } else if (change !== null && drift) {
      corrected = (1 + change) / (1 + drift.change) - 1;
      correctedBy = 'drift';
    }
    const judged = corrected ?? change;
    // 1e-9: a change of exactly the threshold is not flagged despite floating-point rounding
    const status = judged === null ? 'ok' : judged > threshold + 1e-9 ? 'regression' : judged < -threshold / (1 + threshold) - 1e-9 ? 'improvement' : 'ok';
    const overlap = f.ours.min <= b.ours.max && b.ours.min <= f.ours.max;
    rows.push({ id: f.id, label: f.label, unit: f.unit, status, current: f.ours.median, baseline: b.ours.median, change, corrected, correctedBy, overlap });
  }
  for (const b of base.values()) {
    if (b.ours) rows.push({ id: b.id, label: b.label, unit: b.unit, status: 'missing', current: null, baseline: b.ours.median, change: null, corrected: null, correctedBy: null, overlap: null });
  }
  return { comparable: true, reason: null, rows, regressions: rows.filter((r) => r.status === 'regression').map((r) => r.id), drift, peer };
}
