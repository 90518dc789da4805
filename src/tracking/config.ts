/**
 * Tracking configuration, read like MLflow's own clients do, then overridden by explicit options
 * (CLI flags win over the environment):
 *   MLFLOW_TRACKING_URI            http(s)://… → REST client; a path or file: URI → local store;
 *                                  unset → local store at ./mlruns
 *   MLFLOW_REGISTRY_URI            registry backend (default: the tracking URI)
 *   MLFLOW_EXPERIMENT_NAME         experiment for pipeline runs (default 'train-spam')
 *   MLFLOW_TRACKING_TOKEN          bearer token
 *   MLFLOW_TRACKING_USERNAME/PASSWORD  basic auth (ignored when a token is set)
 *   MLFLOW_TRACKING_INSECURE_TLS   'true' skips TLS certificate verification
 *   MLFLOW_HTTP_REQUEST_TIMEOUT    seconds per attempt (default 30; > 0 and at most 2147483.647, the
 *                                  longest timer Node can set)
 *   MLFLOW_HTTP_REQUEST_MAX_RETRIES  retries after the first attempt (default 4)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrainSpamError } from '../core/errors.js';
import type { LongValuePolicy } from './contract.js';
import { redactUrl } from './redact.js';

export const DEFAULT_EXPERIMENT_NAME = 'train-spam';
export const DEFAULT_LOCAL_ROOT = 'mlruns';

export interface TrackingConfig {
  readonly trackingUri?: string;
  readonly registryUri?: string;
  readonly experimentName?: string;
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly insecureTls?: boolean;
  readonly timeoutMs?: number;
  /** Retries after the first attempt. */
  readonly maxRetries?: number;
  readonly longValues?: LongValuePolicy;
  /** Base directory for relative local paths (default: process.cwd()). */
  readonly cwd?: string;
  /** How the tracking URI is given, as messages name it (default TRACKING_URI_SETTING). */
  readonly uriSetting?: string;
}

/** The tracking URI's setting as the `train-spam` commands take it (a step container: `--mlflow-tracking-uri`). */
export const TRACKING_URI_SETTING = '--tracking-uri / MLFLOW_TRACKING_URI';

export type Backend = { readonly kind: 'local'; readonly root: string } | { readonly kind: 'mlflow'; readonly url: string };

function truthy(v: string | undefined): boolean | undefined {
  if (v === undefined || v === '') return undefined;
  return /^(1|true|yes|on)$/i.test(v.trim());
}

function positive(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new TrainSpamError('INVALID_ARGUMENT', `${name}='${v}' must be a non-negative number`, { name });
  return n;
}

/** The longest delay `setTimeout` honours (2^31 - 1 ms); a longer one fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A per-request timeout in seconds: above 0 and at most MAX_TIMEOUT_MS (0 would time out at once). */
function timeoutSeconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n * 1000 > MAX_TIMEOUT_MS) {
    throw new TrainSpamError('INVALID_ARGUMENT', `${name}='${v}' must be a number of seconds above 0 and at most ${MAX_TIMEOUT_MS / 1000}`, { name });
  }
  return n;
}

/** Environment first, then every defined field of `overrides` on top. */
export function trackingConfigFromEnv(env: Readonly<Record<string, string | undefined>>, overrides: TrackingConfig = {}): TrackingConfig {
  const timeoutS = timeoutSeconds('MLFLOW_HTTP_REQUEST_TIMEOUT', env.MLFLOW_HTTP_REQUEST_TIMEOUT);
  const fromEnv: TrackingConfig = {
    trackingUri: env.MLFLOW_TRACKING_URI || undefined,
    registryUri: env.MLFLOW_REGISTRY_URI || undefined,
    experimentName: env.MLFLOW_EXPERIMENT_NAME || undefined,
    token: env.MLFLOW_TRACKING_TOKEN || undefined,
    username: env.MLFLOW_TRACKING_USERNAME || undefined,
    password: env.MLFLOW_TRACKING_PASSWORD || undefined,
    insecureTls: truthy(env.MLFLOW_TRACKING_INSECURE_TLS),
    timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
    maxRetries: positive('MLFLOW_HTTP_REQUEST_MAX_RETRIES', env.MLFLOW_HTTP_REQUEST_MAX_RETRIES),
  };
  const merged: Record<string, unknown> = { ...fromEnv };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) merged[k] = v;
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  if (merged.timeoutMs !== undefined) checkTimeoutMs(merged.timeoutMs as number);
  return merged as TrackingConfig;
}

