import { describe, expect, it } from 'vitest';
import { selectRows } from '../../../src/core/matrix.js';
import { Rng } from '../../../src/core/random.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { wasmForwardAvailable } from '../../../src/models/mlp/forward-wasm.js';
import { WASM_MIN_ROWS, fitScaler, forwardProba, initLayer, type Activation, type DenseLayer, type MlpNetwork } from '../../../src/models/mlp/network.js';
import { tanh64 } from '../../../src/models/mlp/tanh64.js';

/** The straightforward pass: per row, per layer, axpy over the units, inputs in ascending order. */
function referenceProba(net: MlpNetwork, X: ReturnType<typeof syntheticData>['X']): Float64Array {
  const out = new Float64Array(X.rows);
  const dc = X.dense.cols;
  for (let r = 0; r < X.rows; r++) {
    const inputs: Array<[number, number]> = [];
    for (let c = 0; c < dc; c++) inputs.push([c, (X.dense.data[r * dc + c] - net.scaler.mean[c]) / net.scaler.scale[c]]);
    for (let p = X.sparse.indptr[r]; p < X.sparse.indptr[r + 1]; p++) inputs.push([dc + X.sparse.indices[p], X.sparse.data[p]]);
    let h: number[] = [];
    net.layers.forEach((L, li) => {
      const x = li === 0 ? inputs : h.map((v, i) => [i, v] as [number, number]);
      const next = Array.from(L.bias, (b) => b);
      for (const [i, v] of x) {
        if (v === 0) continue;
        for (let o = 0; o < L.units; o++) next[o] += v * L.kernel[i * L.units + o];
      }
      h = li < net.layers.length - 1 ? next.map((v) => (net.activation === 'relu' ? Math.max(v, 0) : tanh64(v))) : next;
    });
    const z = h[0];
    out[r] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }
  return out;
}

describe('mlp forward pass', () => {
  const data = syntheticData({ rows: 150, seed: 4, denseCols: 5, sparseCols: 40, density: 0.2 });
  for (const [hidden, activation] of [
    [[16], 'relu'],
    [[13, 8], 'tanh'],
    [[3], 'relu'],
    [[9, 8, 5], 'relu'],
    [[24, 16], 'tanh'],
  ] as Array<[number[], Activation]>) {
    it(`is bit-identical to the straightforward pass (hidden ${JSON.stringify(hidden)}, ${activation})`, () => {
      const layers: DenseLayer[] = [];
      let inputs = 45;
      hidden.forEach((u, i) => {
        layers.push(initLayer(inputs, u, 'he', new Rng(10 + i)));
        inputs = u;
      });
      layers.push(initLayer(inputs, 1, 'glorot', new Rng(99)));
      // Non-zero biases so their place in the sums matters.
      for (const l of layers) for (let o = 0; o < l.units; o++) l.bias[o] = Math.fround(0.05 * (o - 2));
      const net: MlpNetwork = { layers, activation, scaler: fitScaler(data.X), denseCols: 5, sparseCols: 40 };
      // 150 rows: the WebAssembly kernel; 20 rows: the JavaScript kernel. Both bit-identical.
      expect(data.X.rows).toBeGreaterThanOrEqual(WASM_MIN_ROWS);
      expect(Array.from(forwardProba(net, data.X))).toEqual(Array.from(referenceProba(net, data.X)));
      const small = selectRows(data.X, Array.from({ length: 20 }, (_, i) => 7 * i));
      expect(small.rows).toBeLessThan(WASM_MIN_ROWS);
      expect(Array.from(forwardProba(net, small))).toEqual(Array.from(referenceProba(net, small)));
    });
  }

  it('runs rows in chunks of the kernel (600 rows: three chunks, the last partial) with saturating units, bit-identical', () => {
    expect(wasmForwardAvailable).toBe(true);
    const big = syntheticData({ rows: 600, seed: 6, denseCols: 5, sparseCols: 40, density: 0.3 });
    const layers: DenseLayer[] = [initLayer(45, 11, 'he', new Rng(3)), initLayer(11, 7, 'he', new Rng(4)), initLayer(7, 1, 'glorot', new Rng(5))];
    // Large first-layer weights: many units beyond tanh's saturation (|z| > 19), others near 0.
    for (let i = 0; i < layers[0].kernel.length; i++) layers[0].kernel[i] *= i % 3 === 0 ? 40 : 0.01;
    for (const activation of ['tanh', 'relu'] as Activation[]) {
      const net: MlpNetwork = { layers, activation, scaler: fitScaler(big.X), denseCols: 5, sparseCols: 40 };
      expect(Array.from(forwardProba(net, big.X))).toEqual(Array.from(referenceProba(net, big.X)));
    }
  });
});
