/** `checkModelRegistry`: the behaviour every ModelRegistry implementation must show. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRegistry } from '../../../../src/tracking/contract.js';
import { expectCode } from './check-tracking-store.js';

export interface RegistryFixture {
  readonly registry: ModelRegistry;
  cleanup(): Promise<void>;
}

export function checkModelRegistry(label: string, make: () => Promise<RegistryFixture>): void {
  describe(`ModelRegistry conformance: ${label}`, () => {
    let fx: RegistryFixture;
    let reg: ModelRegistry;
    const RUN_A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
    const RUN_B = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2';

    beforeAll(async () => {
      fx = await make();
      reg = fx.registry;
    });
    afterAll(() => fx.cleanup());

    it('creates registered models idempotently', async () => {
      const m = await reg.createRegisteredModel('spam-classifier', { description: 'SMS spam', tags: { team: 'ml' } });
      expect(m.name).toBe('spam-classifier');
      expect(m.description).toBe('SMS spam');
      expect(m.tags).toEqual({ team: 'ml' });
      expect(m.latestVersions).toEqual([]);
      const again = await reg.createRegisteredModel('spam-classifier');
      expect(again.creationTimestamp).toBe(m.creationTimestamp);
      expect(again.description).toBe('SMS spam');
      expect(await reg.getRegisteredModel('nope')).toBeNull();
      await reg.setRegisteredModelTag('spam-classifier', 'owner', 'ml-team');
      expect((await reg.getRegisteredModel('spam-classifier'))!.tags.owner).toBe('ml-team');
      await expectCode(reg.createRegisteredModel('a/b'), 'INVALID_ARGUMENT');
    });

    it('creates versions 1..n, reads them, and searches by name, run and tag', async () => {
      const v1 = await reg.createModelVersion({ name: 'spam-classifier', source: `runs:/${RUN_A}/model`, runId: RUN_A, description: 'first', tags: { f1: '0.93' } });
      const v2 = await reg.createModelVersion({ name: 'spam-classifier', source: `runs:/${RUN_B}/model`, runId: RUN_B });
      const v3 = await reg.createModelVersion({ name: 'spam-classifier', source: `runs:/${RUN_A}/model2`, runId: RUN_A });
      expect([v1.version, v2.version, v3.version]).toEqual(['1', '2', '3']);
      expect(v1).toMatchObject({ currentStage: 'None', description: 'first', runId: RUN_A, status: 'READY', tags: { f1: '0.93' } });
      const got = await reg.getModelVersion('spam-classifier', '1');
      expect(got.source).toBe(`runs:/${RUN_A}/model`);
      await expectCode(reg.getModelVersion('spam-classifier', '99'), 'NOT_FOUND');
      await expectCode(reg.createModelVersion({ name: 'no-such-model', source: 'runs:/x/model' }), 'NOT_FOUND');
      const all = await reg.searchModelVersions("name='spam-classifier'");
      expect(all.map((v) => v.version).sort()).toEqual(['1', '2', '3']);
      const byRun = await reg.searchModelVersions(`run_id='${RUN_A}'`);
      expect(byRun.map((v) => v.version).sort()).toEqual(['1', '3']);
      await reg.setModelVersionTag('spam-classifier', '2', 'validated', 'true');
      expect((await reg.getModelVersion('spam-classifier', '2')).tags).toEqual({ validated: 'true' });
      const byTag = await reg.searchModelVersions("tags.validated='true'");
      expect(byTag.map((v) => v.version)).toEqual(['2']);
      expect(await reg.getDownloadUri('spam-classifier', '2')).toBe(`runs:/${RUN_B}/model`);
    });

    it('sets, reads and deletes aliases; a missing alias reads as null', async () => {
      await reg.setAlias('spam-classifier', 'champion', '1');
      await reg.setAlias('spam-classifier', 'staging', '2');
      const champ = await reg.getVersionByAlias('spam-classifier', 'champion');
      expect(champ?.version).toBe('1');
      expect(champ?.aliases).toContain('champion');
      expect(await reg.getVersionByAlias('spam-classifier', 'nobody')).toBeNull();
      await reg.setAlias('spam-classifier', 'champion', '3'); // moves
      expect((await reg.getVersionByAlias('spam-classifier', 'champion'))?.version).toBe('3');
      expect((await reg.getRegisteredModel('spam-classifier'))!.aliases).toEqual({ champion: '3', staging: '2' });
      await reg.deleteAlias('spam-classifier', 'champion');
      expect(await reg.getVersionByAlias('spam-classifier', 'champion')).toBeNull();
      await reg.deleteAlias('spam-classifier', 'champion'); // idempotent
      for (const bad of ['latest', 'LATEST', 'v3', 'has space', '']) await expectCode(reg.setAlias('spam-classifier', bad, '1'), 'INVALID_ARGUMENT');
      await expectCode(reg.setAlias('spam-classifier', 'challenger', '99'), 'NOT_FOUND');
    });

    it('transitions stages with archiving and reports the latest version per stage', async () => {
      const s1 = await reg.transitionStage('spam-classifier', '1', 'Staging', false);
      expect(s1.currentStage).toBe('Staging');
      await reg.transitionStage('spam-classifier', '2', 'Production', false);
      await reg.transitionStage('spam-classifier', '3', 'Staging', true); // archives v1
      expect((await reg.getModelVersion('spam-classifier', '1')).currentStage).toBe('Archived');
      const staging = await reg.getLatestVersions('spam-classifier', ['Staging']);
      expect(staging.map((v) => v.version)).toEqual(['3']);
      const all = await reg.getLatestVersions('spam-classifier');
      expect(all.map((v) => `${v.currentStage}:${v.version}`).sort()).toEqual(['Archived:1', 'Production:2', 'Staging:3']);
      const model = await reg.getRegisteredModel('spam-classifier');
      expect(model!.latestVersions.map((v) => `${v.currentStage}:${v.version}`).sort()).toEqual(['Archived:1', 'Production:2', 'Staging:3']);
      await expectCode(reg.transitionStage('spam-classifier', '1', 'Prod' as never, false), 'INVALID_ARGUMENT');
    });

    it('deletes a version: gone from reads, searches and stages, its aliases removed, its number not reused', async () => {
      await reg.createRegisteredModel('deletions');
      const a = await reg.createModelVersion({ name: 'deletions', source: `runs:/${RUN_A}/model`, runId: RUN_A });
      const b = await reg.createModelVersion({ name: 'deletions', source: `runs:/${RUN_B}/model`, runId: RUN_B });
      await reg.setAlias('deletions', 'staging', b.version);
      await reg.setAlias('deletions', 'champion', a.version);
      await reg.transitionStage('deletions', b.version, 'Staging', false);
      await reg.deleteModelVersion('deletions', b.version);
      await expectCode(reg.getModelVersion('deletions', b.version), 'NOT_FOUND');
      expect((await reg.searchModelVersions("name='deletions'")).map((v) => v.version)).toEqual([a.version]);
      expect(await reg.searchModelVersions(`run_id='${RUN_B}' and name='deletions'`)).toEqual([]);
      expect(await reg.getLatestVersions('deletions', ['Staging'])).toEqual([]);
      expect(await reg.getVersionByAlias('deletions', 'staging')).toBeNull();
      expect((await reg.getVersionByAlias('deletions', 'champion'))?.version).toBe(a.version);
      expect((await reg.getRegisteredModel('deletions'))!.aliases).toEqual({ champion: a.version });
      await expectCode(reg.setAlias('deletions', 'staging', b.version), 'NOT_FOUND');
      await reg.deleteModelVersion('deletions', b.version); // idempotent
      await reg.deleteModelVersion('deletions', '99');
      await expectCode(reg.deleteModelVersion('no-such-model', '1'), 'NOT_FOUND');
      const c = await reg.createModelVersion({ name: 'deletions', source: `runs:/${RUN_B}/model2`, runId: RUN_B });
      expect(c.version).toBe('3');
    });

    it('allocates unique version numbers under concurrent creates', async () => {
      await reg.createRegisteredModel('raced-model');
      const vs = await Promise.all(Array.from({ length: 8 }, (_, i) => reg.createModelVersion({ name: 'raced-model', source: `runs:/${RUN_A}/m${i}` })));
      expect(vs.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const sources = new Set((await reg.searchModelVersions("name='raced-model'")).map((v) => v.source));
      expect(sources.size).toBe(8);
    });
  });
}
