/**
 * The local store's model lock around a promotion: two runs promoting at once give one promotion
 * and one CONFLICT (not two versions each believing it replaced the model it compared with), and a
 * run killed half-way through a promotion is undone by the next promotion of the model.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/core/ports.js';
import type { ComparisonResult } from '../../../src/pipeline/comparison.js';
import { systemClock, type RunContext } from '../../../src/pipeline/context.js';
import type { GateReport } from '../../../src/pipeline/gates.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { modelPromotion } from '../../../src/pipeline/steps/model-promotion.js';
import { openTracking } from '../../../src/tracking/factory.js';
import { LOCK_DIR, lockModel, STALE_LOCK_MS } from '../../../src/tracking/local/model-lock.js';

const root = join(mkdtempSync(join(tmpdir(), 'promotion-lock-')), 'mlruns');
const handle = openTracking({ trackingUri: root });
afterAll(() => handle.close());

const gates = { passed: true, gates: [], thresholds: {} } as unknown as GateReport;
const first = { status: 'first_model', passed: true, reasons: [], deltas: { f1: null, auc: null }, candidate: { f1: 0.98, auc: 0.99 }, staging: null, thresholds: {} } as unknown as ComparisonResult;
const against = (version: string) => ({ ...first, status: 'passed', deltas: { f1: 0, auc: 0 }, staging: { version, f1: 0.98, auc: 0.99 } }) as unknown as ComparisonResult;

async function context(modelName: string, warnings: string[] = []): Promise<RunContext> {
  const exp = await handle.store.getOrCreateExperiment('lock-test');
  const run = await handle.store.createRun({ experimentId: exp.experimentId });
  const logger: Logger = { log: (level, message) => void (level === 'warn' && warnings.push(message)) };
  return {
    params: resolvePipelineParams({ model_name: modelName }),
    logger,
    clock: systemClock,
    signal: new AbortController().signal,
    outDir: tmpdir(),
    tracking: { store: handle.store, registry: handle.registry, description: 'test' },
    runId: run.runId,
    experimentId: exp.experimentId,
    progress: undefined as never,
    workers: 1,
  } as RunContext;
}

/** The pid of a process that has exited (so no process on this host has it, for a while). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const staging = async (name: string) => ({
  alias: (await handle.registry.getVersionByAlias(name, 'staging'))?.version ?? null,
  staged: (await handle.registry.getLatestVersions(name, ['Staging'])).map((v) => v.version),
});

describe('promotion under the local store\'s model lock', () => {
  it('two runs promoting at once against the same Staging model: one is promoted, the other gets CONFLICT', async () => {
    const name = 'race';
    await modelPromotion(await context(name), gates, first); // v1 in Staging
    const [a, b] = await Promise.allSettled([
      modelPromotion(await context(name), gates, against('1')),
      modelPromotion(await context(name), gates, against('1')),
    ]);
    const outcomes = [a, b].map((r) => (r.status === 'fulfilled' ? `promoted v${r.value.version}` : (r.reason as { code: string }).code)).sort();
    expect(outcomes).toEqual(['CONFLICT', 'promoted v2']);
    expect(await staging(name)).toEqual({ alias: '2', staged: ['2'] });
    expect((await handle.registry.searchModelVersions(`name='${name}'`)).map((v) => v.version).sort()).toEqual(['1', '2']);
    expect(existsSync(join(root, 'models', name, LOCK_DIR))).toBe(false);
  });

  it('a run killed after registering its version and moving the alias is undone by the next promotion', async () => {
    const name = 'killed';
    const warnings: string[] = [];
    await modelPromotion(await context(name), gates, first); // v1
    // what the killed run left: v2 registered, the alias moved to it, the stage still on v1, and
    // its note in the lock of a process that is gone
    const dead = await context(name);
    await handle.registry.createModelVersion({ name, source: `runs:/${dead.runId}/model`, runId: dead.runId! });
    await handle.registry.setAlias(name, 'staging', '2');
    const lock = join(root, 'models', name, LOCK_DIR);
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: deadPid(), host: hostname(), owner: dead.runId, since: Date.now(), intent: { run: dead.runId, before: { alias: '1', staged: ['1'] }, version: '2', done: false } }));
    const r = await modelPromotion(await context(name, warnings), gates, against('1'));
    expect(r).toMatchObject({ status: 'promoted', version: '3' });
    expect(warnings).toContain(`promotion: run ${dead.runId} was stopped while promoting ${name} v2; rolled back: v2 deleted, the 'staging' alias back on v1, stage Staging on v1`);
    await expect(handle.registry.getModelVersion(name, '2')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await staging(name)).toEqual({ alias: '3', staged: ['3'] });
    expect(existsSync(lock)).toBe(false);
  });

  it('a run killed while registering (no version number noted yet) is found by its run id', async () => {
    const name = 'killed-early';
    const warnings: string[] = [];
    await modelPromotion(await context(name), gates, first); // v1
    const dead = await context(name);
    await handle.registry.createModelVersion({ name, source: `runs:/${dead.runId}/model`, runId: dead.runId! }); // v2, nothing else
    const lock = join(root, 'models', name, LOCK_DIR);
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: deadPid(), host: hostname(), owner: dead.runId, since: Date.now(), intent: { run: dead.runId, before: { alias: '1', staged: ['1'] }, version: null, done: false } }));
    const r = await modelPromotion(await context(name, warnings), gates, against('1'));
    expect(r.version).toBe('3');
    expect(warnings.join('\n')).toMatch(/was stopped while promoting killed-early v2; rolled back: v2 deleted/);
  });

  it('a note marked done (killed after finishing) is left as it is', async () => {
    const name = 'killed-late';
    await modelPromotion(await context(name), gates, first); // v1
    const lock = join(root, 'models', name, LOCK_DIR);
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner.json'), JSON.stringify({ pid: deadPid(), host: hostname(), owner: 'r', since: Date.now(), intent: { run: 'r', before: { alias: null, staged: [] }, version: '1', done: true } }));
    const r = await modelPromotion(await context(name), gates, against('1'));
    expect(r.version).toBe('2');
    expect((await handle.registry.getModelVersion(name, '1')).version).toBe('1');
  });
});

describe('lockModel', () => {
  it('waits for a live holder and then refuses with CONFLICT naming it; frees on release', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const held = await lockModel(dir, { owner: 'run-a' });
    expect(held.stale).toBeNull();
    await expect(lockModel(dir, { owner: 'run-b', waitMs: 120, pollMs: 20 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(new RegExp(`run run-a \\(pid ${process.pid} on .*\\) is promoting this model; waited 120 ms`)),
    });
    const waiting = lockModel(dir, { owner: 'run-b', waitMs: 5000, pollMs: 10 });
    await held.note({ step: 1 });
    await held.release();
    const b = await waiting;
    expect(b.stale).toBeNull();
    await b.release();
  });

  it('takes over a lock whose holder is gone (dead pid here, or older than STALE_LOCK_MS elsewhere) and hands on its note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    for (const owner of [
      { pid: deadPid(), host: hostname(), since: Date.now() },
      { pid: process.pid, host: 'another-host', since: Date.now() - STALE_LOCK_MS - 1000 },
    ]) {
      mkdirSync(join(dir, LOCK_DIR));
      writeFileSync(join(dir, LOCK_DIR, 'owner.json'), JSON.stringify({ ...owner, owner: 'x', intent: { version: '7' } }));
      const l = await lockModel(dir, { owner: 'y', waitMs: 100 });
      expect(l.stale).toEqual({ version: '7' });
      await l.release();
    }
    // a live holder on another host, recent: not taken over
    mkdirSync(join(dir, LOCK_DIR));
    writeFileSync(join(dir, LOCK_DIR, 'owner.json'), JSON.stringify({ pid: 1, host: 'another-host', since: Date.now(), owner: 'z', intent: null }));
    await expect(lockModel(dir, { owner: 'y', waitMs: 60, pollMs: 20 })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
