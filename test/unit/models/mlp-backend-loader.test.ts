// The package loader a thread hands in (setTfPackageLoader): the first initialisation loads
// TensorFlow.js through it, gets the same module objects as Node's require, and trains; a runtime
// already initialised is not re-loaded by a later loader. (Own module graph: tfRuntime's cache is
// per module instance.)
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const nodeRequire = createRequire(import.meta.url);

describe('TensorFlow.js package loader', () => {
  it('loads the packages through the loader it was given, the same modules as require, and trains', async () => {
    const { setTfPackageLoader, tfRuntime } = await import('../../../src/models/mlp/backend.js');
    const { MlpClassifier } = await import('../../../src/models/mlp/index.js');
    const { syntheticData } = await import('../../../src/models/conformance.js');
    const asked: string[] = [];
    setTfPackageLoader((spec) => {
      asked.push(spec);
      return nodeRequire(spec);
    });
    try {
      const rt = await tfRuntime();
      expect(asked[0]).toBe('@tensorflow/tfjs-core');
      // tfjs-node (optional) is tried first; where it is not installed, the backend chosen next.
      expect(asked[1]).toBe('@tensorflow/tfjs-node');
      if (rt.backend !== 'tensorflow') expect(asked).toContain(`@tensorflow/tfjs-backend-${rt.backend}`);
      expect(rt.tf).toBe(nodeRequire('@tensorflow/tfjs-core'));
      const data = syntheticData({ rows: 60, seed: 3 });
      const f = await new MlpClassifier({ hidden_layers: [4], epochs: 2 }).fit(data, { seed: 3 });
      expect(f.predictProba(data.X).every((p) => p > 0 && p < 1)).toBe(true);

      // Already initialised: another loader is not consulted.
      const later: string[] = [];
      setTfPackageLoader((spec) => {
        later.push(spec);
        return nodeRequire(spec);
      });
      expect(await tfRuntime()).toBe(rt);
      expect(later).toEqual([]);
    } finally {
      setTfPackageLoader(null);
    }
  });
});
