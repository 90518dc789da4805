/** The fitted feature pipeline: 524 named columns in a stable order, sklearn parity of its TF-IDF block, determinism. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assertFinite, selectRows } from '../../../src/core/matrix.js';
import { fitFeaturePipeline, fitTransformFeaturePipeline } from '../../../src/features/pipeline.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { DAY, record, smallCorpus, T0 } from './records.js';
import { expectSameMatrix } from './same-matrix.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(path.resolve(here, '../../../../shared/fixtures/sklearn/tfidf-spam-pipeline.json'), 'utf8')) as {
  docs: string[];
  vocabulary: string[];
  matrix: { indptr: number[]; indices: number[]; data: number[] };
};

/** The fixture's 800 texts as records (whole text as body, empty subject), with synthetic senders and dates. */
const fixtureRecords: EmailRecord[] = fx.docs.map((doc, i) =>
  record({
    email_id: `fx${i}`,
    label: (i % 4 === 0 ? 1 : 0) as 0 | 1,
    body_text: doc,
    sender_domain: `d${i % 13}.com`,
    sender: `u@d${i % 13}.com`,
    event_timestamp: i % 50 === 7 ? null : T0 + (i % 97) * DAY,
  }),
);

const DENSE = [
  'email_text_features__url_count', 'email_text_features__word_count', 'email_text_features__uppercase_ratio',
  'email_text_features__exclamation_count', 'email_text_features__digit_ratio', 'email_text_features__avg_word_length',
  'email_text_features__money_symbol_count', 'email_text_features__char_count',
  'email_structural_features__has_html', 'email_structural_features__subject_length', 'email_structural_features__num_links_html',
  'email_structural_features__num_images', 'email_structural_features__has_attachment', 'email_structural_features__num_recipients',
  'email_structural_features__reply_to_differs', 'email_structural_features__is_multipart',
  'email_temporal_features__hour_of_day', 'email_temporal_features__day_of_week', 'email_temporal_features__is_weekend',
  'email_temporal_features__date_missing',
  'sender_domain_features__spam_ratio', 'sender_domain_features__email_count',
  'sender_domain_features__days_since_first_seen', 'sender_domain_features__days_since_last_seen',
];

describe('fitted feature pipeline', () => {
  const pipe = fitFeaturePipeline(fixtureRecords);
  const X = pipe.transform(fixtureRecords);

  it('has 524 features: 24 dense in a fixed order, then 500 TF-IDF terms in vocabulary order', () => {
    expect(pipe.featureNames.length).toBe(524);
    expect(X.featureNames.length).toBe(524);
    expect(pipe.featureNames.slice(0, 24)).toEqual(DENSE);
    expect(pipe.featureNames.slice(24)).toEqual(fx.vocabulary.map((t) => `email_tfidf_features__${t}`));
    expect([X.dense.cols, X.sparse.cols, X.rows]).toEqual([24, 500, 800]);
    expect(new Set(pipe.featureNames).size).toBe(524);
    expect(pipe.views.map((v) => [v.name, v.features.length])).toEqual([
      ['email_text_features', 8], ['email_structural_features', 8], ['email_temporal_features', 4],
      ['sender_domain_features', 4], ['email_tfidf_features', 500],
    ]);
  });

  it('TF-IDF block equals sklearn (500 terms, sublinear tf, English stop words) to 1e-6', () => {
    expect(Array.from(X.sparse.indptr)).toEqual(fx.matrix.indptr);
    for (let r = 0; r < X.rows; r++) {
      const a = fx.matrix.indptr[r];
      const ref = fx.matrix.indices.slice(a, fx.matrix.indptr[r + 1]).map((c, i) => [c, fx.matrix.data[a + i]]).sort((p, q) => p[0] - q[0]);
      ref.forEach(([c, v], k) => {
        expect(X.sparse.indices[a + k]).toBe(c);
        expect(Math.abs(X.sparse.data[a + k] - v)).toBeLessThan(1e-6);
      });
    }
  });

  it('all values finite; transforming one record equals its row of a batch', () => {
    assertFinite(X);
    for (const i of [0, 7, 399, 799]) {
      const one = pipe.transform([fixtureRecords[i]]);
      expectSameMatrix(one, selectRows(X, [i]));
    }
  });

  it('fitTransform equals fit then transform; fitting twice is bit-identical', () => {
    const { pipeline, matrix } = fitTransformFeaturePipeline(fixtureRecords);
    expect(pipeline.featureNames).toEqual(pipe.featureNames);
    expectSameMatrix(matrix, X);
    const again = fitFeaturePipeline(fixtureRecords).transform(fixtureRecords);
    expectSameMatrix(again, X);
  });

  it('TF-IDF is fitted on the training split only', () => {
    const train = smallCorpus(30);
    const test = [record({ email_id: 'new', body_text: 'zebra zebra unicorn meeting', event_timestamp: T0 + 50 * DAY })];
    const p = fitFeaturePipeline(train);
    expect(p.tfidf.vocabulary).not.toContain('zebra');
    const m = p.transform(test);
    expect(Array.from(m.sparse.indices).map((c) => p.tfidf.vocabulary[c])).toEqual(['meeting']);
  });

  it('a small training set gives fewer TF-IDF columns (vocabulary < 500), names still aligned', () => {
    const p = fitFeaturePipeline(smallCorpus(30));
    expect(p.featureNames.length).toBe(24 + p.tfidf.vocabulary.length);
    expect(p.tfidf.vocabulary.length).toBeLessThan(500);
  });
});
