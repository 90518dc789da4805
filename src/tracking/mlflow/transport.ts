/**
 * The one place that speaks HTTP to MLflow (undici 7): JSON and byte requests with auth headers,
 * per-attempt timeouts, retries (see retry.ts) with an injectable sleep and random source, and
 * error mapping from `error_code`. Credentials never appear in errors or log lines.
 */
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import { TrainSpamError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import { Rng } from '../../core/random.js';
import { checkTimeoutMs } from '../config.js';
import { redactUrl, scrub } from '../redact.js';
import { httpError } from './error-map.js';
import { backoffDelay, classifyNetworkError, DEFAULT_RETRY, parseRetryAfter, shouldRetryError, shouldRetryStatus, type RetryPolicy } from './retry.js';

// undici (~130 modules, ~0.1 s to load) is required when the first transport is made: a run on the
// local store, the default, never loads it.
let undiciModule: typeof import('undici') | null = null;
function undici(): typeof import('undici') {
  return (undiciModule ??= createRequire(import.meta.url)('undici') as typeof import('undici'));
}

export interface MlflowAuth {
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface TransportOptions {
  /** Server base URL, e.g. `http://127.0.0.1:5000` (a path prefix is kept). User-info becomes basic auth. */
  readonly baseUrl: string;
  readonly auth?: MlflowAuth;
  readonly insecureTls?: boolean;
  /** Per-attempt limit for the whole exchange (request, headers, body); default 30 s. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly logger?: Logger;
  /** Injectable for tests: backoff sleep, jitter source, wall clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Use this dispatcher instead of creating an Agent (tests, proxies). Not closed by `close()`. */
  readonly dispatcher?: Dispatcher;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestSpec {
  readonly method: HttpMethod;
  /** Absolute path on the server, e.g. `/api/2.0/mlflow/runs/get` (already URL-encoded). */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly json?: unknown;
  readonly bytes?: Uint8Array;
  /** May the request be repeated after it possibly reached the server? */
  readonly idempotent: boolean;
  /** Retry a JSON 500 INTERNAL_ERROR (default true); false where it is a deterministic answer. */
  readonly retryInternalError?: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Uint8Array;
}

export class MlflowTransport {
  readonly baseUrl: string;
  private readonly authHeader: string | null;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly logger: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: TransportOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TrainSpamError('INVALID_ARGUMENT', `MLflow tracking URI '${redactUrl(options.baseUrl)}' is not a valid URL`, {});
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TrainSpamError('INVALID_ARGUMENT', `MLflow tracking URI must be http(s), got '${redactUrl(options.baseUrl)}'`, {});
    }
    const userInfo = (part: string, what: string): string => {
      try {
        return decodeURIComponent(part);
      } catch {
        throw new TrainSpamError(
          'INVALID_ARGUMENT',
          `MLflow tracking URI '${redactUrl(options.baseUrl)}': its ${what} is not valid percent-encoding (a '%' starts an escape such as %40; write a literal '%' as %25)`,
          {},
        );
      }
    };
    const username = options.auth?.username ?? (url.username ? userInfo(url.username, 'user name') : undefined);
    const password = options.auth?.password ?? (url.password ? userInfo(url.password, 'password') : undefined);
    url.username = '';
    url.password = '';
    this.baseUrl = url.href.replace(/\/+$/, '');
    const token = options.auth?.token;
    this.authHeader = token
      ? `Bearer ${token}`
      : username !== undefined
        ? `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`
        : null;
    // the bare user:password is what a Basic header carries (scrub also hides its base64 form)
    const basic = username !== undefined ? `${username}:${password ?? ''}` : '';
    this.secrets = [token ?? '', password ?? '', basic, this.authHeader ?? ''].filter(Boolean);
    // 0 or more than 2^31 - 1 ms would make the attempt timer fire at once
    this.timeoutMs = options.timeoutMs === undefined ? 30_000 : checkTimeoutMs(options.timeoutMs);
    this.policy = { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
    this.logger = options.logger ?? silentLogger;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? jitterSource();
    this.now = options.now ?? Date.now;
    this.ownsDispatcher = !options.dispatcher;
    this.dispatcher = options.dispatcher ?? new (undici().Agent)({ connect: { rejectUnauthorized: !options.insecureTls }, keepAliveTimeout: 4000 });
  }

  /** Human-readable target without credentials. */
  describe(): string {
    return `${redactUrl(this.baseUrl)}${this.authHeader ? (this.authHeader.startsWith('Bearer') ? ' (bearer token)' : ' (basic auth)') : ''}`;
  }

  private buildUrl(spec: RequestSpec): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const item of v) qs.append(k, item);
      else qs.append(k, String(v));
    }
    const q = qs.toString().replace(/\+/g, '%20');
    return `${this.baseUrl}${spec.path}${q ? `?${q}` : ''}`;
  }

  /** Sends with retries; returns the final response (2xx) or throws a mapped TrainSpamError. */
  async send(spec: RequestSpec): Promise<RawResponse> {
    const url = this.buildUrl(spec);
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | Uint8Array | undefined;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    } else if (spec.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = spec.bytes;
    }
    if (this.authHeader) headers.authorization = this.authHeader;
    let internalErrors = 0;
    for (let attempt = 1; ; attempt++) {
      let res: RawResponse;
      // undici's own timers tick coarsely (~0.5 s); a plain timer bounds the whole attempt
      const abort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, this.timeoutMs);
      try {
        const r = await undici().request(url, {
          method: spec.method,
          headers,
          body,
          dispatcher: this.dispatcher,
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
          signal: abort.signal,
        });
        res = { status: r.statusCode, headers: r.headers, body: new Uint8Array(await r.body.arrayBuffer()) };
      } catch (e) {
        const kind = timedOut ? 'timeout' : classifyNetworkError(e);
        if (attempt < this.policy.maxAttempts && shouldRetryError(kind, spec.idempotent)) {
          await this.pause(spec, attempt, null, kind === 'timeout' ? `no answer within ${this.timeoutMs} ms` : `network error ${(e as { code?: string }).code ?? (e as Error).name}`);
          continue;
        }
        throw this.networkError(spec, e, kind, attempt);
      } finally {
        clearTimeout(timer);
      }
      if (res.status >= 200 && res.status < 300) return res;
      const { errorCode, message } = parseErrorBody(res);
      // a handled server exception (JSON 500 INTERNAL_ERROR) is usually deterministic: retry it once
      if (errorCode === 'INTERNAL_ERROR') internalErrors++;
      const retryInternal = (spec.retryInternalError ?? true) && internalErrors <= 1;
      if (attempt < this.policy.maxAttempts && shouldRetryStatus(res.status, spec.idempotent, retryInternal, errorCode)) {
        await this.pause(spec, attempt, parseRetryAfter(res.headers['retry-after'], this.now()), `HTTP ${res.status}`);
        continue;
      }
      throw httpError({
        method: spec.method,
        endpoint: spec.path,
        status: res.status,
        errorCode,
        serverMessage: message === null ? null : scrub(message, this.secrets),
        attempts: attempt,
      });
    }
  }

  /** JSON request → parsed JSON object (`{}` for an empty body). Every MLflow answer is an object:
   * anything else (null, an array, a number) is a REMOTE_ERROR here, not a TypeError in a caller. */
  async json<T = Record<string, unknown>>(spec: RequestSpec): Promise<T> {
    const res = await this.send(spec);
    const text = Buffer.from(res.body).toString('utf8');
    if (!text.trim()) return {} as T;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new TrainSpamError('REMOTE_ERROR', `MLflow ${spec.method} ${spec.path} answered ${res.status} with a non-JSON body`, {
        httpStatus: res.status,
        endpoint: spec.path,
      });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new TrainSpamError('REMOTE_ERROR', `MLflow ${spec.method} ${spec.path} answered ${res.status} with ${kind} where a JSON object was expected`, {
        httpStatus: res.status,
        method: spec.method,
        endpoint: spec.path,
      });
    }
    return value as T;
  }

  private async pause(spec: RequestSpec, attempt: number, retryAfterMs: number | null, why: string): Promise<void> {
    const delay = backoffDelay(this.policy, attempt, this.random, retryAfterMs);
    this.logger.log('warn', `tracking: ${spec.method} ${spec.path} ${why}; retry ${attempt}/${this.policy.maxAttempts - 1} in ${delay} ms`, {
      endpoint: spec.path,
      attempt,
      delayMs: delay,
    });
    await this.sleep(delay);
  }

  private networkError(spec: RequestSpec, e: unknown, kind: string, attempts: number): TrainSpamError {
    // a timeout is our own abort: its DOMException code (20, ABORT_ERR) says nothing about the network
    const errno = kind === 'timeout' ? null : ((e as { code?: string })?.code ?? null);
    const text = kind === 'timeout' ? `no complete answer within ${this.timeoutMs} ms` : scrub(redactUrl((e as Error)?.message ?? String(e)), this.secrets);
    const code = kind === 'timeout' ? 'TIMEOUT' : 'NETWORK_ERROR';
    return new TrainSpamError(code, `MLflow ${spec.method} ${spec.path} at ${redactUrl(this.baseUrl)} failed: ${text}`, {
      method: spec.method,
      endpoint: spec.path,
      errno,
      attempts,
      ...(kind === 'timeout' ? { timeoutMs: this.timeoutMs } : {}),
    });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

function parseErrorBody(res: RawResponse): { errorCode: string | null; message: string | null } {
  const ct = String(res.headers['content-type'] ?? '');
  const text = Buffer.from(res.body).toString('utf8');
  if (ct.includes('json') || text.trimStart().startsWith('{')) {
    try {
      const v = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      return {
        errorCode: typeof v.error_code === 'string' ? v.error_code : null,
        message: typeof v.message === 'string' ? v.message : null,
      };
    } catch {
      /* fall through: not JSON after all */
    }
  }
  return { errorCode: null, message: null };
}

/** Jitter only spreads retries of different processes; it needs no reproducibility, but the seed
 * still comes from the platform (not Math.random), and tests inject `random`. */
function jitterSource(): () => number {
  const seed = (process.pid * 2654435761 + Number(process.hrtime.bigint() & 0xffffffffn)) >>> 0;
  const rng = new Rng(seed);
  return () => rng.next();
}
