import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { segmentEnd } from '../../../src/models/gbm/split.js';

describe('segmentEnd (end of a feature segment in a compact histogram)', () => {
  it('equals a linear walk on sorted lists with segments of every length, including the list end', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 300; trial++) {
      const len = 1 + rng.int(0, 600);
      const bins = new Int32Array(len);
      let b = rng.int(0, 5);
      for (let i = 0; i < len; i++) {
        b += rng.next() < 0.7 ? 1 : rng.int(2, 40);
        bins[i] = b;
      }
      const k = rng.int(0, len - 1);
      // every boundary above bins[k]: inside the list and past its end
      for (const hi of [bins[k] + 1, bins[Math.min(len - 1, k + rng.int(0, 300))] + 1, bins[len - 1] + 1, bins[len - 1] + 100]) {
        let walk = k;
        while (walk < len && bins[walk] < hi) walk++;
        expect(segmentEnd(bins, k, len, hi)).toBe(walk);
      }
    }
  });
});
