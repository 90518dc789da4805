import { describe, expect, it } from 'vitest';
import { expectedTrialCost, iterationCeilings, longestFirstOrder } from '../../../src/hpo/families.js';
import { ashaScheduler, readyToDecide, resolveAshaOptions, type RungRecord } from '../../../src/hpo/scheduler.js';
import { choice, constant, loguniform, qloguniform, quniform, randint, type SearchSpace } from '../../../src/hpo/space.js';
import { runStudy, type StudyOptions } from '../../../src/hpo/study.js';
import { comparable, fakeFamilies, toyData } from './helpers.js';

const data = toyData(240, 5);

describe('ASHA time axis: iterations over the family ceiling', () => {
  it('iterationCeilings takes the top of each family budget domain, else the estimator default', () => {
    const space: SearchSpace = {
      families: {
        gbm: { n_estimators: qloguniform(50, 1000, 1), quality: loguniform(0.1, 1) },
        mlp: { epochs: randint(5, 31) },
        logistic: { quality: constant(0.5) },
      },
    };
    // the fake families' default budget is 9
    expect(iterationCeilings(space, fakeFamilies)).toEqual({ gbm: 1000, logistic: 9, mlp: 30 });
    expect(iterationCeilings({ families: { gbm: { n_estimators: quniform(40, 125, 10) } } }, fakeFamilies)).toEqual({ gbm: 120 });
    expect(iterationCeilings({ families: { mlp: { epochs: choice([3, 12, 7]) } } }, fakeFamilies)).toEqual({ mlp: 12 });
    // a conditional budget: trials outside the condition train the default (9)
    expect(iterationCeilings({ families: { mlp: { quality: choice([0.1, 0.9]), epochs: { ...randint(3, 6), when: { quality: [0.9] } } } } }, fakeFamilies)).toEqual({ mlp: 9 });
  });

  it('defaults: family time scale, per-family rungs, max_t 243, grace 1, rf 3, one bracket', () => {
    const c = resolveAshaOptions();
    expect(c).toMatchObject({ maxT: 243, gracePeriod: 1, reductionFactor: 3, brackets: 1, timeScale: 'family', rungs: 'family' });
    expect(() => resolveAshaOptions({ timeScale: 'wall' as never })).toThrow(/time_scale/);
    expect(() => resolveAshaOptions({ rungs: 'all' as never })).toThrow(/rungs/);
  });

  it('a small-budget trial passes only the rungs below its budget and completes; a large one is judged higher up', async () => {
    // ceiling 12: rungs at 12/9·1 and 12/9·3 iterations (max_t 9), i.e. after iterations 2 and 4
    const space: SearchSpace = { families: { gbm: { quality: choice([0.9, 0.1]), n_estimators: choice([3, 12]) } } };
    const seen: Array<{ trial: number; iteration: number; time: number }> = [];
    const r = await runStudy({
      data,
      families: fakeFamilies,
      executor: 'inline',
      trials: 12,
      seed: 3,
      space,
      workers: 1,
      scheduler: { kind: 'asha', maxT: 9, gracePeriod: 1, reductionFactor: 3, metric: 'val_auc' },
      hooks: { onTrialReport: (e) => void seen.push({ trial: e.trial, iteration: e.iteration, time: e.time }) },
    });
    // every trial reported at least once (the time checks below are not over an empty list)
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((e) => e.trial)).size).toBe(r.trials.length);
    for (const e of seen) expect(e.time).toBeCloseTo((e.iteration / 12) * 9, 12);
    const small = r.trials.filter((t) => t.params.n_estimators === 3);
    expect(small.length).toBeGreaterThan(0);
    // a 3-iteration trial can only be judged at milestone 1 (iteration 2); if it passes, it completes
    for (const t of small) expect(t.state === 'completed' ? t.iterations === 3 : t.iterations === 2).toBe(true);
    // the first large trial is the first at both of its rungs: never stopped
    const firstLarge = r.trials.find((t) => t.params.n_estimators === 12)!;
    expect(firstLarge.state).toBe('completed');
    expect(r.trials.some((t) => t.state === 'stopped' && t.iterations === 4)).toBe(true);
  });

  it("the 'trial' time scale keeps rungs at fractions of each trial's own budget", async () => {
    const space: SearchSpace = { families: { gbm: { quality: choice([0.5]), n_estimators: choice([3, 12]) } } };
    const seen: Array<{ trial: number; iteration: number; time: number }> = [];
    const r = await runStudy({
      data,
      families: fakeFamilies,
      executor: 'inline',
      trials: 4,
      seed: 3,
      space,
      scheduler: { kind: 'asha', maxT: 9, timeScale: 'trial' },
      hooks: { onTrialReport: (e) => void seen.push({ trial: e.trial, iteration: e.iteration, time: e.time }) },
    });
    expect(new Set(r.trials.map((t) => t.params.n_estimators))).toEqual(new Set([3, 12]));
    // reports from trials of both budgets, so the per-trial time scale is checked on each
    expect(new Set(seen.map((e) => r.trials[e.trial].params.n_estimators))).toEqual(new Set([3, 12]));
    for (const e of seen) expect(e.time).toBeCloseTo((e.iteration / (r.trials[e.trial].params.n_estimators as number)) * 9, 12);
    // each completed trial's last report is at time max_t
    const completed = r.trials.filter((x) => x.state === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    for (const t of completed) expect(seen.filter((e) => e.trial === t.trial).at(-1)?.time).toBe(9);
  });

  it('stops at time max_t only for trials of the family ceiling', () => {
    const s = ashaScheduler({ maxT: 9 });
    expect(s.decide([], { trial: 0, bracket: 0, time: 9, value: 0.5 }).decision).toBe('stop');
    expect(s.decide([], { trial: 0, bracket: 0, time: 8.9, value: 0.5 }).decision).toBe('continue');
  });
});

