import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../../src/core/matrix.js';
import { fitTransformFeaturePipeline } from '../../../src/features/pipeline.js';
import { prepareCorpus } from '../../../src/io/corpus.js';
import { loadEmailTable } from '../../../src/io/email-table.js';
import { openParquet, readColumns } from '../../../src/io/parquet.js';
import { createEstimator } from '../../../src/models/registry.js';
import { scorerFromArtifact, SpamScorer } from '../../../src/serving/scorer.js';
import type { EmailRecord } from '../../../src/data/schema.js';

/** 240 SpamAssassin messages (120 spam) with the whole RFC-822 text in `raw`. */
const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/parquet/emails-snappy.parquet');

/** Row `i` of a feature matrix as [dense values, sparse column indices, sparse values]. */
function row(m: FeatureMatrix, i: number): [number[], number[], number[]] {
  const dc = m.dense.cols;
  const { indptr, indices, data } = m.sparse;
  return [
    Array.from(m.dense.data.subarray(i * dc, (i + 1) * dc)),
    Array.from(indices.subarray(indptr[i], indptr[i + 1])),
    Array.from(data.subarray(indptr[i], indptr[i + 1])),
  ];
}

describe('serving features equal training features (240-mail fixture)', () => {
  let dir: string;
  let raws: string[];
  let records: EmailRecord[];
  let train: FeatureMatrix;
  let scorer: SpamScorer;
  let artifact: ReturnType<SpamScorer['toArtifact']>;
  let trainProba: Float64Array;

  beforeAll(async () => {
    const src = await openParquet(FIXTURE);
    const cols = await readColumns(src, ['email_id', 'raw']);
    const ids = cols.email_id as string[];
    raws = cols.raw as string[];
    expect(raws.length).toBe(240);
    // Training path: the messages as corpus files → data preparation (parseEmail, the processed
    // parquet) → the table read back → the fitted feature pipeline's training matrix.
    dir = mkdtempSync(join(tmpdir(), 'scorer-test-'));
    const list: string[] = [];
    ids.forEach((id, i) => {
      const [group, n] = id.split('/');
      mkdirSync(join(dir, 'data', group), { recursive: true });
      writeFileSync(join(dir, 'data', group, `${n}.fixture.txt`), raws[i]);
      list.push(`${group}/${n}.fixture.txt`);
    });
    writeFileSync(join(dir, 'data', 'file_list.json'), JSON.stringify(list));
    const out = join(dir, 'emails.parquet');
    await prepareCorpus({ out, dataDir: join(dir, 'data'), rowGroupSize: 64 });
    const byId = new Map((await loadEmailTable(out)).records.map((r) => [r.email_id, r]));
    records = ids.map((id) => byId.get(id)!);
    const fitted = fitTransformFeaturePipeline(records);
    train = fitted.matrix;
    const model = await createEstimator('gbm', { n_estimators: 30, max_depth: 4 }).fit({ X: train, y: Uint8Array.from(records, (r) => r.label) }, { seed: 7 });
    trainProba = model.predictProba(train);
    // Serving path: the artifact as a server loads it, scoring the raw text.
    artifact = new SpamScorer(fitted.pipeline, model).toArtifact();
    scorer = scorerFromArtifact(artifact);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses at load an artifact whose model splits its columns otherwise than its feature pipeline (same count)', () => {
    const meta = artifact.model.meta as { denseCols: number; sparseCols: number };
    const edited = { ...artifact, model: { ...artifact.model, meta: { ...meta, denseCols: meta.denseCols - 1, sparseCols: meta.sparseCols + 1 } } };
    expect(() => scorerFromArtifact(edited)).toThrow(
      expect.objectContaining({ code: 'FORMAT_ERROR', message: expect.stringContaining(`trained on ${meta.denseCols - 1} dense + ${meta.sparseCols + 1} sparse columns but its feature pipeline makes ${meta.denseCols} + ${meta.sparseCols}`) }),
    );
  });

  it('has the fixture as training data (every row parsed, both classes)', () => {
    expect(records.every((r) => r !== undefined)).toBe(true);
    expect(records.filter((r) => r.label === 1).length).toBe(120);
    expect(train.rows).toBe(240);
    expect(train.sparse.indices.length).toBeGreaterThan(240 * 10);
  });

  it('featuresRaw of each raw message equals its training row, from text and from bytes', async () => {
    const encoder = new TextEncoder();
    for (let i = 0; i < raws.length; i++) {
      const want = row(train, i);
      expect(row(await scorer.featuresRaw(raws[i]), 0), records[i].email_id).toEqual(want);
      expect(row(await scorer.featuresRaw(encoder.encode(raws[i])), 0), records[i].email_id).toEqual(want);
    }
  });

  it('scoreRaw equals the model on the training row (reused scratch buffers, any order)', async () => {
    const order = Array.from(raws.keys()).reverse();
    for (const i of [...order, ...order.reverse()]) expect(await scorer.scoreRaw(raws[i]), records[i].email_id).toBe(trainProba[i]);
  });

  it('parseRaw builds the record data preparation stored (apart from id, label and group)', async () => {
    for (let i = 0; i < raws.length; i++) {
      const r = await scorer.parseRaw(raws[i], records[i].email_id);
      expect({ ...r, label: records[i].label, source_group: records[i].source_group }).toEqual(records[i]);
    }
  });
});

