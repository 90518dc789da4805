/** TF-IDF options, errors and determinism beyond the sklearn fixtures. */
import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import { fitTfidf, FittedTfidf, resolveTfidfOptions } from '../../../src/features/tfidf.js';
import { expectSameCsr } from './same-matrix.js';

const docs = ['free money now', 'money money offer', 'meeting notes now', 'the project meeting'];

describe('tfidf options', () => {
  it('rejects bad options with INVALID_ARGUMENT naming the option', () => {
    const bad = [{ maxFeatures: 0 }, { minDf: 1.5 }, { maxDf: 2.5 }, { minDf: -1 }, { norm: 'l3' }, { sublinearTf: 'yes' }, { stopWords: 'french' }];
    for (const o of bad) {
      try {
        resolveTfidfOptions(o as never);
        expect.fail(`accepted ${JSON.stringify(o)}`);
      } catch (e) {
        expect((e as TrainSpamError).code).toBe('INVALID_ARGUMENT');
        expect((e as Error).message).toContain(Object.keys(o)[0]);
      }
    }
  });

  it('empty vocabulary and over-pruning are INVALID_DATA errors', () => {
    expect(() => fitTfidf(['a b', 'the and'], { stopWords: 'english' })).toThrow(/empty vocabulary/);
    expect(() => fitTfidf(docs, { minDf: 4 })).toThrow(/no terms remain/);
    expect(() => fitTfidf(docs, { minDf: 3, maxDf: 2 })).toThrow(/fewer documents than minDf/);
    expect(() => fitTfidf([])).toThrow(TrainSpamError);
  });

  it('min_df as a count and as a proportion; max_df as a proportion', () => {
    expect([...fitTfidf(docs, { minDf: 2 }).vocabulary]).toEqual(['meeting', 'money', 'now']);
    expect([...fitTfidf(docs, { minDf: 0.5 }).vocabulary]).toEqual(['meeting', 'money', 'now']);
    expect(fitTfidf(docs, { maxDf: 0.4 }).vocabulary).not.toContain('money');
  });

  it('smooth idf, raw idf and no idf', () => {
    const n = docs.length;
    const f = fitTfidf(docs);
    expect(f.idf[f.indexOf('money')]).toBeCloseTo(Math.log((n + 1) / 3) + 1, 12); // money is in 2 documents
    const g = fitTfidf(docs, { smoothIdf: false });
    expect(g.idf[g.indexOf('money')]).toBeCloseTo(Math.log(n / 2) + 1, 12);
    const h = fitTfidf(docs, { useIdf: false });
    expect(Array.from(h.idf).every((v) => v === 1)).toBe(true);
  });

  it('sublinear tf and l2 rows', () => {
    const f = fitTfidf(docs, { sublinearTf: true, useIdf: false, norm: null });
    const m = f.transform(['money money money offer']);
    const money = f.indexOf('money');
    const row = new Map(Array.from(m.indices).map((c, k) => [c, m.data[k]]));
    expect(row.get(money)).toBeCloseTo(1 + Math.log(3), 12);
    const l2 = fitTfidf(docs).transform(docs);
    for (let r = 0; r < l2.rows; r++) {
      let s = 0;
      for (let k = l2.indptr[r]; k < l2.indptr[r + 1]; k++) s += l2.data[k] ** 2;
      expect(s).toBeCloseTo(1, 12);
    }
  });

  it('unknown terms and empty documents give empty rows; columns sorted within rows', () => {
    const f = fitTfidf(docs);
    const m = f.transform(['', 'zzz qqq', 'now money free']);
    expect(Array.from(m.indptr)).toEqual([0, 0, 0, 3]);
    expect(Array.from(m.indices)).toEqual([...m.indices].sort((a, b) => a - b));
  });

  it('is deterministic: same input gives bit-identical output', () => {
    const a = fitTfidf(docs, { sublinearTf: true }).transform(docs);
    const b = fitTfidf(docs, { sublinearTf: true }).transform(docs);
    expect(a.data.length).toBeGreaterThan(0);
    expectSameCsr(a, b);
  });

  it('FittedTfidf rejects inconsistent vocabularies', () => {
    const o = resolveTfidfOptions();
    expect(() => new FittedTfidf(['a', 'b'], new Float64Array(1), o)).toThrow(/vocabulary has 2 terms/);
    expect(() => new FittedTfidf(['aa', 'aa'], new Float64Array([1, 1]), o)).toThrow(/twice/);
    expect(() => new FittedTfidf(['aa'], new Float64Array([NaN]), o)).toThrow(/idf/);
  });
});
