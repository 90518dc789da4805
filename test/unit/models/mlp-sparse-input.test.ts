import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/random.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { tfRuntime } from '../../../src/models/mlp/backend.js';
import { fitScaler } from '../../../src/models/mlp/network.js';
import { SparseInputLayer } from '../../../src/models/mlp/sparse-input.js';

describe('mlp sparse first layer (WebAssembly SIMD)', () => {
  const data = syntheticData({ rows: 200, seed: 3, denseCols: 6, sparseCols: 60, density: 0.1 });
  const scaler = fitScaler(data.X);
  const inputs = 66;

  /** Row r of the densified, standardised float32 batch (what the dense path feeds tfjs). */
  function denseRow(r: number): Float64Array {
    const x = new Float64Array(inputs);
    for (let c = 0; c < 6; c++) x[c] = Math.fround((data.X.dense.data[r * 6 + c] - scaler.mean[c]) / scaler.scale[c]);
    for (let p = data.X.sparse.indptr[r]; p < data.X.sparse.indptr[r + 1]; p++) x[6 + data.X.sparse.indices[p]] = Math.fround(data.X.sparse.data[p]);
    return x;
  }

  for (const units of [8, 7, 1, 40, 128]) {
    it(`x·W and xᵀ·dY equal the dense products to float32 rounding (units ${units})`, () => {
      const layer = SparseInputLayer.create(data.X, scaler, units, 50);
      expect(layer).not.toBeNull(); // Node 20 has WebAssembly SIMD
      if (!layer) return;
      const rng = new Rng(units);
      const perm = rng.permutation(200);
      const W = Float32Array.from({ length: inputs * units }, () => rng.normal() * 0.3);
      const dy = Float32Array.from({ length: 37 * units }, () => rng.normal());
      // A short last batch (37 rows) after a full one: nothing of the previous batch may leak.
      layer.setBatch(perm, 0, 50);
      layer.setWeights(W);
      layer.forward();
      layer.backward(Float32Array.from({ length: 50 * units }, () => 1));
      layer.setBatch(perm, 50, 37);
      const out = layer.forward();
      expect(out.length).toBe(37 * units);
      const dW = layer.backward(dy);
      expect(dW.length).toBe(inputs * units);
      const refW = new Float64Array(inputs * units);
      for (let b = 0; b < 37; b++) {
        const x = denseRow(perm[50 + b]);
        for (let o = 0; o < units; o++) {
          let s = 0;
          for (let c = 0; c < inputs; c++) s += x[c] * W[c * units + o];
          expect(Math.abs(out[b * units + o] - s)).toBeLessThan(1e-5 * (1 + Math.abs(s)));
        }
        for (let c = 0; c < inputs; c++) for (let o = 0; o < units; o++) refW[c * units + o] += x[c] * dy[b * units + o];
      }
      for (let i = 0; i < refW.length; i++) expect(Math.abs(dW[i] - refW[i])).toBeLessThan(1e-5 * (1 + Math.abs(refW[i])));
    });
  }

  for (const l2 of [0, 1e-3]) {
    it(`adamStep applies the update of tfjs' Adam optimizer (l2 ${l2})`, async () => {
      await tfRuntime();
      const units = 6;
      const layer = SparseInputLayer.create(data.X, scaler, units, 40);
      expect(layer).not.toBeNull();
      if (!layer) return;
      const rng = new Rng(42);
      const W0 = Float32Array.from({ length: inputs * units }, () => rng.normal() * 0.2);
      layer.setWeights(W0);
      const w = tf.variable(tf.tensor2d(W0, [inputs, units]), true, 'adam-check');
      const opt = tf.train.adam(0.01);
      const perm = rng.permutation(200);
      try {
        for (let step = 0; step < 3; step++) {
          layer.setBatch(perm, step * 40, 40);
          const dy = Float32Array.from({ length: 40 * units }, () => rng.normal());
          const dW = layer.backward(dy).slice();
          layer.adamStep(0.01, l2);
          tf.tidy(() => {
            const g = tf.tensor2d(dW, [inputs, units]);
            // The penalty's gradient as tfjs would add it: l2 · (W · 2).
            const grad: tf.Tensor = l2 > 0 ? tf.add(g, tf.mul(l2, tf.mul(w, 2))) : g;
            opt.applyGradients([{ name: 'adam-check', tensor: grad }]);
          });
        }
        const ours = layer.kernel();
        const theirs = w.dataSync();
        let maxDiff = 0;
        for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
        expect(maxDiff).toBeLessThan(1e-6);
        // And the weights did move (the comparison is not between two untouched copies).
        let moved = 0;
        for (let i = 0; i < ours.length; i++) moved = Math.max(moved, Math.abs(ours[i] - W0[i]));
        expect(moved).toBeGreaterThan(1e-3);
      } finally {
        w.dispose();
        opt.dispose();
      }
    });
  }
});
