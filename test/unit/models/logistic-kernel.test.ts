import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { addTransposed, dataLossGrad, lossResiduals, margins } from '../../../src/models/logistic/loss.js';
import { WasmLossKernel } from '../../../src/models/logistic/wasm-kernel.js';

/** Random dense block + CSR block with rows of 0..2·avg non-zeros (odd and even lengths, empty rows). */
function randomMatrix(rows: number, dc: number, sc: number, seed: number) {
  const rng = new Rng(seed);
  const dense = Float64Array.from({ length: rows * dc }, () => rng.normal() * 3);
  const indptr = new Int32Array(rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < rows; i++) {
    const cols = new Set<number>();
    const k = Math.floor(rng.next() * 12);
    while (cols.size < Math.min(k, sc)) cols.add(Math.floor(rng.next() * sc));
    for (const c of [...cols].sort((a, b) => a - b)) {
      idx.push(c);
      val.push(rng.next());
    }
    indptr[i + 1] = idx.length;
  }
  return { dense, indptr, indices: Int32Array.from(idx), values: Float64Array.from(val) };
}

describe('logistic loss kernels', () => {
  for (const dc of [0, 1, 5, 24]) {
    it(`WebAssembly and JavaScript matrix passes are bit-identical (dense cols ${dc})`, () => {
      const rows = 301;
      const sc = 40;
      const d = dc + sc;
      const m = randomMatrix(rows, dc, sc, 7 + dc);
      const wk = WasmLossKernel.create(rows, m.dense, dc, m.indptr, m.indices, m.values, d + 1);
      // Node 20 has WebAssembly: the fast path must exist here (it would silently fall back otherwise).
      expect(wk).not.toBeNull();
      if (!wk) return;
      const rng = new Rng(3);
      const theta = Float64Array.from({ length: d + 1 }, () => rng.normal());
      const z = new Float64Array(rows);
      margins(rows, m.dense, dc, m.indptr, m.indices, m.values, theta, 0.25, z);
      wk.theta.set(theta);
      wk.margins(0.25);
      expect(Array.from(wk.z)).toEqual(Array.from(z));
      // Reference margins by plain summation: same values up to rounding.
      for (let i = 0; i < rows; i++) {
        let s = 0.25;
        for (let j = 0; j < dc; j++) s += m.dense[i * dc + j] * theta[j];
        for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) s += m.values[k] * theta[dc + m.indices[k]];
        expect(z[i]).toBeCloseTo(s, 10);
      }
      const r = Float64Array.from({ length: rows }, () => rng.normal());
      const g = Float64Array.from({ length: d + 1 }, () => rng.normal());
      wk.z.set(r);
      wk.grad.set(g);
      addTransposed(rows, m.dense, dc, m.indptr, m.indices, m.values, r, g);
      wk.transposed();
      expect(Array.from(wk.grad)).toEqual(Array.from(g));
    });
  }

  it('dataLossGrad equals the loss and gradient computed row by row', () => {
    const rows = 120;
    const dc = 3;
    const sc = 20;
    const d = dc + sc;
    const m = randomMatrix(rows, dc, sc, 11);
    const rng = new Rng(5);
    const y = Uint8Array.from({ length: rows }, () => (rng.next() < 0.4 ? 1 : 0));
    const sw = Float64Array.from({ length: rows }, () => 0.5 + rng.next());
    const theta = Float64Array.from({ length: d + 1 }, () => rng.normal() * 0.5);
    const grad = new Float64Array(d + 1);
    const loss = dataLossGrad(rows, m.dense, dc, m.indptr, m.indices, m.values, y, sw, 2, theta, d, true, grad, new Float64Array(rows), new Float64Array(1));
    let L = 0;
    const G = new Float64Array(d + 1);
    for (let i = 0; i < rows; i++) {
      let z = theta[d];
      for (let j = 0; j < dc; j++) z += m.dense[i * dc + j] * theta[j];
      for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) z += m.values[k] * theta[dc + m.indices[k]];
      const p = 1 / (1 + Math.exp(-z));
      L += 2 * sw[i] * -(y[i] ? Math.log(p) : Math.log(1 - p));
      const res = 2 * sw[i] * (p - y[i]);
      for (let j = 0; j < dc; j++) G[j] += m.dense[i * dc + j] * res;
      for (let k = m.indptr[i]; k < m.indptr[i + 1]; k++) G[dc + m.indices[k]] += m.values[k] * res;
      G[d] += res;
    }
    expect(loss).toBeCloseTo(L, 9);
    for (let j = 0; j <= d; j++) expect(grad[j]).toBeCloseTo(G[j], 9);
  });

  it('lossResiduals is stable for large margins', () => {
    const z = Float64Array.from([800, -800, 800, -800]);
    const sum = new Float64Array(1);
    const loss = lossResiduals(4, Uint8Array.from([1, 0, 0, 1]), new Float64Array(4).fill(1), 1, z, sum);
    expect(loss).toBeCloseTo(1600, 9);
    expect(Array.from(z)).toEqual([0, 0, 1, -1]);
    expect(sum[0]).toBe(0);
  });
});
