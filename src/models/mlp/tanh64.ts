/**
 * tanh in float64 for the MLP's inference pass, written so that the WebAssembly SIMD kernel
 * (forward-wasm.ts) performs the very same operations lane by lane: the two give bit-identical
 * results, and both are within a few ulps of `Math.tanh` (tested).
 *
 * Why not `Math.tanh`: V8 calls its C library tanh once per unit (~19 ns here); the per-epoch
 * validation pass of a [128] tanh network spent ~45 % of its time there, and WebAssembly has no
 * tanh to call. Here, with a = min(|x|, 22) (tanh is 1 in float64 from ~19.06 on):
 *
 *   y = 2a, k = ⌊y·log₂e + ½⌋, r = (y − k·ln2_hi) − k·ln2_lo     (|r| ≲ ln2/2; k ∈ [0, 63])
 *   expm1(r) = r·Q(r), Q(r) = Σ_{n=1..13} rⁿ⁻¹/n!                   (Taylor: remainder < 1e-17·r)
 *   e = expm1(y) = 2^k·expm1(r) + (2^k − 1)                         (exact for k = 0)
 *   tanh(a) = e / (e + 2), negated when x < 0
 *
 * Q is evaluated by Estrin's scheme (pairs, then r², r⁴, r⁸), whose short dependency chains let
 * neighbouring units overlap. ln2_hi has its last 21 significand bits zero, so k·ln2_hi is exact for the k here. NaN stays NaN;
 * −0 gives +0 (the next layer skips zero inputs either way).
 */

/** |x| beyond which the result is ±1 (computed at 22 it rounds to 1). */
export const TANH_CLAMP = 22;
export const LOG2E = Math.LOG2E;
/** ln 2 split into a high part with 32 significant bits and the rest. */
export const LN2_HI = 6.93147180369123816490e-1;
export const LN2_LO = 1.90821492927058770002e-10;
/** 1/n! for n = 1..13 (index n − 1). */
export const EXPM1_TAYLOR: readonly number[] = (() => {
  const c: number[] = [];
  let f = 1;
  for (let n = 1; n <= 13; n++) {
    f *= n;
    c.push(1 / f);
  }
  return c;
})();

/** 2^k for k = 0..63 (exact). */
const POW2 = Float64Array.from({ length: 64 }, (_, k) => 2 ** k);
const [C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13] = EXPM1_TAYLOR;

export function tanh64(x: number): number {
  const a = Math.min(Math.abs(x), TANH_CLAMP);
  const y = a * 2;
  const k = Math.floor(y * LOG2E + 0.5);
  const r = y - k * LN2_HI - k * LN2_LO;
  const p = expm1Reduced(r);
  // k is NaN only for a NaN x, whose result is NaN whatever s is
  const s = k >= 0 ? POW2[k] : 1;
  const e = s * p + (s - 1);
  const t = e / (e + 2);
  return x < 0 ? -t : t;
}

/** r·Q(r) by Estrin's scheme; forward-wasm.ts evaluates the same expression tree. */
function expm1Reduced(r: number): number {
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const b0 = C1 + C2 * r + (C3 + C4 * r) * r2;
  const b1 = C5 + C6 * r + (C7 + C8 * r) * r2;
  const b2 = C9 + C10 * r + (C11 + C12 * r) * r2;
  const q = b0 + b1 * r4 + (b2 + C13 * r4) * r8;
  return q * r;
}
