/**
 * Best split of one node from its compact histogram (XGBoost's greedy rule on bins):
 *   gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ),  both children need hessian sum ≥ min_child_weight.
 * A split "after local bin t" sends bins ≤ t (values ≤ upper[t]) left.
 *
 * The histogram lists only non-empty bins, ascending, so each feature is one contiguous segment.
 * The zero bin's sums are never stored; the scan does not need them: bins below zero are scanned
 * upwards accumulating the left side, bins above zero downwards accumulating the right side, and
 * the split right after the zero bin uses the positive-side total. Candidates sit only after
 * non-empty bins, so thresholds never depend on empty bins. Ties keep the first candidate in
 * (feature, scan) order, so results are deterministic.
 */

const PREFILTER = 1 - 1e-12;

/** Layout of a split result: [gain, feature, local bin, gradLeft, hessLeft] (what kernels write). */
export const SPLIT_GAIN = 0;
export const SPLIT_FEATURE = 1;
export const SPLIT_BIN = 2;
export const SPLIT_GRAD_LEFT = 3;
export const SPLIT_HESS_LEFT = 4;

export class SplitResult {
  /** Starts as "no split" (feature −1): a leaf that is never searched must not look splittable. */
  readonly out = Float64Array.of(0, -1, -1, 0, 0);

  get gain(): number {
    return this.out[SPLIT_GAIN];
  }
  get feature(): number {
    return this.out[SPLIT_FEATURE];
  }
  /** Local bin: left iff bin ≤ bin. */
  get bin(): number {
    return this.out[SPLIT_BIN];
  }
  get gradLeft(): number {
    return this.out[SPLIT_GRAD_LEFT];
  }
  get hessLeft(): number {
    return this.out[SPLIT_HESS_LEFT];
  }
}

/**
 * First position after k (bins[k] < hi) whose bin is ≥ hi, or len: galloping then binary search
 * (a feature's segment holds up to ~255 entries; walking it entry by entry was ~15 % of the scan).
 */
export function segmentEnd(bins: Int32Array, k: number, len: number, hi: number): number {
  let lo = k + 1;
  let top = k + 1;
  let step = 8;
  while (top < len && bins[top] < hi) {
    lo = top + 1;
    top += step;
    step *= 2;
  }
  if (top > len) top = len;
  while (lo < top) {
    const m = (lo + top) >>> 1;
    if (bins[m] < hi) lo = m + 1;
    else top = m;
  }
  return lo;
}

/**
 * Writes the best split with gain > minGain into `out` ([gain, feature, local bin, gradLeft,
 * hessLeft]; feature = -1 when there is none).
 * `featureMask[f]` = 1 for features this tree may use.
 */
export function findBestSplit(
  bins: Int32Array,
  grad: Float64Array,
  hess: Float64Array,
  len: number,
  offset: Int32Array,
  zeroBin: Int32Array,
  featureMask: Uint8Array,
  G: number,
  H: number,
  lambda: number,
  minChildWeight: number,
  minGain: number,
  out: Float64Array,
): void {
  out[0] = 0;
  out[1] = -1;
  out[2] = -1;
  out[3] = 0;
  out[4] = 0;
  const F = zeroBin.length;
  const eps = 1e-12 * H;
  const parentScore = (G * G) / (H + lambda);
  let bestGain = minGain;
  // A candidate can only win when GL²/a + GR²/c > bestGain + parentScore (a = HL+λ, c = HR+λ > 0),
  // i.e. GL²·c + GR²·a > (bestGain + parentScore)·a·c: tested without division, with a relative
  // slack of 1e-12 so round-off never rejects a candidate the exact test would take.
  let threshold = (bestGain + parentScore) * PREFILTER;
  let k = 0;
  for (let f = 0; f < F && k < len; f++) {
    const hiB = offset[f + 1];
    const k0 = k;
    if (bins[k] >= hiB) continue; // no entry of this feature
    k = segmentEnd(bins, k, len, hiB);
    if (featureMask[f] === 0) continue;
    const lo = offset[f];
    const zb = lo + zeroBin[f];
    // Negative side, upwards.
    let gl = 0;
    let hl = 0;
    let j = k0;
    for (; j < k && bins[j] < zb; j++) {
      const hb = hess[j];
      gl += grad[j];
      hl += hb;
      if (hb > eps) {
        const hr = H - hl;
        if (hr > eps && hl >= minChildWeight && hr >= minChildWeight) {
          const gr = G - gl;
          const a = hl + lambda;
          const c = hr + lambda;
          // Division-free prefilter (see below), then the exact gain.
          if (gl * gl * c + gr * gr * a <= threshold * a * c) continue;
          const gain = (gl * gl) / a + (gr * gr) / c - parentScore;
          if (gain > bestGain) {
            threshold = (gain + parentScore) * PREFILTER;
            bestGain = gain;
            out[0] = gain;
            out[1] = f;
            out[2] = bins[j] - lo;
            out[3] = gl;
            out[4] = hl;
          }
        }
      }
    }
    const firstPos = j;
    // Positive side, downwards.
    let gr = 0;
    let hr = 0;
    for (let i = k - 1; i >= firstPos; i--) {
      const hb = hess[i];
      if (hb > eps && hr >= minChildWeight && hr > eps) {
        const hlc = H - hr;
        if (hlc >= minChildWeight) {
          const glc = G - gr;
          const a = hlc + lambda;
          const c = hr + lambda;
          if (glc * glc * c + gr * gr * a > threshold * a * c) {
            const gain = (glc * glc) / a + (gr * gr) / c - parentScore;
            if (gain > bestGain) {
              threshold = (gain + parentScore) * PREFILTER;
              bestGain = gain;
              out[0] = gain;
              out[1] = f;
              out[2] = bins[i] - lo;
              out[3] = glc;
              out[4] = hlc;
            }
          }
        }
      }
      gr += grad[i];
      hr += hb;
    }
    // Right after the zero bin: left = negatives + zero, right = all positives.
    const hz = H - hl - hr;
    if (hz > eps && hr > eps && hr >= minChildWeight) {
      const hlc = H - hr;
      if (hlc >= minChildWeight) {
        const glc = G - gr;
        const gain = (glc * glc) / (hlc + lambda) + (gr * gr) / (hr + lambda) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          out[0] = gain;
          out[1] = f;
          out[2] = zb - lo;
          out[3] = glc;
          out[4] = hlc;
        }
      }
    }
  }
}
