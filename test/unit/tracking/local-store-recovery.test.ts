/**
 * The local store heals what a writer killed mid-way left, and one damaged file does not fail the
 * searches around it: an experiment or registered-model folder without meta.yaml is taken over, a
 * leftover staging folder is ignored, a malformed run or experiment is skipped (with a warning) in
 * searches while reading it directly still fails with FORMAT_ERROR.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogLevel, Logger } from '../../../src/core/ports.js';
import { experimentIdFor } from '../../../src/tracking/local/experiments.js';
import { ABANDONED_MS } from '../../../src/tracking/local/files.js';
import { EXPERIMENT_STAGING_PREFIX } from '../../../src/tracking/local/layout.js';
import { LocalModelRegistry } from '../../../src/tracking/local/local-registry.js';
import { LocalTrackingStore } from '../../../src/tracking/local/local-store.js';

async function freshRoot(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), 'ts-recover-')), 'mlruns');
}

function recordingLogger(): Logger & { lines: { level: LogLevel; message: string }[] } {
  const lines: { level: LogLevel; message: string }[] = [];
  return { lines, log: (level, message) => void lines.push({ level, message }) };
}

/** Makes `dir` look untouched for longer than ABANDONED_MS. */
function age(dir: string): void {
  const t = (Date.now() - ABANDONED_MS - 60_000) / 1000;
  utimesSync(dir, t, t);
}

describe('local store: a crash while creating an experiment', () => {
  it('an empty experiment folder (killed between mkdir and meta.yaml) is taken over at once', async () => {
    const root = await freshRoot();
    mkdirSync(path.join(root, experimentIdFor('train-spam', 0)), { recursive: true });
    const t0 = Date.now();
    const e = await new LocalTrackingStore({ root }).getOrCreateExperiment('train-spam', { tags: { t: '1' } });
    expect(Date.now() - t0).toBeLessThan(ABANDONED_MS);
    expect(e).toMatchObject({ experimentId: experimentIdFor('train-spam', 0), name: 'train-spam', tags: { t: '1' } });
    expect(existsSync(path.join(root, '0', 'meta.yaml'))).toBe(true);
  });

  it('an empty Default experiment folder is taken over', async () => {
    const root = await freshRoot();
    mkdirSync(path.join(root, '0'), { recursive: true });
    await new LocalTrackingStore({ root }).getOrCreateExperiment('x');
    expect(readFileSync(path.join(root, '0', 'meta.yaml'), 'utf8')).toMatch(/name: Default/);
  });

  it('an abandoned folder with tags but no meta.yaml is completed', async () => {
    const root = await freshRoot();
    const dir = path.join(root, experimentIdFor('train-spam', 0));
    mkdirSync(path.join(dir, 'tags'), { recursive: true });
    writeFileSync(path.join(dir, 'tags', 'old'), 'v');
    age(dir);
    const e = await new LocalTrackingStore({ root }).getOrCreateExperiment('train-spam');
    expect(e).toMatchObject({ experimentId: experimentIdFor('train-spam', 0), name: 'train-spam', lifecycleStage: 'active' });
  });

  it('a leftover staging folder is ignored, and the experiment is built and renamed into place', async () => {
    const root = await freshRoot();
    const s = new LocalTrackingStore({ root });
    await s.getOrCreateExperiment('a');
    const staging = path.join(root, `${EXPERIMENT_STAGING_PREFIX}1-abc`);
    mkdirSync(staging);
    writeFileSync(path.join(staging, 'meta.yaml'), `experiment_id: '${experimentIdFor('b', 0)}'\nname: b\nlifecycle_stage: active\n`);
    expect(await s.getExperimentByName('b')).toBeNull();
    const b = await s.getOrCreateExperiment('b');
    expect(b.experimentId).toBe(experimentIdFor('b', 0));
    expect(readdirSync(root).filter((d) => d.startsWith(EXPERIMENT_STAGING_PREFIX))).toEqual(['tmp-exp-1-abc']);
    // concurrent creators of one name agree on one complete experiment
    const all = await Promise.all(Array.from({ length: 8 }, () => new LocalTrackingStore({ root }).getOrCreateExperiment('c')));
    expect(new Set(all.map((e) => e.experimentId)).size).toBe(1);
    expect(readdirSync(root).filter((d) => d.startsWith(EXPERIMENT_STAGING_PREFIX))).toEqual(['tmp-exp-1-abc']);
  });
});

describe('local registry: a crash while creating a registered model', () => {
  it('an empty model folder is taken over at once; a leftover .tmp folder is not listed', async () => {
    const root = await freshRoot();
    mkdirSync(path.join(root, 'models', 'spam'), { recursive: true });
    mkdirSync(path.join(root, 'models', '.tmp-1-abc'));
    writeFileSync(path.join(root, 'models', '.tmp-1-abc', 'meta.yaml'), 'name: spam\n');
    const reg = new LocalModelRegistry({ root });
    const t0 = Date.now();
    const m = await reg.createRegisteredModel('spam', { tags: { t: '1' } });
    expect(Date.now() - t0).toBeLessThan(ABANDONED_MS);
    expect(m).toMatchObject({ name: 'spam', tags: { t: '1' } });
    await reg.createModelVersion({ name: 'spam', source: 'runs:/a/model', runId: 'a' });
    expect((await reg.searchModelVersions('')).map((v) => `${v.name}/${v.version}`)).toEqual(['spam/1']);
  });

  it('an abandoned model folder with tags but no meta.yaml is completed', async () => {
    const root = await freshRoot();
    const dir = path.join(root, 'models', 'spam');
    mkdirSync(path.join(dir, 'tags'), { recursive: true });
    writeFileSync(path.join(dir, 'tags', 'old'), 'v');
    age(dir);
    const m = await new LocalModelRegistry({ root }).createRegisteredModel('spam');
    expect(m).toMatchObject({ name: 'spam', tags: { old: 'v' } });
  });

  it('concurrent creators get one model and leave no staging folder', async () => {
    const root = await freshRoot();
    const made = await Promise.all(Array.from({ length: 8 }, () => new LocalModelRegistry({ root }).createRegisteredModel('spam')));
    expect(new Set(made.map((m) => m.creationTimestamp)).size).toBe(1);
    expect(readdirSync(path.join(root, 'models'))).toEqual(['spam']);
  });
});

