/**
 * Scoring the Staging model for the comparison: a model that cannot be fetched or loaded (missing
 * or damaged artifact) is a failed comparison that names it, but the tracking server or this
 * machine failing around it (unreachable, 5xx, time-out, disk) is an error of the run: it must not
 * be reported as a broken Staging model to repair or archive.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainSpamError, type ErrorCode } from '../../../src/core/errors.js';
import { systemClock, type RunContext } from '../../../src/pipeline/context.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { scoreStagingModel } from '../../../src/pipeline/steps/model-comparison.js';
import type { TrackingStore } from '../../../src/tracking/contract.js';
import { openTracking } from '../../../src/tracking/factory.js';

const handle = openTracking({ trackingUri: join(mkdtempSync(join(tmpdir(), 'staging-scoring-')), 'mlruns') });
afterAll(() => handle.close());

/** A model `name` with v1 in Staging whose source is a run's (never written) `model` artifact. */
async function stagedContext(name: string, store: TrackingStore, warnings: string[]): Promise<RunContext> {
  const exp = await handle.store.getOrCreateExperiment('staging-scoring');
  const run = await handle.store.createRun({ experimentId: exp.experimentId });
  await handle.registry.createRegisteredModel(name);
  const v = await handle.registry.createModelVersion({ name, source: `runs:/${run.runId}/model`, runId: run.runId });
  await handle.registry.setAlias(name, 'staging', v.version);
  return {
    params: resolvePipelineParams({ model_name: name }),
    logger: { log: (level, message) => void (level === 'warn' && warnings.push(message)) },
    clock: systemClock,
    signal: new AbortController().signal,
    outDir: tmpdir(),
    tracking: { store, registry: handle.registry, description: 'test' },
    runId: run.runId,
    experimentId: exp.experimentId,
    progress: undefined as never,
    workers: 1,
  } as RunContext;
}

const inputs = { test: { ids: [] } as never, testLabels: new Uint8Array(0) };

/** The local store with downloadArtifacts failing as `code`. */
function failingStore(code: ErrorCode): TrackingStore {
  return new Proxy(handle.store, {
    get: (t, p) => {
      if (p === 'downloadArtifacts') return async () => { throw new TrainSpamError(code, `download failed (${code})`); };
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

describe('scoring the Staging model', () => {
  it('a missing artifact is a load error of that version, named, with a warning', async () => {
    const warnings: string[] = [];
    const r = await scoreStagingModel(await stagedContext('missing-artifact', handle.store, warnings), inputs);
    expect(r).toMatchObject({ version: '1', loadError: { code: 'NOT_FOUND', message: expect.stringMatching(/^missing-artifact v1 \(source runs:\/\w+\/model\): artifact 'model' not found/) } });
    expect(warnings).toHaveLength(1);
  });

  it.each(['NETWORK_ERROR', 'REMOTE_ERROR', 'TIMEOUT', 'IO_ERROR', 'CANCELLED'] as const)('a %s while fetching it is thrown, not turned into a load error', async (code) => {
    const warnings: string[] = [];
    const ctx = await stagedContext(`fails-${code.toLowerCase()}`, failingStore(code), warnings);
    await expect(scoreStagingModel(ctx, inputs)).rejects.toMatchObject({ code, message: `download failed (${code})` });
    expect(warnings).toEqual([]);
  });

  it('a damaged artifact (FORMAT_ERROR from the fetch or the loader) stays a load error', async () => {
    const r = await scoreStagingModel(await stagedContext('format-error', failingStore('FORMAT_ERROR'), []), inputs);
    expect(r).toMatchObject({ version: '1', loadError: { code: 'FORMAT_ERROR' } });
  });
});
