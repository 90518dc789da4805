/**
 * Parity with scikit-learn 1.2.1 `TfidfVectorizer` on the shared fixtures (800 SpamAssassin texts):
 * the vocabulary must be equal, idf and every CSR value within 1e-6.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fitTfidf, fitTransformTfidf, type TfidfOptions } from '../../../src/features/tfidf.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtureDir = path.resolve(here, '../../../../shared/fixtures/sklearn');

interface Fixture {
  params: Record<string, unknown>;
  docs: string[];
  vocabulary: string[];
  idf: number[];
  matrix: { shape: [number, number]; indptr: number[]; indices: number[]; data: number[] };
}

function load(name: string): Fixture {
  return JSON.parse(readFileSync(path.join(fixtureDir, `tfidf-${name}.json`), 'utf8')) as Fixture;
}

function toOptions(p: Record<string, unknown>): Partial<TfidfOptions> {
  const o: Record<string, unknown> = {};
  const map: Record<string, string> = {
    max_features: 'maxFeatures', min_df: 'minDf', max_df: 'maxDf', sublinear_tf: 'sublinearTf',
    stop_words: 'stopWords', smooth_idf: 'smoothIdf', use_idf: 'useIdf', norm: 'norm', lowercase: 'lowercase',
  };
  for (const [k, v] of Object.entries(p)) {
    if (!(k in map)) throw new Error(`fixture param ${k} not mapped`);
    o[map[k]] = v;
  }
  return o as Partial<TfidfOptions>;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['default', 'min-df', 'spam-pipeline'])('TfidfVectorizer parity: %s', (name) => {
  const fx = load(name);
  const opts = toOptions(fx.params);

  it('vocabulary equals sklearn (same terms, same column order)', () => {
    const fitted = fitTfidf(fx.docs, opts);
    expect(fitted.vocabulary.length).toBe(fx.vocabulary.length);
    expect([...fitted.vocabulary]).toEqual(fx.vocabulary);
  });

  it('idf within 1e-6', () => {
    const fitted = fitTfidf(fx.docs, opts);
    expect(fitted.idf.length).toBe(fx.idf.length);
    expect(maxAbsDiff(fitted.idf, fx.idf)).toBeLessThan(1e-6);
  });

  it('transform: every CSR entry within 1e-6 (same structure)', () => {
    const fitted = fitTfidf(fx.docs, opts);
    const m = fitted.transform(fx.docs);
    expect([m.rows, m.cols]).toEqual(fx.matrix.shape);
    expect(Array.from(m.indptr)).toEqual(fx.matrix.indptr);
    // sklearn's CSR may hold a row's entries unsorted: compare per row after sorting by column.
    for (let r = 0; r < m.rows; r++) {
      const a = fx.matrix.indptr[r];
      const b = fx.matrix.indptr[r + 1];
      const ref = fx.matrix.indices.slice(a, b).map((c, i) => [c, fx.matrix.data[a + i]] as const).sort((x, y) => x[0] - y[0]);
      for (let k = 0; k < ref.length; k++) {
        expect(m.indices[a + k]).toBe(ref[k][0]);
        const d = Math.abs(m.data[a + k] - ref[k][1]);
        // !(d < tol), not d >= tol: a NaN entry must fail too.
        if (!(d < 1e-6)) expect.fail(`row ${r} col ${ref[k][0]}: ${m.data[a + k]} vs ${ref[k][1]}`);
      }
    }
  });

  it('fitTransform equals fit then transform exactly', () => {
    const { fitted, matrix } = fitTransformTfidf(fx.docs, opts);
    const m2 = fitted.transform(fx.docs);
    expect(Array.from(matrix.indptr)).toEqual(Array.from(m2.indptr));
    expect(Array.from(matrix.indices)).toEqual(Array.from(m2.indices));
    expect(Array.from(matrix.data)).toEqual(Array.from(m2.data));
  });
});