describe('scoreRaw refuses what is not an e-mail', () => {
  // nothing is scored: the model and the feature pipeline fail the test if they are reached
  const unreachable = () => {
    throw new Error('reached the model');
  };
  const scorer = new SpamScorer({ transform: unreachable } as never, { predictProba: unreachable } as never);

  it('a value that is neither a string nor a Uint8Array: INVALID_ARGUMENT naming the e-mail and the type', async () => {
    for (const [v, type] of [
      [42, 'number'],
      [{}, 'object'],
      [null, 'null'],
      [undefined, 'undefined'],
      [['a'], 'an array'],
      [new ArrayBuffer(4), 'object (ArrayBuffer)'],
    ] as const) {
      const p = scorer.scoreRaw(v as never, 'msg-7');
      await expect(p, String(type)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `e-mail msg-7: the raw message must be a string or a Uint8Array, got ${type}`,
        details: { email_id: 'msg-7', type },
      });
    }
  });

  it('text or bytes with no header section: INVALID_DATA naming the e-mail', async () => {
    let seed = 12345;
    const noise = Uint8Array.from({ length: 4096 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    const json = ['{"id":"00001","text":"Return-Path: <a@b.org>\\nSubject: hi"}', '["Subject: hi"]', '"Subject": "hi"', '{"Subject": "hi"}\n'];
    for (const v of ['', 'this is not an email at all', '\r\n\r\nbody only', '   ', noise, new Uint8Array(0), 'From someone  Thu Aug 22 2002\n\nbody', ...json]) {
      await expect(scorer.scoreRaw(v, 'msg-8')).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/^e-mail msg-8: not an RFC-822 message: /), details: { email_id: 'msg-8' } });
      await expect(scorer.featuresRaw(v, 'msg-8')).rejects.toMatchObject({ code: 'INVALID_DATA' });
    }
  });

  it('parses a message whose first line is a header field, also after an mbox From line, a byte order mark or blanks', async () => {
    for (const v of [
      'Subject: hi\r\n\r\nbody',
      'From a@b.org  Thu Aug 22 12:36:23 2002\nFrom: a@b.org\nSubject: hi\n\nbody',
      '\uFEFFSubject: hi\n\nbody',
      Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('Subject: hi\n\nbody')]),
      ' Subject : hi\n\nbody',
      'X-Only-Header: 1',
    ]) {
      await expect(scorer.parseRaw(v, 'ok')).resolves.toMatchObject({ email_id: 'ok' });
    }
  });
});
