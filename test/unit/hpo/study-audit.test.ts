import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constant, uniform, when, type SearchSpace } from '../../../src/hpo/space.js';
import { MemoryTrialStore } from '../../../src/hpo/store/store.js';
import { runStudy } from '../../../src/hpo/study.js';
import { fakeFamilies, toyData } from './helpers.js';

const data = toyData(240, 5);

describe('runStudy edge cases', () => {
  it('a trial that times out while it waits at a rung (deterministic ASHA) journals nothing after its end', async () => {
    // One family, so both trials share the rungs. Trial 0 starts late (its start hook sleeps), so
    // trial 1 reaches the first rung first, waits there for trial 0 and runs out of time waiting.
    const space: SearchSpace = { families: { logistic: { quality: uniform(0, 1), max_iter: constant(9) } } };
    const store = new MemoryTrialStore();
    const r = await runStudy({
      data, families: fakeFamilies, executor: 'inline', trials: 2, seed: 7, workers: 2, space, store,
      scheduler: { kind: 'asha', maxT: 9, gracePeriod: 1, reductionFactor: 3 },
      trialTimeoutMs: 150,
      hooks: { onTrialStart: async (e) => { if (e.trial === 0) await new Promise((res) => setTimeout(res, 400)); } },
    });
    expect(r.trials.map((t) => [t.trial, t.state, t.error?.code ?? null])).toEqual([[0, 'completed', null], [1, 'failed', 'TIMEOUT']]);
    const events = store.events;
    const end = events.findIndex((e) => e.type === 'trial_end' && e.trial === 1);
    expect(end).toBeGreaterThan(0);
    const late = events.slice(end + 1).filter((e) => (e.type === 'report' || e.type === 'rung') && e.trial === 1);
    expect(late).toEqual([]);
    // and the failed trial left no value at a rung for later trials to be compared with
    expect(store.state.rungs.filter((x) => x.trial === 1)).toEqual([]);
  });

  it('a space whose conditions form a cycle fails before the journal is written, not in the middle of the study', async () => {
    const space: SearchSpace = {
      families: {
        gbm: { quality: uniform(0, 1), n_estimators: constant(4) },
        // only this family is broken: trials that sample gbm would run before the error
        logistic: { quality: when(uniform(0, 1), { max_iter: [4] }), max_iter: when(constant(4), { quality: [0.5] }) },
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'hpo-audit-'));
    await expect(runStudy({ data, families: fakeFamilies, executor: 'inline', trials: 6, seed: 3, space, journalDir: dir })).rejects.toThrow(/cycle among max_iter, quality/);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