describe('ASHA rung groups (one per family)', () => {
  const rec = (trial: number, value: number, group?: string): RungRecord => ({ trial, bracket: 0, milestone: 1, value, ...(group ? { group } : {}) });

  it('compares a report only with records of its own group, and records the group', () => {
    const s = ashaScheduler({ maxT: 27, deterministic: false });
    const records = [rec(0, 0.9, 'gbm'), rec(1, 0.95, 'gbm'), rec(2, 0.99, 'gbm')];
    expect(s.decide(records, { trial: 3, bracket: 0, group: 'gbm', time: 1, value: 0.5 }).decision).toBe('stop');
    // first of its family at the rung: continues, whatever the other family recorded
    expect(s.decide(records, { trial: 3, bracket: 0, group: 'mlp', time: 1, value: 0.5 })).toEqual({ decision: 'continue', newRecords: [rec(3, 0.5, 'mlp')] });
    // without groups (shared rungs) every record counts
    expect(s.decide([rec(0, 0.9), rec(1, 0.95)], { trial: 3, bracket: 0, time: 1, value: 0.5 }).decision).toBe('stop');
  });

  it('readyToDecide waits only for lower trials of the same group', () => {
    const groupOf = (t: number) => (t % 2 === 0 ? 'gbm' : 'mlp');
    const report = { trial: 4, bracket: 0, group: 'gbm', time: 1, value: 0.5 };
    const ended = () => false;
    // trials 0 and 2 (gbm) recorded; 1 and 3 (mlp) not: ready
    expect(readyToDecide([rec(0, 0.1, 'gbm'), rec(2, 0.2, 'gbm')], report, 1, [0, 1, 2, 3, 4], ended, () => 0, groupOf)).toBe(true);
    expect(readyToDecide([rec(0, 0.1, 'gbm')], report, 1, [0, 1, 2, 3, 4], ended, () => 0, groupOf)).toBe(false);
  });

  it('per-family rungs let each family keep its best trials; shared rungs let one family crowd out another', async () => {
    // gbm learns slowly but ends well in this fake; mlp is uniformly mediocre. Shared rungs judge
    // gbm at early milestones against mlp values.
    const space: SearchSpace = {
      families: {
        gbm: { quality: choice([0.2, 0.3]), n_estimators: constant(12) },
        mlp: { quality: choice([0.6, 0.7]), epochs: constant(12) },
      },
    };
    const opts: StudyOptions = { data, families: fakeFamilies, executor: 'inline', trials: 16, seed: 5, space, workers: 2 };
    const shared = await runStudy({ ...opts, scheduler: { kind: 'asha', maxT: 9, rungs: 'shared', metric: 'val_auc' } });
    const family = await runStudy({ ...opts, scheduler: { kind: 'asha', maxT: 9, metric: 'val_auc' } });
    const completed = (r: typeof shared, m: string) => r.trials.filter((t) => t.model === m && t.state === 'completed').length;
    expect(completed(family, 'gbm')).toBeGreaterThan(0);
    expect(completed(shared, 'gbm')).toBeLessThan(completed(family, 'gbm'));
    // deterministic with per-family rungs on 1 worker equals 2 workers
    const one = await runStudy({ ...opts, workers: 1, scheduler: { kind: 'asha', maxT: 9, metric: 'val_auc' } });
    expect(comparable(one.trials)).toEqual(comparable(family.trials));
  });
});

