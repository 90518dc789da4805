/**
 * What a misbehaving server answers, against a bare HTTP server: 2xx bodies that are JSON but not
 * an object, a metric without a readable value, and a directory upload whose first PUT fails
 * (no further upload starts, those in flight finish before the error comes back).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caught } from '../../helpers/caught.js';
import { asRunId } from '../../../src/core/ids.js';
import { logArtifacts } from '../../../src/tracking/mlflow/artifacts-api.js';
import { MlflowTrackingStore } from '../../../src/tracking/mlflow/rest-store.js';
import { MlflowTransport } from '../../../src/tracking/mlflow/transport.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(handler: Handler): Promise<MlflowTransport> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const t = new MlflowTransport({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retry: { maxAttempts: 1 } });
  cleanups.push(async () => {
    await t.close();
    await new Promise((r) => server.close(r));
  });
  return t;
}

const json = (res: http.ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
};


describe('2xx answers that are JSON but not an object', () => {
  for (const body of ['null', '[1,2]', '42', '"text"', 'true']) {
    it(`${body} → REMOTE_ERROR naming the method and endpoint`, async () => {
      const store = new MlflowTrackingStore(await serve((_req, res) => json(res, 200, body)));
      const e = await caught(store.getRun(asRunId('abc')));
      expect(e.code).toBe('REMOTE_ERROR');
      expect(e.message).toContain('GET /api/2.0/mlflow/runs/get');
      expect(e.message).toMatch(/JSON object/);
      expect(e.details).toMatchObject({ httpStatus: 200, method: 'GET', endpoint: '/api/2.0/mlflow/runs/get' });
    });
  }
  it('an empty body still reads as {}', async () => {
    const t = await serve((_req, res) => json(res, 200, ''));
    await expect(t.json({ method: 'GET', path: '/api/2.0/mlflow/x', idempotent: true })).resolves.toEqual({});
  });
});

describe('unreadable metric values', () => {
  it('name the metric key and the run', async () => {
    const run = { run: { info: { run_id: 'abc', experiment_id: '1' }, data: { metrics: [{ key: 'f1', timestamp: 1, step: 0 }, { key: 'auc', value: 'high', timestamp: 1, step: 0 }] } } };
    const store = new MlflowTrackingStore(await serve((_req, res) => json(res, 200, JSON.stringify(run))));
    const e = await caught(store.getRun(asRunId('abc')));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.message).toBe("MLflow returned no value for metric 'f1' of run abc");
    expect(e.details).toMatchObject({ key: 'f1', runId: 'abc' });
  });
  it('name the key in a metric history', async () => {
    const store = new MlflowTrackingStore(await serve((_req, res) => json(res, 200, JSON.stringify({ metrics: [{ key: 'loss', value: 'x', timestamp: 1, step: 0 }] }))));
    const e = await caught(store.getMetricHistory(asRunId('abc'), 'loss'));
    expect(e.message).toBe(`MLflow returned an unreadable value "x" for metric 'loss'`);
  });
});

describe('directory upload with a failing PUT', () => {
  it('starts no further PUT after the failure and lets the ones in flight finish first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upload-fail-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `f${String(i).padStart(2, '0')}`), 'x');
    let started = 0;
    let finished = 0;
    const t = await serve((_req, res) => {
      const first = ++started === 1;
      // the first PUT fails at once; the others take a while, so they are in flight then
      setTimeout(() => {
        finished++;
        if (first) json(res, 400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"no"}');
        else json(res, 200, '{}');
      }, first ? 0 : 80);
    });
    const e = await caught(logArtifacts(t, '1/r/artifacts', dir, 'model'));
    expect(e.code).toBe('INVALID_ARGUMENT');
    // every upload that had started had its answer before the error came back
    expect(finished).toBe(started);
    await new Promise((r) => setTimeout(r, 300));
    // only the first batch of concurrent uploads (4) ever started
    expect(started).toBeLessThanOrEqual(4);
  });
});
