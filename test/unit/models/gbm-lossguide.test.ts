/**
 * Lossguide growth respects max_depth: a leaf at the depth limit is never split, even when every
 * real split is used up before num_leaves (regression: a split record that started as
 * "feature 0, bin 0" instead of "no split" let depth-limited leaves be split on feature 0).
 */
import { describe, expect, it } from 'vitest';
import { GradientBoosting, type FittedGbm } from '../../../src/models/gbm/booster.js';
import { makeData } from './gbm-data.js';
import { KERNELS } from './gbm-kernels.js';

function maxLeafDepth(f: FittedGbm): number {
  const { roots, feature, left, right } = f.forest;
  let deepest = 0;
  for (const root of roots) {
    const stack: [number, number][] = [[root, 0]];
    while (stack.length) {
      const [node, d] = stack.pop()!;
      if (feature[node] < 0) deepest = Math.max(deepest, d);
      else stack.push([left[node], d + 1], [right[node], d + 1]);
    }
  }
  return deepest;
}

describe.each(KERNELS)('GBM lossguide with a depth limit (%s kernel)', (_name, _kernel, opts) => {
  const { X, y } = makeData(600, 11);
  const base = { n_estimators: 15, learning_rate: 0.2, max_depth: 2, num_leaves: 31, min_child_weight: 0.01, reg_lambda: 0.1 };

  it('never grows a tree deeper than max_depth', async () => {
    const f = (await new GradientBoosting({ ...base, grow_policy: 'lossguide' }).fit({ X, y }, { seed: 3, ...opts })) as FittedGbm;
    expect(maxLeafDepth(f)).toBe(2);
  });

  it('with num_leaves >= 2^max_depth it predicts exactly what depthwise growth predicts', async () => {
    const lg = (await new GradientBoosting({ ...base, grow_policy: 'lossguide' }).fit({ X, y }, { seed: 3, ...opts })) as FittedGbm;
    const dw = (await new GradientBoosting({ ...base, grow_policy: 'depthwise' }).fit({ X, y }, { seed: 3, ...opts })) as FittedGbm;
    expect(Array.from(lg.predictProba(X))).toEqual(Array.from(dw.predictProba(X)));
  });
});
