/**
 * fitFinalModel: the refit of the chosen configuration on a trial thread (a pool), or in this
 * thread when there is none, the matrix is too large, or the thread fails; a cancel propagates.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../../src/core/ports.js';
import type { TaskOutcome } from '../../../src/exec/protocol.js';
import type { Payload } from '../../../src/core/payload.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { createEstimator } from '../../../src/models/registry.js';
import type { TrialPool } from '../../../src/hpo/runner.js';
import { fitFinalModel } from '../../../src/pipeline/steps/hpo-tuning.js';

const data = syntheticData({ rows: 120, seed: 4, denseCols: 3, sparseCols: 12, density: 0.2 });
const signal = new AbortController().signal;

function fakePool(answer: () => Promise<TaskOutcome<Payload>>) {
  const calls: unknown[][] = [];
  const pool: Pick<TrialPool, 'refit'> = {
    refit: (...args: unknown[]) => {
      calls.push(args);
      return answer();
    },
  } as Pick<TrialPool, 'refit'>;
  return { pool, calls };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { ...silentLogger, lines, log: (_level: string, msg: string) => void lines.push(msg) } as Logger & { lines: string[] };
}

describe('fitFinalModel', () => {
  it("takes the pool thread's model when it succeeds (restored from its payload)", async () => {
    // The fake thread answers with a model of another C: the result must be that one, not a refit here.
    const other = await createEstimator('logistic', { C: 0.01 }).fit(data, { seed: 3 });
    const { pool, calls } = fakePool(async () => ({ ok: true, value: other.toPayload() }));
    const m = await fitFinalModel({ signal, logger: silentLogger }, 'logistic', { C: 5 }, 3, data, pool);
    expect(calls).toHaveLength(1);
    expect(calls[0].slice(0, 3)).toEqual(['logistic', { C: 5 }, 3]);
    expect(Array.from(m.predictProba(data.X))).toEqual(Array.from(other.predictProba(data.X)));
  });

  it('refits in this thread, with a warning, when the thread fails', async () => {
    const { pool } = fakePool(async () => ({ ok: false, error: { code: 'OUT_OF_MEMORY', message: 'worker ran out of memory' } }));
    const logger = recordingLogger();
    const m = await fitFinalModel({ signal, logger }, 'logistic', { C: 5 }, 3, data, pool);
    const here = await createEstimator('logistic', { C: 5 }).fit(data, { seed: 3 });
    expect(Array.from(m.predictProba(data.X))).toEqual(Array.from(here.predictProba(data.X)));
    expect(logger.lines.some((l) => /refit on a trial thread failed \(OUT_OF_MEMORY/.test(l))).toBe(true);
  });

  it('rethrows a cancel instead of refitting', async () => {
    const { pool } = fakePool(async () => ({ ok: false, error: { code: 'CANCELLED', message: 'task cancelled' } }));
    await expect(fitFinalModel({ signal, logger: silentLogger }, 'logistic', {}, 3, data, pool)).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('keeps a matrix above the size limit in this thread (no pool call)', async () => {
    const { pool, calls } = fakePool(async () => ({ ok: false, error: { code: 'INTERNAL', message: 'must not be called' } }));
    const logger = recordingLogger();
    await fitFinalModel({ signal, logger }, 'logistic', {}, 3, data, pool, 1024);
    expect(calls).toHaveLength(0);
    expect(logger.lines.filter((l) => /trial thread/.test(l))).toEqual([]);
  });
});
