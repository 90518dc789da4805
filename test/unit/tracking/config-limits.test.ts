/**
 * Settings the configuration must refuse: request timeouts a timer cannot honour (0, negative,
 * above 2^31 - 1 ms, where setTimeout fires at once) and Databricks URIs, which MLflow reads as a
 * Databricks backend and which would otherwise become a local folder named `databricks`.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_TIMEOUT_MS, resolveBackend, trackingConfigFromEnv } from '../../../src/tracking/config.js';
import { openTracking } from '../../../src/tracking/factory.js';
import { MlflowTransport } from '../../../src/tracking/mlflow/transport.js';

describe('MLFLOW_HTTP_REQUEST_TIMEOUT', () => {
  it('accepts seconds above 0 up to the longest timer', () => {
    expect(trackingConfigFromEnv({ MLFLOW_HTTP_REQUEST_TIMEOUT: '0.5' }).timeoutMs).toBe(500);
    expect(trackingConfigFromEnv({ MLFLOW_HTTP_REQUEST_TIMEOUT: '2147483.647' }).timeoutMs).toBe(MAX_TIMEOUT_MS);
    expect(trackingConfigFromEnv({ MLFLOW_HTTP_REQUEST_TIMEOUT: '' }).timeoutMs).toBeUndefined();
  });
  for (const v of ['0', '-5', '2147484', '1e12', 'Infinity']) {
    it(`rejects ${v} with INVALID_ARGUMENT naming the variable and the range`, () => {
      let err: unknown;
      try {
        trackingConfigFromEnv({ MLFLOW_HTTP_REQUEST_TIMEOUT: v });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((err as Error).message).toBe(`MLFLOW_HTTP_REQUEST_TIMEOUT='${v}' must be a number of seconds above 0 and at most 2147483.647`);
    });
  }
  it('checks an explicit timeoutMs and the transport option alike', () => {
    expect(() => trackingConfigFromEnv({}, { timeoutMs: 0 })).toThrow(/above 0 and at most 2147483647 ms/);
    expect(() => trackingConfigFromEnv({}, { timeoutMs: MAX_TIMEOUT_MS + 1 })).toThrow(/INVALID_ARGUMENT|at most/);
    expect(() => new MlflowTransport({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 0 })).toThrow(/timeoutMs=0/);
    expect(() => new MlflowTransport({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 3_000_000_000 })).toThrow(/at most 2147483647 ms/);
  });
});

describe('Databricks URIs', () => {
  for (const uri of ['databricks', 'databricks-uc', 'Databricks', 'databricks://my-profile', 'databricks-uc://p', 'databricks:p']) {
    it(`${uri} is rejected, naming what is supported`, () => {
      let err: unknown;
      try {
        resolveBackend(uri, '/w');
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((err as Error).message).toMatch(/Databricks tracking\/registry backend, which is not supported/);
      expect((err as Error).message).toMatch(/http\(s\):\/\/.*file: URI.*local directory path/);
    });
  }
  it('a path that merely starts with "databricks" is still a folder', () => {
    expect(resolveBackend('./databricks', '/w')).toEqual({ kind: 'local', root: path.resolve('/w', 'databricks') });
    expect(resolveBackend('databricks/runs', '/w')).toEqual({ kind: 'local', root: path.resolve('/w', 'databricks/runs') });
    expect(resolveBackend('file:databricks', '/w')).toEqual({ kind: 'local', root: path.resolve('/w', 'databricks') });
  });
  it('is rejected as a registry URI too, before anything is opened', () => {
    expect(() => openTracking({ trackingUri: '/tmp/none', registryUri: 'databricks-uc' })).toThrow(/Databricks/);
  });
});
