/**
 * `openTracking(config)`: picks the implementations from the URIs (see config.ts) and returns the
 * store, the registry, a redacted description and one `close()`.
 */
import { statSync } from 'node:fs';
import { TrainSpamError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';
import type { Dispatcher } from 'undici';
import { resolveBackend, TRACKING_URI_SETTING, type Backend, type TrackingConfig } from './config.js';
import type { ModelRegistry, TrackingStore } from './contract.js';
import { LocalModelRegistry } from './local/local-registry.js';
import { LocalTrackingStore } from './local/local-store.js';
import { MlflowModelRegistry } from './mlflow/registry.js';
import { MlflowTrackingStore } from './mlflow/rest-store.js';
import { MlflowTransport } from './mlflow/transport.js';

export interface TrackingHandle {
  readonly store: TrackingStore;
  readonly registry: ModelRegistry;
  /** e.g. `local store at /work/mlruns` or `MLflow at https://mlflow.example (bearer token)`; never credentials. */
  describe(): string;
  close(): Promise<void>;
}

/** Injectable collaborators (tests, CLI wiring). */
export interface TrackingDeps {
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly dispatcher?: Dispatcher;
}

function sameBackend(a: Backend, b: Backend): boolean {
  return a.kind === b.kind && (a.kind === 'local' ? a.root === (b as { root: string }).root : a.url === (b as { url: string }).url);
}

/**
 * A local store's folder that exists as a file is refused when tracking opens, before any work:
 * reads found nothing in it ("no such model version") and writes failed at the first run.
 */
function checkLocalRoot(b: Backend, setting: string): void {
  if (b.kind !== 'local') return;
  const st = statSync(b.root, { throwIfNoEntry: false });
  if (st && !st.isDirectory()) {
    throw new TrainSpamError('INVALID_ARGUMENT', `local tracking store '${b.root}' (${setting}) is a file; expected a folder (or a path to make one at)`, { path: b.root });
  }
}

export function openTracking(config: TrackingConfig, deps: TrackingDeps = {}): TrackingHandle {
  const tracking = resolveBackend(config.trackingUri, config.cwd);
  const registryBackend = config.registryUri ? resolveBackend(config.registryUri, config.cwd) : tracking;
  const uriSetting = config.uriSetting ?? TRACKING_URI_SETTING;
  checkLocalRoot(tracking, uriSetting);
  if (config.registryUri) checkLocalRoot(registryBackend, 'MLFLOW_REGISTRY_URI');
  const transports: MlflowTransport[] = [];
  const transportFor = (url: string): MlflowTransport => {
    const t = new MlflowTransport({
      baseUrl: url,
      auth: config.token ? { token: config.token } : config.username !== undefined ? { username: config.username, password: config.password } : undefined,
      insecureTls: config.insecureTls,
      timeoutMs: config.timeoutMs,
      retry: config.maxRetries !== undefined ? { maxAttempts: Math.floor(config.maxRetries) + 1 } : undefined,
      logger: deps.logger,
      sleep: deps.sleep,
      random: deps.random,
      now: deps.now,
      dispatcher: deps.dispatcher,
    });
    transports.push(t);
    return t;
  };
  const common = { now: deps.now, logger: deps.logger, longValues: config.longValues };
  let trackingTransport: MlflowTransport | null = null;
  const store: TrackingStore =
    tracking.kind === 'local'
      ? new LocalTrackingStore({ root: tracking.root, uriSetting, ...common })
      : new MlflowTrackingStore((trackingTransport = transportFor(tracking.url)), { ...common, ownsTransport: false });
  const registry: ModelRegistry =
    registryBackend.kind === 'local'
      ? new LocalModelRegistry({ root: registryBackend.root, ...common })
      : new MlflowModelRegistry(
          trackingTransport && sameBackend(tracking, registryBackend) ? trackingTransport : transportFor(registryBackend.url),
          { logger: deps.logger, longValues: config.longValues, ownsTransport: false },
        );
  const describeBackend = (b: Backend, t: MlflowTransport | undefined) => (b.kind === 'local' ? `local store at ${b.root}` : `MLflow at ${t!.describe()}`);
  const text =
    describeBackend(tracking, trackingTransport ?? undefined) +
    (sameBackend(tracking, registryBackend) ? '' : `; registry: ${describeBackend(registryBackend, transports[transports.length - 1])}`);
  let closed = false;
  return {
    store,
    registry,
    describe: () => text,
    async close() {
      if (closed) return;
      closed = true;
      await store.close();
      await registry.close();
      for (const t of transports) await t.close();
    },
  };
}
