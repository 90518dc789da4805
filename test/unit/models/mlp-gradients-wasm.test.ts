/**
 * BatchMatMul's backward rule on the wasm backend, where it transposes the operands before a plain
 * product instead of passing the transpose flags (gradients.ts `productOf`): its gradients must
 * equal those of the flagged products on the CPU backend (checked against finite differences in
 * mlp-gradients.test.ts) for every transpose combination, for 2-D and batched 3-D operands.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tfRuntime } from '../../../src/models/mlp/backend.js';

beforeAll(async () => {
  const rt = await tfRuntime('wasm');
  expect(rt.backend).toBe('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

/** Seeded operand of `shape` (values in [-1, 1)), created on the current backend. */
function operand(shape: number[], seed: number): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(s / 1073741824 - 1);
  }
  return out;
}

/** d sum(w ⊙ op(a)·op(b)) / d(a, b) on `backend`, as flat arrays. */
async function grads(backend: string, a: number[], aShape: number[], b: number[], bShape: number[], ta: boolean, tb: boolean): Promise<[Float32Array, Float32Array]> {
  await tf.setBackend(backend);
  expect(tf.getBackend()).toBe(backend);
  const out = tf.tidy(() => {
    const A = tf.tensor(a, aShape);
    const B = tf.tensor(b, bShape);
    const y = tf.matMul(A, B, ta, tb);
    const w = tf.tensor(operand(y.shape, 99), y.shape);
    const [gA, gB] = tf.grads((x: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, z, ta, tb), w)))([A, B]);
    return [gA.dataSync() as Float32Array, gB.dataSync() as Float32Array];
  });
  return [out[0], out[1]];
}

function maxRelDiff(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return worst;
}

describe('BatchMatMul gradient on the wasm backend (explicit transposes)', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['a·b', false, false],
    ['aᵀ·b', true, false],
    ['a·bᵀ', false, true],
    ['aᵀ·bᵀ', true, true],
  ];
  for (const batch of [[], [2]]) {
    it.each(cases)(`%s, batch dims [${batch.join(',')}]: equals the flagged products on cpu`, async (_name, ta, tb) => {
      const [m, k, n] = [7, 5, 3];
      const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
      const bShape = [...batch, ...(tb ? [n, k] : [k, n])];
      const a = operand(aShape, 1);
      const b = operand(bShape, 2);
      const [wasmA, wasmB] = await grads('wasm', a, aShape, b, bShape, ta, tb);
      const [cpuA, cpuB] = await grads('cpu', a, aShape, b, bShape, ta, tb);
      expect(wasmA.length).toBe(a.length);
      expect(wasmB.length).toBe(b.length);
      expect(maxRelDiff(wasmA, cpuA)).toBeLessThan(1e-5);
      expect(maxRelDiff(wasmB, cpuB)).toBeLessThan(1e-5);
    });
  }
});
