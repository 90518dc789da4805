/**
 * The local store and MLflow's FileStore layout, both ways:
 * 1. a store written by hand exactly like ../shared/fixtures/mlflow/filestore-foreign (files that a
 *    real MLflow 2.12.2 server served) reads back through our store as the server answered it;
 * 2. what our store writes has the same files, keys and value formats.
 */
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asExperimentId, asRunId } from '../../../src/core/ids.js';
import type { Run } from '../../../src/tracking/contract.js';
import { LocalModelRegistry } from '../../../src/tracking/local/local-registry.js';
import { LocalTrackingStore } from '../../../src/tracking/local/local-store.js';
import { toModelVersion, toRegisteredModel, toRun } from '../../../src/tracking/mlflow/wire.js';
import { loadExchange } from './support/replay-server.js';

const PARENT = 'aaaaaaaabbbbccccddddeeeeeeeeeeee';
const CHILD = '11111111222233334444555555555555';
const MINIMAL = '99999999999999999999999999999999';
const T0 = 1767225600000;

let tmp: string;
let root: string;

/** Replaces the recorded `<tmpdir>` with ours. */
function fixtureBody(name: string): any {
  const text = JSON.stringify(loadExchange(`filestore-foreign/${name}`).response.body).split('file://<tmpdir>').join(pathToFileURL(tmp).href);
  return JSON.parse(text);
}

async function put(rel: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), content);
}

/** A FileStore written by another program (plain files, no MLflow code), as in the fixtures. */
async function writeForeignStore(): Promise<void> {
  const uri = pathToFileURL(root).href;
  await put('7/meta.yaml', `artifact_location: ${uri}/7\ncreation_time: ${T0}\nexperiment_id: '7'\nlast_update_time: ${T0}\nlifecycle_stage: active\nname: spam-offline\n`);
  await put('7/tags/project', 'train-spam');
  const runMeta = (id: string, name: string) =>
    `artifact_uri: ${uri}/7/${id}/artifacts\nend_time: ${T0 + 60000}\nentry_point_name: ''\nexperiment_id: '7'\nlifecycle_stage: active\n` +
    `run_id: '${id}'\nrun_name: ${name}\nrun_uuid: '${id}'\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: ${T0}\nstatus: 3\ntags: []\nuser_id: trainer\n`;
  await put(`7/${PARENT}/meta.yaml`, runMeta(PARENT, 'offline-train'));
  await put(`7/${PARENT}/metrics/f1`, `${T0} 0.91\n`); // 2-field line: step 0
  await put(`7/${PARENT}/metrics/loss`, `${T0} 0.9 0\n${T0 + 1000} 0.5 1\n${T0 + 2000} 0.25 2\n`);
  await put(`7/${PARENT}/metrics/odd`, `${T0} nan 0\n`);
  await put(`7/${PARENT}/metrics/eval/acc`, `${T0} 0.97 0\n`);
  await put(`7/${PARENT}/params/model`, 'logreg');
  await put(`7/${PARENT}/params/lr`, '0.01');
  await put(`7/${PARENT}/tags/mlflow.runName`, 'offline-train');
  await put(`7/${PARENT}/tags/note`, 'multi\nline');
  await put(`7/${PARENT}/artifacts/model/model.json`, '{"classes":["ham","spam"]}');
  await put(`7/${CHILD}/meta.yaml`, runMeta(CHILD, 'offline-fold-1'));
  await put(`7/${CHILD}/tags/mlflow.parentRunId`, PARENT);
  await put(`7/${CHILD}/tags/mlflow.runName`, 'offline-fold-1');
  await put(`7/${MINIMAL}/meta.yaml`, `end_time: null\nexperiment_id: '7'\nrun_id: '${MINIMAL}'\nrun_uuid: '${MINIMAL}'\nstart_time: ${T0}\nuser_id: ''\n`);
  await put('models/spam-offline-model/meta.yaml', `aliases: {}\ncreation_timestamp: ${T0}\ndescription: written by hand\nlast_updated_timestamp: ${T0}\nname: spam-offline-model\n`);
  await put('models/spam-offline-model/tags/team', 'ml');
  await put('models/spam-offline-model/aliases/champion', '1');
  await put(
    'models/spam-offline-model/version-1/meta.yaml',
    `aliases: []\ncreation_timestamp: ${T0}\ncurrent_stage: Staging\ndescription: ''\nlast_updated_timestamp: ${T0}\nname: spam-offline-model\n` +
      `run_id: ${PARENT}\nrun_link: ''\nsource: ${uri}/7/${PARENT}/artifacts/model\nstatus: READY\nstatus_message: null\nstorage_location: null\nuser_id: null\nversion: 1\n`,
  );
}

