/** The pipeline artifact: fromPayload(toPayload()) transforms identically; bad payloads are FORMAT_ERRORs. */
import { describe, expect, it } from 'vitest';
import type { JsonValue, Payload } from '../../../src/core/payload.js';
import { featurePipelineFromPayload } from '../../../src/features/pipeline-payload.js';
import { fitFeaturePipeline } from '../../../src/features/pipeline.js';
import { DAY, record, smallCorpus, T0 } from './records.js';

const train = smallCorpus(60);
const pipe = fitFeaturePipeline(train);
const probe = [
  ...smallCorpus(20).map((r) => ({ ...r, email_id: `p${r.email_id}`, event_timestamp: r.event_timestamp === null ? null : r.event_timestamp + 5 * DAY })),
  record({ email_id: 'x', sender_domain: 'spam.biz', body_text: 'free money offer', event_timestamp: T0 + 90 * DAY }),
];

/** Through JSON for meta and fresh copies of the arrays, as an artifact store would do. */
function viaStorage(p: Payload): Payload {
  const arrays: Record<string, Payload['arrays'][string]> = {};
  for (const [k, a] of Object.entries(p.arrays)) arrays[k] = a.slice();
  return { kind: p.kind, version: p.version, meta: JSON.parse(JSON.stringify(p.meta)), arrays };
}

