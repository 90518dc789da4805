/**
 * ArrayAdam (src/models/mlp/adam.ts), the Adam of the MLP's tfjs-side parameters: the update of
 * tfjs' AdamOptimizer, bit for bit the sparse first layer's WebAssembly Adam, l2 on kernels only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { ArrayAdam } from '../../../src/models/mlp/adam.js';
import { tfRuntime } from '../../../src/models/mlp/backend.js';
import { fitScaler } from '../../../src/models/mlp/network.js';
import { SparseInputLayer } from '../../../src/models/mlp/sparse-input.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe('ArrayAdam', () => {
  for (const l2 of [0, 1e-3]) {
    it(`applies tfjs' Adam update, the l2 gradient on kernels only (l2 ${l2})`, async () => {
      await tfRuntime();
      const rng = new Rng(5);
      const kernel0 = Float32Array.from({ length: 12 }, () => rng.normal() * 0.3);
      const bias0 = Float32Array.from({ length: 4 }, () => rng.normal() * 0.1);
      const adam = new ArrayAdam([
        { values: kernel0, shape: [3, 4], decay: true },
        { values: bias0, shape: [4], decay: false },
      ]);
      const k = tf.variable(tf.tensor2d(kernel0, [3, 4]), true, `adam-k-${l2}`);
      const b = tf.variable(tf.tensor1d(bias0), true, `adam-b-${l2}`);
      const opt = tf.train.adam(0.02);
      try {
        for (let step = 0; step < 5; step++) {
          const gk = Float32Array.from({ length: 12 }, () => rng.normal());
          const gb = Float32Array.from({ length: 4 }, () => rng.normal());
          tf.tidy(() => {
            const penalised = l2 > 0 ? tf.add(tf.tensor2d(gk, [3, 4]), tf.mul(l2, tf.mul(k, 2))) : tf.tensor2d(gk, [3, 4]);
            opt.applyGradients([
              { name: k.name, tensor: penalised },
              { name: b.name, tensor: tf.tensor1d(gb) },
            ]);
          });
          adam.step([gk, gb], 0.02, l2);
        }
        expect(maxAbsDiff(adam.values[0], k.dataSync())).toBeLessThan(1e-6);
        expect(maxAbsDiff(adam.values[1], b.dataSync())).toBeLessThan(1e-6);
        // The parameters moved, and the initial arrays were copied, not updated.
        expect(maxAbsDiff(adam.values[0], kernel0)).toBeGreaterThan(1e-2);
        expect(maxAbsDiff(adam.values[1], bias0)).toBeGreaterThan(1e-2);
      } finally {
        k.dispose();
        b.dispose();
        opt.dispose();
      }
    });
  }

  it('equals the sparse layer’s WebAssembly Adam bit for bit', () => {
    const data = syntheticData({ rows: 120, seed: 9, denseCols: 4, sparseCols: 40, density: 0.1 });
    const units = 8;
    const inputs = 44;
    const layer = SparseInputLayer.create(data.X, fitScaler(data.X), units, 40);
    expect(layer).not.toBeNull();
    if (!layer) return;
    const rng = new Rng(11);
    const W0 = Float32Array.from({ length: inputs * units }, () => rng.normal() * 0.2);
    layer.setWeights(W0);
    const adam = new ArrayAdam([{ values: W0, shape: [inputs, units], decay: true }]);
    const perm = rng.permutation(120);
    for (let step = 0; step < 3; step++) {
      layer.setBatch(perm, step * 40, 40);
      const dW = layer.backward(Float32Array.from({ length: 40 * units }, () => rng.normal())).slice();
      layer.adamStep(0.01, 1e-3);
      adam.step([dW], 0.01, 1e-3);
    }
    expect(Array.from(adam.values[0])).toEqual(Array.from(layer.kernel()));
    expect(maxAbsDiff(adam.values[0], W0)).toBeGreaterThan(1e-3);
    layer.release();
  });

  it('rejects a gradient of the wrong length, naming the parameter', () => {
    const adam = new ArrayAdam([{ values: new Float32Array(4), shape: [4], decay: false }]);
    expect(() => adam.step([new Float32Array(3)], 0.01, 0)).toThrow(/gradient 0 has 3 values, the parameter 4/);
  });

  it('sums the squares of the decayed parameters only', () => {
    const adam = new ArrayAdam([
      { values: Float32Array.of(1, 2), shape: [2], decay: true },
      { values: Float32Array.of(5), shape: [1], decay: false },
    ]);
    expect(adam.sumSquaresOfDecayed()).toBe(5);
  });
});
