/**
 * `checkTrackingStore`: the behaviour every TrackingStore implementation must show (local store,
 * REST client against the fake server). Call it inside a test file; it registers a describe block.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrainSpamError } from '../../../../src/core/errors.js';
import { asExperimentId, asRunId, type ExperimentId } from '../../../../src/core/ids.js';
import type { TrackingStore } from '../../../../src/tracking/contract.js';

export interface StoreFixture {
  readonly store: TrackingStore;
  cleanup(): Promise<void>;
}

export async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isTrainSpamError(e)) throw e;
    expect(e.code).toBe(code);
    return;
  }
  throw new Error(`expected a TrainSpamError ${code}, but the call succeeded`);
}

export function checkTrackingStore(label: string, make: () => Promise<StoreFixture>): void {
  describe(`TrackingStore conformance: ${label}`, () => {
    let fx: StoreFixture;
    let store: TrackingStore;
    let expId: ExperimentId;
    let tmp: string;

    beforeAll(async () => {
      fx = await make();
      store = fx.store;
      tmp = await mkdtemp(path.join(os.tmpdir(), 'ts-conf-'));
      expId = (await store.getOrCreateExperiment('conformance', { tags: { project: 'train-spam' } })).experimentId;
    });
    afterAll(async () => {
      await fx.cleanup();
      await rm(tmp, { recursive: true, force: true });
    });

    it('get-or-create is idempotent and race-safe; lookups of missing experiments', async () => {
      const again = await store.getOrCreateExperiment('conformance');
      expect(again.experimentId).toBe(expId);
      expect(again.tags.project).toBe('train-spam');
      const many = await Promise.all(Array.from({ length: 6 }, () => store.getOrCreateExperiment('raced')));
      expect(new Set(many.map((e) => e.experimentId)).size).toBe(1);
      expect(many[0].name).toBe('raced');
      expect(await store.getExperimentByName('no-such-experiment')).toBeNull();
      expect((await store.getExperimentByName('raced'))?.experimentId).toBe(many[0].experimentId);
      await expectCode(store.getExperiment(asExperimentId('424242424242')), 'NOT_FOUND');
    });

    it('creates, reads, updates and ends runs', async () => {
      const info = await store.createRun({ experimentId: expId, runName: 'r1', tags: { team: 'ml' }, startTime: 1_700_000_000_000 });
      expect(info.status).toBe('RUNNING');
      expect(info.runName).toBe('r1');
      expect(info.startTime).toBe(1_700_000_000_000);
      expect(info.endTime).toBeNull();
      const run = await store.getRun(info.runId);
      expect(run.info.runId).toBe(info.runId);
      expect(run.info.experimentId).toBe(expId);
      expect(run.data.tags.team).toBe('ml');
      expect(run.data.tags['mlflow.runName']).toBe('r1');
      expect(run.data.params).toEqual({});
      expect(run.data.metrics).toEqual({});
      expect(run.inputs).toEqual([]);
      const renamed = await store.updateRun(info.runId, { runName: 'r1b' });
      expect(renamed.runName).toBe('r1b');
      const ended = await store.endRun(info.runId, 'FAILED', 1_700_000_005_000);
      expect(ended.status).toBe('FAILED');
      expect(ended.endTime).toBe(1_700_000_005_000);
      expect((await store.getRun(info.runId)).info.status).toBe('FAILED');
      await store.logMetric(info.runId, 'after_end', 1); // finished runs still accept data
      await expectCode(store.getRun(asRunId('0000000000000000000000000000dead')), 'NOT_FOUND');
    });

    it('logs params, metrics with steps and tags; latest metric and full history', async () => {
      const { runId } = await store.createRun({ experimentId: expId, runName: 'metrics' });
      await store.logBatch(runId, {
        params: { lr: 0.01, model: 'logreg', flag: true },
        metrics: [
          { key: 'loss', value: 0.9, step: 0, timestamp: 1000 },
          { key: 'loss', value: 0.5, step: 1, timestamp: 1001 },
          { key: 'loss', value: 0.3, step: 2, timestamp: 1002 },
          { key: 'eval/acc', value: 0.97 },
        ],
        tags: { fold: '1' },
      });
      await store.logParams(runId, { lr: '0.01' }); // same value again is fine
      await store.setTag(runId, 'fold', '2'); // tags overwrite
      const run = await store.getRun(runId);
      expect(run.data.params).toEqual({ lr: '0.01', model: 'logreg', flag: 'true' });
      expect(run.data.tags.fold).toBe('2');
      expect(run.data.metrics.loss).toEqual({ key: 'loss', value: 0.3, timestamp: 1002, step: 2 });
      expect(run.data.metrics['eval/acc'].value).toBe(0.97);
      expect(run.data.metrics['eval/acc'].step).toBe(0);
      const hist = await store.getMetricHistory(runId, 'loss');
      expect(hist.map((m) => [m.step, m.value, m.timestamp])).toEqual([[0, 0.9, 1000], [1, 0.5, 1001], [2, 0.3, 1002]]);
      expect(await store.getMetricHistory(runId, 'never-logged')).toEqual([]);
      await expectCode(store.logParams(runId, { lr: '0.02' }), 'INVALID_ARGUMENT');
    });

    it('round-trips NaN and ±Infinity metric values', async () => {
      const { runId } = await store.createRun({ experimentId: expId });
      await store.logMetrics(runId, [
        { key: 'weird', value: NaN, step: 0, timestamp: 10 },
        { key: 'weird', value: Infinity, step: 1, timestamp: 11 },
        { key: 'weird', value: -Infinity, step: 2, timestamp: 12 },
        { key: 'weird', value: 1, step: 3, timestamp: 13 },
      ]);
      const values = (await store.getMetricHistory(runId, 'weird')).map((m) => m.value);
      expect(values[0]).toBeNaN();
      expect(values.slice(1)).toEqual([Infinity, -Infinity, 1]);
    });

    it('splits large batches (250 params, 150 tags, 2500 metrics) without losing anything', async () => {
      const { runId } = await store.createRun({ experimentId: expId, runName: 'big' });
      const params: Record<string, string> = {};
      for (let i = 0; i < 250; i++) params[`p${i}`] = String(i);
      const tags: Record<string, string> = {};
      for (let i = 0; i < 150; i++) tags[`t${i}`] = `v${i}`;
      const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: i % 2 ? 'a' : 'b', value: i / 10, step: i, timestamp: 5000 + i }));
      await store.logBatch(runId, { params, tags, metrics });
      const run = await store.getRun(runId);
      expect(Object.keys(run.data.params)).toHaveLength(250);
      expect(Object.keys(run.data.tags).filter((k) => /^t\d+$/.test(k))).toHaveLength(150);
      const a = await store.getMetricHistory(runId, 'a');
      const b = await store.getMetricHistory(runId, 'b');
      expect(a.length + b.length).toBe(2500);
      expect(run.data.metrics.a.step).toBe(2499);
    });

    it('rejects bad keys and shortens over-long values', async () => {
      const { runId } = await store.createRun({ experimentId: expId });
      for (const key of ['../escape', '/abs', 'a\0b', 'a/../b', 'x'.repeat(251), 'semi;colon', '']) {
        await expectCode(store.logMetric(runId, key, 1), 'INVALID_ARGUMENT');
        await expectCode(store.setTag(runId, key, 'v'), 'INVALID_ARGUMENT');
      }
      await expectCode(store.logMetrics(runId, [{ key: 'frac', value: 1, step: 1.5 }]), 'INVALID_ARGUMENT');
      await store.logParams(runId, { long: 'p'.repeat(6500) });
      await store.setTag(runId, 'longtag', 't'.repeat(5500));
      const run = await store.getRun(runId);
      expect(run.data.params.long).toHaveLength(6000);
      expect(run.data.tags.longtag).toHaveLength(5000);
    });

    it('finds nested runs by parent tag, filters and orders by metrics', async () => {
      const exp = (await store.getOrCreateExperiment('nested')).experimentId;
      const parent = await store.createRun({ experimentId: exp, runName: 'parent', startTime: 100 });
      const kids = [];
      for (let i = 0; i < 3; i++) {
        const c = await store.createRun({ experimentId: exp, runName: `trial-${i}`, parentRunId: parent.runId, startTime: 200 + i });
        await store.logBatch(c.runId, { metrics: [{ key: 'loss', value: [0.4, 0.2, 0.6][i] }], params: { model: i === 1 ? 'gbm' : 'logreg' } });
        kids.push(c);
      }
      const children = await store.searchRuns({ experimentIds: [exp], filter: `tags.mlflow.parentRunId = '${parent.runId}'` });
      expect(children.map((r) => r.info.runId).sort()).toEqual(kids.map((k) => k.runId).sort());
      expect(children.every((r) => r.data.tags['mlflow.parentRunId'] === parent.runId)).toBe(true);
      const best = await store.searchRuns({ experimentIds: [exp], filter: 'metrics.loss < 0.5', orderBy: ['metrics.loss ASC'] });
      expect(best.map((r) => r.info.runName)).toEqual(['trial-1', 'trial-0']);
      const logreg = await store.searchRuns({ experimentIds: [exp], filter: "params.model = 'logreg' and metrics.loss > 0.3" });
      expect(logreg.map((r) => r.info.runName).sort()).toEqual(['trial-0', 'trial-2']);
      const newest = await store.searchRuns({ experimentIds: [exp], maxResults: 2 });
      expect(newest.map((r) => r.info.runName)).toEqual(['trial-2', 'trial-1']);
      await expectCode(store.searchRuns({ experimentIds: [exp], filter: 'metrics.loss <<< 1' }), 'INVALID_ARGUMENT');

      await store.deleteRun(kids[2].runId);
      expect((await store.getRun(kids[2].runId)).info.lifecycleStage).toBe('deleted');
      const active = await store.searchRuns({ experimentIds: [exp], filter: `tags.mlflow.parentRunId = '${parent.runId}'` });
      expect(active).toHaveLength(2);
      await expectCode(store.logMetric(kids[2].runId, 'late', 1), 'INVALID_ARGUMENT');
    });

    it('logs dataset inputs', async () => {
      const { runId } = await store.createRun({ experimentId: expId });
      await store.logInputs(runId, [
        { name: 'sms-spam', digest: 'a1b2c3d4', sourceType: 'local', source: '{"uri": "data/sms.csv"}', profile: '{"num_rows": 5574}', tags: { 'mlflow.data.context': 'training' } },
      ]);
      const run = await store.getRun(runId);
      expect(run.inputs).toHaveLength(1);
      expect(run.inputs[0]).toMatchObject({ name: 'sms-spam', digest: 'a1b2c3d4', sourceType: 'local', profile: '{"num_rows": 5574}' });
      expect(run.inputs[0].tags).toEqual({ 'mlflow.data.context': 'training' });
    });

    it('uploads, lists and downloads artifacts (files and whole directories)', async () => {
      const { runId } = await store.createRun({ experimentId: expId, runName: 'artifacts' });
      const src = path.join(tmp, 'src');
      await mkdir(path.join(src, 'plots', 'roc'), { recursive: true });
      await writeFile(path.join(src, 'model.json'), '{"classes":["ham","spam"]}');
      await writeFile(path.join(src, 'plots', 'cm.svg'), '<svg/>');
      await writeFile(path.join(src, 'plots', 'roc', 'roc.svg'), '<svg>roc</svg>');
      await store.logArtifact(runId, path.join(src, 'model.json'), 'model');
      await store.logArtifact(runId, path.join(src, 'model.json'));
      await store.logArtifacts(runId, path.join(src, 'plots'), 'report/plots');
      expect(await store.listArtifacts(runId)).toEqual([
        { path: 'model', isDir: true },
        { path: 'model.json', isDir: false, fileSize: 26 },
        { path: 'report', isDir: true },
      ]);
      expect(await store.listArtifacts(runId, 'report/plots')).toEqual([
        { path: 'report/plots/cm.svg', isDir: false, fileSize: 6 },
        { path: 'report/plots/roc', isDir: true },
      ]);
      expect(await store.listArtifacts(runId, 'nothing/here')).toEqual([]);
      const dest = path.join(tmp, 'dl');
      const file = await store.downloadArtifacts(runId, 'model/model.json', dest);
      expect(file).toBe(path.join(dest, 'model', 'model.json'));
      expect(await readFile(file, 'utf8')).toBe('{"classes":["ham","spam"]}');
      const dir = await store.downloadArtifacts(runId, 'report', dest);
      expect(await readFile(path.join(dir, 'plots', 'roc', 'roc.svg'), 'utf8')).toBe('<svg>roc</svg>');
      await expectCode(store.downloadArtifacts(runId, 'model/nope.json', dest), 'NOT_FOUND');
      for (const bad of ['../x', '/etc', 'a/../../b', 'a\0b']) {
        await expectCode(store.logArtifact(runId, path.join(src, 'model.json'), bad), 'INVALID_ARGUMENT');
        await expectCode(store.downloadArtifacts(runId, bad, dest), 'INVALID_ARGUMENT');
      }
      await expectCode(store.logArtifact(runId, path.join(src, 'missing.bin')), 'NOT_FOUND');
    });
  });
}
