import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackingConfigFromEnv } from '../../../src/tracking/config.js';
import { openTracking } from '../../../src/tracking/factory.js';
import { FakeMlflowServer } from '../../conformance/tracking/support/fake-mlflow-server.js';

describe('openTracking', () => {
  let tmp: string;
  let server: FakeMlflowServer;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ts-factory-'));
    server = new FakeMlflowServer();
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await rm(tmp, { recursive: true, force: true });
  });

  it('defaults to the local store at ./mlruns, relative to cwd', async () => {
    const t = openTracking(trackingConfigFromEnv({}, { cwd: tmp }));
    expect(t.store.kind).toBe('local');
    expect(t.registry.kind).toBe('local');
    expect(t.describe()).toBe(`local store at ${path.join(tmp, 'mlruns')}`);
    await t.store.getOrCreateExperiment('x');
    expect(await readdir(path.join(tmp, 'mlruns'))).toContain('0');
    await t.close();
    await t.close(); // idempotent
  });

  it('takes file: URIs and paths', async () => {
    const t = openTracking({ trackingUri: pathToFileURL(path.join(tmp, 'elsewhere')).href });
    expect(t.describe()).toBe(`local store at ${path.join(tmp, 'elsewhere')}`);
    await t.close();
  });

  it('switches to the REST client for http(s) with no other change; env and flags merge', async () => {
    const cfg = trackingConfigFromEnv({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:1', MLFLOW_TRACKING_TOKEN: 'tok-SECRET' }, { trackingUri: server.url });
    const t = openTracking(cfg, { sleep: async () => {} });
    expect(t.store.kind).toBe('mlflow');
    expect(t.registry.kind).toBe('mlflow');
    expect(t.describe()).toBe(`MLflow at ${server.url} (bearer token)`);
    const exp = await t.store.getOrCreateExperiment('via-factory');
    const run = await t.store.createRun({ experimentId: exp.experimentId, runName: 'r' });
    await t.store.logMetric(run.runId, 'm', 1);
    await t.registry.createRegisteredModel('via-factory');
    expect((await t.store.getRun(run.runId)).data.metrics.m.value).toBe(1);
    await t.close();
  });

  it('uses a separate registry backend when MLFLOW_REGISTRY_URI differs', async () => {
    const t = openTracking({ trackingUri: server.url, registryUri: path.join(tmp, 'reg') });
    expect(t.store.kind).toBe('mlflow');
    expect(t.registry.kind).toBe('local');
    expect(t.describe()).toBe(`MLflow at ${server.url}; registry: local store at ${path.join(tmp, 'reg')}`);
    await t.close();
  });

  it('rejects unsupported schemes without echoing credentials', () => {
    expect(() => openTracking({ trackingUri: 'postgresql://u:SECRET@db/mlflow' })).toThrow(/not supported/);
    try {
      openTracking({ trackingUri: 'postgresql://u:SECRET@db/mlflow' });
    } catch (e) {
      expect(JSON.stringify((e as { toJSON(): unknown }).toJSON())).not.toContain('SECRET');
    }
  });
});