const sortRuns = (runs: Run[]) => [...runs].sort((a, b) => (a.info.runId < b.info.runId ? -1 : 1));

describe('reading a foreign FileStore like MLflow 2.12.2 does', () => {
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ts-fs-'));
    root = path.join(tmp, 'mlruns');
    await writeForeignStore();
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('experiments and runs match the served responses', async () => {
    const store = new LocalTrackingStore({ root });
    const exp = await store.getExperimentByName('spam-offline');
    const served = fixtureBody('001-fsx-exp-search.json').experiments[0];
    expect(exp).toMatchObject({ experimentId: '7', name: served.name, artifactLocation: served.artifact_location, tags: { project: 'train-spam' } });
    expect(await store.getRun(asRunId(PARENT))).toEqual(toRun(fixtureBody('003-fsx-runs-get.json').run));
    expect(await store.getRun(asRunId(MINIMAL))).toEqual(toRun(fixtureBody('017-fsx-runs-get-minimal-quoted.json').run));
  });

  it('metric history (incl. a slash key), nested-run search, metric search, artifacts', async () => {
    const store = new LocalTrackingStore({ root });
    expect(await store.getMetricHistory(asRunId(PARENT), 'loss')).toEqual(fixtureBody('005-fsx-metric-history.json').metrics);
    expect(await store.getMetricHistory(asRunId(PARENT), 'eval/acc')).toEqual(fixtureBody('006-fsx-metric-history-slash-key.json').metrics);
    const kids = await store.searchRuns({ experimentIds: [asExperimentId('7')], filter: `tags.mlflow.parentRunId = '${PARENT}'` });
    expect(kids).toEqual(fixtureBody('018-fsx-runs-search-children-after-fix.json').runs.map(toRun));
    const served = fixtureBody('009-fsx-artifacts-list.json');
    expect(await store.listArtifacts(asRunId(PARENT), 'model')).toEqual(served.files.map((f: any) => ({ path: f.path, isDir: f.is_dir, fileSize: f.file_size })));
  });

  it('registry: model with tags, aliases, Staging version; get by alias; search', async () => {
    const reg = new LocalModelRegistry({ root });
    const m = await reg.getRegisteredModel('spam-offline-model');
    expect(m).toEqual(toRegisteredModel(fixtureBody('011-fsx-rm-get.json').registered_model));
    expect(await reg.getVersionByAlias('spam-offline-model', 'champion')).toEqual(toModelVersion(fixtureBody('013-fsx-rm-get-by-alias.json').model_version));
    const latest = await reg.getLatestVersions('spam-offline-model', ['Staging']);
    expect(latest.map((v) => v.version)).toEqual(fixtureBody('012-fsx-rm-latest-staging.json').model_versions.map((v: any) => v.version));
    const found = await reg.searchModelVersions("name='spam-offline-model'");
    expect(found.map((v) => ({ ...v, aliases: [] }))).toEqual(fixtureBody('014-fsx-mv-search.json').model_versions.map((v: any) => ({ ...toModelVersion(v), aliases: [] })));
  });

  it('appends to hand-written metric files and keeps params write-once (like 015/016)', async () => {
    const store = new LocalTrackingStore({ root });
    await store.logMetrics(asRunId(PARENT), [{ key: 'loss', value: 0.2, step: 3, timestamp: 1767225663000 }]);
    // 019 and 020 were captured after this append
    const best = await store.searchRuns({ experimentIds: [asExperimentId('7')], filter: 'metrics.loss < 0.3', orderBy: ['metrics.loss ASC'] });
    expect(best).toEqual(fixtureBody('019-fsx-runs-search-metric-after-fix.json').runs.map(toRun));
    const all = await store.searchRuns({ experimentIds: [asExperimentId('7')] });
    expect(sortRuns(all)).toEqual(sortRuns(fixtureBody('020-fsx-runs-search-all.json').runs.map(toRun)));
    await expect(store.logParams(asRunId(PARENT), { lr: '0.02' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('what the local store writes has the FileStore shape', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ts-fsw-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('experiment, run, value files, metric lines, registry', async () => {
    const r = path.join(dir, 'mlruns');
    const store = new LocalTrackingStore({ root: r, now: () => T0 });
    const reg = new LocalModelRegistry({ root: r, now: () => T0 });
    const exp = await store.getOrCreateExperiment('spam-offline', { tags: { project: 'train-spam' } });
    const run = await store.createRun({ experimentId: exp.experimentId, runName: 'offline-train' });
    await store.logBatch(run.runId, { params: { lr: 0.01 }, metrics: [{ key: 'eval/acc', value: 0.97 }, { key: 'odd', value: NaN, step: 1 }], tags: { note: 'multi\nline' } });
    await store.endRun(run.runId);
    await reg.createRegisteredModel('spam-offline-model', { tags: { team: 'ml' } });
    await reg.createModelVersion({ name: 'spam-offline-model', source: `${run.artifactUri}/model`, runId: run.runId });
    await reg.transitionStage('spam-offline-model', '1', 'Staging', false);
    await reg.setAlias('spam-offline-model', 'champion', '1');

    expect((await readdir(r)).sort()).toEqual(['0', exp.experimentId, 'models'].sort());
    expect(exp.experimentId).toMatch(/^\d{18}$/);
    const expText = await readFile(path.join(r, exp.experimentId, 'meta.yaml'), 'utf8');
    expect(expText).toContain(`experiment_id: "${exp.experimentId}"`);
    expect(Object.keys(parse(expText)).sort()).toEqual(['artifact_location', 'creation_time', 'experiment_id', 'last_update_time', 'lifecycle_stage', 'name']);
    expect(await readFile(path.join(r, exp.experimentId, 'tags', 'project'), 'utf8')).toBe('train-spam');
    const runDir = path.join(r, exp.experimentId, run.runId);
    const meta = parse(await readFile(path.join(runDir, 'meta.yaml'), 'utf8'));
    expect(Object.keys(meta).sort()).toEqual([
      'artifact_uri', 'end_time', 'entry_point_name', 'experiment_id', 'lifecycle_stage', 'run_id', 'run_name', 'run_uuid', 'source_name',
      'source_type', 'source_version', 'start_time', 'status', 'tags', 'user_id',
    ]);
    expect(meta).toMatchObject({ run_id: run.runId, run_uuid: run.runId, experiment_id: exp.experimentId, status: 3, source_type: 4, tags: [], end_time: T0 });
    expect(meta.artifact_uri).toBe(pathToFileURL(path.join(runDir, 'artifacts')).href);
    expect(await readFile(path.join(runDir, 'params', 'lr'), 'utf8')).toBe('0.01');
    expect(await readFile(path.join(runDir, 'tags', 'note'), 'utf8')).toBe('multi\nline');
    expect(await readFile(path.join(runDir, 'tags', 'mlflow.runName'), 'utf8')).toBe('offline-train');
    expect(await readFile(path.join(runDir, 'metrics', 'eval', 'acc'), 'utf8')).toBe(`${T0} 0.97 0\n`);
    expect(await readFile(path.join(runDir, 'metrics', 'odd'), 'utf8')).toBe(`${T0} nan 1\n`);
    const m = path.join(r, 'models', 'spam-offline-model');
    expect(Object.keys(parse(await readFile(path.join(m, 'meta.yaml'), 'utf8'))).sort()).toEqual(['aliases', 'creation_timestamp', 'description', 'last_updated_timestamp', 'name']);
    expect(await readFile(path.join(m, 'tags', 'team'), 'utf8')).toBe('ml');
    expect(await readFile(path.join(m, 'aliases', 'champion'), 'utf8')).toBe('1');
    const v = parse(await readFile(path.join(m, 'version-1', 'meta.yaml'), 'utf8'));
    expect(Object.keys(v).sort()).toEqual([
      'aliases', 'creation_timestamp', 'current_stage', 'description', 'last_updated_timestamp', 'name', 'run_id', 'run_link', 'source', 'status',
      'status_message', 'storage_location', 'user_id', 'version',
    ]);
    expect(v).toMatchObject({ version: 1, current_stage: 'Staging', status: 'READY', run_id: run.runId });
  });
});
