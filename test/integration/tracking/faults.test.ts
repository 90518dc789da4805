/**
 * Fault injection against the fake MLflow server: connection resets before and after the server
 * did the work, 503 storms, Retry-After, 4xx never retried, slow responses → TIMEOUT, refused
 * connections, and credential hygiene in errors and descriptions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { caught } from '../../helpers/caught.js';
import { asRunId } from '../../../src/core/ids.js';
import { openTracking } from '../../../src/tracking/factory.js';
import { MlflowTrackingStore } from '../../../src/tracking/mlflow/rest-store.js';
import { CREATE_KEY_TAG } from '../../../src/tracking/mlflow/runs-api.js';
import { MlflowTransport, type TransportOptions } from '../../../src/tracking/mlflow/transport.js';
import { FakeMlflowServer } from '../../conformance/tracking/support/fake-mlflow-server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Partial<TransportOptions> = {}) {
  const server = new FakeMlflowServer();
  const url = await server.start();
  const sleeps: number[] = [];
  const transport = new MlflowTransport({
    baseUrl: url, timeoutMs: 2000, retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 },
    sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, ...opts,
  });
  const store = new MlflowTrackingStore(transport, { now: () => 1_800_000_000_000 });
  cleanups.push(async () => (await store.close(), await server.stop()));
  const exp = await store.getOrCreateExperiment('faults');
  const run = await store.createRun({ experimentId: exp.experimentId, runName: 'f' });
  server.requests.length = 0;
  return { server, store, sleeps, runId: run.runId };
}


const isPath = (suffix: string) => (_m: string, p: string) => p.endsWith(suffix);

describe('REST transport faults', () => {
  it('a batch whose response was lost is resent byte-identical and not duplicated', async () => {
    const { server, store, sleeps, runId } = await setup();
    server.inject(isPath('/runs/log-batch'), { kind: 'reset-after' });
    await store.logMetrics(runId, [{ key: 'loss', value: 0.5, step: 1 }, { key: 'loss', value: 0.25, step: 2 }]);
    const sent = server.requests.filter((r) => r.path.endsWith('/runs/log-batch'));
    expect(sent).toHaveLength(2);
    expect(sent[1].body.equals(sent[0].body)).toBe(true);
    expect(sleeps).toEqual([75]); // 100 ms base, equal jitter at random()=0.5
    const hist = await store.getMetricHistory(runId, 'loss');
    expect(hist.map((m) => m.value)).toEqual([0.5, 0.25]);
  });

  it('retries a connection reset before the server handled the request', async () => {
    const { server, store, runId } = await setup();
    server.inject(isPath('/runs/get'), { kind: 'reset' }, 2);
    expect((await store.getRun(runId)).info.runId).toBe(runId);
    expect(server.requests.filter((r) => r.path.endsWith('/runs/get'))).toHaveLength(3);
  });

  it('rides out a 503 storm with growing delays, honouring Retry-After', async () => {
    const { server, store, sleeps, runId } = await setup();
    server.inject(isPath('/runs/get'), { kind: 'status', status: 503 }, 2);
    server.inject(isPath('/runs/get'), { kind: 'status', status: 429, headers: { 'retry-after': '0' } }, 1);
    await store.getRun(runId);
    expect(sleeps).toEqual([75, 150, 300]);
    server.inject(isPath('/runs/get'), { kind: 'status', status: 503, headers: { 'retry-after': '1' } }, 1);
    sleeps.length = 0;
    await store.getRun(runId);
    expect(sleeps).toEqual([1000]); // Retry-After 1 s, capped by maxDelayMs
  });

  it('gives up after maxAttempts with the last status mapped', async () => {
    const { server, store, runId } = await setup();
    server.inject(isPath('/runs/get'), { kind: 'status', status: 503 }, 99);
    const e = await caught(store.getRun(runId));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.details).toMatchObject({ httpStatus: 503, errorCode: 'TEMPORARILY_UNAVAILABLE', attempts: 4 });
    expect(server.requests).toHaveLength(4);
  });

  it('never retries a 4xx', async () => {
    const { server, store, sleeps, runId } = await setup();
    server.inject(isPath('/runs/log-batch'), { kind: 'status', status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'SELECT * FROM secrets' } });
    const e = await caught(store.setTag(runId, 'k', 'v'));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).not.toContain('SELECT'); // server text stays in details, never in the message
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not resend runs/create after the request may have reached the server; finds the run by its key instead', async () => {
    const { server, store } = await setup();
    const warnings: string[] = [];
    const logging = new MlflowTrackingStore(
      new MlflowTransport({ baseUrl: server.url, timeoutMs: 2000, retry: { maxAttempts: 4, baseDelayMs: 1 }, sleep: async () => undefined }),
      { now: () => 1_800_000_000_000, logger: { log: (_l, m) => void warnings.push(m) } },
    );
    cleanups.push(() => logging.close());
    const exp = await store.getOrCreateExperiment('faults');
    const runsIn = async () => (await store.searchRuns({ experimentIds: [exp.experimentId], viewType: 'ALL' })).length;
    const before = await runsIn();
    server.requests.length = 0;
    // the server made the run, the answer was lost: the same run comes back, no second one
    server.inject(isPath('/runs/create'), { kind: 'reset-after' });
    const adopted = await logging.createRun({ experimentId: exp.experimentId, runName: 'lost-answer' });
    expect(server.requests.map((r) => r.path.replace(/.*\/mlflow\//, ''))).toEqual(['runs/create', 'runs/search']);
    const sent = server.requests[0].json().tags.find((t: { key: string }) => t.key === CREATE_KEY_TAG).value;
    expect(server.requests[1].json().filter).toBe(`tags.\`${CREATE_KEY_TAG}\` = '${sent}'`);
    expect(adopted).toMatchObject({ runName: 'lost-answer', status: 'RUNNING' });
    expect((await store.getRun(adopted.runId)).data.tags[CREATE_KEY_TAG]).toBe(sent);
    expect(await runsIn()).toBe(before + 1);
    expect(warnings.join('\n')).toMatch(new RegExp(`runs/create failed .*but the server had created the run: using ${adopted.runId}`));
    // dropped before the server handled it: nothing to find, the error as it was, no resend
    server.requests.length = 0;
    server.inject(isPath('/runs/create'), { kind: 'reset' });
    const e = await caught(logging.createRun({ experimentId: exp.experimentId }));
    expect(e.code).toBe('NETWORK_ERROR');
    expect(server.requests.filter((r) => r.path.endsWith('/runs/create'))).toHaveLength(1);
    expect(await runsIn()).toBe(before + 1);
    // a 4xx is a refusal: no lookup
    server.requests.length = 0;
    server.inject(isPath('/runs/create'), { kind: 'status', status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad' } });
    expect((await caught(logging.createRun({ experimentId: exp.experimentId }))).code).toBe('INVALID_ARGUMENT');
    expect(server.requests).toHaveLength(1);
    server.inject(isPath('/runs/create'), { kind: 'status', status: 503 }); // refused work: safe to retry
    expect((await store.createRun({ experimentId: exp.experimentId })).status).toBe('RUNNING');
  });

  it('times out a slow response per attempt and reports TIMEOUT', async () => {
    const warnings: string[] = [];
    const logger = { log: (level: string, message: string) => void (level === 'warn' && warnings.push(message)) };
    const { server, store, runId } = await setup({ timeoutMs: 150, retry: { maxAttempts: 2, baseDelayMs: 1 }, logger });
    server.inject(isPath('/runs/get'), { kind: 'delay', ms: 500 }, 5);
    const e = await caught(store.getRun(runId));
    expect(e.code).toBe('TIMEOUT');
    expect(e.details).toMatchObject({ attempts: 2, timeoutMs: 150, errno: null }); // not the abort's DOMException code 20
    // the retry's warning says what happened (not the abort's numeric code)
    expect(warnings).toEqual([expect.stringMatching(/runs\/get no answer within 150 ms; retry 1\/1/)]);
  });

  it('retries refused connections, then fails with NETWORK_ERROR', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const sleeps: number[] = [];
    const t = new MlflowTransport({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 3, baseDelayMs: 1 }, sleep: async (ms) => void sleeps.push(ms) });
    const store = new MlflowTrackingStore(t);
    cleanups.push(() => store.close());
    const e = await caught(store.getRun(asRunId('abc')));
    expect(e.code).toBe('NETWORK_ERROR');
    expect(e.details).toMatchObject({ errno: 'ECONNREFUSED', attempts: 3 });
    expect(sleeps).toHaveLength(2);
  });
});

describe('credentials', () => {
  it('sends bearer or basic auth and never shows secrets in errors or descriptions', async () => {
    const server = new FakeMlflowServer();
    const url = await server.start();
    cleanups.push(() => server.stop());
    const tok = openTracking({ trackingUri: url, token: 'tok-SECRET-1234' }, { sleep: async () => {} });
    cleanups.push(() => tok.close());
    await tok.store.getOrCreateExperiment('auth');
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer tok-SECRET-1234');
    expect(tok.describe()).toBe(`MLflow at ${url} (bearer token)`);

    const withUserinfo = url.replace('http://', 'http://alice:pw-SECRET@');
    const basic = openTracking({ trackingUri: withUserinfo }, { sleep: async () => {} });
    cleanups.push(() => basic.close());
    await basic.store.getExperimentByName('auth');
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('alice:pw-SECRET').toString('base64')}`);
    expect(basic.describe()).not.toContain('SECRET');

    server.inject(() => true, { kind: 'status', status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'bad token tok-SECRET-1234' } });
    const e = await caught(tok.store.getExperimentByName('auth'));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(JSON.stringify(e.toJSON())).not.toContain('SECRET');
    expect(server.requests.every((r) => !r.path.includes('SECRET') && !r.query.toString().includes('SECRET'))).toBe(true);
  });
});
