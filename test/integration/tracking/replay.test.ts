/**
 * The REST client against the recorded exchanges of a real MLflow 2.12.2 server: status codes,
 * bodies, omitted arrays, NaN/Infinity, 500 for a missing artifact, 400 for a missing alias.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caught } from '../../helpers/caught.js';
import { asExperimentId, asRunId } from '../../../src/core/ids.js';
import { MlflowModelRegistry } from '../../../src/tracking/mlflow/registry.js';
import { MlflowTrackingStore } from '../../../src/tracking/mlflow/rest-store.js';
import { MlflowTransport } from '../../../src/tracking/mlflow/transport.js';
import { loadExchange, ReplayServer, withRequest, type Exchange } from './support/replay-server.js';

const S = (n: string) => loadExchange(`sqlite-backend/${n}`);
const RUN = asRunId('77880ff141a84e65b84092489ce1234d');
const ART = '/api/2.0/mlflow-artifacts/artifacts';

const servers: ReplayServer[] = [];
let tmp: string | null = null;
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = null;
});

async function replay(exchanges: Exchange[], opts: { longValues?: 'truncate' | 'reject' } = {}) {
  const server = new ReplayServer(exchanges);
  servers.push(server);
  const url = await server.start();
  const sleeps: number[] = [];
  const warnings: string[] = [];
  const transport = new MlflowTransport({
    baseUrl: url, timeoutMs: 5000, retry: { maxAttempts: 3, baseDelayMs: 10 }, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5,
  });
  const logger = { log: (_l: string, m: string) => void warnings.push(m) };
  return {
    store: new MlflowTrackingStore(transport, { now: () => 1795747976198, logger, longValues: opts.longValues }),
    registry: new MlflowModelRegistry(transport, { logger }),
    sleeps,
    warnings,
    srv: server,
  };
}


describe('replay: experiments and runs', () => {
  it('reads an experiment by name; a missing one is null (404)', async () => {
    const { store } = await replay([S('005-exp-get-by-name.json'), S('006-exp-get-by-name-missing.json')]);
    const e = await store.getExperimentByName('spam-detector');
    expect(e).toMatchObject({ experimentId: '1', name: 'spam-detector', artifactLocation: 'mlflow-artifacts:/1', tags: { project: 'train-spam' } });
    expect(await store.getExperimentByName('no-such-exp')).toBeNull();
  });

  it('get-or-create survives losing the creation race (RESOURCE_ALREADY_EXISTS)', async () => {
    const missing = withRequest(S('006-exp-get-by-name-missing.json'), 'GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=spam-detector');
    const { store, srv } = await replay([missing, S('002-exp-create-duplicate.json'), S('005-exp-get-by-name.json')]);
    const e = await store.getOrCreateExperiment('spam-detector');
    expect(e.experimentId).toBe('1');
    expect(srv.received.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /api/2.0/mlflow/experiments/get-by-name', 'POST /api/2.0/mlflow/experiments/create', 'GET /api/2.0/mlflow/experiments/get-by-name',
    ]);
  });

  it('creates a run with the recorded request shape; omitted end_time reads as null', async () => {
    const { store, srv } = await replay([S('017-run-create-parent.json')]);
    const info = await store.createRun({
      experimentId: asExperimentId('1'), runName: 'sweep-parent', userId: 'ci-bot', startTime: 1795747976198,
      tags: { 'mlflow.source.name': 'train-spam', 'mlflow.user': 'ci' },
    });
    expect(info).toMatchObject({ runId: 'f261d77447e8407eb1eee50f26569c81', status: 'RUNNING', endTime: null, runName: 'sweep-parent' });
    expect(info.artifactUri).toBe('mlflow-artifacts:/1/f261d77447e8407eb1eee50f26569c81/artifacts');
    const body = srv.received[0].json();
    expect(body).toMatchObject({ experiment_id: '1', run_name: 'sweep-parent', user_id: 'ci-bot', start_time: 1795747976198 });
    expect(srv.received[0].headers['content-type']).toBe('application/json');
  });

  it('parses a full run, inputs, and a missing run (404 → NOT_FOUND with error_code kept)', async () => {
    const { store } = await replay([S('043-runs-get.json'), S('141-runs-get-inputs.json'), S('044-runs-get-missing.json')]);
    const run = await store.getRun(RUN);
    expect(run.data.params).toEqual({ lr: '0.01', model: 'logreg', epochs: '5' });
    expect(run.data.metrics.loss).toEqual({ key: 'loss', value: 0.3, timestamp: 1795747984397, step: 2 });
    expect(run.data.tags['mlflow.parentRunId']).toBe('f261d77447e8407eb1eee50f26569c81');
    expect(run.inputs).toEqual([]);
    const withInputs = await store.getRun(RUN);
    expect(withInputs.inputs[0]).toMatchObject({ name: 'sms-spam', digest: 'a1b2c3d4', sourceType: 'local', tags: { 'mlflow.data.context': 'training' } });
    const e = await caught(store.getRun(asRunId('0000000000000000000000000000dead')));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.details).toMatchObject({ httpStatus: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST', attempts: 1 });
  });

  it('reads NaN and +Infinity from sqlite (max double) and FileStore ("Infinity") servers', async () => {
    const { store } = await replay([S('041-metric-get-history-nan-inf.json'), loadExchange('filestore-backend/041-metric-get-history-nan-inf.json')]);
    const sql = (await store.getMetricHistory(RUN, 'weird')).map((m) => m.value);
    expect(sql[0]).toBeNaN();
    expect(sql.slice(1)).toEqual([Infinity, 0.5]);
    const fsValues = (await store.getMetricHistory(asRunId('9641517d1c5142b284f846be9ab3b668'), 'weird')).map((m) => m.value);
    expect(fsValues[0]).toBeNaN();
    expect(fsValues.slice(1)).toEqual([Infinity, 0.5]);
  });

  it('sends log-batch with string params, fixed timestamps and steps; NaN as "NaN"', async () => {
    const { store, srv } = await replay([S('021-runs-log-batch.json')]);
    await store.logBatch(RUN, { params: { lr: 0.01, model: 'logreg' }, metrics: [{ key: 'f1', value: 0.91, step: 0 }, { key: 'f1', value: NaN, step: 1 }], tags: { fold: '1' } });
    const body = srv.received[0].json();
    expect(body.params).toEqual([{ key: 'lr', value: '0.01' }, { key: 'model', value: 'logreg' }]);
    expect(body.metrics).toEqual([
      { key: 'f1', value: 0.91, timestamp: 1795747976198, step: 0 },
      { key: 'f1', value: 'NaN', timestamp: 1795747976198, step: 1 },
    ]);
  });

  it('follows search pages and maps a bad filter to INVALID_ARGUMENT without retrying', async () => {
    const { store, srv } = await replay([S('088-runs-search-page1.json'), S('089-runs-search-page2.json'), S('090-runs-search-bad-filter.json')]);
    const runs = await store.searchRuns({ experimentIds: [asExperimentId('1')], orderBy: ['attributes.start_time DESC'], maxResults: 2 });
    expect(runs.map((r) => r.info.runId)).toEqual(['90ed43c7832d468ab2a90856e0c9caf5', '77880ff141a84e65b84092489ce1234d']);
    expect(srv.received[1].json().page_token).toBe('eyJvZmZzZXQiOiAxfQ==');
    const e = await caught(store.searchRuns({ experimentIds: [asExperimentId('1')], filter: 'metrics.loss <<< 1' }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(srv.received).toHaveLength(3);
  });

  it('finds nested runs through the parent tag filter', async () => {
    const { store, srv } = await replay([S('087-runs-search-children.json')]);
    const kids = await store.searchRuns({ experimentIds: [asExperimentId('1')], filter: "tags.mlflow.parentRunId = 'f261d77447e8407eb1eee50f26569c81'" });
    expect(kids.length).toBeGreaterThan(0);
    expect(kids.every((r) => r.data.tags['mlflow.parentRunId'] === 'f261d77447e8407eb1eee50f26569c81')).toBe(true);
    expect(srv.received[0].json().filter).toBe("tags.mlflow.parentRunId = 'f261d77447e8407eb1eee50f26569c81'");
  });

  it('shortens over-long params with a warning, or rejects them before sending', async () => {
    const { store, srv, warnings } = await replay([withRequest(S('021-runs-log-batch.json'), 'POST', '/api/2.0/mlflow/runs/log-batch')]);
    await store.logParams(RUN, { p: 'x'.repeat(6001) });
    expect(srv.received[0].json().params[0].value).toHaveLength(6000);
    expect(warnings.some((w) => w.includes('truncated'))).toBe(true);
    const strict = await replay([], { longValues: 'reject' });
    expect((await caught(strict.store.logParams(RUN, { p: 'x'.repeat(6001) }))).code).toBe('INVALID_ARGUMENT');
    expect(strict.srv.received).toHaveLength(0);
  });

  it('FileStore servers: a param conflict is a 500 INTERNAL_ERROR, retried once only', async () => {
    const conflict = loadExchange('filestore-backend/036-runs-log-batch-param-conflict.json');
    const { store, srv, sleeps } = await replay([conflict, conflict, conflict]);
    const e = await caught(store.logParams(asRunId('9641517d1c5142b284f846be9ab3b668'), { lr: '0.02' }));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.details).toMatchObject({ httpStatus: 500, errorCode: 'INTERNAL_ERROR', attempts: 2 });
    expect(srv.received).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('FileStore servers: model-versions/create is not resent after a 500', async () => {
    const missing = loadExchange('filestore-backend/100-mv-create-missing-model.json');
    const { registry, srv } = await replay([missing, missing]);
    const e = await caught(registry.createModelVersion({ name: 'no-such-model', source: 'runs:/9641517d1c5142b284f846be9ab3b668/model', runId: '9641517d1c5142b284f846be9ab3b668' }));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(srv.received).toHaveLength(1);
  });

  it('treats an unknown route (HTML 404) as a remote error, not as a missing entity', async () => {
    const html404 = withRequest(S('065-unknown-endpoint.json'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${RUN}`);
    const { store } = await replay([html404]);
    const e = await caught(store.getRun(RUN));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.details).toMatchObject({ httpStatus: 404, errorCode: null });
  });
});

describe('replay: artifacts', () => {
  it('uploads to the proxied path and lists with run-relative paths and sizes (omitted files → [])', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ts-replay-'));
    const runGet = withRequest(S('043-runs-get.json'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${RUN}`);
    const empty: Exchange = {
      request: { method: 'GET', path: `${ART}?path=1/${RUN}/artifacts/void`, content_type: null, body: null },
      response: { status: 200, content_type: 'application/json', body: {} },
    };
    const { store, srv } = await replay([
      runGet, S('067-artifact-put.json'), S('071-artifact-list-proxy-root.json'), S('144-artifact-list-proxy-file-sizes.json'), empty,
    ]);
    const src = path.join(tmp, 'model.json');
    await writeFile(src, '{"vocab_size": 5000, "classes": ["ham", "spam"]}');
    await store.logArtifact(RUN, src, 'model');
    const put = srv.received[1];
    expect(`${put.method} ${put.url}`).toBe(`PUT ${ART}/1/${RUN}/artifacts/model/model.json`);
    expect(put.headers['content-type']).toBe('application/octet-stream');
    expect(put.body.toString()).toContain('vocab_size');
    expect(await store.listArtifacts(RUN)).toEqual([{ path: 'eval', isDir: true }, { path: 'model', isDir: true }]);
    expect(await store.listArtifacts(RUN, 'notes')).toEqual([{ path: 'notes/h.txt', isDir: false, fileSize: 5 }]);
    expect(await store.listArtifacts(RUN, 'void')).toEqual([]);
    expect(srv.unused).toHaveLength(0);
  });

  it('downloads a file and reports a missing one as NOT_FOUND after one 500 (not retried)', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ts-replay-'));
    const emptyListing = (p: string): Exchange => ({
      request: { method: 'GET', path: `${ART}?path=1/${RUN}/artifacts/${p}`, content_type: null, body: null },
      response: { status: 200, content_type: 'application/json', body: {} }, // empty listing: "files" omitted
    });
    const modelListing: Exchange = {
      request: { method: 'GET', path: `${ART}?path=1/${RUN}/artifacts/model`, content_type: null, body: null },
      response: { status: 200, content_type: 'application/json', body: { files: [{ path: 'model.json', is_dir: false, file_size: 48 }] } },
    };
    const runGet = withRequest(S('043-runs-get.json'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${RUN}`);
    const { store, srv } = await replay([
      runGet, emptyListing('model/model.json'), S('075-artifact-download-proxy.json'),
      emptyListing('model/nope.json'), S('076-artifact-download-missing.json'), modelListing,
    ]);
    const file = await store.downloadArtifacts(RUN, 'model/model.json', tmp);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ vocab_size: 5000, classes: ['ham', 'spam'] });
    const e = await caught(store.downloadArtifacts(RUN, 'model/nope.json', tmp));
    expect(e.code).toBe('NOT_FOUND');
    expect(srv.received.filter((r) => r.url.endsWith('/model/nope.json'))).toHaveLength(1);
    expect(srv.unused).toHaveLength(0);
  });
});

describe('replay: registry', () => {
  const R = '/api/2.0/mlflow/registered-models';
  it('get-or-create of a registered model, versions, download URI', async () => {
    const { registry } = await replay([
      S('092-rm-create-duplicate.json'), S('093-rm-get.json'), S('094-rm-get-missing.json'), S('095-mv-create-runs-uri.json'),
      S('101-mv-get.json'), S('102-mv-get-missing.json'), S('103-mv-get-download-uri.json'),
    ]);
    const m = await registry.createRegisteredModel('spam-classifier');
    expect(m).toMatchObject({ name: 'spam-classifier', description: 'SMS spam classifier', tags: { team: 'ml' }, aliases: {}, latestVersions: [] });
    expect(await registry.getRegisteredModel('nope')).toBeNull();
    const v = await registry.createModelVersion({ name: 'spam-classifier', source: `runs:/${RUN}/model`, runId: RUN, description: 'fold-1 logreg', tags: { f1: '0.93' } });
    expect(v).toMatchObject({ version: '1', currentStage: 'None', tags: { f1: '0.93' }, aliases: [] });
    expect((await registry.getModelVersion('spam-classifier', '1')).source).toBe(`runs:/${RUN}/model`);
    expect((await caught(registry.getModelVersion('spam-classifier', '99'))).code).toBe('NOT_FOUND');
    expect(await registry.getDownloadUri('spam-classifier', '1')).toBe(`runs:/${RUN}/model`);
  });

  it('stages and latest versions', async () => {
    const { registry, srv } = await replay([S('104-mv-transition-staging.json'), S('108-rm-get-latest-versions-post.json')]);
    expect((await registry.transitionStage('spam-classifier', '1', 'Staging', false)).currentStage).toBe('Staging');
    expect(srv.received[0].json()).toEqual({ name: 'spam-classifier', version: '1', stage: 'Staging', archive_existing_versions: false });
    const latest = await registry.getLatestVersions('spam-classifier', ['Staging']);
    expect(latest.map((x) => x.version)).toEqual(['1']);
    expect((await caught(registry.transitionStage('spam-classifier', '1', 'Prod' as never, false))).code).toBe('INVALID_ARGUMENT');
    expect(srv.received).toHaveLength(2); // a bad stage never reaches the server
  });

  it('aliases: set, get (with aliases), missing alias → null from a 400, delete with a JSON body', async () => {
    const { registry, srv } = await replay([
      S('111-rm-set-alias.json'), S('114-rm-set-alias-missing-version.json'), S('115-rm-get-by-alias.json'),
      S('116-rm-get-by-alias-missing.json'), S('117-rm-get-with-alias.json'), S('126-rm-delete-alias.json'),
      S('127-rm-get-by-alias-after-delete.json'),
    ]);
    await registry.setAlias('spam-classifier', 'champion', '1');
    expect((await caught(registry.setAlias('spam-classifier', 'challenger', '99'))).code).toBe('NOT_FOUND');
    expect((await registry.getVersionByAlias('spam-classifier', 'champion'))?.aliases).toEqual(['champion']);
    expect(await registry.getVersionByAlias('spam-classifier', 'nobody')).toBeNull();
    const m = await registry.getRegisteredModel('spam-classifier');
    expect(m!.aliases).toEqual({ champion: '1' });
    expect(m!.latestVersions.map((v) => v.currentStage).sort()).toEqual(['None', 'Production', 'Staging']);
    await registry.deleteAlias('spam-classifier', 'champion');
    const del = srv.received.find((r) => r.method === 'DELETE')!;
    expect(del.url).toBe(`${R}/alias`);
    expect(del.json()).toEqual({ name: 'spam-classifier', alias: 'champion' });
    expect(await registry.getVersionByAlias('spam-classifier', 'champion')).toBeNull();
    for (const reserved of ['v3', 'latest']) expect((await caught(registry.setAlias('spam-classifier', reserved, '1'))).code).toBe('INVALID_ARGUMENT');
    expect(srv.unused).toHaveLength(0);
  });

  it('deletes a version with a JSON body on DELETE', async () => {
    const { registry, srv } = await replay([S('128-mv-delete.json')]);
    await registry.deleteModelVersion('spam-classifier', '2');
    expect(srv.received[0].method).toBe('DELETE');
    expect(srv.received[0].url).toBe('/api/2.0/mlflow/model-versions/delete');
    expect(srv.received[0].json()).toEqual({ name: 'spam-classifier', version: '2' });
    expect(srv.unused).toHaveLength(0);
  });

  it('searches versions by name, run and tag', async () => {
    const { registry } = await replay([S('122-mv-search.json'), S('123-mv-search-by-run.json'), S('124-mv-search-by-tag.json')]);
    expect((await registry.searchModelVersions("name='spam-classifier'", { maxResults: 10 })).length).toBeGreaterThan(1);
    const byRun = await registry.searchModelVersions(`run_id='${RUN}'`);
    expect(byRun.map((v) => v.version)).toEqual(['1', '2', '4']); // not empty: the .every below has something to check
    expect(byRun.every((v) => v.runId === RUN)).toBe(true);
    const tagged = await registry.searchModelVersions("tags.validated='true'");
    expect(tagged.map((v) => v.version)).toEqual(['1']);
    expect(tagged[0].tags.validated).toBe('true');
  });
});
