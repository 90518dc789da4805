/**
 * runs/create whose answer was lost: the run is looked up by the client's key, and only a run that
 * carries that very key is taken (a server that ignores the filter must not hand over another run).
 */
import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/ports.js';
import type { ExperimentId } from '../../../src/core/ids.js';
import { CREATE_KEY_TAG, createRun } from '../../../src/tracking/mlflow/runs-api.js';
import type { MlflowTransport } from '../../../src/tracking/mlflow/transport.js';
import { mayHaveCreated } from '../../../src/tracking/lost-answer.js';

const ctx = { now: () => 1_800_000_000_000, longValues: 'truncate' as const, logger: silentLogger };
const lost = new TrainSpamError('REMOTE_ERROR', 'MLflow POST runs/create failed: HTTP 502', { httpStatus: 502 });

/** A transport whose runs/create fails with `lost` and whose runs/search answers `search(key)`. */
function stub(search: (key: string) => unknown): MlflowTransport {
  let key = '';
  return {
    json: async (req: { path: string; json?: { tags?: { key: string; value: string }[] } }) => {
      if (req.path.endsWith('/runs/create')) {
        key = req.json!.tags!.find((t) => t.key === CREATE_KEY_TAG)!.value;
        throw lost;
      }
      return search(key);
    },
  } as unknown as MlflowTransport;
}

const run = (id: string, tags: Record<string, string>) => ({ info: { run_id: id, experiment_id: '1', status: 'RUNNING' }, data: { tags: Object.entries(tags).map(([key, value]) => ({ key, value })) } });

describe('createRun after a lost answer', () => {
  it('takes the run that carries its key', async () => {
    const info = await createRun(stub((key) => ({ runs: [run('a'.repeat(32), { [CREATE_KEY_TAG]: key })] })), { experimentId: '1' as ExperimentId }, ctx);
    expect(info.runId).toBe('a'.repeat(32));
  });

  it('re-raises the failure when the search answers runs without the key, an empty run, or nothing', async () => {
    for (const answer of [{ runs: [run('b'.repeat(32), { [CREATE_KEY_TAG]: 'someone-else' })] }, { runs: [{}] }, { runs: [{ info: {} }] }, {}]) {
      await expect(createRun(stub(() => answer), { experimentId: '1' as ExperimentId }, ctx)).rejects.toBe(lost);
    }
  });

  it('only a missing answer or a 5xx may have created something', () => {
    expect(mayHaveCreated(new TrainSpamError('TIMEOUT', 'x'))).toBe(true);
    expect(mayHaveCreated(new TrainSpamError('NETWORK_ERROR', 'x'))).toBe(true);
    expect(mayHaveCreated(lost)).toBe(true);
    expect(mayHaveCreated(new TrainSpamError('REMOTE_ERROR', 'x', { httpStatus: 404 }))).toBe(false);
    // a 503 is a refusal the transport retries, for creates too: nothing was done
    expect(mayHaveCreated(new TrainSpamError('REMOTE_ERROR', 'x', { httpStatus: 503 }))).toBe(false);
    expect(mayHaveCreated(new TrainSpamError('REMOTE_ERROR', 'html page'))).toBe(false);
    expect(mayHaveCreated(new TrainSpamError('INVALID_ARGUMENT', 'x', { httpStatus: 400 }))).toBe(false);
    expect(mayHaveCreated(new Error('x'))).toBe(false);
  });
});
