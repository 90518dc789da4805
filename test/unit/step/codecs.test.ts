/** Inter-step artifact codecs and the generic payload directory format they build on. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fromJsonText, loadComparison, loadEvaluation, loadFeatureDataset, loadFeaturePipeline, replaceDirectories, saveFeatureDataset, toJsonText, writeJsonFile, saveComparison,
} from '../../../src/pipeline/codecs.js';
import { loadModelArtifact, loadPayloads, savePayloads } from '../../../src/io/model-artifact.js';
import { denseMatrix, featureMatrix } from '../../../src/core/matrix.js';
import { compareWithStaging } from '../../../src/pipeline/comparison.js';

const root = mkdtempSync(join(tmpdir(), 'train-spam-codecs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const payload = (kind: string) => ({ kind, version: 1, meta: { a: 1 }, arrays: { w: Float64Array.from([1, 2, 3]), i: Int32Array.from([7]) } });

describe('payload directories (io/model-artifact)', () => {
  it('savePayloads / loadPayloads round-trip any named slots', async () => {
    const dir = join(root, 'one-slot');
    await savePayloads(dir, { featurePipeline: payload('features/pipeline') }, { note: 'x' });
    const back = await loadPayloads(dir, ['featurePipeline']);
    expect(Object.keys(back.slots)).toEqual(['featurePipeline']);
    expect(back.slots.featurePipeline.arrays.w).toEqual(Float64Array.from([1, 2, 3]));
    expect(back.slots.featurePipeline.arrays.i).toBeInstanceOf(Int32Array);
    expect(back.metadata).toEqual({ note: 'x' });
  });

  it('a payload-only directory is not a model artifact, and a missing required slot is named', async () => {
    const dir = join(root, 'one-slot');
    await expect(loadModelArtifact(dir)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/payloads\.model is missing/) });
    await expect(loadPayloads(dir, ['other'])).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/payloads\.other is missing/) });
    await expect(loadFeaturePipeline(dir)).rejects.toMatchObject({ code: 'FORMAT_ERROR' }); // kind ok, meta not a real pipeline
  });

  it('slot names must be identifiers', async () => {
    await expect(savePayloads(join(root, 'bad'), { '../x': payload('k') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('JSON artifacts', () => {
  it('non-finite numbers and typed arrays survive the round trip', () => {
    const text = toJsonText({ a: NaN, b: [Infinity, -Infinity, 1], c: Float64Array.from([0.5]), d: { $number: 'x' } });
    expect(fromJsonText(text, 'f')).toEqual({ a: NaN, b: [Infinity, -Infinity, 1], c: [0.5], d: { $number: 'x' } });
  });

  it('readers check format and fields and name the file', async () => {
    const f = join(root, 'evaluation.json');
    await writeJsonFile(f, { format: 'train-spam/gate-report', version: 1 });
    await expect(loadEvaluation(f)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringContaining(`${f}: format "train-spam/gate-report"`) });
    writeFileSync(f, '{"format": ');
    await expect(loadEvaluation(f)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/is not valid JSON/) });
    await expect(loadEvaluation(join(root, 'none.json'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('the comparison report carries the decision the KFP condition reads', async () => {
    const f = join(root, 'cmp.json');
    const failed = compareWithStaging({ candidate: { f1: 0.7, auc: 0.9 }, staging: { version: '3', f1: 0.9, auc: 0.9 } });
    await saveComparison(f, failed);
    const back = await loadComparison(f);
    expect(back.decision).toBe('reject');
    expect(back.deltas.f1).toBeCloseTo(-0.2, 12);
    expect(JSON.parse(readFileSync(f, 'utf8')).format).toBe('train-spam/comparison');
  });
});

describe('feature datasets', () => {
  const X = featureMatrix(denseMatrix(2, 1, Float64Array.from([1, 2])), { rows: 2, cols: 2, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 1]), data: Float64Array.from([0.5, 0.25]) }, ['d', 's0', 's1']);

  it('matrix, labels and ids round-trip', async () => {
    const dir = join(root, 'features');
    await saveFeatureDataset(dir, { X, y: Uint8Array.from([0, 1]), ids: ['a', 'b'] });
    const back = await loadFeatureDataset(dir);
    expect(back.ids).toEqual(['a', 'b']);
    expect(Array.from(back.y)).toEqual([0, 1]);
    expect(Array.from(back.X.sparse.data)).toEqual([0.5, 0.25]);
  });

  it('ids that do not match the rows are a FORMAT_ERROR naming ids.json', async () => {
    const dir = join(root, 'features-bad');
    await saveFeatureDataset(dir, { X, y: Uint8Array.from([0, 1]), ids: ['a', 'b'] });
    writeFileSync(join(dir, 'ids.json'), '["a"]');
    await expect(loadFeatureDataset(dir)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/ids\.json: lists 1 ids for a 2-row matrix/) });
    await expect(loadFeatureDataset(join(root, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a dataset saved over another replaces the folder whole: no groups.json of a training matrix is left beside a test matrix', async () => {
    const dir = join(root, 'features-reused');
    await saveFeatureDataset(dir, { X, y: Uint8Array.from([0, 1]), ids: ['a', 'b'], groups: Int32Array.from([0, 1]) });
    expect((await loadFeatureDataset(dir)).groups).toEqual(Int32Array.from([0, 1]));
    await saveFeatureDataset(dir, { X, y: Uint8Array.from([1, 0]), ids: ['c', 'd'] });
    const back = await loadFeatureDataset(dir);
    expect(back.groups).toBeUndefined();
    expect(back.ids).toEqual(['c', 'd']);
    expect(existsSync(join(dir, 'groups.json'))).toBe(false);
  });
});

describe('replaceDirectories', () => {
  it('puts the written folders in place of the targets, and on a failure leaves the targets as they were and no temporary folder', async () => {
    const parent = join(root, 'replace');
    const [a, b] = [join(parent, 'a'), join(parent, 'b')];
    mkdirSync(a, { recursive: true });
    writeFileSync(join(a, 'old.txt'), 'old');
    await expect(
      replaceDirectories([a, b], async ([ta, tb]) => {
        writeFileSync(join(ta, 'new.txt'), 'new');
        writeFileSync(join(tb, 'new.txt'), 'new');
        throw new Error('disk full');
      }),
    ).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining('disk full') });
    expect(readdirSync(a)).toEqual(['old.txt']);
    expect(existsSync(b)).toBe(false);
    expect(readdirSync(parent)).toEqual(['a']);
    await replaceDirectories([a, b], async (tmps) => {
      for (const t of tmps) writeFileSync(join(t, 'new.txt'), 'new');
    });
    expect(readdirSync(a)).toEqual(['new.txt']);
    expect(readdirSync(b)).toEqual(['new.txt']);
    expect(readdirSync(parent).sort()).toEqual(['a', 'b']);
    // what an attempt killed with SIGKILL left (a folder being written, an old copy between the renames) goes with the retry
    mkdirSync(join(parent, '.a.tmp-Xk3j9q'));
    writeFileSync(join(parent, '.a.tmp-Xk3j9q', 'half.txt'), 'half');
    mkdirSync(join(parent, '.b.tmp-P0q1rs.old'));
    writeFileSync(join(parent, '.other.tmp-keep'), 'not ours');
    await replaceDirectories([a, b], async (tmps) => {
      for (const t of tmps) writeFileSync(join(t, 'retry.txt'), 'retry');
    });
    expect(readdirSync(parent).sort()).toEqual(['.other.tmp-keep', 'a', 'b']);
    expect(readdirSync(a)).toEqual(['retry.txt']);
  });
});