describe('local store: malformed files', () => {
  it('getRun fails with FORMAT_ERROR on a malformed metric line instead of reporting an older point', async () => {
    const root = await freshRoot();
    const s = new LocalTrackingStore({ root });
    const e = await s.getOrCreateExperiment('x');
    const r = await s.createRun({ experimentId: e.experimentId });
    await s.logMetrics(r.runId, [{ key: 'f1', value: 0.5, step: 0 }, { key: 'f1', value: 0.9, step: 1 }]);
    const f = path.join(root, e.experimentId, r.runId, 'metrics', 'f1');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/0\.9/, '0.9x'));
    const err = expect.objectContaining({ code: 'FORMAT_ERROR', details: { file: f, line: 2 } });
    await expect(s.getRun(r.runId)).rejects.toThrow(err);
    await expect(s.getMetricHistory(r.runId, 'f1')).rejects.toThrow(err);
    // a torn last line (a crash mid-append) is not an error
    writeFileSync(f, '1 0.5 0\n2 0.9 1\n3 0.');
    expect((await s.getRun(r.runId)).data.metrics.f1.value).toBe(0.9);
  });

  it('searchRuns skips a run with a malformed meta.yaml with a warning; getRun of it fails', async () => {
    const root = await freshRoot();
    const logger = recordingLogger();
    const s = new LocalTrackingStore({ root, logger });
    const e = await s.getOrCreateExperiment('x');
    const good = await s.createRun({ experimentId: e.experimentId });
    const bad = await s.createRun({ experimentId: e.experimentId });
    const badMeta = path.join(root, e.experimentId, bad.runId, 'meta.yaml');
    writeFileSync(badMeta, 'run_id: [unclosed');
    expect((await s.searchRuns({ experimentIds: [e.experimentId] })).map((r) => r.info.runId)).toEqual([good.runId]);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining(`malformed run '${bad.runId}'`) })]);
    expect(logger.lines[0].message).toContain(badMeta);
    await expect(s.getRun(bad.runId)).rejects.toThrow(expect.objectContaining({ code: 'FORMAT_ERROR', details: { file: badMeta } }));
  });

  it('a malformed experiment meta.yaml is skipped with a warning by name lookups; getExperiment of it fails', async () => {
    const root = await freshRoot();
    const s = new LocalTrackingStore({ root });
    const x = await s.getOrCreateExperiment('x');
    const other = await s.getOrCreateExperiment('other');
    const badMeta = path.join(root, other.experimentId, 'meta.yaml');
    writeFileSync(badMeta, 'name: [unclosed');
    const logger = recordingLogger();
    const s2 = new LocalTrackingStore({ root, logger });
    expect((await s2.getOrCreateExperiment('x')).experimentId).toBe(x.experimentId);
    expect((await s2.getOrCreateExperiment('y')).name).toBe('y');
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes(`malformed experiment '${other.experimentId}'`) && l.message.includes(badMeta))).toBe(true);
    await expect(s2.getExperiment(other.experimentId)).rejects.toThrow(expect.objectContaining({ code: 'FORMAT_ERROR', details: { file: badMeta } }));
  });
});

describe('local store: keys that look like temp files', () => {
  it("reads back params, tags and metrics whose key (or a component of it) starts with '.tmp-', as MLflow does", async () => {
    // before: written, but skipped by the key listing (which hid temp files), so getRun and
    // searchRuns lost them while MLflow showed them
    const root = await freshRoot();
    const store = new LocalTrackingStore({ root, now: () => 1_800_000_000_000 });
    const exp = await store.getOrCreateExperiment('tmp-keys', { tags: { '.tmp-owner': 'me' } });
    const run = await store.createRun({ experimentId: exp.experimentId });
    await store.logBatch(run.runId, { params: { '.tmp-lr': '0.1' }, tags: { 'a/.tmp-b': 'x' }, metrics: [{ key: '.tmp-loss', value: 0.5, step: 0 }] });
    const got = await store.getRun(run.runId);
    expect(got.data.params).toEqual({ '.tmp-lr': '0.1' });
    expect(got.data.tags['a/.tmp-b']).toBe('x');
    expect(got.data.metrics['.tmp-loss']?.value).toBe(0.5);
    expect((await store.getExperiment(exp.experimentId)).tags).toEqual({ '.tmp-owner': 'me' });
    const found = await store.searchRuns({ experimentIds: [exp.experimentId], filter: "params.`.tmp-lr` = '0.1'" });
    expect(found.map((r) => r.info.runId)).toEqual([run.runId]);
    // and no temp file is left in the key folders to be taken for a key
    expect(Object.keys(got.data.tags).sort()).toEqual(['a/.tmp-b', 'mlflow.runName']);
  });
});
