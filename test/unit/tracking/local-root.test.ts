/** The local tracking store's root: an unusable path is an IO_ERROR naming the store and the setting. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTracking } from '../../../src/tracking/factory.js';

describe('local tracking store root', () => {
  it('a regular file as the store path fails on first use with IO_ERROR naming it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'local-root-')), 'store-is-a-file');
    writeFileSync(file, 'x');
    const handle = openTracking({ trackingUri: file });
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
