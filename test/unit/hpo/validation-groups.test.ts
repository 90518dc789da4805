import { describe, expect, it } from 'vitest';
import { denseMatrix, emptyCsr, featureMatrix } from '../../../src/core/matrix.js';
import { makeFolds, studyHoldoutRows } from '../../../src/hpo/validation.js';

/** 200 rows; row value = row index, so each fold part tells which rows it holds. */
function data(n = 200) {
  const X = featureMatrix(denseMatrix(n, 1, Float64Array.from({ length: n }, (_, i) => i)), emptyCsr(n, 0), ['row']);
  const y = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  // groups of 5 consecutive rows with the same label pattern broken up: group = floor(i / 5) for the first 100 rows, singletons after
  const groups = Int32Array.from({ length: n }, (_, i) => (i < 100 ? Math.floor(i / 5) : 20 + i));
  return { X, y, groups };
}

const rowsOf = (m: { X: { dense: { data: Float64Array } } }) => Array.from(m.X.dense.data);

describe('validation cuts with duplicate groups', () => {
  it('a holdout never splits a group', () => {
    const { X, y, groups } = data();
    const [fold] = makeFolds({ X, y }, { kind: 'holdout', fraction: 0.2 }, 3, groups);
    const validGroups = new Set(rowsOf(fold.valid).map((r) => groups[r]));
    for (const r of rowsOf(fold.train)) expect(validGroups.has(groups[r])).toBe(false);
    expect(fold.train.X.rows + fold.valid.X.rows).toBe(200);
    expect(fold.valid.X.rows).toBeGreaterThan(30);
    expect(fold.valid.X.rows).toBeLessThan(50);
  });

  it('k-fold puts each group in exactly one validation fold', () => {
    const { X, y, groups } = data();
    const folds = makeFolds({ X, y }, { kind: 'kfold', k: 4 }, 3, groups);
    const foldOfGroup = new Map<number, number>();
    folds.forEach((f, k) => {
      for (const r of rowsOf(f.valid)) {
        const g = groups[r];
        expect(foldOfGroup.get(g) ?? k).toBe(k);
        foldOfGroup.set(g, k);
      }
    });
    expect(folds.reduce((s, f) => s + f.valid.X.rows, 0)).toBe(200);
  });

  it('rejects a group list of the wrong length', () => {
    const { X, y } = data();
    expect(() => makeFolds({ X, y }, { kind: 'holdout', fraction: 0.2 }, 3, new Int32Array(5))).toThrow(/5 group ids for 200/);
    expect(() => makeFolds({ X, y }, { kind: 'kfold', k: 3 }, 3, new Int32Array(5))).toThrow(/5 group ids for 200/);
    expect(() => makeFolds({ X, y }, { kind: 'kfold', k: 3 }, 3, Int32Array.from({ length: 200 }, (_, i) => (i === 7 ? -1 : i)))).toThrow(/row 7 has group id -1/);
  });

  it('studyHoldoutRows names the rows makeFolds validates on, with and without groups', () => {
    const { X, y, groups } = data();
    for (const g of [groups, undefined]) {
      const [fold] = makeFolds({ X, y }, { kind: 'holdout', fraction: 0.2 }, 11, g);
      const rows = studyHoldoutRows(y, 0.2, 11, g);
      expect(rows.valid).toEqual(rowsOf(fold.valid));
      expect(rows.train).toEqual(rowsOf(fold.train));
    }
    // grouped and ungrouped holdouts differ on this data (the bench once used the ungrouped one)
    expect(studyHoldoutRows(y, 0.2, 11, groups).valid).not.toEqual(studyHoldoutRows(y, 0.2, 11).valid);
  });
});

describe('validation cuts that would leave a part without a class', () => {
  // 60 rows, 20 spam (every third row), every spam row in one of two groups, ham rows on their own
  function twoSpamGroups() {
    const n = 60;
    const X = featureMatrix(denseMatrix(n, 1, Float64Array.from({ length: n }, (_, i) => i)), emptyCsr(n, 0), ['row']);
    const y = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const groups = Int32Array.from({ length: n }, (_, i) => (y[i] ? i % 2 : 10 + i));
    return { X, y, groups };
  }

  it('k-fold with fewer spam groups than folds is refused, naming the fold', () => {
    const { X, y, groups } = twoSpamGroups();
    expect(() => makeFolds({ X, y }, { kind: 'kfold', k: 5 }, 1, groups)).toThrow(/validation fold 3 of 5 has no spam row in its validation part \(8 rows\): its duplicate-body groups/);
    // two folds can each get one spam group
    expect(makeFolds({ X, y }, { kind: 'kfold', k: 2 }, 1, groups)).toHaveLength(2);
  });

  it('a holdout whose spam lies in one group is refused', () => {
    const { X, y } = twoSpamGroups();
    const oneGroup = Int32Array.from({ length: 60 }, (_, i) => (y[i] ? 0 : 1 + i));
    expect(() => makeFolds({ X, y }, { kind: 'holdout', fraction: 0.2 }, 1, oneGroup)).toThrow(/the validation holdout has no spam row in its (validation|training) part/);
  });
});
