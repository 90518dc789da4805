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

/** The local registry with transitionStage replaced. */
function registryWith(transition: () => Promise<never>): ModelRegistry {
  const reg = handle.registry;
  return new Proxy(reg, {
    get: (t, p) => {
      if (p === 'transitionStage') return transition;
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

async function context(registry: ModelRegistry, modelName: string, warnings: string[]): Promise<RunContext> {
  const exp = await handle.store.getOrCreateExperiment('promotion-test');
  const run = await handle.store.createRun({ experimentId: exp.experimentId });
  const logger: Logger = { log: (level, message) => void (level === 'warn' && warnings.push(message)) };
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
    const r = await modelPromotion(await context(registry, 'refuses-stages', warnings), gates, comparison);
    expect(r.status).toBe('promoted');
    expect((await handle.registry.getVersionByAlias('refuses-stages', 'staging'))?.version).toBe(r.version);
    expect(warnings.join('\n')).toMatch(/did not accept the legacy stage transition/);
  });

  it('a 500 or a timeout on the stage transition fails the promotion, naming the version and the alias state', async () => {
    for (const [i, err] of [httpFailure(500), new TrainSpamError('TIMEOUT', 'MLflow POST transition-stage failed: no complete answer within 30000 ms')].entries()) {
      const registry = registryWith(async () => {
        throw err;
      });
      const name = `flaky-${i}`;
      await expect(modelPromotion(await context(registry, name, []), gates, comparison)).rejects.toMatchObject({
        code: err.code,
        message: expect.stringMatching(new RegExp(`^promotion: ${name} v1 is registered; the 'staging' alias was moved to it, but its stage could not be set to Staging: `)),
        details: { name, version: '1', aliasMoved: true },
      });
    }
  });
});