/** `timeoutMs` of a config or a transport: INVALID_ARGUMENT unless 0 < ms ≤ MAX_TIMEOUT_MS. */
export function checkTimeoutMs(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    throw new TrainSpamError('INVALID_ARGUMENT', `tracking timeoutMs=${String(ms)} must be above 0 and at most ${MAX_TIMEOUT_MS} ms`, { name: 'timeoutMs' });
  }
  return ms;
}

/** Decides the backend of a URI: http(s) → MLflow REST; none, a path or `file:` → local store. */
export function resolveBackend(uri: string | undefined, cwd: string = process.cwd()): Backend {
  if (!uri || !uri.trim()) return { kind: 'local', root: path.resolve(cwd, DEFAULT_LOCAL_ROOT) };
  const u = uri.trim();
  if (/^https?:\/\//i.test(u)) return { kind: 'mlflow', url: u };
  // MLflow reads `databricks`, `databricks-uc` and `databricks://<profile>` as Databricks backends;
  // taking them for a folder of that name would log somewhere the user did not mean.
  if (/^databricks/i.test(u) && (!/[/\\]/.test(u) || /^databricks[\w-]*:/i.test(u))) {
    const folder = `./${u.replace(/[:/\\].*$/, '')}`;
    throw new TrainSpamError(
      'INVALID_ARGUMENT',
      `tracking URI '${redactUrl(u)}' names a Databricks tracking/registry backend, which is not supported; ` +
        `use an MLflow server (http(s)://…), a file: URI or a local directory path (${folder} for a folder of that name)`,
      { uri: redactUrl(u) },
    );
  }
  if (/^file:/i.test(u)) {
    let p: string;
    try {
      p = /^file:\/\//i.test(u) ? fileURLToPath(u) : decodeURIComponent(u.slice('file:'.length));
    } catch (e) {
      // a host other than localhost, a stray '%': Node's TypeError/URIError named neither the URI nor the setting
      throw new TrainSpamError(
        'INVALID_ARGUMENT',
        `tracking URI '${redactUrl(u)}' is not a usable file: URI (${(e as Error).message}); expected file:///absolute/path, file:relative/path or a directory path`,
        { uri: redactUrl(u) },
      );
    }
    return { kind: 'local', root: path.resolve(cwd, p) };
  }
  if (/^https?:/i.test(u)) {
    // shown as typed (redactUrl would normalise 'http:/host' to 'http://host'), user-info hidden
    const shown = u.replace(/^(https?:\/*)[^/@\s]*@/i, '$1***@');
    throw new TrainSpamError('INVALID_ARGUMENT', `tracking URI '${shown}' is not a URL: an MLflow server's URI starts with http:// or https://`, { uri: shown });
  }
  if (/^[a-z][a-z0-9+.-]+:/i.test(u)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `tracking URI scheme of '${redactUrl(u)}' is not supported; use http(s)://, file: or a directory path`, {
      uri: redactUrl(u),
    });
  }
  return { kind: 'local', root: path.resolve(cwd, u) };
}

/** The configuration as text safe for logs and reports (no token, password or URL user-info). */
export function describeConfig(c: TrackingConfig): string {
  const parts = [`tracking=${c.trackingUri ? redactUrl(c.trackingUri) : `./${DEFAULT_LOCAL_ROOT}`}`];
  if (c.registryUri) parts.push(`registry=${redactUrl(c.registryUri)}`);
  parts.push(`experiment=${c.experimentName ?? DEFAULT_EXPERIMENT_NAME}`);
  if (c.token) parts.push('auth=bearer');
  else if (c.username) parts.push('auth=basic');
  if (c.insecureTls) parts.push('insecure-tls');
  return parts.join(' ');
}
