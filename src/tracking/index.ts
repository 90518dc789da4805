/** Public surface of the tracking service (layer 3). Pipeline/CLI code imports from here. */
export * from './contract.js';
export { DEFAULT_EXPERIMENT_NAME, DEFAULT_LOCAL_ROOT, describeConfig, resolveBackend, trackingConfigFromEnv } from './config.js';
export type { Backend, TrackingConfig } from './config.js';
export { openTracking } from './factory.js';
export type { TrackingDeps, TrackingHandle } from './factory.js';
export { LIMITS } from './batch.js';
export { LocalTrackingStore, type LocalStoreOptions } from './local/local-store.js';
export { LocalModelRegistry, type LocalRegistryOptions } from './local/local-registry.js';
export { MlflowTrackingStore, type RestStoreOptions } from './mlflow/rest-store.js';
export { MlflowModelRegistry, type RestRegistryOptions } from './mlflow/registry.js';
export { MlflowTransport, type MlflowAuth, type TransportOptions } from './mlflow/transport.js';
export { DEFAULT_RETRY, type RetryPolicy } from './mlflow/retry.js';
export { redactUrl } from './redact.js';
