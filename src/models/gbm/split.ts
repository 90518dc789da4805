/**
 * Best split of one node from its histogram (XGBoost's exact-greedy-on-bins rule):
 *   gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ),  both children need hessian sum ≥ min_child_weight.
 * A split "after local bin t" sends bins ≤ t (values ≤ upper[t]) left.
 *
 * Only marked bins are visited. The zero bin's sums are never stored; the scan avoids needing
 * them: bins below zero are scanned upwards accumulating the left side, bins above zero downwards
 * accumulating the right side, and the split right after the zero bin uses the positive-side total.
 * Candidates are evaluated only after non-empty bins (hessian above a tiny epsilon), so empty bins
 * (and the round-off left by histogram subtraction) never move a threshold.
 * Ties keep the first candidate in (feature, scan) order, so results are deterministic.
 */

export class SplitResult {
  gain = 0;
  feature = -1;
  /** Local bin: left iff bin ≤ bin. */
  bin = -1;
  gradLeft = 0;
  hessLeft = 0;

  reset(): void {
    this.gain = 0;
    this.feature = -1;
    this.bin = -1;
    this.gradLeft = 0;
    this.hessLeft = 0;
  }

  copyFrom(o: SplitResult): void {
    this.gain = o.gain;
    this.feature = o.feature;
    this.bin = o.bin;
    this.gradLeft = o.gradLeft;
    this.hessLeft = o.hessLeft;
  }
}

/**
 * Writes the best split with gain > minGain into `out` (out.feature = -1 when there is none).
 * `featureMask[f]` = 1 for features this tree may use.
 */
export function findBestSplit(
  hist: Float64Array,
  mark: Uint16Array,
  offset: Int32Array,
  zeroBin: Int32Array,
  featureMask: Uint8Array,
  G: number,
  H: number,
  lambda: number,
  minChildWeight: number,
  minGain: number,
  out: SplitResult,
): void {
  out.reset();
  const F = zeroBin.length;
  const eps = 1e-12 * H;
  const parentScore = (G * G) / (H + lambda);
  let bestGain = minGain;
  for (let f = 0; f < F; f++) {
    if (featureMask[f] === 0) continue;
    const lo = offset[f];
    const hi = offset[f + 1];
    if (hi - lo < 2) continue;
    const zb = lo + zeroBin[f];
    // Negative side, upwards: bins [lo, zb).
    let gl = 0;
    let hl = 0;
    if (zb > lo) {
      const wEnd = (zb - 1) >>> 4;
      for (let w = lo >>> 4; w <= wEnd; w++) {
        let bits = mark[w];
        while (bits !== 0) {
          const t = bits & -bits;
          bits ^= t;
          const b = (w << 4) + 31 - Math.clz32(t);
          if (b < lo) continue;
          if (b >= zb) break;
          const hb = hist[(b << 1) + 1];
          gl += hist[b << 1];
          hl += hb;
          if (hb > eps) {
            const hr = H - hl;
            if (hr > eps && hl >= minChildWeight && hr >= minChildWeight) {
              const gr = G - gl;
              const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore;
              if (gain > bestGain) {
                bestGain = gain;
                out.gain = gain;
                out.feature = f;
                out.bin = b - lo;
                out.gradLeft = gl;
                out.hessLeft = hl;
              }
            }
          }
        }
      }
    }
    // Positive side, downwards: bins (zb, hi).
    let gr = 0;
    let hr = 0;
    if (hi - 1 > zb) {
      const wStart = (hi - 1) >>> 4;
      const wEnd = (zb + 1) >>> 4;
      for (let w = wStart; w >= wEnd; w--) {
        let bits = mark[w];
        while (bits !== 0) {
          const bit = 31 - Math.clz32(bits);
          bits ^= 1 << bit;
          const b = (w << 4) + bit;
          if (b >= hi) continue;
          if (b <= zb) break;
          const hb = hist[(b << 1) + 1];
          if (hb > eps && hr > eps) {
            const hlc = H - hr;
            if (hlc >= minChildWeight && hr >= minChildWeight) {
              const glc = G - gr;
              const gain = (glc * glc) / (hlc + lambda) + (gr * gr) / (hr + lambda) - parentScore;
              if (gain > bestGain) {
                bestGain = gain;
                out.gain = gain;
                out.feature = f;
                out.bin = b - lo;
                out.gradLeft = glc;
                out.hessLeft = hlc;
              }
            }
          }
          gr += hist[b << 1];
          hr += hb;
        }
      }
    }
    // Right after the zero bin: left = negatives + zero, right = all positives.
    const hz = H - hl - hr;
    if (hz > eps && hr > eps) {
      const hlc = H - hr;
      if (hlc >= minChildWeight && hr >= minChildWeight) {
        const glc = G - gr;
        const gain = (glc * glc) / (hlc + lambda) + (gr * gr) / (hr + lambda) - parentScore;
        if (gain > bestGain) {
          bestGain = gain;
          out.gain = gain;
          out.feature = f;
          out.bin = zb - lo;
          out.gradLeft = glc;
          out.hessLeft = hlc;
        }
      }
    }
  }
}
