/** Growth of time with size, and worker speed-ups. Pure. */

/** Exponent band read as linear growth: time ∝ rows^k with k in [0.85, 1.15]. */
export const LINEAR_BAND = Object.freeze([0.85, 1.15]);

/**
 * Fits time ∝ rows^k between the smallest and the largest size with a positive time.
 * perRowGrowth: time per row at the largest size over time per row at the smallest (1 = linear).
 * null with fewer than two usable points.
 */
export function linearity(points, band = LINEAR_BAND) {
  const pts = points.filter((p) => p.rows > 0 && p.seconds > 0).sort((a, b) => a.rows - b.rows);
  if (pts.length < 2 || pts[0].rows === pts[pts.length - 1].rows) return null;
  const a = pts[0];
  const b = pts[pts.length - 1];
  const exponent = Math.log(b.seconds / a.seconds) / Math.log(b.rows / a.rows);
  const perRowGrowth = b.seconds / b.rows / (a.seconds / a.rows);
  const verdict = exponent > band[1] ? 'superlinear' : exponent < band[0] ? 'sublinear' : 'linear';
  return { from: a.rows, to: b.rows, exponent, perRowGrowth, verdict };
}

/** Speed-up of each run over the first (1 worker, usually) and its parallel efficiency. */
export function speedups(runs) {
  if (runs.length === 0) return [];
  const base = runs[0];
  return runs.map((r) => {
    const speedup = base.seconds / r.seconds;
    return { workers: r.workers, seconds: r.seconds, speedup, efficiency: speedup / (r.workers / base.workers) };
  });
}
