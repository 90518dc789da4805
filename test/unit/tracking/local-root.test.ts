/** The local tracking store's root: an unusable path is an IO_ERROR naming the store and the setting. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTracking } from '../../../src/tracking/factory.js';

describe('local tracking store root', () => {
  it('a regular file as the store path is refused when tracking opens, naming it and the setting', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'local-root-')), 'store-is-a-file');
    writeFileSync(file, 'x');
    expect(() => openTracking({ trackingUri: file })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: `local tracking store '${file}' (--tracking-uri / MLFLOW_TRACKING_URI) is a file; expected a folder (or a path to make one at)`,
      }),
    );
    const folder = mkdtempSync(join(tmpdir(), 'local-root-'));
    expect(() => openTracking({ trackingUri: folder, registryUri: file })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`'${file}' (MLFLOW_REGISTRY_URI) is a file`) }),
    );
  });

  it('a file that appears at the store path after opening fails on first use with IO_ERROR naming it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'local-root-')), 'store-is-a-file');
    const handle = openTracking({ trackingUri: file });
    writeFileSync(file, 'x');
    try {
      await expect(handle.store.getOrCreateExperiment('e')).rejects.toMatchObject({
        code: 'IO_ERROR',
        message: `local tracking store '${file}' (--tracking-uri / MLFLOW_TRACKING_URI) cannot be created: it is a file; expected a folder (or a path to make one at)`,
      });
    } finally {
      await handle.close();
    }
  });
});
