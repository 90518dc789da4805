import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { wasmActivation, wasmForwardAvailable } from '../../../src/models/mlp/forward-wasm.js';
import { tanh64 } from '../../../src/models/mlp/tanh64.js';

/** Distance in float64 steps between two finite doubles of the same sign. */
function ulps(a: number, b: number): number {
  if (a === b) return 0; // also +0 against -0
  const f = new Float64Array([a, b]);
  const i = new BigInt64Array(f.buffer);
  return Math.abs(Number(i[0] - i[1]));
}

/** Inputs: a log sweep from 1e-310 to 1e3 of both signs, uniform draws in ±25, and edge values. */
function inputs(): Float64Array {
  const xs: number[] = [0, -0, 5e-324, -5e-324, 1e-300, 19.0615, 19.07, 21.99, 22, 22.01, 40, 1e300, -1e300];
  for (let e = -310; e <= 3; e += 0.0005) xs.push(10 ** e, -(10 ** e));
  const rng = new Rng(5);
  for (let i = 0; i < 300_000; i++) xs.push(rng.uniform(-25, 25));
  return Float64Array.from(xs);
}

describe('tanh64 (the MLP inference pass tanh)', () => {
  const xs = inputs();

  it('is within 4 ulps of Math.tanh everywhere, and 1 ulp or closer for 99 % of inputs', () => {
    let worst = 0;
    let within1 = 0;
    for (const x of xs) {
      const d = ulps(tanh64(x), Math.tanh(x));
      worst = Math.max(worst, d);
      if (d <= 1) within1++;
    }
    expect(worst).toBeLessThanOrEqual(4);
    expect(within1 / xs.length).toBeGreaterThan(0.99);
  });

  it('saturates to ±1, keeps NaN, and is odd', () => {
    expect(tanh64(19.1)).toBe(1);
    expect(tanh64(1e300)).toBe(1);
    expect(tanh64(Infinity)).toBe(1);
    expect(tanh64(-Infinity)).toBe(-1);
    expect(tanh64(NaN)).toBeNaN();
    expect(tanh64(5e-324)).toBe(5e-324);
    const notOdd = Array.from(xs).filter((x) => x !== 0 && tanh64(-x) !== -tanh64(x));
    expect(notOdd).toEqual([]);
  });

  it('the WebAssembly kernel computes the same bits, and relu as x < 0 ? 0 : x', () => {
    expect(wasmForwardAvailable).toBe(true); // Node 20 has WebAssembly SIMD; the fallback is tested via small calls
    const special = Float64Array.from([NaN, Infinity, -Infinity, 0, -0, -1.5, 2.25, 7]); // odd count: the pair's extra lane
    for (const values of [xs, special]) {
      const t = wasmActivation(values, 1) as Float64Array;
      const r = wasmActivation(values, 0) as Float64Array;
      const differ: number[] = [];
      for (let i = 0; i < values.length; i++) {
        if (!Object.is(t[i], tanh64(values[i])) || !Object.is(r[i], values[i] < 0 ? 0 : values[i])) differ.push(values[i]);
      }
      expect(differ).toEqual([]);
    }
  });
});
