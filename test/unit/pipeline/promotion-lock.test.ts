/**
 * The local store's model lock around a promotion: two runs promoting at once give one promotion
 * and one CONFLICT (not two versions each believing it replaced the model it compared with); a run
 * killed half-way through a promotion is undone before the next run reads Staging (or, when it
 * died later, by the next promotion, which then says why Staging changed); and the lock itself:
 * one taker per dead holder, a holder that was taken over neither writes nor removes the new
 * holder's lock, a heartbeat that lets other hosts tell a dead holder, notes handed on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/ports.js';
import type { ComparisonResult } from '../../../src/pipeline/comparison.js';
import { systemClock, type RunContext } from '../../../src/pipeline/context.js';
import type { GateReport } from '../../../src/pipeline/gates.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { findStagingVersion, scoreStagingModel } from '../../../src/pipeline/steps/model-comparison.js';
import { modelPromotion } from '../../../src/pipeline/steps/model-promotion.js';
import type { ModelLock, ModelRegistry, TrackingStore } from '../../../src/tracking/contract.js';
import { openTracking } from '../../../src/tracking/factory.js';
import { LOCK_DIR, lockModel, readLock, STALE_LOCK_MS, takeStaleLock } from '../../../src/tracking/local/model-lock.js';

const root = join(mkdtempSync(join(tmpdir(), 'promotion-lock-')), 'mlruns');
const handle = openTracking({ trackingUri: root });
afterAll(() => handle.close());

const gates = { passed: true, gates: [], thresholds: {} } as unknown as GateReport;
const first = { status: 'first_model', passed: true, reasons: [], deltas: { f1: null, auc: null }, candidate: { f1: 0.98, auc: 0.99 }, staging: null, thresholds: {} } as unknown as ComparisonResult;
const against = (version: string) => ({ ...first, status: 'passed', deltas: { f1: 0, auc: 0 }, staging: { version, f1: 0.98, auc: 0.99 } }) as unknown as ComparisonResult;

/** `target` with some methods replaced (the others bound to it). */
function withOverrides<T extends object>(target: T, o: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get: (t, p) => {
      if (typeof p === 'string' && p in o) return o[p as keyof T];
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

async function context(modelName: string, warnings: string[] = [], over: { registry?: ModelRegistry; store?: TrackingStore } = {}): Promise<RunContext> {
  const exp = await handle.store.getOrCreateExperiment('lock-test');
  const run = await handle.store.createRun({ experimentId: exp.experimentId });
  const logger: Logger = { log: (level, message) => void ((level === 'warn' || level === 'error') && warnings.push(message)) };
  return {
    params: resolvePipelineParams({ model_name: modelName }),
    logger,
    clock: systemClock,
    signal: new AbortController().signal,
    outDir: tmpdir(),
    tracking: { store: over.store ?? handle.store, registry: over.registry ?? handle.registry, description: 'test' },
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
/** Whether model `name`'s lock is free (never held, or released). */
const lockFree = async (name: string) => (await readLock(join(root, 'models', name))).state === 'free';
const versions = async (name: string) => (await handle.registry.searchModelVersions(`name='${name}'`)).map((v) => v.version).sort();

/**
 * Leaves what a run killed while promoting `name` left: its new version, the alias on it (and the
 * stage, when `staged`), its note in the lock as a dead process's. First promotes v1, unless `keep`
 * (then the model's Staging stays as it is and the dead run's version is the next number).
 */
async function killedPromotion(name: string, o: { staged?: boolean; version?: 'unknown'; keep?: boolean } = {}): Promise<{ run: string; version: string }> {
  if (!o.keep) await modelPromotion(await context(name), gates, first); // v1 in Staging
  const before = await staging(name);
  const dead = await context(name);
  const v = (await handle.registry.createModelVersion({ name, source: `runs:/${dead.runId}/model`, runId: dead.runId! })).version;
  await handle.registry.setAlias(name, 'staging', v);
  if (o.staged) await handle.registry.transitionStage(name, v, 'Staging', true);
  const intent = { run: dead.runId, before, version: o.version === 'unknown' ? null : v, done: false };
  await plantOwner(join(root, 'models', name), { token: 't', pid: deadPid(), host: hostname(), owner: dead.runId, since: Date.now(), beat: Date.now(), intent, inherited: null });
  return { run: dead.runId!, version: v };
}

/** Writes `owner` as the lock's next generation (what a holder that then died would have left). */
async function plantOwner(modelDir: string, owner: Record<string, unknown>): Promise<void> {
  const gen = Math.max((await readLock(modelDir)).gen, 0) + 1;
  mkdirSync(join(modelDir, LOCK_DIR), { recursive: true });
  writeFileSync(join(modelDir, LOCK_DIR, `owner-${gen}.json`), JSON.stringify({ owner: 'x', intent: null, ...owner }));
}

describe('a retried promotion step (Kubeflow retries a step whose attempt was killed)', () => {
  it("keeps the killed attempt's version when it holds the same model (artifact digest) and completes it, instead of deleting it and registering another", async () => {
    const name = 'retry-same-artifact';
    const sha = 'a'.repeat(64);
    await handle.registry.createRegisteredModel(name);
    const dead = await killedPromotion(name, { keep: true }); // the first model: v1, alias set, stage not
    await handle.registry.setModelVersionTag(name, dead.version, 'train-spam.artifact_sha256', sha);
    const warnings: string[] = [];
    const r = await modelPromotion(await context(name, warnings), gates, first, { artifactSha256: sha });
    expect(r).toMatchObject({ status: 'already_promoted', version: dead.version });
    expect(await versions(name)).toEqual([dead.version]);
    expect(await staging(name)).toEqual({ alias: dead.version, staged: [dead.version] });
    expect(warnings.join('\n')).toContain(`holds this step's model (same train-spam.artifact_sha256); kept for this promotion to complete`);
    expect(await lockFree(name)).toBe(true);
    // another model's digest: the dead attempt's version is rolled back as before
    const other = 'retry-other-artifact';
    await handle.registry.createRegisteredModel(other);
    const dead2 = await killedPromotion(other, { keep: true });
    await handle.registry.setModelVersionTag(other, dead2.version, 'train-spam.artifact_sha256', 'b'.repeat(64));
    const r2 = await modelPromotion(await context(other), gates, first, { artifactSha256: sha });
    expect(r2.status).toBe('promoted');
    expect(r2.version).not.toBe(dead2.version);
  });
});

describe('Ctrl-C during the promotion step', () => {
  it('before anything is registered, or while the model lock is taken: CANCELLED, no version, the lock freed', async () => {
    const early = new AbortController();
    early.abort();
    const ctxEarly = { ...(await context('interrupt-early')), signal: early.signal } as RunContext;
    await expect(modelPromotion(ctxEarly, gates, first)).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('nothing registered') });
    expect(await handle.registry.getRegisteredModel('interrupt-early').catch(() => null)).toBeNull();
    // the signal comes while the step reads the registry under the lock (after its first check)
    const late = new AbortController();
    const registry = withOverrides(handle.registry, {
      getLatestVersions: async (...a: Parameters<ModelRegistry['getLatestVersions']>) => {
        late.abort();
        return handle.registry.getLatestVersions(...a);
      },
    });
    const ctxLate = { ...(await context('interrupt-late', [], { registry })), signal: late.signal } as RunContext;
    await expect(modelPromotion(ctxLate, gates, first)).rejects.toMatchObject({ code: 'CANCELLED', message: 'promotion: interrupted before a version was registered; nothing registered' });
    expect(await versions('interrupt-late')).toEqual([]);
    expect(await lockFree('interrupt-late')).toBe(true);
  });
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
    expect(await versions(name)).toEqual(['1', '2']);
    expect(await lockFree(name)).toBe(true);
  });

  it('a run killed after registering and moving the alias is undone before the next run reads Staging, which then compares with v1', async () => {
    const name = 'killed';
    const warnings: string[] = [];
    const { run } = await killedPromotion(name);
    const ctx = await context(name, warnings);
    // the comparison's first read: the Staging model it scores (here its artifact is missing, so
    // it fails to load, naming the version it found)
    const scored = await scoreStagingModel(ctx, { test: { ids: [] } as never, testLabels: new Uint8Array(0) });
    expect(scored).toMatchObject({ version: '1' });
    expect(warnings).toContain(`promotion: run ${run} was stopped while promoting ${name} v2; rolled back: v2 deleted, the 'staging' alias back on v1, stage Staging on v1`);
    expect(await lockFree(name)).toBe(true);
    await expect(handle.registry.getModelVersion(name, '2')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const r = await modelPromotion(ctx, gates, against('1'));
    expect(r).toMatchObject({ status: 'promoted', version: '3' });
    expect(await staging(name)).toEqual({ alias: '3', staged: ['3'] });
  });

  it('found dead only at the promotion (the comparison had read its v2): rolled back, then CONFLICT saying so', async () => {
    const name = 'killed-after-comparison';
    const { run } = await killedPromotion(name);
    await expect(modelPromotion(await context(name), gates, against('2'))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `promotion: the comparison was made against Staging v2, but Staging is now v1 (this promotion has just rolled back run ${run}'s interrupted promotion of v2, which the comparison had found in Staging); nothing registered: run the comparison again`,
    });
    expect(await versions(name)).toEqual(['1']);
    expect(await staging(name)).toEqual({ alias: '1', staged: ['1'] });
    expect(await lockFree(name)).toBe(true);
  });

  it('a CONFLICT after a roll-back of a version the comparison had not seen blames another run, not the roll-back', async () => {
    const name = 'killed-and-raced';
    await killedPromotion(name); // v1 in Staging, a dead run's v2 with the alias on it
    // the comparison read v1 before the dead run moved the alias: Staging is v1 again after the
    // roll-back, so this promotion goes through
    expect((await modelPromotion(await context(name), gates, against('1'))).version).toBe('3');
    await killedPromotion(name, { keep: true }); // another dead run: v4 with the alias on it, noted
    // compared with v1, but Staging moved to v3 since (another run): the roll-back of v4 is not why
    await expect(modelPromotion(await context(name), gates, against('1'))).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('the comparison was made against Staging v1, but Staging is now v3 (another run changed it since)'),
    });
  });

  it('a run killed while registering (no version number noted yet) is found by its run id', async () => {
    const name = 'killed-early';
    const warnings: string[] = [];
    await killedPromotion(name, { version: 'unknown' });
    const r = await modelPromotion(await context(name, warnings), gates, against('1'));
    expect(r.version).toBe('3');
    expect(warnings.join('\n')).toMatch(/was stopped while promoting killed-early v2; rolled back: v2 deleted/);
  });

  it('a run killed after setting alias and stage but before noting it is kept; a note marked done is left alone', async () => {
    const name = 'killed-late';
    const warnings: string[] = [];
    const { run } = await killedPromotion(name, { staged: true });
    expect(await findStagingVersion(handle.registry, name)).toMatchObject({ version: '2' });
    const r = await modelPromotion(await context(name, warnings), gates, against('2'));
    expect(r.version).toBe('3');
    expect(warnings).toContain(`promotion: run ${run} was stopped right after promoting ${name} v2 (alias and stage set); kept`);
    expect(await versions(name)).toEqual(['1', '2', '3']);

    // a note marked done is left alone, even for a version that is no longer in Staging (v1,
    // archived since): without the mark it would be rolled back as unfinished
    await plantOwner(join(root, 'models', name), { pid: deadPid(), host: hostname(), owner: 'r', since: Date.now(), intent: { run: 'r', before: { alias: null, staged: [] }, version: '1', done: true } });
    expect((await handle.registry.getModelVersion(name, '1')).currentStage).toBe('Archived');
    expect((await modelPromotion(await context(name), gates, against('3'))).version).toBe('4');
    expect(await versions(name)).toEqual(['1', '2', '3', '4']);
  });

  it('an error while resolving a dead run\'s note keeps the note in the lock for the next run, which resolves it', async () => {
    const name = 'resolve-fails';
    const { run } = await killedPromotion(name);
    const flaky = withOverrides(handle.registry, {
      getModelVersion: async () => {
        throw new TrainSpamError('IO_ERROR', 'simulated: a read failed');
      },
    });
    await expect(modelPromotion(await context(name, [], { registry: flaky }), gates, against('1'))).rejects.toMatchObject({ code: 'IO_ERROR' });
    const modelDir = join(root, 'models', name);
    const top = await readLock(modelDir);
    expect(top.state).toBe('abandoned');
    expect(JSON.parse(readFileSync(join(modelDir, LOCK_DIR, `owner-${top.gen}.json`), 'utf8'))).toMatchObject({ state: 'abandoned', intent: { run, version: '2' } });
    const warnings: string[] = [];
    expect((await modelPromotion(await context(name, warnings), gates, against('1'))).version).toBe('3');
    expect(warnings.join('\n')).toContain(`run ${run} was stopped while promoting ${name} v2; rolled back`);
  });

  it('a note that cannot be written after registering rolls the new version back', async () => {
    const name = 'note-fails';
    await modelPromotion(await context(name), gates, first); // v1
    const registry = withOverrides(handle.registry, {
      lockModel: async (n: string, o: { owner: string }): Promise<ModelLock> => {
        const real = await handle.registry.lockModel!(n, o);
        return withOverrides(real, {
          note: async (intent: { version: string | null }) => {
            if (intent.version !== null) throw new TrainSpamError('IO_ERROR', 'simulated: disk full');
            return real.note(intent as never);
          },
        });
      },
    });
    await expect(modelPromotion(await context(name, [], { registry }), gates, against('1'))).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: `promotion: could not note the new version in the model lock (simulated: disk full); rolled back: ${name} v2 deleted, the 'staging' alias back on v1, stage Staging on v1`,
    });
    expect(await versions(name)).toEqual(['1']);
    expect(await lockFree(name)).toBe(true);
  });

  it('a promotion made whose run tag cannot be set is kept and reported as a tracking error', async () => {
    const name = 'tag-fails';
    const store = withOverrides(handle.store, {
      setTag: async (...a: Parameters<TrackingStore['setTag']>) => {
        if (a[1] === 'train-spam.registered_version') throw new TrainSpamError('IO_ERROR', 'simulated: store gone');
        return handle.store.setTag(...a);
      },
    });
    const warnings: string[] = [];
    const r = await modelPromotion(await context(name, warnings, { store }), gates, first);
    expect(r).toMatchObject({ status: 'promoted', version: '1', trackingError: { code: 'IO_ERROR', message: `${name} v1 is promoted, but the run's tag train-spam.registered_version could not be set (IO_ERROR: simulated: store gone)` } });
    expect(await staging(name)).toEqual({ alias: '1', staged: ['1'] });
    expect(warnings).toContain(`tracking: ${r.trackingError!.message}`);
  });
});

