/**
 * The streamed data-preparation + feature-retrieval steps (row group by row group, the text never
 * held whole) against the in-memory path (loadEmailTable → splitEmails → fitTransformFeaturePipeline
 * → transform): the same split, groups, digest and overlap, and the same matrices bit for bit, on
 * the 240-e-mail fixture (raw RFC-822, one row group) and on a synthetic processed table in row
 * groups of 64 rows with duplicate bodies (case / whitespace variants, across row groups), empty
 * bodies and two different bodies whose 32-bit hashes collide.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/ports.js';
import type { FeatureMatrix } from '../../../src/core/matrix.js';
import { hashString } from '../../../src/core/random.js';
import { groupDuplicates, normaliseBody } from '../../../src/data/dedup.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { splitEmails } from '../../../src/data/split.js';
import { fitSynthModel, generateEmails } from '../../../src/data/synth.js';
import { fitTransformFeaturePipeline } from '../../../src/features/pipeline.js';
import { silentProgress } from '../../../src/hpo/progress.js';
import { EMAIL_COLUMN_SPECS, toColumns } from '../../../src/io/corpus.js';
import { loadEmailTable, readRowSet } from '../../../src/io/email-table.js';
import { openParquet, writeParquet } from '../../../src/io/parquet.js';
import { systemClock, type RunContext } from '../../../src/pipeline/context.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { BodyGrouper, dataPreparation } from '../../../src/pipeline/steps/data-preparation.js';
import { featureRetrieval } from '../../../src/pipeline/steps/feature-retrieval.js';

const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/parquet/emails-snappy.parquet');
const dir = mkdtempSync(join(tmpdir(), 'train-spam-streaming-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctxFor(file: string, seed: number): RunContext {
  return {
    params: resolvePipelineParams({ entity_data_path: file, seed, test_split_ratio: 0.2 }),
    logger: silentLogger,
    clock: systemClock,
    signal: new AbortController().signal,
    outDir: dir,
    tracking: null,
    runId: null,
    experimentId: null,
    progress: silentProgress,
    workers: 1,
  };
}

/** Two different strings whose normalised bodies share the 32-bit FNV-1a hash (birthday search). */
function collidingBodies(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const s = `collision probe ${i} body`;
    const h = hashString(normaliseBody(s));
    const prev = seen.get(h);
    if (prev !== undefined) return [prev, s];
    seen.set(h, s);
  }
}

/** Synthetic e-mails (generator fitted on the fixture) with duplicates, empties and a hash collision. */
async function synthTable(file: string): Promise<number> {
  const { records: real } = await loadEmailTable(FIXTURE);
  const model = fitSynthModel(real);
  const rows: EmailRecord[] = [];
  for (let b = 0; b < 8; b++) rows.push(...generateEmails(model, 11, b, b * 75, 75));
  const [a, c] = collidingBodies();
  const set = (i: number, body: string) => {
    rows[i] = { ...rows[i], body_text: body };
  };
  set(3, 'Same   body\tACROSS row groups');
  set(200, 'same body across ROW groups ');
  set(590, '  SAME body across row groups');
  set(10, rows[400].body_text.toUpperCase()); // a duplicate of a later row, case changed
  set(77, '');
  set(78, '   ');
  set(300, a);
  set(450, c);
  set(451, `${c}  `); // duplicate of the second colliding body
  set(599, a.toUpperCase()); // duplicate of the first
  await writeParquet(file, EMAIL_COLUMN_SPECS, toColumns(rows), { rowGroupSize: 64 });
  return rows.length;
}