describe('launch order', () => {
  it('expectedTrialCost ranks big boosters and nets above small ones and logistic fits', () => {
    const gbmBig = expectedTrialCost({ model: 'gbm', params: { n_estimators: 800, max_depth: 8 } });
    const gbmSmall = expectedTrialCost({ model: 'gbm', params: { n_estimators: 60, max_depth: 3 } });
    const leaves = expectedTrialCost({ model: 'gbm', params: { n_estimators: 60, grow_policy: 'lossguide', num_leaves: 8 } });
    const mlp = expectedTrialCost({ model: 'mlp', params: { epochs: 30, hidden_layers: [128, 64] } });
    const logistic = expectedTrialCost({ model: 'logistic', params: { C: 1 } });
    expect(gbmBig).toBeGreaterThan(mlp);
    expect(mlp).toBeGreaterThan(gbmSmall);
    expect(leaves).toBe(gbmSmall);
    expect(gbmSmall).toBeGreaterThan(logistic);
    expect(logistic).toBeGreaterThan(0);
  });

  const space: SearchSpace = { families: { gbm: { quality: loguniform(0.1, 1), n_estimators: randint(3, 40), delay_ms: constant(0.2) } } };
  const base: StudyOptions = { data, families: fakeFamilies, executor: 'inline', trials: 10, seed: 11, space };

  it('random search on several workers starts the longest expected trials first, with the same results', async () => {
    const starts = (order: string[]) => ({ onTrialStart: (e: { trial: number }) => void order.push(String(e.trial)) });
    const longest: string[] = [];
    const indexed: string[] = [];
    const a = await runStudy({ ...base, workers: 2, hooks: starts(longest) });
    const b = await runStudy({ ...base, workers: 2, launchOrder: 'index', hooks: starts(indexed) });
    const one = await runStudy({ ...base, workers: 1 });
    expect(indexed).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const budgets = a.trials.map((t) => t.params.n_estimators as number);
    const expected = [...budgets.keys()].sort((x, y) => budgets[y] - budgets[x] || x - y).map(String);
    expect(longest).toEqual(expected);
    expect(longest).not.toEqual(indexed);
    // the order the benchmark gives its Python peer (bench/lib/peer.mjs) is the study's
    expect(longestFirstOrder([...budgets.keys()], (i) => ({ model: a.trials[i].model, params: a.trials[i].params })).map(String)).toEqual(longest);
    expect(comparable(a.trials)).toEqual(comparable(b.trials));
    expect(comparable(a.trials)).toEqual(comparable(one.trials));
    expect(a.best?.trial).toBe(one.best?.trial);
  });

  it('ASHA keeps index order on several workers', async () => {
    const order: number[] = [];
    await runStudy({ ...base, workers: 2, scheduler: { kind: 'asha', maxT: 9 }, hooks: { onTrialStart: (e) => void order.push(e.trial) } });
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('does not wait for a slow end-of-trial hook before starting the next trial', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const r = await runStudy({
      ...base,
      trials: 3,
      workers: 1,
      hooks: {
        onTrialStart: (e) => void events.push(`start ${e.trial}`),
        onTrialEnd: async (row) => {
          events.push(`end ${row.trial}`);
          if (row.trial === 0) {
            setTimeout(release, 50);
            await gate;
            events.push('end 0 done');
          }
        },
      },
    });
    expect(r.state).toBe('completed');
    // trial 1 started while trial 0's end hook was still running, and the study awaited the hook
    expect(events.indexOf('start 1')).toBeLessThan(events.indexOf('end 0 done'));
    expect(events).toContain('end 0 done');
  });
});