describe('lockModel', () => {
  const fresh = () => mkdtempSync(join(tmpdir(), 'lock-'));
  const lockFiles = (dir: string) => readdirSync(join(dir, LOCK_DIR)).sort();

  it('waits for a live holder and then refuses with CONFLICT naming it and when it would count as dead; frees on release', async () => {
    const dir = fresh();
    const held = await lockModel(dir, { owner: 'run-a' });
    expect(held.stale).toBeNull();
    await expect(lockModel(dir, { owner: 'run-b', waitMs: 120, pollMs: 20 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        new RegExp(`run run-a \\(pid ${process.pid} on .*\\) is promoting this model; if that process is gone, its lock is taken over from \\S+ \\(60 s after its last heartbeat\\), or at once on this host; waited 120 ms`),
      ),
    });
    const waiting = lockModel(dir, { owner: 'run-b', waitMs: 5000, pollMs: 10 });
    await held.note({ step: 1 });
    await held.release();
    const b = await waiting;
    expect(b.stale).toBeNull();
    await b.release();
    // held 1, released 2, held 3, released 4: generations only go up; no temp file left
    expect(await readLock(dir)).toMatchObject({ gen: 4, state: 'free' });
    expect(lockFiles(dir)).toEqual(['owner-1.json', 'owner-2.json', 'owner-3.json', 'owner-4.json']);
    // older generations are pruned
    for (let i = 0; i < 3; i++) await (await lockModel(dir, { owner: 'c' })).release();
    expect(lockFiles(dir)).toEqual(['owner-7.json', 'owner-8.json', 'owner-9.json', 'owner-10.json'].sort());
  });

  it('takes over a dead holder (pid gone here, heartbeat too old elsewhere, abandoned, or an older version\'s owner.json) and hands on its note', async () => {
    const dir = fresh();
    for (const owner of [
      { pid: deadPid(), host: hostname(), since: Date.now() },
      { pid: process.pid, host: 'another-host', since: Date.now() - 3 * STALE_LOCK_MS, beat: Date.now() - STALE_LOCK_MS - 1000 },
      { pid: process.pid, host: hostname(), since: Date.now(), state: 'abandoned' },
    ]) {
      await plantOwner(dir, { ...owner, intent: { version: '7' } });
      const l = await lockModel(dir, { owner: 'y', waitMs: 100 });
      expect(l.stale).toEqual({ version: '7' });
      await l.release();
    }
    // alive on another host: held for long, but its heartbeat is recent
    await plantOwner(dir, { pid: 1, host: 'another-host', since: Date.now() - 3 * STALE_LOCK_MS, beat: Date.now() });
    await expect(lockModel(dir, { owner: 'y', waitMs: 60, pollMs: 20 })).rejects.toMatchObject({ code: 'CONFLICT' });
    // the same host name but another pid namespace (a container): its pid means nothing here
    await plantOwner(dir, { pid: deadPid(), host: hostname(), ns: 'another-boot/pid:[1]', since: Date.now(), beat: Date.now() });
    await expect(lockModel(dir, { owner: 'y', waitMs: 60, pollMs: 20 })).rejects.toMatchObject({ code: 'CONFLICT' });
    // the lock of the version before generations (owner.json, no state) in a folder of its own
    const legacy = fresh();
    mkdirSync(join(legacy, LOCK_DIR));
    writeFileSync(join(legacy, LOCK_DIR, 'owner.json'), JSON.stringify({ pid: deadPid(), host: hostname(), owner: 'old', since: Date.now(), intent: { version: '8' } }));
    const l = await lockModel(legacy, { owner: 'y', waitMs: 100 });
    expect(l.stale).toEqual({ version: '8' });
    await l.release();
    expect(await readLock(legacy)).toMatchObject({ gen: 2, state: 'free' });
  });

  it('three takers of the same dead holder in one process: exactly one gets the lock and its note', async () => {
    const dir = fresh();
    await plantOwner(dir, { pid: deadPid(), host: hostname(), since: Date.now(), intent: { version: '7' } });
    const takers = await Promise.allSettled([0, 1, 2].map((i) => lockModel(dir, { owner: `t${i}`, waitMs: 300, pollMs: 5 })));
    const won = takers.filter((t): t is PromiseFulfilledResult<ModelLock> => t.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(won[0].value.stale).toEqual({ version: '7' });
    for (const t of takers) if (t.status === 'rejected') expect(t.reason).toMatchObject({ code: 'CONFLICT' });
    await won[0].value.release();
  });

  it('a holder taken over meanwhile cannot note, and neither its release nor its abandon touches the new holder\'s lock', async () => {
    const dir = fresh();
    const old = await lockModel(dir, { owner: 'old' });
    // what a taker that judged it dead does: links the next generation
    writeFileSync(join(dir, LOCK_DIR, 'owner-2.json'), JSON.stringify({ state: 'held', token: 'new', pid: process.pid, host: hostname(), owner: 'new', since: Date.now(), beat: Date.now(), intent: null }));
    await expect(old.note({ x: 1 })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(new RegExp(`^model lock lost: run new \\(pid ${process.pid} on .*\\) took over the lock .* \\(generation 2, after this holder's 1\\), having judged this holder dead`)),
    });
    await old.release();
    expect(lockFiles(dir)).toEqual(['owner-1.json', 'owner-2.json']);
    expect(await readLock(dir)).toMatchObject({ state: 'held', owner: 'new' });

    // the folder removed by hand and a new lock made in it: same generation number, not the same lock
    const dir2 = fresh();
    const first = await lockModel(dir2, { owner: 'first' });
    rmSync(join(dir2, LOCK_DIR), { recursive: true });
    const second = await lockModel(dir2, { owner: 'second', waitMs: 100 });
    await expect(first.note({ x: 1 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/removed and made again by another process/) });
    await first.abandon();
    await second.note({ y: 2 });
    expect(JSON.parse(readFileSync(join(dir2, LOCK_DIR, 'owner-1.json'), 'utf8'))).toMatchObject({ owner: 'second', intent: { y: 2 } });
    await second.release();
    expect(await readLock(dir2)).toMatchObject({ gen: 2, state: 'free' });
  });

  it('a holder beats its heartbeat; an inherited note stays until the holder notes its own, and is handed on again if it gives up', async () => {
    const dir = fresh();
    const h = await lockModel(dir, { owner: 'h', heartbeatMs: 20 });
    const beat = () => (JSON.parse(readFileSync(join(dir, LOCK_DIR, 'owner-1.json'), 'utf8')) as { beat: number }).beat;
    const b0 = beat();
    await new Promise((r) => setTimeout(r, 120));
    expect(beat()).toBeGreaterThan(b0);
    await h.note({ mine: 1 });
    await h.abandon();
    const a = await lockModel(dir, { owner: 'a', waitMs: 100 });
    expect(a.stale).toEqual({ mine: 1 });
    await a.abandon(); // gave up before noting its own: the note goes on
    const b = await lockModel(dir, { owner: 'b', waitMs: 100 });
    expect(b.stale).toEqual({ mine: 1 });
    await b.note({ b: 1 });
    await b.abandon();
    const c = await lockModel(dir, { owner: 'c', waitMs: 100 });
    expect(c.stale).toEqual({ b: 1 });
    await c.release();
    const d = await lockModel(dir, { owner: 'd', waitMs: 100 });
    expect(d.stale).toBeNull(); // released: nothing handed on
    await d.release();
  });

  it('takeStaleLock: nothing when free or held by a live holder; the lock and its note when the holder is dead', async () => {
    const missing = join(fresh(), 'no-model');
    expect(await takeStaleLock(missing, { owner: 'r' })).toBeNull();
    expect(existsSync(missing)).toBe(false); // no model folder made for nothing
    const dir = fresh();
    const live = await lockModel(dir, { owner: 'live' });
    expect(await takeStaleLock(dir, { owner: 'r' })).toBeNull();
    await live.note({ v: 1 });
    await live.abandon();
    const t = await takeStaleLock(dir, { owner: 'r' });
    expect(t?.stale).toEqual({ v: 1 });
    await t!.release();
    expect(await takeStaleLock(dir, { owner: 'r' })).toBeNull();
    expect(await readLock(dir)).toMatchObject({ state: 'free' });
  });
});
