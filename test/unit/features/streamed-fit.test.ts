/**
 * The batch-fed fit and the row-batch matrix assembly (the streamed pipeline's building blocks)
 * against the one-call functions: same vocabulary, idf and sender history whatever the batches,
 * the exact training non-zeros, and the same matrix bit for bit when the builder's non-zero hint
 * is too small (it grows) or too large (it trims).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../src/core/matrix.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { FeatureMatrixBuilder } from '../../../src/features/matrix-builder.js';
import { FeaturePipelineFitter, fitTransformFeaturePipeline } from '../../../src/features/pipeline.js';
import { TfidfFitter, fitTfidf } from '../../../src/features/tfidf.js';
import { DAY, record, T0 } from './records.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(path.resolve(here, '../../../../shared/fixtures/sklearn/tfidf-spam-pipeline.json'), 'utf8')) as { docs: string[] };
const records: EmailRecord[] = fx.docs.map((doc, i) =>
  record({
    email_id: `fx${i}`,
    label: (i % 4 === 0 ? 1 : 0) as 0 | 1,
    subject: i % 3 === 0 ? `offer ${i}` : '',
    body_text: doc,
    sender_domain: i % 11 === 0 ? null : `d${i % 13}.com`,
    sender: `u@d${i % 13}.com`,
    event_timestamp: i % 50 === 7 ? null : T0 + (i % 97) * DAY,
  }),
);

/** Uneven batches: 1, 2, 3, ... records. */
function batches<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let at = 0, k = 1; at < xs.length; at += k, k++) out.push(xs.slice(at, at + k));
  return out;
}

const bits = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function same(a: FeatureMatrix, b: FeatureMatrix): void {
  expect(a.rows).toBe(b.rows);
  expect(a.featureNames).toEqual(b.featureNames);
  for (const [x, y] of [[a.dense.data, b.dense.data], [a.sparse.indptr, b.sparse.indptr], [a.sparse.indices, b.sparse.indices], [a.sparse.data, b.sparse.data]] as const) {
    expect(bits(x).equals(bits(y))).toBe(true);
  }
}

describe('streamed fit and matrix assembly', () => {
  it('TfidfFitter over batches = fitTfidf over all documents; nnz = the matrix non-zeros', () => {
    const docs = fx.docs;
    const f = new TfidfFitter({ maxFeatures: 500, sublinearTf: true, stopWords: 'english' });
    for (const b of batches(docs)) f.add(b);
    const { fitted, nnz } = f.finish();
    const whole = fitTfidf(docs, { maxFeatures: 500, sublinearTf: true, stopWords: 'english' });
    expect(fitted.vocabulary).toEqual(whole.vocabulary);
    expect(bits(fitted.idf).equals(bits(whole.idf))).toBe(true);
    expect(nnz).toBe(whole.transform(docs).indptr[docs.length]);
    expect(f.documents).toBe(docs.length);
  });

  it('FeaturePipelineFitter + FeatureMatrixBuilder = fitTransformFeaturePipeline, bit for bit, for any hint', () => {
    const ref = fitTransformFeaturePipeline(records);
    const fitter = new FeaturePipelineFitter();
    for (const b of batches(records)) fitter.add(b);
    const { pipeline, trainTfidfNnz } = fitter.finish();
    expect(pipeline.toPayload()).toEqual(ref.pipeline.toPayload());
    expect(trainTfidfNnz).toBe(ref.matrix.sparse.indptr[records.length]);
    for (const hint of [1, trainTfidfNnz, trainTfidfNnz * 3]) {
      const b = new FeatureMatrixBuilder(records.length, pipeline.denseCols, pipeline.tfidf.numFeatures, pipeline.featureNames, hint);
      for (const batch of batches(records)) b.append(pipeline.transform(batch));
      const m = b.finish();
      same(m, ref.matrix);
      expect(m.sparse.indices.length).toBe(trainTfidfNnz);
    }
  });

  it('keepTrainTokens: the kept training TF-IDF block equals the transform, within the budget only', () => {
    const ref = fitTransformFeaturePipeline(records);
    const kept = new FeaturePipelineFitter({ keepTrainTokens: 1 << 24 });
    for (const b of batches(records)) kept.add(b);
    const k = kept.finish();
    expect(k.trainTfidf).not.toBeNull();
    expect(k.pipeline.toPayload()).toEqual(ref.pipeline.toPayload());
    for (const key of ['indptr', 'indices', 'data'] as const) expect(bits(k.trainTfidf![key]).equals(bits(ref.matrix.sparse[key]))).toBe(true);
    // A budget below the corpus' token count (which is at least its non-zeros): dropped part-way,
    // same fit, no block.
    const small = new FeaturePipelineFitter({ keepTrainTokens: Math.max(1, k.trainTfidfNnz >> 1) });
    for (const b of batches(records)) small.add(b);
    const s = small.finish();
    expect(s.trainTfidf).toBeNull();
    expect(s.pipeline.toPayload()).toEqual(ref.pipeline.toPayload());
    expect(s.trainTfidfNnz).toBe(k.trainTfidfNnz);
  });

  it('the builder rejects too many rows, too few rows and a batch of other columns', () => {
    const { pipeline, matrix } = fitTransformFeaturePipeline(records.slice(0, 20));
    const mk = (rows: number) => new FeatureMatrixBuilder(rows, pipeline.denseCols, pipeline.tfidf.numFeatures, pipeline.featureNames, 10);
    const over = mk(10);
    expect(() => over.append(matrix)).toThrow(/more than the 10 expected rows/);
    const under = mk(30);
    under.append(matrix);
    expect(() => under.finish()).toThrow(/20 rows appended, expected 30/);
    const other = new FeatureMatrixBuilder(20, pipeline.denseCols, 1, [...pipeline.featureNames.slice(0, pipeline.denseCols), 'x'], 10);
    expect(() => other.append(matrix)).toThrow(/columns/);
  });
});
