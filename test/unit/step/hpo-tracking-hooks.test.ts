/**
 * The HPO step's per-trial tracking hooks: reports are batched (one write per trial per
 * REPORT_FLUSH_MS, the rest with the final metrics at the trial's end), keep their steps, order and
 * arrival timestamps, and a failing store is reported through onHookError, never thrown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentId, RunId } from '../../../src/core/ids.js';
import { silentLogger } from '../../../src/core/ports.js';
import type { StudyResult, TrialRow } from '../../../src/hpo/results.js';
import type { StudyHooks } from '../../../src/hpo/study.js';
import { REPORT_FLUSH_MS, bestTrialOf, trackingHooks } from '../../../src/pipeline/steps/hpo-tuning.js';
import type { LogBatchInput, TrackingStore } from '../../../src/tracking/contract.js';
import { LocalTrackingStore } from '../../../src/tracking/local/local-store.js';

let root: string;
let store: LocalTrackingStore;
let parent: RunId;
let experimentId: ExperimentId;
/** Fake clock: wall time `now` (ms since epoch), monotonic time `mono` (ms). */
const clock = { wall: 1_700_000_000_000, mono: 0, now: () => clock.wall, monotonic: () => clock.mono };

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'train-spam-hooks-'));
  store = new LocalTrackingStore({ root: join(root, 'mlruns') });
  const exp = await store.getOrCreateExperiment('hooks');
  experimentId = exp.experimentId;
  parent = (await store.createRun({ experimentId })).runId;
  clock.wall = 1_700_000_000_000;
  clock.mono = 0;
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Counts logBatch calls (logMetrics/logParams go through it) on the wrapped store. */
function counting(inner: TrackingStore): { store: TrackingStore; batches: LogBatchInput[] } {
  const batches: LogBatchInput[] = [];
  const proxy = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'logBatch') {
        return async (id: RunId, batch: LogBatchInput) => {
          batches.push(batch);
          return target.logBatch(id, batch);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(receiver) : v;
    },
  });
  return { store: proxy, batches };
}

function hooksFor(s: TrackingStore, errors: string[] = []): StudyHooks & { closeOpen(error: unknown): Promise<void> } {
  const ctx = {
    tracking: { store: s, registry: null as never, description: 'test' },
    runId: parent,
    experimentId,
    clock,
    logger: { ...silentLogger, log: (level: string, msg: string) => void errors.push(`${level}: ${msg}`) },
  };
  const h = trackingHooks(ctx as Parameters<typeof trackingHooks>[0]);
  if (!h) throw new Error('no hooks');
  return h;
}

const row = (trial: number, iterations: number, state: TrialRow['state'] = 'completed'): TrialRow => ({
  trial,
  seed: 11,
  model: 'gbm',
  params: {},
  bracket: 0,
  state,
  score: 0.9,
  tieBreak: 0.95,
  metrics: { f1: 0.9, auc: 0.95 },
  iterations,
  reports: iterations,
  durationMs: 10,
  error: state === 'failed' ? { code: 'INTERNAL', message: 'boom' } : null,
});

async function childRun(s: TrackingStore): Promise<RunId> {
  const runs = await s.searchRuns({ experimentIds: [experimentId], filter: `tags.mlflow.parentRunId = '${parent}'` });
  expect(runs).toHaveLength(1);
  return runs[0].info.runId;
}

