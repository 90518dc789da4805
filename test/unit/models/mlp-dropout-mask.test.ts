import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { fillDropoutMask } from '../../../src/models/mlp/trainer.js';

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
});
