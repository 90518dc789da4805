import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { syntheticData } from '../../../src/models/conformance.js';
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

  for (const units of [8, 7, 1]) {
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
});
