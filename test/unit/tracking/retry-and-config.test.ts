import { describe, expect, it } from 'vitest';
import { describeConfig, resolveBackend, trackingConfigFromEnv } from '../../../src/tracking/config.js';
import { backoffDelay, classifyNetworkError, parseRetryAfter, shouldRetryError, shouldRetryStatus } from '../../../src/tracking/mlflow/retry.js';
import { decodeMetricValue, encodeMetricValue, toRun } from '../../../src/tracking/mlflow/wire.js';
import { redactUrl, scrub } from '../../../src/tracking/redact.js';

describe('retry policy', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };
  it('grows exponentially with bounded jitter and a cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, () => 0, null))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a, () => 0.999999, null))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(policy, 1, () => 0, 700)).toBe(700);
    expect(backoffDelay(policy, 1, () => 0, 60_000)).toBe(1000);
  });
  it('retries 429/503 always, other 5xx only when idempotent, 4xx never', () => {
    expect(shouldRetryStatus(429, false, true, null)).toBe(true);
    expect(shouldRetryStatus(503, false, true, null)).toBe(true);
    expect(shouldRetryStatus(500, false, true, null)).toBe(false);
    expect(shouldRetryStatus(502, true, true, null)).toBe(true);
    expect(shouldRetryStatus(500, true, false, 'INTERNAL_ERROR')).toBe(false);
    for (const s of [400, 401, 403, 404, 409]) expect(shouldRetryStatus(s, true, true, null)).toBe(false);
  });
  it('classifies connection failures', () => {
    expect(classifyNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('not-sent');
    expect(classifyNetworkError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }))).toBe('ambiguous');
    expect(classifyNetworkError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toBe('timeout');
    expect(shouldRetryError('not-sent', false)).toBe(true);
    expect(shouldRetryError('ambiguous', false)).toBe(false);
    expect(shouldRetryError('ambiguous', true)).toBe(true);
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
});

describe('wire values', () => {
  it('encodes and decodes NaN and ±Infinity in every form servers use', () => {
    expect([NaN, Infinity, -Infinity, 0.5].map(encodeMetricValue)).toEqual(['NaN', 'Infinity', '-Infinity', 0.5]);
    expect(decodeMetricValue('NaN')).toBeNaN();
    expect(decodeMetricValue(1.7976931348623157e308)).toBe(Infinity);
    expect(decodeMetricValue(-1.7976931348623157e308)).toBe(-Infinity);
    expect(decodeMetricValue('Infinity')).toBe(Infinity);
    expect(decodeMetricValue('0.5')).toBe(0.5);
    expect(decodeMetricValue(1)).toBe(1);
    expect(() => decodeMetricValue('abc')).toThrow(/MLflow returned an unreadable value "abc"/);
  });
  it('treats every repeated field as optional', () => {
    const run = toRun({ info: { run_id: 'r', experiment_id: 7, status: 'RUNNING', start_time: 1 }, data: {}, inputs: {} });
    expect(run.info.experimentId).toBe('7');
    expect(run.info.endTime).toBeNull();
    expect(run.data).toEqual({ metrics: {}, params: {}, tags: {} });
    expect(run.inputs).toEqual([]);
  });
});

describe('tracking config', () => {
  const env = {
    MLFLOW_TRACKING_URI: 'https://alice:s3cret@mlflow.example.com/base',
    MLFLOW_EXPERIMENT_NAME: 'spam',
    MLFLOW_TRACKING_TOKEN: 'tok-123456',
    MLFLOW_TRACKING_INSECURE_TLS: 'true',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '12',
  };
  it('reads the MLflow variables and lets explicit options win', () => {
    const c = trackingConfigFromEnv(env, { experimentName: 'cli-exp', trackingUri: undefined });
    expect(c).toMatchObject({ trackingUri: env.MLFLOW_TRACKING_URI, experimentName: 'cli-exp', token: 'tok-123456', insecureTls: true, timeoutMs: 12000 });
    expect(trackingConfigFromEnv({}, {})).toEqual({});
    expect(() => trackingConfigFromEnv({ MLFLOW_HTTP_REQUEST_TIMEOUT: 'soon' })).toThrow(/MLFLOW_HTTP_REQUEST_TIMEOUT='soon' must be a number of seconds/);
  });
  it('describes without secrets', () => {
    const text = describeConfig(trackingConfigFromEnv(env));
    expect(text).not.toMatch(/s3cret|tok-123456|alice/);
    expect(text).toContain('auth=bearer');
    expect(redactUrl('https://u:p@h:1/x?token=abc&x=1')).toBe('https://***@h:1/x?token=***&x=1');
    expect(scrub('Bearer abcdef leaked', ['abcdef'])).toBe('Bearer *** leaked');
    expect(redactUrl('postgresql://u:pw@db/mlflow')).toBe('postgresql://***@db/mlflow');
    expect(redactUrl('not a url u:pw@x')).toBe('not a url u:pw@x');
  });
  it('resolves backends from URIs', () => {
    expect(resolveBackend(undefined, '/w')).toEqual({ kind: 'local', root: '/w/mlruns' });
    expect(resolveBackend('file:///data/mlruns', '/w')).toEqual({ kind: 'local', root: '/data/mlruns' });
    expect(resolveBackend('file:runs', '/w')).toEqual({ kind: 'local', root: '/w/runs' });
    expect(resolveBackend('./x', '/w')).toEqual({ kind: 'local', root: '/w/x' });
    expect(resolveBackend('http://127.0.0.1:5000')).toEqual({ kind: 'mlflow', url: 'http://127.0.0.1:5000' });
    expect(() => resolveBackend('databricks://profile')).toThrow(/not supported/);
    expect(() => resolveBackend('sqlite:///mlflow.db')).toThrow(/not supported/);
  });
  it('rejects an unusable file: URI or a malformed http URI with INVALID_ARGUMENT naming it as typed', () => {
    // before: Node's TypeError / URIError ("URI malformed"), shown as INTERNAL without the URI
    for (const [uri, named] of [
      ['file://otherhost/data/mlruns', 'file://otherhost/data/mlruns'],
      ['file:///data/100%', 'file:///data/100%'],
      ['file:runs%zz', 'file:runs%zz'],
      ['http:/mlflow.example:5000', 'http:/mlflow.example:5000'],
      ['https:u:secret@mlflow.example', 'https:***@mlflow.example'],
    ]) {
      let err: unknown;
      try {
        resolveBackend(uri, '/w');
      } catch (e) {
        err = e;
      }
      expect(err, uri).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`'${named}'`) });
      expect((err as Error).message).not.toContain('secret');
    }
    expect(resolveBackend('file:///data/my%20runs/', '/w')).toEqual({ kind: 'local', root: '/data/my runs' });
  });
});
