// Backend fall-back when the wasm package cannot be loaded: the pure-JS cpu backend is used and the
// reasons are reported. (Runs in its own module graph; tfRuntime re-selects per module instance.)
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';

vi.mock('@tensorflow/tfjs-backend-wasm', () => {
  throw new Error('simulated: package missing');
});

describe('tfjs backend fall-back', () => {
  afterAll(async () => {
    // Leave the process on the backend other test files expect if they share this worker.
    if (tf.findBackend('wasm') !== null) await tf.setBackend('wasm');
  });

  it('falls back to cpu when neither tfjs-node nor the wasm backend can be loaded, and still trains', async () => {
    const { tfRuntime, MlpClassifier } = await import('../../../src/models/mlp/index.js');
    const { syntheticData } = await import('../../../src/models/conformance.js');
    const rt = await tfRuntime();
    expect(rt.backend).toBe('cpu');
    expect(rt.skipped.map((s) => s.backend)).toEqual(['tensorflow', 'wasm']);
    expect(rt.skipped[0].reason).toBe('package @tensorflow/tfjs-node is not installed');
    expect(rt.skipped[1].reason).toMatch(/^package @tensorflow\/tfjs-backend-wasm failed to load: /);
    const data = syntheticData({ rows: 80, seed: 1 });
    const f = await new MlpClassifier({ hidden_layers: [4], epochs: 2 }).fit(data, { seed: 1 });
    expect(f.predictProba(data.X).length).toBe(80);
  });
});
