import { describe, expect, it } from 'vitest';
import type { FitMemo } from '../../../src/models/contract.js';
import { GradientBoosting, type FittedGbm } from '../../../src/models/gbm/index.js';
import { createFitMemo, NO_MEMO } from '../../../src/models/memo.js';
import { makeData } from './gbm-data.js';

const forest = (m: FittedGbm) => [m.forest.roots, m.forest.feature, m.forest.bin, m.forest.threshold, m.forest.value].map((a) => Array.from(a));

/** A memo that counts how often it had to derive a value. */
function counting(): FitMemo & { made: number } {
  const inner = createFitMemo();
  const c = {
    made: 0,
    get<T>(keys: readonly object[], tag: string, make: () => T): T {
      return inner.get(keys, tag, () => {
        c.made++;
        return make();
      });
    },
  };
  return c;
}

describe('FitMemo', () => {
  it('keys by object identity and tag; NO_MEMO always derives', () => {
    const memo = createFitMemo();
    const a = {};
    const b = {};
    let n = 0;
    const make = () => ++n;
    expect(memo.get([a], 't', make)).toBe(1);
    expect(memo.get([a], 't', make)).toBe(1);
    expect(memo.get([a], 'u', make)).toBe(2);
    expect(memo.get([b], 't', make)).toBe(3);
    expect(memo.get([a, b], 't', make)).toBe(4);
    expect(memo.get([b, a], 't', make)).toBe(5);
    expect(memo.get([a, b], 't', make)).toBe(4);
    expect(NO_MEMO.get([a], 't', make)).toBe(6);
    expect(NO_MEMO.get([a], 't', make)).toBe(7);
  });

  it('GBM fits sharing a memo on the same matrices derive bins once and train the same forests as without it', async () => {
    const train = makeData(500, 3);
    const valid = makeData(150, 4);
    const memo = counting();
    const params = [
      { n_estimators: 12, max_depth: 4 },
      { n_estimators: 8, subsample: 0.7, colsample_bytree: 0.5, grow_policy: 'lossguide', num_leaves: 12 },
      { n_estimators: 10, max_depth: 5, max_bins: 32 },
    ];
    for (const p of params) {
      const plain = await new GradientBoosting(p).fit(train, { seed: 2, validation: valid });
      const shared = await new GradientBoosting(p).fit(train, { seed: 2, validation: valid, memo });
      const afterFirst = memo.made;
      const again = await new GradientBoosting(p).fit(train, { seed: 2, validation: valid, memo });
      expect(forest(shared)).toEqual(forest(plain));
      expect(forest(again)).toEqual(forest(plain));
      // the second fit with the same matrices and max_bins derives nothing new
      expect(memo.made).toBe(afterFirst);
    }
    const made = memo.made;
    await new GradientBoosting(params[0]).fit(train, { seed: 9, validation: valid, memo });
    expect(memo.made).toBe(made);
    // max_bins 255 (twice) and 32: two bin sets, each with its own binned rows, indexes and tables
    expect(made).toBeGreaterThanOrEqual(2 * 5);
    // another matrix derives its own
    await new GradientBoosting(params[0]).fit(makeData(500, 3), { seed: 2, memo });
    expect(memo.made).toBeGreaterThan(made);
  });
});
