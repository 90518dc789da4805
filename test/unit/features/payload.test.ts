/** The pipeline artifact: fromPayload(toPayload()) transforms identically; bad payloads are FORMAT_ERRORs. */
import { describe, expect, it } from 'vitest';
import type { Payload } from '../../../src/core/payload.js';
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

  it('the payload is plain data: meta is JSON, arrays are typed arrays', () => {
    const p = pipe.toPayload();
    expect(JSON.parse(JSON.stringify(p.meta))).toEqual(p.meta);
    for (const a of Object.values(p.arrays)) expect(ArrayBuffer.isView(a)).toBe(true);
  });
});