describe('HPO tracking hooks when the study fails', () => {
  it('closeOpen ends the trial runs whose end never came as FAILED with the study\'s error; ended ones keep their state', async () => {
    const h = hooksFor(store);
    await h.onTrialStart!({ trial: 0, seed: 11, bracket: 0, config: { model: 'gbm', params: {} } });
    await h.onTrialStart!({ trial: 1, seed: 12, bracket: 0, config: { model: 'gbm', params: {} } });
    clock.mono += 10;
    await h.onTrialReport!({ trial: 1, iteration: 1, time: 1, metrics: { val_auc: 0.9 }, decision: 'continue' });
    await h.onTrialEnd!(row(0, 3));
    await h.closeOpen(Object.assign(new Error("journal 'j.jsonl': append failed: EFBIG"), { code: 'IO_ERROR' }));
    const runs = await store.searchRuns({ experimentIds: [experimentId], filter: `tags.mlflow.parentRunId = '${parent}'` });
    const byTrial = new Map(runs.map((r) => [r.data.tags['train-spam.trial'], r]));
    expect(byTrial.get('0')!.info.status).toBe('FINISHED');
    const failed = byTrial.get('1')!;
    expect(failed.info.status).toBe('FAILED');
    expect(failed.info.endTime).not.toBeNull();
    expect(failed.data.tags['train-spam.trial_state']).toBe('failed');
    expect(failed.data.tags['train-spam.error']).toBe("the study failed: IO_ERROR: journal 'j.jsonl': append failed: EFBIG");
    // its buffered report was kept
    expect((await store.getMetricHistory(failed.info.runId, 'val_auc')).map((m) => m.value)).toEqual([0.9]);
    await h.closeOpen(new Error('again')); // nothing left open: no second write
  });
});

