import { beforeAll, describe, expect, it } from 'vitest';
import { choice, constant, randint, uniform, type SearchSpace } from '../../../src/hpo/space.js';
import { runStudy, type StudyOptions } from '../../../src/hpo/study.js';
import { ensureBuilt } from '../exec/ensure-build.js';
import { FAKE_FAMILIES_URL, POOL_SPACE, comparable, fakeFamilies, toyData } from '../../unit/hpo/helpers.js';

const space = POOL_SPACE;
const base: StudyOptions = { data: toyData(300, 3), families: fakeFamilies, familiesModule: FAKE_FAMILIES_URL, trials: 10, seed: 3, space };

describe('runStudy on the worker-thread pool (compiled dist/, fake estimators)', () => {
  beforeAll(ensureBuilt, 240_000);

  it('random search: identical results for 1 and 2 workers, and equal to the in-process runner', async () => {
    const one = await runStudy({ ...base, workers: 1 });
    const two = await runStudy({ ...base, workers: 2 });
    const inline = await runStudy({ ...base, executor: 'inline', workers: 1 });
    expect(one.trials.every((t) => t.state === 'completed')).toBe(true);
    expect(comparable(two.trials)).toEqual(comparable(one.trials));
    expect(comparable(inline.trials)).toEqual(comparable(one.trials));
    expect(two.best?.trial).toBe(one.best?.trial);
  });

  it('deterministic ASHA: identical decisions for 1 and 2 workers', async () => {
    const opts: StudyOptions = { ...base, trials: 12, scheduler: { kind: 'asha', maxT: 9, gracePeriod: 1, reductionFactor: 3 } };
    const one = await runStudy({ ...opts, workers: 1 });
    const two = await runStudy({ ...opts, workers: 2 });
    expect(comparable(two.trials)).toEqual(comparable(one.trials));
    expect(one.trials.some((t) => t.state === 'stopped')).toBe(true);
  });

  it('records thrown, hung (timeout) and out-of-memory trials as failed and goes on', async () => {
    const failing: SearchSpace = {
      families: { gbm: { quality: uniform(0, 1), n_estimators: randint(3, 6), fail: choice(['none', 'throw', 'hang', 'oom']) } },
    };
    const r = await runStudy({ ...base, space: failing, trials: 10, workers: 2, trialTimeoutMs: 3000, workerMemoryMb: 48 });
    expect(r.state).toBe('completed');
    const byFail = (f: string) => r.trials.filter((t) => t.params.fail === f);
    for (const f of ['none', 'throw', 'hang', 'oom']) expect(byFail(f).length, f).toBeGreaterThan(0);
    for (const t of byFail('none')) expect(t.state).toBe('completed');
    for (const t of byFail('throw')) expect(t.error).toMatchObject({ code: 'INVALID_DATA' });
    for (const t of byFail('hang')) expect(t.error).toMatchObject({ code: 'TIMEOUT' });
    for (const t of byFail('oom')) expect(t.error).toMatchObject({ code: 'OUT_OF_MEMORY' });
    expect(r.best?.params.fail).toBe('none');
  });

  it('trials in worker threads read the folds from SharedArrayBuffers (not copies)', async () => {
    const shared: SearchSpace = { families: { gbm: { quality: uniform(0, 1), n_estimators: randint(3, 5), fail: constant('require_shared') } } };
    const pooled = await runStudy({ ...base, space: shared, trials: 2, workers: 2 });
    expect(pooled.trials.map((t) => t.state)).toEqual(['completed', 'completed']);
    // the in-process runner hands plain arrays to fit: the same check fails there
    const inline = await runStudy({ ...base, space: shared, trials: 1, executor: 'inline' });
    expect(inline.trials[0].error?.message).toMatch(/not on a SharedArrayBuffer/);
  });
});
