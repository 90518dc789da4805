import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { DropoutMasks, fillDropoutMask } from '../../../src/models/mlp/dropout.js';

describe('fillDropoutMask', () => {
  it('drops each unit with probability p, scales the kept ones, fills only the first n entries, and is seeded', () => {
    for (const p of [0.05, 0.3, 0.5]) {
      const n = 200_000;
      const mask = new Float32Array(n + 10).fill(-1);
      const keep = 1 / (1 - p);
      fillDropoutMask(new Rng(7), mask, n, p * 4294967296, keep);
      let dropped = 0;
      for (let i = 0; i < n; i++) {
        if (mask[i] === 0) dropped++;
        else expect(mask[i]).toBe(Math.fround(keep));
      }
      // binomial: 5 standard deviations
      expect(Math.abs(dropped / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
      expect(Array.from(mask.subarray(n))).toEqual(new Array(10).fill(-1));
      const again = new Float32Array(n);
      fillDropoutMask(new Rng(7), again, n, p * 4294967296, keep);
      expect(Array.from(again)).toEqual(Array.from(mask.subarray(0, n)));
    }
  });

  it('the WebAssembly masks equal the JavaScript loop, and the Rng continues with the same stream', () => {
    const lengths = [1000, 37, 4096];
    const wasm = DropoutMasks.create(lengths);
    const js = DropoutMasks.create(lengths, false);
    expect(wasm.inWasm).toBe(true); // Node 20 has WebAssembly
    expect(js.inWasm).toBe(false);
    for (const [seed, p] of [[1, 0], [2, 0.1], [3, 0.5], [4, 0.999999]] as const) {
      const ra = new Rng(seed);
      const rb = new Rng(seed);
      const threshold = p * 4294967296;
      const keep = 1 / (1 - p);
      for (const [i, n] of [[0, 1000], [1, 37], [2, 4096], [0, 1], [2, 0], [1, 36]] as const) {
        wasm.fill(ra, i, n, threshold, keep);
        js.fill(rb, i, n, threshold, keep);
        expect(Array.from(wasm.masks[i].subarray(0, n))).toEqual(Array.from(js.masks[i].subarray(0, n)));
      }
      // both generators are at the same point of the stream
      expect([ra.nextUint32(), ra.nextUint32(), ra.next()]).toEqual([rb.nextUint32(), rb.nextUint32(), rb.next()]);
    }
    // a threshold at 2^32 - 0.5 (every draw is below it) takes the exact JavaScript loop
    const r = new Rng(5);
    wasm.fill(r, 1, 37, 4294967295.5, 3);
    expect(Array.from(wasm.masks[1].subarray(0, 37))).toEqual(new Array(37).fill(0));
    expect(() => wasm.fill(r, 1, 38, 0.1, 1)).toThrow(/38 entries requested, 37 available/);
  });
});
