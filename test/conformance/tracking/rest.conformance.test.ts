import { MlflowModelRegistry } from '../../../src/tracking/mlflow/registry.js';
import { MlflowTrackingStore } from '../../../src/tracking/mlflow/rest-store.js';
import { MlflowTransport } from '../../../src/tracking/mlflow/transport.js';
import { checkModelRegistry } from './support/check-model-registry.js';
import { checkTrackingStore } from './support/check-tracking-store.js';
import { FakeMlflowServer } from './support/fake-mlflow-server.js';

async function transportTo(mode: 'sqlite' | 'filestore') {
  const server = new FakeMlflowServer(mode);
  const url = await server.start();
  const transport = new MlflowTransport({ baseUrl: url, timeoutMs: 5000, retry: { maxAttempts: 2, baseDelayMs: 1 } });
  return { server, transport };
}

for (const mode of ['sqlite', 'filestore'] as const) {
  checkTrackingStore(`REST client ↔ fake MLflow (${mode})`, async () => {
    const { server, transport } = await transportTo(mode);
    const store = new MlflowTrackingStore(transport);
    return { store, cleanup: async () => (await store.close(), await server.stop()) };
  });
}

for (const mode of ['sqlite', 'filestore'] as const) {
  // filestore: deleted versions stay, marked Deleted_Internal, and its search lists them
  checkModelRegistry(`REST client ↔ fake MLflow (${mode})`, async () => {
    const { server, transport } = await transportTo(mode);
    const registry = new MlflowModelRegistry(transport);
    return { registry, cleanup: async () => (await registry.close(), await server.stop()) };
  });
}
