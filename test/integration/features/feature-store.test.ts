/** Offline store: materialise every view as parquet, retrieve by point-in-time join, equal to a direct transform. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitFeaturePipeline } from '../../../src/features/pipeline.js';
import { getHistoricalFeatures, materializeViews } from '../../../src/features/store.js';
import { getHistoricalFeaturesFromStore, listFeatureViews, readFeatureView, writeFeatureStore } from '../../../src/io/feature-store.js';
import type { FeatureMatrix } from '../../../src/core/matrix.js';
import { DAY, smallCorpus } from '../../unit/features/records.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'feature-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const all = smallCorpus(80);
const train = all.slice(0, 60);
const pipe = fitFeaturePipeline(train);

function expectSameMatrix(a: FeatureMatrix, b: FeatureMatrix): void {
  expect(a.featureNames).toEqual(b.featureNames);
  expect([a.rows, a.dense.cols, a.sparse.cols]).toEqual([b.rows, b.dense.cols, b.sparse.cols]);
  expect(Array.from(a.dense.data)).toEqual(Array.from(b.dense.data));
  expect(Array.from(a.sparse.indptr)).toEqual(Array.from(b.sparse.indptr));
  expect(Array.from(a.sparse.indices)).toEqual(Array.from(b.sparse.indices));
  expect(Array.from(a.sparse.data)).toEqual(Array.from(b.sparse.data));
}

describe('offline feature store', () => {
  const entities = {
    emailIds: [...all].reverse().map((r) => r.email_id),
    eventTimestamps: [...all].reverse().map((r) => r.event_timestamp),
  };
  const direct = pipe.transform([...all].reverse());

  it('in memory: point-in-time retrieval equals the direct transform', () => {
    const tables = materializeViews(pipe, all);
    expect(tables.map((t) => t.name)).toEqual(pipe.views.map((v) => v.name));
    expectSameMatrix(getHistoricalFeatures(tables, entities), direct);
  });

  it('through parquet files: write, read back, retrieve equals the direct transform', async () => {
    await writeFeatureStore(dir, materializeViews(pipe, all));
    expect(await listFeatureViews(dir)).toEqual(pipe.views.map((v) => v.name));
    const m = await getHistoricalFeaturesFromStore(dir, entities);
    expectSameMatrix(m, direct);
    const text = await readFeatureView(dir, 'email_text_features');
    expect(text.emailIds.length).toBe(80);
    expect(Number.isNaN(text.eventTimestamps[5])).toBe(true); // smallCorpus: e005 has no date
  });

  it('an entity asking for features before the view row exists is an error, not invented values', () => {
    const tables = materializeViews(pipe, all);
    const dated = all.find((r) => r.event_timestamp !== null)!;
    expect(() => getHistoricalFeatures(tables, { emailIds: [dated.email_id], eventTimestamps: [dated.event_timestamp! - DAY] })).toThrow(/no row for e-mail/);
  });

  it('picks the latest view row at or before the entity time (as-of join)', () => {
    const r = all[10];
    const t = r.event_timestamp!;
    const early = materializeViews(pipe, [r]);
    const late = materializeViews(pipe, [{ ...r, event_timestamp: t + 10 * DAY }]);
    const merged = early.map((e, k) => ({
      ...e,
      emailIds: [...e.emailIds, ...late[k].emailIds],
      eventTimestamps: Float64Array.from([...e.eventTimestamps, ...late[k].eventTimestamps]),
      columns: e.columns.map((c, j) => Float64Array.from([...c, ...late[k].columns[j]])),
    }));
    const at = (ms: number) => getHistoricalFeatures(merged, { emailIds: [r.email_id], eventTimestamps: [ms] });
    const idx = pipe.featureNames.indexOf('sender_domain_features__email_count');
    expect(late[3].columns[1][0]).toBeGreaterThan(early[3].columns[1][0]); // more history by then
    expect(at(t + DAY).dense.data[idx]).toBe(early[3].columns[1][0]);
    expect(at(t + 20 * DAY).dense.data[idx]).toBe(late[3].columns[1][0]);
  });

  it('missing store, missing view and non-parquet files are clear errors', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'feature-store-empty-'));
    try {
      await expect(listFeatureViews(empty)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(readFeatureView(empty, 'email_text_features')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      writeFileSync(path.join(empty, 'email_text_features.parquet'), 'not a parquet file at all');
      await expect(readFeatureView(empty, 'email_text_features')).rejects.toMatchObject({ code: 'FORMAT_ERROR' });
      await expect(readFeatureView(empty, '../escape')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      // a registry that is not JSON, or JSON of another shape: FORMAT_ERROR naming the file (was a bare SyntaxError)
      writeFileSync(path.join(empty, 'registry.json'), '{views: [');
      await expect(listFeatureViews(empty)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/registry\.json: its registry is not valid JSON/) });
      writeFileSync(path.join(empty, 'registry.json'), 'null');
      await expect(listFeatureViews(empty)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/registry\.json is not a version-\d+ registry/) });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('can retrieve a subset of views', () => {
    const tables = materializeViews(pipe, all);
    const m = getHistoricalFeatures(tables, entities, { views: ['email_temporal_features', 'sender_domain_features'] });
    expect(m.featureNames).toEqual(pipe.featureNames.filter((n) => n.startsWith('email_temporal') || n.startsWith('sender_domain')));
    expect(m.sparse.cols).toBe(0);
    expect(() => getHistoricalFeatures(tables, entities, { views: ['nope'] })).toThrow(/no view named 'nope'/);
  });
});
