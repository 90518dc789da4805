/** Bit-identity of feature matrices: every array compared byte for byte, plus shapes and names. */
import { expect } from 'vitest';
import type { CsrMatrix, FeatureMatrix } from '../../../src/core/matrix.js';

const bits = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSameBits(what: string, a: ArrayBufferView, b: ArrayBufferView): void {
  expect(a.constructor, what).toBe(b.constructor);
  expect(a.byteLength, `${what} length`).toBe(b.byteLength);
  expect(bits(a).equals(bits(b)), `${what} differs`).toBe(true);
}

/** Same shape and the same bytes in indptr, indices and data. */
export function expectSameCsr(a: CsrMatrix, b: CsrMatrix, what = 'sparse'): void {
  expect([a.rows, a.cols], `${what} shape`).toEqual([b.rows, b.cols]);
  expectSameBits(`${what}.indptr`, a.indptr, b.indptr);
  expectSameBits(`${what}.indices`, a.indices, b.indices);
  expectSameBits(`${what}.data`, a.data, b.data);
}

/** Same rows, feature names, dense block and sparse block, bit for bit. */
export function expectSameMatrix(a: FeatureMatrix, b: FeatureMatrix): void {
  expect(a.rows).toBe(b.rows);
  expect(a.featureNames).toEqual(b.featureNames);
  expect([a.dense.rows, a.dense.cols], 'dense shape').toEqual([b.dense.rows, b.dense.cols]);
  expectSameBits('dense.data', a.dense.data, b.dense.data);
  expectSameCsr(a.sparse, b.sparse);
}
