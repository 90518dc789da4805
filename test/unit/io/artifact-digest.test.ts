/**
 * The content digest a model version is tagged with (train-spam.artifact_sha256): the same model
 * written twice, at different times (a retried Kubeflow step), has the same digest; another model,
 * or other metadata, another one.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/io/checksum.js';
import { artifactContentDigest, saveModelArtifact, type ModelArtifact } from '../../../src/io/model-artifact.js';
import { caught } from '../../helpers/caught.js';

const root = mkdtempSync(join(tmpdir(), 'artifact-digest-'));

function artifact(coef: number[], note = 'n'): ModelArtifact {
  return {
    featurePipeline: { kind: 'features/pipeline', version: 1, meta: {}, arrays: { idf: Float64Array.from([1.5, 2.5]) } },
    model: { kind: 'model/test', version: 1, meta: { c: 1 }, arrays: { coef: Float64Array.from(coef) } },
    metadata: { note },
  };
}

async function saved(name: string, a: ModelArtifact, at: string): Promise<string> {
  const dir = join(root, name);
  await saveModelArtifact(dir, a, { createdAt: new Date(at) });
  return dir;
}

describe('artifactContentDigest', () => {
  it('is the same for the same model written at two times, and differs for other arrays or metadata', async () => {
    const a = await saved('a', artifact([0.25, -1]), '2026-11-29T10:00:00Z');
    const b = await saved('b', artifact([0.25, -1]), '2026-11-29T16:30:00Z');
    const raw = (d: string) => sha256Hex(readFileSync(join(d, 'artifact.json')));
    expect(raw(a)).not.toBe(raw(b)); // the files differ by createdAt
    expect(await artifactContentDigest(a)).toBe(await artifactContentDigest(b));
    expect(await artifactContentDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    const c = await saved('c', artifact([0.25, -2]), '2026-11-29T10:00:00Z');
    const d = await saved('d', artifact([0.25, -1], 'other'), '2026-11-29T10:00:00Z');
    expect(await artifactContentDigest(c)).not.toBe(await artifactContentDigest(a));
    expect(await artifactContentDigest(d)).not.toBe(await artifactContentDigest(a));
  });

  it('names the file when artifact.json is no JSON object', async () => {
    const dir = await saved('bad', artifact([1]), '2026-11-29T10:00:00Z');
    writeFileSync(join(dir, 'artifact.json'), '[1, 2]');
    const e = await caught(artifactContentDigest(dir));
    expect(e.code).toBe('FORMAT_ERROR');
    expect(e.message).toContain(join(dir, 'artifact.json'));
  });
});
