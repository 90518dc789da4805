/**
 * The local registry reads a version's tags (one file each) only for the versions a call returns:
 * lookups that pick one version (latest per stage, alias, run id) must not read every version's
 * tags, or each pipeline run gets slower by the number of runs before it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const tagReads = vi.hoisted(() => ({ dirs: [] as string[] }));
vi.mock('../../../src/tracking/local/run-files.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/tracking/local/run-files.js')>();
  return {
    ...real,
    readValueFiles: (dir: string) => {
      tagReads.dirs.push(dir);
      return real.readValueFiles(dir);
    },
  };
});

const { LocalModelRegistry } = await import('../../../src/tracking/local/local-registry.js');

const NAME = 'spam';
const VERSIONS = 12;
/** Version directories whose tags were read (model-level tag reads left out). */
const versionTagReads = () => tagReads.dirs.filter((d) => /version-\d+/.test(d)).map((d) => Number(/version-(\d+)/.exec(d)![1]));

describe('local registry: tags read only for the versions returned', () => {
  let root: string;
  let reg: InstanceType<typeof LocalModelRegistry>;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'ts-regreads-'));
    reg = new LocalModelRegistry({ root: path.join(root, 'mlruns') });
    await reg.createRegisteredModel(NAME);
    for (let i = 1; i <= VERSIONS; i++) {
      await reg.createModelVersion({ name: NAME, source: `runs:/r${i}/model`, runId: `r${i}`, tags: { 'test.f1': `0.9${i}`, 'gate.f1': 'pass', n: String(i) } });
    }
    await reg.transitionStage(NAME, '3', 'Production', false);
    await reg.transitionStage(NAME, '5', 'Staging', true);
    await reg.transitionStage(NAME, '7', 'Staging', true); // archives v5
    await reg.setAlias(NAME, 'staging', '7');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));
  beforeEach(() => {
    tagReads.dirs.length = 0;
  });

  it('getLatestVersions reads the chosen version only', async () => {
    const [v] = await reg.getLatestVersions(NAME, ['Staging']);
    expect(v.version).toBe('7');
    expect(v.tags).toEqual({ 'test.f1': '0.97', 'gate.f1': 'pass', n: '7' });
    expect(v.aliases).toEqual(['staging']);
    expect(versionTagReads()).toEqual([7]);
  });

  it('getRegisteredModel reads the latest version of each stage only', async () => {
    const m = await reg.getRegisteredModel(NAME);
    expect(m?.latestVersions.map((v) => [v.currentStage, v.version])).toEqual([
      ['None', '12'],
      ['Staging', '7'],
      ['Production', '3'],
      ['Archived', '5'],
    ]);
    expect(m?.latestVersions.find((v) => v.version === '3')?.tags.n).toBe('3');
    expect(versionTagReads().sort((a, b) => a - b)).toEqual([3, 5, 7, 12]);
  });

  it('a search on attributes reads the matches only; one on a tag reads every version', async () => {
    const byRun = await reg.searchModelVersions(`name='${NAME}' and run_id='r9'`);
    expect(byRun.map((v) => [v.version, v.tags.n])).toEqual([['9', '9']]);
    expect(versionTagReads()).toEqual([9]);

    tagReads.dirs.length = 0;
    const byTag = await reg.searchModelVersions(`name='${NAME}' and tags.n = '4'`);
    expect(byTag.map((v) => v.version)).toEqual(['4']);
    expect(versionTagReads()).toHaveLength(VERSIONS);
  });

  it('moving a version to Staging archives the previous one without reading the others\' tags', async () => {
    const v = await reg.transitionStage(NAME, '10', 'Staging', true);
    expect(v.currentStage).toBe('Staging');
    expect((await reg.getModelVersion(NAME, '7')).currentStage).toBe('Archived');
    expect(new Set(versionTagReads())).toEqual(new Set([10, 7]));
  });
});
