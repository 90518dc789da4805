import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalModelRegistry } from '../../../src/tracking/local/local-registry.js';
import { LocalTrackingStore } from '../../../src/tracking/local/local-store.js';
import { checkModelRegistry } from './support/check-model-registry.js';
import { checkTrackingStore } from './support/check-tracking-store.js';

checkTrackingStore('local store', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ts-local-'));
  return { store: new LocalTrackingStore({ root: path.join(root, 'mlruns') }), cleanup: () => rm(root, { recursive: true, force: true }) };
});

checkModelRegistry('local registry', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'ts-localreg-'));
  return { registry: new LocalModelRegistry({ root: path.join(root, 'mlruns') }), cleanup: () => rm(root, { recursive: true, force: true }) };
});
