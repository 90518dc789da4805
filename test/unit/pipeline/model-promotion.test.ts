/**
 * Promotion against a registry whose stage transition fails: a refusal (4xx, a server without
 * stages) keeps the alias and succeeds with a warning; a failure (5xx, timeout, lost connection)
 * fails the step with a message naming the version and what did not happen.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/ports.js';
import type { ComparisonResult } from '../../../src/pipeline/comparison.js';
import type { RunContext } from '../../../src/pipeline/context.js';
import { systemClock } from '../../../src/pipeline/context.js';
import type { GateReport } from '../../../src/pipeline/gates.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { modelPromotion, stagesRefused } from '../../../src/pipeline/steps/model-promotion.js';
import type { ModelRegistry } from '../../../src/tracking/contract.js';
import { openTracking } from '../../../src/tracking/factory.js';

const handle = openTracking({ trackingUri: join(mkdtempSync(join(tmpdir(), 'promotion-')), 'mlruns') });
afterAll(() => handle.close());

const gates = { passed: true, gates: [], thresholds: {} } as unknown as GateReport;
const comparison = { status: 'first_model', passed: true, reasons: [], deltas: { f1: null, auc: null }, candidate: { f1: 0.98, auc: 0.99 }, staging: null, thresholds: {} } as unknown as ComparisonResult;
/** A passed comparison against Staging `version`. */
const against = (version: string) =>
  ({ ...comparison, status: 'passed', deltas: { f1: 0, auc: 0 }, staging: { version, f1: 0.98, auc: 0.99 } }) as unknown as ComparisonResult;

type Override = Partial<Record<keyof ModelRegistry, (...args: never[]) => Promise<unknown>>>;