function bits(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameMatrix(got: FeatureMatrix, want: FeatureMatrix): void {
  expect(got.rows).toBe(want.rows);
  expect(got.featureNames).toEqual(want.featureNames);
  expect(got.dense.cols).toBe(want.dense.cols);
  expect(bits(got.dense.data).equals(bits(want.dense.data))).toBe(true);
  expect(got.sparse.cols).toBe(want.sparse.cols);
  expect(bits(got.sparse.indptr).equals(bits(want.sparse.indptr))).toBe(true);
  expect(bits(got.sparse.indices).equals(bits(want.sparse.indices))).toBe(true);
  expect(bits(got.sparse.data).equals(bits(want.sparse.data))).toBe(true);
}

async function compare(file: string, seed: number): Promise<{ duplicateGroups: number; rowGroups: number }> {
  const ctx = ctxFor(file, seed);
  const data = await dataPreparation(ctx);
  const features = await featureRetrieval(ctx, data);

  const { records } = await loadEmailTable(file);
  const split = splitEmails(records, { testRatio: 0.2, seed });
  const train = Array.from(split.trainIdx, (i) => records[i]);
  const test = Array.from(split.testIdx, (i) => records[i]);
  const ref = fitTransformFeaturePipeline(train);
  const refTest = ref.pipeline.transform(test);

  expect(Array.from(data.train.rows!)).toEqual(Array.from(split.trainIdx));
  expect(Array.from(data.test.rows!)).toEqual(Array.from(split.testIdx));
  expect(data.split).toEqual(split.summary);
  expect(data.train.ids).toEqual(train.map((r) => r.email_id));
  expect(Array.from(data.test.labels)).toEqual(test.map((r) => r.label));
  expect(Array.from(data.trainGroups)).toEqual(Array.from(groupDuplicates(train.length, (i) => train[i].body_text).groupOf));
  const digest = createHash('sha256');
  for (const r of records) digest.update(`${r.email_id}\u0000${r.label}\n`);
  expect(data.digest).toBe(digest.digest('hex'));
  const trainBodies = new Set(train.map((r) => normaliseBody(r.body_text)).filter((b) => b.length > 0));
  expect(data.trainTestOverlap).toBe(test.filter((r) => normaliseBody(r.body_text).length > 0 && trainBodies.has(normaliseBody(r.body_text))).length);
  expect(await readRowSet(data.test)).toEqual(test);

  expectSameMatrix(features.train.X, ref.matrix);
  expectSameMatrix(features.test.X, refTest);
  // The training TF-IDF rows come from the tokens pass 1 kept; with a budget too small to keep
  // them, pass 2 tokenizes the training e-mails again: the same matrices either way.
  const retokenized = await featureRetrieval(ctx, data, { keepTrainTokens: 10 });
  expectSameMatrix(retokenized.train.X, ref.matrix);
  expectSameMatrix(retokenized.test.X, refTest);
  expect(features.pipeline.toPayload()).toEqual(ref.pipeline.toPayload());
  expect(Array.from(features.train.y)).toEqual(train.map((r) => r.label));
  expect(features.test.ids).toEqual(test.map((r) => r.email_id));
  return { duplicateGroups: split.summary.duplicateGroups, rowGroups: (await openParquet(file)).rowGroups.length };
}

describe('streamed steps equal the in-memory path', () => {
  it('on the 240-e-mail fixture (raw RFC-822 table)', async () => {
    await compare(FIXTURE, 7);
  });

  it('on a synthetic table in row groups of 64, with duplicates, empty bodies and a hash collision', async () => {
    const file = join(dir, 'synth.parquet');
    const n = await synthTable(file);
    const { duplicateGroups, rowGroups } = await compare(file, 5);
    expect(rowGroups).toBe(Math.ceil(n / 64));
    expect(duplicateGroups).toBeGreaterThanOrEqual(4);
    // the colliding bodies stay apart, each grouped with its own duplicate
    const { records } = await loadEmailTable(file);
    const g = groupDuplicates(
      records.length,
      (i) => records[i].body_text,
      (i) => records[i].email_id,
    );
    expect(g.hashCollisions).toBeGreaterThanOrEqual(1);
    expect(g.groupOf[300]).toBe(g.groupOf[599]);
    expect(g.groupOf[450]).toBe(g.groupOf[451]);
    expect(g.groupOf[300]).not.toBe(g.groupOf[450]);
    const grouper = new BodyGrouper(records.length);
    for (const r of records) grouper.add(r.body_text, r.email_id);
    const candidates = grouper.candidates();
    expect(Array.from(candidates)).toEqual(expect.arrayContaining([3, 10, 200, 300, 400, 450, 451, 590, 599]));
    for (const row of candidates) grouper.confirm(row, records[row].body_text);
    const mine = grouper.finish();
    expect(Array.from(mine.groupOf)).toEqual(Array.from(g.groupOf));
    expect(mine.groupCount).toBe(g.groupCount);
    // the same content keys, so the streamed split ranks the groups as the in-memory one does
    expect(Array.from(mine.keys.a)).toEqual(Array.from(g.keys.a));
    expect(Array.from(mine.keys.b)).toEqual(Array.from(g.keys.b));
  });
});
