import { describe, expect, it } from 'vitest';
import { addColumnSums, addSquaredDeviations, assertFinite, denseMatrix, featureMatrix, type CsrMatrix, type FeatureMatrix } from '../../../src/core/matrix.js';
import { checkMatrixStructure } from '../../../src/models/gbm/checks.js';

/** 4 rows × (2 dense + 3 sparse); row 1 has no sparse entries. */
function matrix(sparse: Partial<CsrMatrix> = {}, dense?: number[]): FeatureMatrix {
  const csr: CsrMatrix = {
    rows: 4,
    cols: 3,
    indptr: Int32Array.from([0, 2, 2, 3, 5]),
    indices: Int32Array.from([0, 2, 1, 0, 1]),
    data: Float64Array.from([0.5, 0.25, 1, 2, 3]),
    ...sparse,
  };
  return featureMatrix(denseMatrix(4, 2, Float64Array.from(dense ?? [1, 2, 3, 4, 5, 6, 7, 8])), csr, ['d0', 'd1', 's0', 's1', 's2']);
}

describe('assertFinite', () => {
  it('passes a finite matrix', () => {
    expect(() => assertFinite(matrix())).not.toThrow();
  });

  it('names the row and feature of the first non-finite dense value', () => {
    expect(() => assertFinite(matrix({}, [1, 2, 3, 4, 5, Infinity, 7, NaN]))).toThrow(/holds Infinity at row 2, feature 'd1'; expected finite numbers/);
  });

  it('names the row and feature of the first non-finite sparse value, rows without entries counted', () => {
    // entry 2 is row 2's (row 1 is empty), column 1 → feature s1
    expect(() => assertFinite(matrix({ data: Float64Array.from([0.5, 0.25, NaN, 2, -Infinity]) }))).toThrow(/holds NaN at row 2, feature 's1'/);
    // entry 4: row 3, column 1
    expect(() => assertFinite(matrix({ data: Float64Array.from([0.5, 0.25, 1, 2, -Infinity]) }))).toThrow(/holds -Infinity at row 3, feature 's1'/);
  });

  it('looks only at the entries of the rows (a CSR view into a larger array)', () => {
    const view = matrix({ indptr: Int32Array.from([1, 3, 3, 4, 6]), indices: Int32Array.from([9, 0, 2, 1, 0, 1, 9]), data: Float64Array.from([NaN, 0.5, 0.25, 1, 2, 3, NaN]) });
    expect(() => assertFinite(view)).not.toThrow();
  });
});

describe('checkMatrixStructure', () => {
  const check = (m: FeatureMatrix) => () => checkMatrixStructure('gbm fit', m, 'training data');

  it('passes a well-formed matrix', () => {
    expect(check(matrix())).not.toThrow();
  });

  it('names the row whose indptr decreases', () => {
    expect(check(matrix({ indptr: Int32Array.from([0, 2, 1, 3, 5]) }))).toThrow(/gbm fit: training data: the sparse block's indptr decreases at row 1 \(2 then 1\)/);
  });

  it('names the row with a column index out of range, or not strictly ascending', () => {
    expect(check(matrix({ indices: Int32Array.from([0, 2, 3, 0, 1]) }))).toThrow(/row 2 has a sparse entry in column 3; expected column indices in \[0, 3\)/);
    expect(check(matrix({ indices: Int32Array.from([0, 2, 1, 1, 1]) }))).toThrow(/row 3's sparse column indices are not strictly ascending \(1 then 1\)/);
    expect(check(matrix({ indices: Int32Array.from([2, 0, 1, 0, 1]) }))).toThrow(/row 0's sparse column indices are not strictly ascending \(2 then 0\)/);
    expect(check(matrix({ indices: Int32Array.from([-1, 2, 1, 0, 1]) }))).toThrow(/row 0 has a sparse entry in column -1/);
  });
});

describe('addColumnSums / addSquaredDeviations', () => {
  it('add per column over the rows, in row order', () => {
    const data = Float64Array.from([1, 10, 2, 20, 4, 40]); // 3 rows × 2
    const sum = Float64Array.from([100, 0]);
    addColumnSums(data, 3, 2, sum);
    expect([...sum]).toEqual([107, 70]);
    const dev = new Float64Array(2);
    addSquaredDeviations(data, 3, 2, Float64Array.from([2, 20]), dev);
    expect([...dev]).toEqual([1 + 0 + 4, 100 + 0 + 400]);
  });
});