describe('HPO tracking hooks', () => {
  it('writes reports in batches: nothing before REPORT_FLUSH_MS, everything at the end, in step order with arrival timestamps', async () => {
    const { store: s, batches } = counting(store);
    const h = hooksFor(s);
    await h.onTrialStart!({ trial: 0, seed: 11, bracket: 0, config: { model: 'gbm', params: { max_depth: 3 } } });
    const paramsBatches = batches.length;
    for (let it = 1; it <= 5; it++) {
      clock.wall += 7;
      clock.mono += 100; // 5 reports within 500 ms: all buffered
      await h.onTrialReport!({ trial: 0, iteration: it, time: it, metrics: { val_auc: [0.91, 0.92, 0.93, 0.94, 0.95][it - 1], val_loss: 1 / it }, decision: 'continue' });
    }
    expect(batches.length).toBe(paramsBatches);
    clock.mono += REPORT_FLUSH_MS; // the 6th report is due: it flushes all six
    clock.wall += 7;
    await h.onTrialReport!({ trial: 0, iteration: 6, time: 6, metrics: { val_auc: 0.96, val_loss: 1 / 6 }, decision: 'continue' });
    expect(batches.length).toBe(paramsBatches + 1);
    expect(batches.at(-1)!.metrics).toHaveLength(12);
    clock.mono += 10;
    clock.wall += 7;
    await h.onTrialReport!({ trial: 0, iteration: 7, time: 7, metrics: { val_auc: 0.97, val_loss: 1 / 7 }, decision: 'continue' });
    expect(batches.length).toBe(paramsBatches + 1);
    await h.onTrialEnd!(row(0, 7));
    // the 7th report, the final metrics and the state tag in one batch
    expect(batches.length).toBe(paramsBatches + 2);
    expect(batches.at(-1)!.tags).toEqual({ 'train-spam.trial_state': 'completed' });

    const id = await childRun(s);
    const history = await store.getMetricHistory(id, 'val_auc');
    expect(history.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(history.map((m) => m.value)).toEqual([0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97]);
    // stamped when each report arrived, not when the batch was written
    expect(history.map((m) => m.timestamp - 1_700_000_000_000)).toEqual([7, 14, 21, 28, 35, 42, 49]);
    const run = await store.getRun(id);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.metrics.final_f1.value).toBe(0.9);
    expect(run.data.metrics.iterations.value).toBe(7);
    expect(run.data.params.max_depth).toBe('3');
  });

  it('a failed trial gets its error tag and FAILED status', async () => {
    const h = hooksFor(store);
    await h.onTrialStart!({ trial: 3, seed: 11, bracket: 0, config: { model: 'gbm', params: {} } });
    await h.onTrialReport!({ trial: 3, iteration: 1, time: 1, metrics: { val_auc: 0.5 }, decision: 'continue' });
    await h.onTrialEnd!(row(3, 1, 'failed'));
    const id = await childRun(store);
    const run = await store.getRun(id);
    expect(run.info.status).toBe('FAILED');
    expect(run.data.tags['train-spam.error']).toBe('INTERNAL: boom');
    expect((await store.getMetricHistory(id, 'val_auc')).map((m) => m.value)).toEqual([0.5]);
  });

  it('a cancelled trial (Ctrl-C) is closed as KILLED, not left RUNNING', async () => {
    const h = hooksFor(store);
    await h.onTrialStart!({ trial: 2, seed: 11, bracket: 0, config: { model: 'gbm', params: {} } });
    await h.onTrialEnd!({ ...row(2, 0, 'cancelled'), score: null, tieBreak: null, metrics: null, error: { code: 'CANCELLED', message: 'interrupted' } });
    const run = await store.getRun(await childRun(store));
    expect(run.info.status).toBe('KILLED');
    expect(run.data.tags['train-spam.trial_state']).toBe('cancelled');
  });

  it('bestTrialOf ends an interrupted study as CANCELLED, whether or not a trial finished', () => {
    const ac = new AbortController();
    const study = { plannedTrials: 4, best: null, trials: [row(0, 1, 'cancelled'), row(1, 1, 'cancelled')] } as unknown as StudyResult;
    expect(() => bestTrialOf(study)).toThrow(/INTERNAL|no trial finished/);
    ac.abort();
    expect(() => bestTrialOf(study, ac.signal)).toThrow(expect.objectContaining({ code: 'CANCELLED', message: 'hpo: interrupted after 0 of 4 trials' }));
    const withBest = { ...study, best: row(0, 1), trials: [row(0, 1), row(1, 1, 'cancelled')] } as unknown as StudyResult;
    expect(() => bestTrialOf(withBest, ac.signal)).toThrow(expect.objectContaining({ code: 'CANCELLED', message: 'hpo: interrupted after 1 of 4 trials' }));
  });

  it('bestTrialOf with no finished trial: the failures\' shared code (every trial timed out: TIMEOUT, with a hint), else INTERNAL', () => {
    const failed = (trial: number, code: string) => ({ ...row(trial, 1, 'failed'), error: { code, message: `${code.toLowerCase()} here` } });
    const timedOut = { plannedTrials: 2, best: null, trials: [failed(0, 'TIMEOUT'), failed(1, 'TIMEOUT')] } as unknown as StudyResult;
    expect(() => bestTrialOf(timedOut)).toThrow(
      expect.objectContaining({
        code: 'TIMEOUT',
        message: 'hpo: no trial finished (2 trials, 2 failed) (first error: TIMEOUT: timeout here); every trial ran past the trial timeout (--trial-timeout): raise it',
      }),
    );
    const mixed = { plannedTrials: 2, best: null, trials: [failed(0, 'TIMEOUT'), failed(1, 'OUT_OF_MEMORY')] } as unknown as StudyResult;
    expect(() => bestTrialOf(mixed)).toThrow(expect.objectContaining({ code: 'INTERNAL', message: 'hpo: no trial finished (2 trials, 2 failed) (first error: TIMEOUT: timeout here)' }));
  });

  it('a store that fails rejects the hook (the study reports it through onHookError), and later writes of the trial still run', async () => {
    let fail = true;
    const flaky = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'logBatch') {
          return async (id: RunId, batch: LogBatchInput) => {
            if (fail && batch.metrics?.some((m) => m.key === 'val_auc')) throw new Error('disk full');
            return target.logBatch(id, batch);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(receiver) : v;
      },
    }) as TrackingStore;
    const h = hooksFor(flaky);
    await h.onTrialStart!({ trial: 0, seed: 11, bracket: 0, config: { model: 'gbm', params: {} } });
    clock.mono += REPORT_FLUSH_MS;
    await expect(h.onTrialReport!({ trial: 0, iteration: 1, time: 1, metrics: { val_auc: 0.5 }, decision: 'continue' })).rejects.toThrow('disk full');
    fail = false;
    await h.onTrialEnd!(row(0, 1));
    const run = await store.getRun(await childRun(store));
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.metrics.final_auc.value).toBe(0.95);
  });
});
