/**
 * Creating a model version in the local registry is all-or-nothing on disk: the version is built in
 * a `.tmp-*` folder and renamed to version-N, so a crash leaves no version folder without meta.yaml
 * (MLflow's file store fails on such a folder), and concurrent writers get distinct numbers.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Makes the next write of a version's meta.yaml fail, as a crash at that moment would stop it.
const fault = vi.hoisted(() => ({ failMetaWrite: false }));
vi.mock('../../../src/tracking/local/files.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/tracking/local/files.js')>();
  return {
    ...real,
    atomicWrite: async (file: string, content: string | Uint8Array, scratch: string) => {
      if (fault.failMetaWrite && file.endsWith('meta.yaml') && /models/.test(file)) {
        fault.failMetaWrite = false;
        throw new Error('simulated crash while writing meta.yaml');
      }
      return real.atomicWrite(file, content, scratch);
    },
  };
});

const { LocalModelRegistry, STALE_STAGING_MS } = await import('../../../src/tracking/local/local-registry.js');

async function freshRegistry(): Promise<{ reg: InstanceType<typeof LocalModelRegistry>; modelDir: string }> {
  const root = path.join(await mkdtemp(path.join(os.tmpdir(), 'ts-regcrash-')), 'mlruns');
  const reg = new LocalModelRegistry({ root });
  await reg.createRegisteredModel('spam');
  return { reg, modelDir: path.join(root, 'models', 'spam') };
}

describe('local registry: creating a version', () => {
  it('a failure while writing the version leaves no version folder, and the number is used by the next version', async () => {
    const { reg, modelDir } = await freshRegistry();
    await reg.createModelVersion({ name: 'spam', source: 'runs:/a/model', runId: 'a', tags: { t: '1' } });
    fault.failMetaWrite = true;
    await expect(reg.createModelVersion({ name: 'spam', source: 'runs:/b/model', runId: 'b', tags: { t: '2' } })).rejects.toThrow(/simulated crash/);
    expect(readdirSync(modelDir).filter((f) => f.startsWith('version-'))).toEqual(['version-1']);
    expect(readdirSync(modelDir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    const next = await reg.createModelVersion({ name: 'spam', source: 'runs:/c/model', runId: 'c' });
    expect(next.version).toBe('2');
  });

  it('a version meta.yaml cut off before its source is a FORMAT_ERROR naming the file, not a version with source \'\'', async () => {
    const { reg, modelDir } = await freshRegistry();
    await reg.createModelVersion({ name: 'spam', source: 'runs:/a/model', runId: 'a' });
    const meta = path.join(modelDir, 'version-1', 'meta.yaml');
    const text = readFileSync(meta, 'utf8');
    writeFileSync(meta, text.split('\n').filter((l) => !l.startsWith('source:') && !l.startsWith('storage_location:')).join('\n'));
    await expect(reg.getModelVersion('spam', '1')).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringContaining(`${meta}: no 'source'`) });
  });

  it('concurrent writers get distinct, complete versions and leave no temporary folder', async () => {
    const { reg, modelDir } = await freshRegistry();
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => reg.createModelVersion({ name: 'spam', source: `runs:/r${i}/model`, runId: `r${i}`, tags: { i: String(i) } })));
    expect(made.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const v of made) {
      expect(existsSync(path.join(modelDir, `version-${v.version}`, 'meta.yaml'))).toBe(true);
      expect(v.tags.i).toBe(v.runId.slice(1));
      expect(v.source).toBe(`runs:/${v.runId}/model`);
    }
    expect(readdirSync(modelDir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('what a crash leaves (a .tmp-* folder, an empty or partial version folder of an older writer) is not a version and does not stop the next one', async () => {
    const { reg, modelDir } = await freshRegistry();
    await reg.createModelVersion({ name: 'spam', source: 'runs:/a/model', runId: 'a' });
    // a staging folder killed before its rename, with a tag and a meta.yaml
    mkdirSync(path.join(modelDir, '.tmp-999-abc', 'tags'), { recursive: true });
    writeFileSync(path.join(modelDir, '.tmp-999-abc', 'tags', 'x'), 'y');
    writeFileSync(path.join(modelDir, '.tmp-999-abc', 'meta.yaml'), 'name: spam\nversion: 2\n');
    // older writers' crash leftovers: an empty version-2, a version-3 with tags but no meta.yaml
    mkdirSync(path.join(modelDir, 'version-2'));
    mkdirSync(path.join(modelDir, 'version-3', 'tags'), { recursive: true });
    writeFileSync(path.join(modelDir, 'version-3', 'tags', 'x'), 'y');
    expect((await reg.searchModelVersions("name='spam'")).map((v) => v.version)).toEqual(['1']);
    const next = await reg.createModelVersion({ name: 'spam', source: 'runs:/b/model', runId: 'b' });
    expect(next.version).toBe('4');
    expect((await reg.searchModelVersions("name='spam'")).map((v) => v.version)).toEqual(['4', '1']);
    // a fresh .tmp-* folder may be a live writer's: kept; one older than STALE_STAGING_MS is removed
    expect(existsSync(path.join(modelDir, '.tmp-999-abc'))).toBe(true);
    const old = new Date(Date.now() - STALE_STAGING_MS - 60_000);
    utimesSync(path.join(modelDir, '.tmp-999-abc'), old, old);
    await reg.createModelVersion({ name: 'spam', source: 'runs:/c/model', runId: 'c' });
    expect(existsSync(path.join(modelDir, '.tmp-999-abc'))).toBe(false);
  });

  it('a version meta.yaml with an unknown stage is a FORMAT_ERROR naming the file', async () => {
    const { reg, modelDir } = await freshRegistry();
    await reg.createModelVersion({ name: 'spam', source: 'runs:/a/model', runId: 'a' });
    await reg.transitionStage('spam', '1', 'Staging', false);
    const meta = path.join(modelDir, 'version-1', 'meta.yaml');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('current_stage: Staging', 'current_stage: Stagingg'));
    await expect(reg.getLatestVersions('spam', ['Staging'])).rejects.toMatchObject({
      code: 'FORMAT_ERROR',
      message: `${meta}: invalid model stage 'Stagingg'; expected one of None, Staging, Production, Archived`,
    });
  });
});

describe('local registry: model names', () => {
  it("refuses a model named '.tmp-*', which the staging-folder clean-up would delete with its versions", async () => {
    const { reg, modelDir } = await freshRegistry();
    const models = path.dirname(modelDir);
    // before: created, invisible to searches, and removed (versions and all) by the next
    // registration of any model once 10 minutes old
    await expect(reg.createRegisteredModel('.tmp-prod')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'.tmp-prod'") });
    expect(existsSync(path.join(models, '.tmp-prod'))).toBe(false);
    await expect(reg.getRegisteredModel('.tmp-1-abc')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(reg.createModelVersion({ name: '.tmp-prod', source: 'runs:/a/model', runId: 'a' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // other names with dots are fine
    expect((await reg.createRegisteredModel('.spam.v2')).name).toBe('.spam.v2');
    expect(readdirSync(models).sort()).toEqual(['.spam.v2', 'spam']);
  });
});
