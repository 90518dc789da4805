/**
 * Retry policy of the REST transport: exponential backoff with "equal jitter" (half fixed, half
 * random), capped at `maxDelayMs`; a `Retry-After` lengthens the wait, but never past that cap.
 * What is retried:
 * - connection failures where the request never reached the server (refused, DNS, connect
 *   timeout): always;
 * - 429 and 503 (the server refused the work): always;
 * - other 5xx, resets and timeouts after the request was sent: only for idempotent calls (GETs,
 *   log-batch with client-fixed timestamps, set-tag, update, alias, transition-stage, artifact
 *   PUT, get-or-create creates), never for `runs/create` and `model-versions/create`;
 * - a JSON 500 INTERNAL_ERROR (a handled server exception, e.g. a FileStore param conflict) is
 *   retried at most once, and not at all where the caller marks it deterministic;
 * - 4xx other than 429: never.
 */
export interface RetryPolicy {
  /** Total attempts including the first (1 = no retries). */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8000 };

/** Connection errors raised before any byte of the request was accepted. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Errors after the request may have reached the server. */
const AMBIGUOUS = new Set([
  'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
  'UND_ERR_ABORTED', 'ECONNABORTED',
]);

export type FailureKind = 'not-sent' | 'ambiguous' | 'timeout' | 'other';

export function classifyNetworkError(e: unknown): FailureKind {
  const code = (e as { code?: string })?.code ?? '';
  const cause = (e as { cause?: { code?: string } })?.cause?.code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || (e as Error)?.name === 'TimeoutError') return 'timeout';
  if (NOT_SENT.has(code) || NOT_SENT.has(cause)) return 'not-sent';
  if (AMBIGUOUS.has(code) || AMBIGUOUS.has(cause)) return 'ambiguous';
  return 'other';
}

export function shouldRetryStatus(status: number, idempotent: boolean, retryInternalError: boolean, errorCode: string | null): boolean {
  if (status === 429 || status === 503) return true;
  if (status < 500) return false;
  if (!idempotent) return false;
  if (!retryInternalError && errorCode === 'INTERNAL_ERROR') return false;
  return true;
}

export function shouldRetryError(kind: FailureKind, idempotent: boolean): boolean {
  if (kind === 'not-sent') return true;
  if (kind === 'ambiguous' || kind === 'timeout') return idempotent;
  return false;
}

/** Delay before attempt `attempt + 1` (attempt counts from 1). `random` returns [0, 1). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs: number | null): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exp / 2 + (random() * exp) / 2;
  const wait = retryAfterMs !== null ? Math.max(jittered, retryAfterMs) : jittered;
  return Math.min(policy.maxDelayMs, Math.round(wait));
}

/** `Retry-After` as seconds or an HTTP date; null when absent or unparsable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}
