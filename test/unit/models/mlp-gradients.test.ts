/**
 * The MLP's backward rules (src/models/mlp/gradients.ts) against central finite differences, on
 * the CPU backend in float32: every kernel the training graph differentiates through, with the
 * broadcasting the graph uses (bias rows, scalars) and the matMul transposes.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MLP_GRADIENT_KERNELS, registerMlpGradients } from '../../../src/models/mlp/gradients.js';

type T = tf.Tensor;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Max |analytic − numeric| / (1 + |numeric|) of d sum(w ⊙ f(x)) / dx for each input. */
function check(f: (...xs: T[]) => T, inputs: number[][][], h = 1e-2): number {
  return tf.tidy(() => {
    const xs = inputs.map((v) => tf.tensor2d(v));
    const y0 = f(...xs);
    const w = tf.randomUniform(y0.shape, 0.5, 1.5, 'float32', 3);
    const loss = (...a: T[]) => tf.sum(tf.mul(f(...a), w));
    const grads = tf.grads(loss)(xs);
    let worst = 0;
    inputs.forEach((v, k) => {
      const g = grads[k].arraySync() as number[][];
      for (let i = 0; i < v.length; i++) {
        for (let j = 0; j < v[i].length; j++) {
          const at = (d: number) => {
            const moved = inputs.map((u, q) => tf.tensor2d(q === k ? u.map((row, r) => row.map((x, c) => (r === i && c === j ? x + d : x))) : u));
            return (loss(...moved).arraySync() as number);
          };
          const numeric = (at(h) - at(-h)) / (2 * h);
          worst = Math.max(worst, Math.abs(g[i][j] - numeric) / (1 + Math.abs(numeric)));
        }
      }
    });
    return worst;
  });
}

const A = [[0.3, -1.2, 0.8], [1.5, 0.4, -0.7]];
const B = [[0.9, -0.4, 1.1], [-0.6, 1.3, 0.2]];
const ROW = [[0.5, -0.25, 2.0]];
const POS = [[0.7, 1.9, 0.35], [2.2, 0.6, 1.4]];

describe('MLP gradient rules', () => {
  it('registers the kernels the graph needs (none already registered by the core package)', () => {
    const added = registerMlpGradients(tf);
    // The backend runtime may have registered them first in this thread; either way all exist now.
    for (const k of added) expect(MLP_GRADIENT_KERNELS).toContain(k);
    for (const k of MLP_GRADIENT_KERNELS) expect(tf.getGradient(k)).toBeDefined();
    expect(registerMlpGradients(tf)).toEqual([]);
  });

  it.each<[string, (...xs: T[]) => T, number[][][]]>([
    ['add with a broadcast bias row', (a, b) => tf.add(a, b), [A, ROW]],
    ['sub with a broadcast row', (a, b) => tf.sub(a, b), [A, ROW]],
    ['mul', (a, b) => tf.mul(a, b), [A, B]],
    ['mul by a broadcast row', (a, b) => tf.mul(b, a), [A, ROW]],
    ['div', (a, b) => tf.div(a, b), [A, POS]],
    ['div by a broadcast row', (a, b) => tf.div(a, b), [A, [[0.8, 1.7, 0.45]]]],
    ['matMul', (a, b) => tf.matMul(a, b), [A, [[0.2, 1.0], [-0.5, 0.3], [0.9, -1.1]]]],
    ['matMul, b transposed', (a, b) => tf.matMul(a, b, false, true), [A, B]],
    ['matMul, a transposed', (a, b) => tf.matMul(a, b, true, false), [A, B]],
    ['matMul, both transposed', (a, b) => tf.matMul(a, b, true, true), [B, [[0.2, 1.0], [-0.5, 0.3], [0.9, -1.1]]]],
    ['sum over all', (a) => tf.mul(tf.sum(tf.square(a)), tf.ones(a.shape)), [A]],
    ['sum over rows', (a) => tf.reshape(tf.sum(a, 0), [1, 3]), [A]],
    ['reshape', (a) => tf.reshape(a, [3, 2]), [A]],
    ['neg', (a) => tf.neg(a), [A]],
    ['abs (no zeros)', (a) => tf.abs(a), [A]],
    ['square', (a) => tf.square(a), [A]],
    ['exp', (a) => tf.exp(a), [A]],
    ['log1p', (a) => tf.log1p(a), [POS]],
    ['relu (no zeros)', (a) => tf.relu(a), [A]],
    ['tanh', (a) => tf.tanh(a), [A]],
    ['the logistic loss of the trainer', (z, y) => tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), [A, [[1, 0, 1], [0, 0, 1]]]],
  ])('%s matches finite differences', (_name, f, inputs) => {
    expect(check(f, inputs)).toBeLessThan(3e-3);
  });
});