describe('feature pipeline payload', () => {
  it('round trip: identical feature names and identical transform output', () => {
    const back = featurePipelineFromPayload(viaStorage(pipe.toPayload()));
    expect(back.featureNames).toEqual(pipe.featureNames);
    const a = pipe.transform(probe);
    const b = back.transform(probe);
    expect(Array.from(b.dense.data)).toEqual(Array.from(a.dense.data));
    expect(Array.from(b.sparse.indptr)).toEqual(Array.from(a.sparse.indptr));
    expect(Array.from(b.sparse.indices)).toEqual(Array.from(a.sparse.indices));
    expect(Array.from(b.sparse.data)).toEqual(Array.from(a.sparse.data));
  });

  it('kind and version are checked', () => {
    const p = pipe.toPayload();
    expect(() => featurePipelineFromPayload({ ...p, kind: 'model/gbm' })).toThrow(/kind/);
    expect(() => featurePipelineFromPayload({ ...p, version: 2 })).toThrow(/version 2/);
  });

  it('shapes and contents are validated (FORMAT_ERROR)', () => {
    const p = viaStorage(pipe.toPayload());
    const cases: Array<[string, Payload]> = [
      ['idf length', { ...p, arrays: { ...p.arrays, tfidf_idf: new Float64Array(3) } }],
      ['idf type', { ...p, arrays: { ...p.arrays, tfidf_idf: new Float32Array(p.arrays.tfidf_idf.length) } }],
      ['missing array', { ...p, arrays: { ...p.arrays, sender_cum_spam: undefined as never } }],
      ['unsorted history', { ...p, arrays: { ...p.arrays, sender_all_timestamps: (p.arrays.sender_all_timestamps as Float64Array).slice().reverse() } }],
      ['vocabulary not strings', { ...p, meta: { ...p.meta, tfidf: { ...(p.meta.tfidf as object), vocabulary: [1, 2] } } }],
      ['feature names', { ...p, meta: { ...p.meta, featureNames: ['a'] } }],
      ['tfidf options', { ...p, meta: { ...p.meta, tfidf: { ...(p.meta.tfidf as object), options: { norm: 'l7' } } } }],
    ];
    for (const [what, bad] of cases) {
      try {
        featurePipelineFromPayload(bad);
        expect.fail(`accepted a payload with bad ${what}`);
      } catch (e) {
        expect((e as { code?: string }).code, what).toBe('FORMAT_ERROR');
      }
    }
  });

  it('a truncated or hand-edited payload is a FORMAT_ERROR naming what is wrong, never accepted with other features', () => {
    const p = viaStorage(pipe.toPayload());
    const tfidf = p.meta.tfidf as { options: Record<string, JsonValue>; vocabulary: string[] };
    const sender = p.meta.sender as { domains: string[] };
    const withTfidf = (t: { [k: string]: JsonValue }): Payload => ({ ...p, meta: { ...p.meta, tfidf: { ...tfidf, ...t } } });
    /** Another vocabulary with the stored feature names edited to match (so only the vocabulary check can catch it). */
    const withVocabulary = (vocabulary: string[]): Payload => {
      const q = withTfidf({ vocabulary });
      const names = [...pipe.featureNames.slice(0, pipe.denseCols), ...vocabulary.map((t) => `email_tfidf_features__${t}`)];
      return { ...q, meta: { ...q.meta, featureNames: names } };
    };
    const { sublinearTf: _dropped, ...optionsWithoutSublinear } = tfidf.options;
    const sortedUp = [...tfidf.vocabulary];
    [sortedUp[0], sortedUp[1]] = [sortedUp[1], sortedUp[0]];
    const cases: Array<[string, Payload, RegExp]> = [
      // no arrays at all: was a TypeError reading 'tfidf_idf' of undefined
      ['no arrays', { ...p, arrays: undefined as never }, /arrays must be an object/],
      // a missing option took its default (sublinearTf false): different TF-IDF values, silently
      ['option missing', withTfidf({ options: optionsWithoutSublinear }), /meta\.tfidf\.options\.sublinearTf is missing/],
      // more terms than maxFeatures allows
      ['vocabulary too long', withTfidf({ options: { ...tfidf.options, maxFeatures: 3 } }), /vocabulary has \d+ terms but maxFeatures is 3/],
      // two columns swapped, feature names edited to match: the model would read them swapped
      ['vocabulary reordered', withVocabulary(sortedUp), /not in code-point order: entry 0/],
      // terms the lower-casing analyzer can never produce: columns that are always 0
      ['term not a token', withVocabulary(tfidf.vocabulary.map((t, i) => (i === 0 ? t.toUpperCase() : t))), /entry 0 '.*' is not a single token/],
      ['one-letter term', withVocabulary(['0', ...tfidf.vocabulary.slice(1)]), /entry 0 '0' is not a single token/],
      ['two words', withVocabulary([...tfidf.vocabulary.slice(0, -1), 'zz zz']), /'zz zz' is not a single token/],
      // an upper-case domain key: lookups normalise the e-mail's domain, so it would never match
      ['domain not normalised', { ...p, meta: { ...p.meta, sender: { ...sender, domains: sender.domains.map((d, i) => (i === 0 ? d.toUpperCase() : d)) } } }, /domain 0 '.*' is not normalised/],
    ];
    expect(tfidf.vocabulary[0].toUpperCase()).not.toBe(tfidf.vocabulary[0]);
    expect(sender.domains[0].toUpperCase()).not.toBe(sender.domains[0]);
    for (const [what, bad, message] of cases) {
      let error: unknown;
      try {
        featurePipelineFromPayload(bad);
      } catch (e) {
        error = e;
      }
      expect(error, what).toMatchObject({ name: 'TrainSpamError', code: 'FORMAT_ERROR' });
      expect((error as Error).message, what).toMatch(message);
    }
  });

  it('names the first stored feature name that differs', () => {
    const p = viaStorage(pipe.toPayload());
    const names = [...pipe.featureNames];
    names[3] = 'email_text_features__renamed';
    expect(() => featurePipelineFromPayload({ ...p, meta: { ...p.meta, featureNames: names } })).toThrow(
      /column 3 is 'email_text_features__renamed', expected 'email_text_features__exclamation_count'/,
    );
  });

  it('the payload is plain data: meta is JSON, arrays are typed arrays', () => {
    const p = pipe.toPayload();
    expect(JSON.parse(JSON.stringify(p.meta))).toEqual(p.meta);
    for (const a of Object.values(p.arrays)) expect(ArrayBuffer.isView(a)).toBe(true);
  });
});