/** The local registry with some methods replaced (each override gets the real registry as `this`-free first argument). */
function registryWith(overrides: Override | (() => Promise<never>)): ModelRegistry {
  const reg = handle.registry;
  const o: Override = typeof overrides === 'function' ? { transitionStage: overrides } : overrides;
  return new Proxy(reg, {
    get: (t, p) => {
      if (typeof p === 'string' && p in o) return o[p as keyof ModelRegistry];
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

async function context(registry: ModelRegistry, modelName: string, warnings: string[], infos: string[] = []): Promise<RunContext> {
  const exp = await handle.store.getOrCreateExperiment('promotion-test');
  const run = await handle.store.createRun({ experimentId: exp.experimentId });
  const logger: Logger = { log: (level, message) => void (level === 'warn' ? warnings.push(message) : level === 'info' && infos.push(message)) };
  return {
    params: resolvePipelineParams({ model_name: modelName }),
    logger,
    clock: systemClock,
    signal: new AbortController().signal,
    outDir: tmpdir(),
    tracking: { store: handle.store, registry, description: 'test' },
    runId: run.runId,
    experimentId: exp.experimentId,
    progress: undefined as never,
    workers: 1,
  } as RunContext;
}

const httpFailure = (status: number) => new TrainSpamError('REMOTE_ERROR', `MLflow POST /model-versions/transition-stage failed: HTTP ${status}`, { httpStatus: status });

describe('model promotion when the stage transition fails', () => {
  it('classifies refusals (4xx but 408/429, 501) apart from failures (5xx, timeout, network)', () => {
    for (const s of [400, 403, 404, 501]) expect(stagesRefused(httpFailure(s))).toBe(true);
    for (const s of [408, 429, 500, 502, 503]) expect(stagesRefused(httpFailure(s))).toBe(false);
    expect(stagesRefused(new TrainSpamError('TIMEOUT', 'no answer'))).toBe(false);
    expect(stagesRefused(new TrainSpamError('NETWORK_ERROR', 'other side closed'))).toBe(false);
  });

  it('a server that refuses stages: promoted, alias set, a warning', async () => {
    const warnings: string[] = [];
    const registry = registryWith(async () => {
      throw httpFailure(400);
    });
    const infos: string[] = [];
    const r = await modelPromotion(await context(registry, 'refuses-stages', warnings, infos), gates, comparison);
    expect(r.status).toBe('promoted');
    expect((await handle.registry.getVersionByAlias('refuses-stages', 'staging'))?.version).toBe(r.version);
    expect(warnings.join('\n')).toMatch(/did not accept the legacy stage transition/);
    // the closing line does not claim the stage it did not get
    expect(infos).toContain(`promotion: registered refuses-stages v${r.version}; alias 'staging' points to it (the server keeps no stages)`);
  });

  it('a 500 or a timeout on the stage transition fails the promotion and rolls it back: no new version, alias where it was', async () => {
    for (const [i, err] of [httpFailure(500), new TrainSpamError('TIMEOUT', 'MLflow POST transition-stage failed: no complete answer within 30000 ms')].entries()) {
      const name = `flaky-${i}`;
      const first = await modelPromotion(await context(handle.registry, name, []), gates, comparison);
      expect(first).toMatchObject({ status: 'promoted', version: '1' });
      const registry = registryWith(async () => {
        throw err;
      });
      await expect(modelPromotion(await context(registry, name, []), gates, against('1'))).rejects.toMatchObject({
        code: err.code,
        message: expect.stringMatching(
          new RegExp(`^promotion: could not set its stage to Staging \\(${err.message}\\); rolled back: ${name} v2 deleted, the 'staging' alias back on v1, stage Staging on v1$`),
        ),
        details: { name, version: '2', aliasMoved: true, rolledBack: true },
      });
      await expect(handle.registry.getModelVersion(name, '2')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await handle.registry.getVersionByAlias(name, 'staging'))?.version).toBe('1');
      expect((await handle.registry.getLatestVersions(name, ['Staging'])).map((v) => v.version)).toEqual(['1']);
      // the next promotion goes on as if the failed one never happened (v2's number is not reused)
      expect(await modelPromotion(await context(handle.registry, name, []), gates, against('1'))).toMatchObject({ status: 'promoted', version: '3' });
    }
  });

  it('a transition that archived the previous Staging version before failing: the roll-back puts it back', async () => {
    const name = 'half-transition';
    await modelPromotion(await context(handle.registry, name, []), gates, comparison);
    const registry = registryWith({
      transitionStage: async (n: string, v: string, stage: 'Staging', archive: boolean) => {
        if (v !== '2') return handle.registry.transitionStage(n, v, stage, archive);
        // the server archived v1, then failed before moving v2
        await handle.registry.transitionStage(n, '1', 'Archived', false);
        throw httpFailure(503);
      },
    } as Override);
    await expect(modelPromotion(await context(registry, name, []), gates, against('1'))).rejects.toMatchObject({ details: { rolledBack: true } });
    expect((await handle.registry.getModelVersion(name, '1')).currentStage).toBe('Staging');
    expect((await handle.registry.searchModelVersions(`name='${name}'`)).map((v) => v.version)).toEqual(['1']);
  });

  it('the first version of a model: the roll-back removes the alias it set', async () => {
    const name = 'first-fails';
    const registry = registryWith(async () => {
      throw httpFailure(502);
    });
    await expect(modelPromotion(await context(registry, name, []), gates, comparison)).rejects.toMatchObject({
      message: expect.stringMatching(/rolled back: first-fails v1 deleted, no 'staging' alias \(there was none\), no version in stage Staging$/),
    });
    expect(await handle.registry.getVersionByAlias(name, 'staging')).toBeNull();
    expect(await handle.registry.searchModelVersions(`name='${name}'`)).toEqual([]);
  });

  it('when the roll-back fails too, the error names the version, the failed roll-back call and where the alias and stage stand', async () => {
    const name = 'rollback-fails';
    await modelPromotion(await context(handle.registry, name, []), gates, comparison);
    const lost = new TrainSpamError('NETWORK_ERROR', 'MLflow POST registered-models/alias failed: other side closed');
    const registry = registryWith({
      setAlias: async () => {
        throw lost;
      },
      deleteModelVersion: async () => {
        throw new TrainSpamError('REMOTE_ERROR', 'MLflow DELETE model-versions/delete failed: HTTP 503', { httpStatus: 503 });
      },
    } as Override);
    await expect(modelPromotion(await context(registry, name, []), gates, against('1'))).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      message:
        "promotion: rollback-fails v2 is registered but could not move the 'staging' alias to it (MLflow POST registered-models/alias failed: other side closed); " +
        "the roll-back failed too (deleting v2: MLflow DELETE model-versions/delete failed: HTTP 503); now the 'staging' alias is on v1 and stage Staging on v1",
      details: { name, version: '2', aliasMoved: false, rolledBack: false },
    });
  });

  it('a transition the server made although its answer was lost: the roll-back takes the version out of Staging first', async () => {
    const name = 'lost-transition';
    await modelPromotion(await context(handle.registry, name, []), gates, comparison);
    const registry = registryWith({
      transitionStage: async (n: string, v: string, stage: 'Staging', archive: boolean) => {
        const r = await handle.registry.transitionStage(n, v, stage, archive);
        if (v === '2' && stage === 'Staging') throw new TrainSpamError('TIMEOUT', 'MLflow POST transition-stage failed: no complete answer within 30000 ms');
        return r;
      },
      deleteModelVersion: async () => {
        throw new TrainSpamError('REMOTE_ERROR', 'MLflow DELETE model-versions/delete failed: HTTP 503', { httpStatus: 503 });
      },
    } as Override);
    await expect(modelPromotion(await context(registry, name, []), gates, against('1'))).rejects.toMatchObject({
      message: expect.stringMatching(/the roll-back failed too \(deleting v2: .*\); now the 'staging' alias is on v1 and stage Staging on v1$/),
    });
    // v2 is still registered (the delete failed) but neither the alias nor the stage points to it
    expect((await handle.registry.getModelVersion(name, '2')).currentStage).toBe('None');
    expect((await handle.registry.getLatestVersions(name, ['Staging'])).map((v) => v.version)).toEqual(['1']);
  });

  it('the roll-back leaves alone an alias and a stage that another run moved in the meantime', async () => {
    const name = 'concurrent-rollback';
    await modelPromotion(await context(handle.registry, name, []), gates, comparison); // v1
    // a registry without a model lock (as MLflow's REST API): the local store's lock would make
    // the other run wait until this one is done
    const registry = registryWith({
      lockModel: undefined as never,
      transitionStage: async (n: string, v: string, stage: 'Staging', archive: boolean) => {
        if (v !== '2') return handle.registry.transitionStage(n, v, stage, archive);
        // another run registers and promotes v3 while this one is between its alias and its stage
        await modelPromotion(await context(handle.registry, name, []), gates, against('2'));
        throw httpFailure(500);
      },
    } as Override);
    await expect(modelPromotion(await context(registry, name, []), gates, against('1'))).rejects.toMatchObject({
      message: expect.stringMatching(/rolled back: concurrent-rollback v2 deleted, the 'staging' alias left on v3 \(moved by another run since\), stage Staging left on v3 \(set by another run since\)$/),
      details: { rolledBack: true },
    });
    expect((await handle.registry.getVersionByAlias(name, 'staging'))?.version).toBe('3');
    expect((await handle.registry.getLatestVersions(name, ['Staging'])).map((v) => v.version)).toEqual(['3']);
    await expect(handle.registry.getModelVersion(name, '2')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a version created by an earlier attempt of the same run is not rolled back, only reported', async () => {
    const name = 'retried-step';
    const ctx = await context(handle.registry, name, []);
    expect(await modelPromotion(ctx, gates, comparison)).toMatchObject({ status: 'promoted', version: '1' });
    const registry = registryWith(async () => {
      throw httpFailure(500);
    });
    await expect(modelPromotion({ ...ctx, tracking: { ...ctx.tracking!, registry } }, gates, comparison)).rejects.toMatchObject({
      message: expect.stringMatching(/^promotion: retried-step v1 is registered \(by an earlier attempt of this run\); could not set its stage to Staging \(.*HTTP 500\); now the 'staging' alias is on v1 and stage Staging on v1$/),
    });
    expect((await handle.registry.getModelVersion(name, '1')).currentStage).toBe('Staging');
  });

  it('a registration whose answer was lost but which the server made: found by run id and promoted, not registered twice', async () => {
    const name = 'lost-create';
    const warnings: string[] = [];
    const registry = registryWith({
      createModelVersion: async (options: Parameters<ModelRegistry['createModelVersion']>[0]) => {
        await handle.registry.createModelVersion(options);
        throw new TrainSpamError('TIMEOUT', 'MLflow POST model-versions/create failed: no complete answer within 30000 ms');
      },
    } as Override);
    const r = await modelPromotion(await context(registry, name, warnings), gates, comparison);
    expect(r).toMatchObject({ status: 'promoted', version: '1' });
    expect(warnings.join('\n')).toMatch(/registering the version failed \(MLflow POST model-versions\/create failed: no complete answer within 30000 ms\), but the server had created it: lost-create v1/);
    expect((await handle.registry.searchModelVersions(`name='${name}'`)).map((v) => v.version)).toEqual(['1']);
    // and a failure that did not create anything is reported as it is
    const failing = registryWith({
      createModelVersion: async () => {
        throw httpFailure(500);
      },
    } as Override);
    await expect(modelPromotion(await context(failing, 'never-created', []), gates, comparison)).rejects.toMatchObject({ details: { httpStatus: 500 } });
  });

  it('refuses to promote on a comparison made against a Staging model that has been replaced since, registering nothing', async () => {
    const name = 'stale-comparison';
    await modelPromotion(await context(handle.registry, name, []), gates, comparison); // v1
    const second = await context(handle.registry, name, []);
    await modelPromotion(second, gates, against('1')); // v2, compared with v1
    // a run that compared with v1 (or found no model) promotes only after comparing again
    for (const [stale, then] of [[against('1'), 'Staging v1'], [comparison, 'no model in Staging']] as const) {
      await expect(modelPromotion(await context(handle.registry, name, []), gates, stale)).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `promotion: the comparison was made against ${then}, but Staging is now v2 (another run changed it since); nothing registered: run the comparison again`,
        details: { name, current: '2' },
      });
    }
    expect((await handle.registry.searchModelVersions(`name='${name}'`)).map((v) => v.version)).toEqual(['2', '1']);
    expect((await handle.registry.getVersionByAlias(name, 'staging'))?.version).toBe('2');
    // the run that made v2, its promotion retried with its own comparison: Staging is its version, fine
    expect(await modelPromotion(second, gates, against('1'))).toMatchObject({ status: 'already_promoted', version: '2' });
    // and a run that compared with the current Staging model promotes
    expect(await modelPromotion(await context(handle.registry, name, []), gates, against('2'))).toMatchObject({ status: 'promoted', version: '3' });
  });

  it('a model name with a quote in it is promoted and found again on a retry', async () => {
    const name = "o'brien";
    const ctx = await context(handle.registry, name, []);
    expect(await modelPromotion(ctx, gates, comparison)).toMatchObject({ status: 'promoted', version: '1' });
    expect(await modelPromotion(ctx, gates, comparison)).toMatchObject({ status: 'already_promoted', version: '1' });
  });
});
