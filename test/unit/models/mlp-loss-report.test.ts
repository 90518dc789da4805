/**
 * The training loss is computed for reports only: a fit without a listener skips reading it back
 * and the sparse layer's l2 sum, and must train exactly the same network as a fit with one.
 */
import { describe, expect, it } from 'vitest';
import { syntheticData } from '../../../src/models/conformance.js';
import { MlpClassifier } from '../../../src/models/mlp/index.js';

const train = syntheticData({ rows: 300, seed: 1, denseCols: 5, sparseCols: 40 });
const test = syntheticData({ rows: 120, seed: 3, denseCols: 5, sparseCols: 40 });

describe('MLP training loss', () => {
  it('a fit with no iteration listener equals one with a listener (l2 > 0, dropout)', async () => {
    const params = { hidden_layers: [12], epochs: 4, batch_size: 64, learning_rate: 0.01, dropout: 0.2, l2: 1e-3 };
    const losses: number[] = [];
    const heard = await new MlpClassifier(params).fit(train, { seed: 5, onIteration: (r) => void losses.push(r.metrics.train_loss) });
    const silent = await new MlpClassifier(params).fit(train, { seed: 5 });
    expect(losses).toHaveLength(4);
    expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    expect(Array.from(silent.predictProba(test.X))).toEqual(Array.from(heard.predictProba(test.X)));
    heard.dispose?.();
    silent.dispose?.();
  });
});
