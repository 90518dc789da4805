/**
 * TrialPool: trial threads started before a study (as `runPipeline` starts them), studies run on
 * them, families preloaded at thread start, and the refit of a configuration on a pool thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrialPool } from '../../../src/hpo/runner.js';
import { constant, randint, uniform, type SearchSpace } from '../../../src/hpo/space.js';
import { runStudy, type StudyOptions } from '../../../src/hpo/study.js';
import { createEstimator, fittedFromPayload } from '../../../src/models/registry.js';
import { syntheticData } from '../../../src/models/conformance.js';
import type { ModelKind } from '../../../src/models/contract.js';
import { ensureBuilt } from '../exec/ensure-build.js';
import { FAKE_FAMILIES_URL, POOL_SPACE, comparable, fakeFamilies, toyData } from '../../unit/hpo/helpers.js';

const space = POOL_SPACE;
const base: StudyOptions = { data: toyData(300, 3), families: fakeFamilies, familiesModule: FAKE_FAMILIES_URL, trials: 10, seed: 3, space };

describe('TrialPool (compiled dist/)', () => {
  const pools: TrialPool[] = [];
  beforeAll(ensureBuilt, 240_000);
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('studies on a pre-started pool equal studies on their own threads, one after another on the same threads (other folds)', async () => {
    const pool = new TrialPool({ workers: 2, familiesModule: FAKE_FAMILIES_URL });
    pools.push(pool);
    const other: StudyOptions = { ...base, data: toyData(240, 9), seed: 8 };
    const firstOnPool = await runStudy({ ...base, pool });
    const secondOnPool = await runStudy({ ...other, pool });
    const first = await runStudy({ ...base, workers: 2 });
    const second = await runStudy({ ...other, workers: 2 });
    expect(firstOnPool.trials.every((t) => t.state === 'completed')).toBe(true);
    expect(comparable(firstOnPool.trials)).toEqual(comparable(first.trials));
    expect(comparable(secondOnPool.trials)).toEqual(comparable(second.trials));
    expect(comparable(secondOnPool.trials)).not.toEqual(comparable(firstOnPool.trials));
    // the pool is still up after the studies
    const again = await runStudy({ ...base, pool });
    expect(comparable(again.trials)).toEqual(comparable(first.trials));
  });

  it('threads preload the families they are asked to (and only those) before the first trial', async () => {
    const needsPreload: SearchSpace = { families: { gbm: { quality: uniform(0, 1), n_estimators: randint(3, 6), fail: constant('require_preload') } } };
    const withPreload = new TrialPool({ workers: 2, familiesModule: FAKE_FAMILIES_URL, preload: ['gbm'] });
    const without = new TrialPool({ workers: 2, familiesModule: FAKE_FAMILIES_URL, preload: ['mlp'] });
    pools.push(withPreload, without);
    const ok = await runStudy({ ...base, space: needsPreload, trials: 4, pool: withPreload });
    const failed = await runStudy({ ...base, space: needsPreload, trials: 4, pool: without });
    expect(ok.trials.map((t) => t.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(failed.trials.every((t) => t.state === 'failed' && /did not preload gbm/.test(t.error?.message ?? ''))).toBe(true);
  });

  it('a refit on a pool thread gives the model of the same fit in this thread (real models)', async () => {
    const pool = new TrialPool({ workers: 2, preload: ['mlp'] });
    pools.push(pool);
    const data = syntheticData({ rows: 300, seed: 5, denseCols: 4, sparseCols: 40, density: 0.1 });
    const configs: Array<[ModelKind, Record<string, number | string | number[]>]> = [
      ['logistic', { C: 3 }],
      ['gbm', { n_estimators: 20, max_depth: 3 }],
      ['mlp', { hidden_layers: [8], epochs: 3, batch_size: 64, activation: 'tanh', dropout: 0.1 }],
    ];
    for (const [kind, params] of configs) {
      const out = await pool.refit(kind, params, 77, data);
      expect(out.ok).toBe(true);
      if (!out.ok) return;
      const there = fittedFromPayload(out.value);
      const here = await createEstimator(kind, params).fit(data, { seed: 77 });
      expect(Array.from(there.predictProba(data.X))).toEqual(Array.from(here.predictProba(data.X)));
    }
  }, 60_000);

  it('a refit that fails comes back as an error outcome, and the pool goes on', async () => {
    const pool = new TrialPool({ workers: 1 });
    pools.push(pool);
    const data = syntheticData({ rows: 50, seed: 2, denseCols: 2, sparseCols: 5, density: 0.2 });
    const bad = await pool.refit('gbm', { n_estimators: -3 }, 1, data);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('INVALID_ARGUMENT');
    const good = await pool.refit('logistic', {}, 1, data);
    expect(good.ok).toBe(true);
  });
});
