import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/random.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { tfRuntime } from '../../../src/models/mlp/backend.js';
import { fitScaler } from '../../../src/models/mlp/network.js';
import { SparseInputLayer, kernelTanh, type FirstLayerActivation } from '../../../src/models/mlp/sparse-input.js';

/**
 * The kernel gradient the last backward / backwardActivation left in the layer's WebAssembly memory
 * for adamStep ([inputs × units], unpadded as backward() returns it). backwardActivation does not
 * return it and backward() would recompute it from a new dY, so the test reads the layer's private
 * view (TypeScript allows element access to private members).
 */
function keptKernelGradient(layer: SparseInputLayer): Float32Array {
  const dw = layer['dwView'];
  const padded = layer['padded'];
  const { inputs, units } = layer;
  expect(dw.length).toBe(inputs * padded);
  const g = new Float32Array(inputs * units);
  for (let i = 0; i < inputs; i++) g.set(dw.subarray(i * padded, i * padded + units), i * units);
  return g;
}

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

  it('sumSquares is Σ W² of the unpadded kernel (units not a multiple of 4)', () => {
    for (const units of [7, 8, 1]) {
      const layer = SparseInputLayer.create(data.X, scaler, units, 20);
      expect(layer).not.toBeNull();
      if (!layer) return;
      const rng = new Rng(units + 100);
      const W = Float32Array.from({ length: inputs * units }, () => rng.normal());
      layer.setWeights(W);
      let ref = 0;
      for (const x of W) ref += x * x;
      expect(Math.abs(layer.sumSquares() - ref)).toBeLessThan(1e-12 * ref);
      // Exactly: four float64 sums over the padded row-major kernel, lane i % 4 into sum i % 4.
      const padded = Math.ceil(units / 4) * 4;
      const sums = [0, 0, 0, 0];
      for (let c = 0; c < inputs; c++) {
        for (let o = 0; o < padded; o++) {
          const w = o < units ? W[c * units + o] : 0;
          sums[(c * padded + o) % 4] += w * w;
        }
      }
      expect(layer.sumSquares()).toBe(sums[0] + sums[1] + (sums[2] + sums[3]));
      layer.release();
    }
  });

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

  it('the kernel tanh is within 4 float32 ulps of tanh (relative), keeps ±0, NaN and saturates to ±1', () => {
    const xs: number[] = [];
    for (let x = -12; x <= 12; x += 0.00037) xs.push(x);
    for (const e of [0.3, 1e-2, 1e-4, 1e-6, 1e-9, 1e-20, 1e-38, 1e-44]) xs.push(e, -e);
    xs.push(0, -0, 9, 9.5, 50, 1e30, Infinity, -Infinity, NaN);
    const x = Float32Array.from(xs);
    const y = kernelTanh(x);
    expect(y).not.toBeNull();
    if (!y) return;
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const ref = Math.tanh(x[i]);
      if (Number.isNaN(ref)) {
        expect(Number.isNaN(y[i])).toBe(true);
        continue;
      }
      if (ref === 0) {
        expect(Object.is(y[i], ref)).toBe(true); // the sign of zero too
        continue;
      }
      worst = Math.max(worst, Math.abs(y[i] - ref) / Math.abs(ref));
    }
    expect(worst).toBeLessThan(4 * 2 ** -24);
    expect(Array.from(kernelTanh(Float32Array.of(100, -100, Infinity)) ?? [])).toEqual([1, -1, 1]);
  });

  for (const act of ['relu', 'tanh', 'linear'] as FirstLayerActivation[]) {
    for (const units of [8, 7]) {
      it(`forwardActivation / backwardActivation: act(x·W + b) · mask and its gradients (${act}, units ${units})`, () => {
        const bs = 30;
        const rng = new Rng(units + act.length);
        const perm = rng.permutation(200);
        const W = Float32Array.from({ length: inputs * units }, () => rng.normal() * 0.3);
        const bias = Float32Array.from({ length: units }, () => rng.normal() * 0.5);
        const mask = Float32Array.from({ length: bs * units }, () => (rng.next() < 0.25 ? 0 : Math.fround(1 / 0.75)));
        const dy = Float32Array.from({ length: bs * units }, () => rng.normal());
        const f = Math.fround;
        const actOf = (z: number) => (act === 'relu' ? Math.max(z, 0) : act === 'tanh' ? Math.tanh(z) : z);
        for (const withMask of [true, false]) {
          // a fresh layer each time: the Adam check below needs a first step
          const layer = SparseInputLayer.create(data.X, scaler, units, 40, act);
          expect(layer).not.toBeNull();
          if (!layer) return;
          layer.setWeights(W);
          layer.setBatch(perm, 10, bs);
          const out = layer.forwardActivation(bias, withMask ? mask : null).slice();
          const db = layer.backwardActivation(dy).slice();
          const dW = layer.backward(new Float32Array(bs * units)); // (zero dz: only checks backward's reuse below)
          expect(dW.every((v) => v === 0)).toBe(true);
          // Reference: the same sums in float64 from the float32 products.
          const refDb = new Float64Array(units);
          const refDz: number[][] = [];
          for (let b = 0; b < bs; b++) {
            const x = denseRow(perm[10 + b]);
            const row: number[] = [];
            for (let o = 0; o < units; o++) {
              let z = 0;
              for (let c = 0; c < inputs; c++) z += x[c] * W[c * units + o];
              const h = actOf(f(f(z) + bias[o]));
              const m = withMask ? mask[b * units + o] : 1;
              expect(Math.abs(out[b * units + o] - h * m)).toBeLessThan(1e-5 * (1 + Math.abs(h * m)));
              const d = act === 'relu' ? (h > 0 ? 1 : 0) : act === 'tanh' ? 1 - h * h : 1;
              const dz = dy[b * units + o] * m * d;
              row.push(dz);
              refDb[o] += dz;
            }
            refDz.push(row);
          }
          for (let o = 0; o < units; o++) expect(Math.abs(db[o] - refDb[o])).toBeLessThan(1e-4 * (1 + Math.abs(refDb[o])));
          // dW = xᵀ·dz from the kernel's dz: redo the backward pass and compare with the reference.
          layer.setBatch(perm, 10, bs);
          layer.forwardActivation(bias, withMask ? mask : null);
          layer.backwardActivation(dy);
          const gotW = keptKernelGradient(layer);
          const adamBefore = layer.kernel();
          layer.adamStep(0.01, 0);
          const moved = layer.kernel();
          const refW = new Float64Array(inputs * units);
          for (let b = 0; b < bs; b++) {
            const x = denseRow(perm[10 + b]);
            for (let c = 0; c < inputs; c++) for (let o = 0; o < units; o++) refW[c * units + o] += x[c] * refDz[b][o];
          }
          // The kernel gradient kept for adamStep, element by element (float32 sums of float32 dz).
          expect(gotW.length).toBe(refW.length);
          let worst = 0;
          for (let i = 0; i < refW.length; i++) worst = Math.max(worst, Math.abs(gotW[i] - refW[i]) / (1 + Math.abs(refW[i])));
          expect(worst).toBeLessThan(1e-5);
          expect(refW.some((v) => Math.abs(v) > 0.1)).toBe(true);
          // and it is the gradient adamStep uses: Adam's first step moves each weight by −lr · sign(g) (to ε).
          let checked = 0;
          for (let i = 0; i < refW.length; i++) {
            if (Math.abs(refW[i]) < 1e-3) continue;
            checked++;
            expect(Math.sign(adamBefore[i] - moved[i])).toBe(Math.sign(refW[i]));
          }
          expect(checked).toBeGreaterThan(refW.length / 2);
          layer.release();
        }
      });
    }
  }
});
