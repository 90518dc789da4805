import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import type { JsonValue, NumericArray, Payload } from '../../../src/core/payload.js';
import { Rng } from '../../../src/core/random.js';
import { loadModelArtifact, saveModelArtifact, type ModelArtifact } from '../../../src/io/model-artifact.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { MlpClassifier, mlpFromPayload } from '../../../src/models/mlp/index.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'train-spam-artifact-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const CTORS = [Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array] as const;

function randomArray(rng: Rng): NumericArray {
  const Ctor = rng.choice(CTORS);
  const n = rng.choice([0, 1, 3, 7, 64, 1001]);
  const a = new Ctor(n);
  const bytes = new Uint8Array(a.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(0, 255); // any bit pattern, NaNs included
  return a;
}

function randomJson(rng: Rng, depth: number): JsonValue {
  const pick = rng.int(0, depth > 2 ? 3 : 5);
  if (pick === 0) return rng.uniform(-1e6, 1e6);
  if (pick === 1) return `s${rng.int(0, 1e6)}é"\n`;
  if (pick === 2) return rng.next() < 0.5;
  if (pick === 3) return null;
  if (pick === 4) return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth + 1));
  const o: Record<string, JsonValue> = {};
  for (let i = rng.int(0, 4); i > 0; i--) o[`k${rng.int(0, 99)}`] = randomJson(rng, depth + 1);
  return o;
}

function randomPayload(rng: Rng, kind: string): Payload {
  const arrays: Record<string, NumericArray> = {};
  for (let i = rng.int(0, 6); i > 0; i--) arrays[`a.${rng.int(0, 1000)}/x`] = randomArray(rng);
  return { kind, version: rng.int(1, 3), meta: { info: randomJson(rng, 0), n: rng.int(0, 100) }, arrays };
}

function randomArtifact(seed: number): ModelArtifact {
  const rng = new Rng(seed);
  return { featurePipeline: randomPayload(rng, 'features/pipeline'), model: randomPayload(rng, 'model/test'), metadata: { seed, note: 'round trip' } };
}

async function errorOf(p: Promise<unknown>): Promise<TrainSpamError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TrainSpamError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

async function saved(name: string, artifact = randomArtifact(1)): Promise<string> {
  const dir = join(root, name);
  await saveModelArtifact(dir, artifact, { createdAt: new Date('2026-01-02T03:04:05Z') });
  return dir;
}

describe('model artifact round trip', () => {
  it('load(save(x)) returns the same payloads, metadata and array types for random payloads', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const art = randomArtifact(seed);
      const dir = await saved(`rt-${seed}`, art);
      const back = await loadModelArtifact(dir);
      expect(back.formatVersion).toBe(1);
      expect(back.createdAt).toBe('2026-01-02T03:04:05.000Z');
      expect(back.metadata).toEqual(art.metadata);
      for (const slot of ['featurePipeline', 'model'] as const) {
        expect(back[slot].kind).toBe(art[slot].kind);
        expect(back[slot].version).toBe(art[slot].version);
        expect(back[slot].meta).toEqual(art[slot].meta);
        expect(Object.keys(back[slot].arrays).sort()).toEqual(Object.keys(art[slot].arrays).sort());
        for (const [name, a] of Object.entries(art[slot].arrays)) {
          const b = back[slot].arrays[name];
          expect(b.constructor).toBe(a.constructor);
          expect(Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(Buffer.from(a.buffer, a.byteOffset, a.byteLength))).toBe(true);
        }
      }
    }
  });

  it('lays arrays out 8-byte aligned with a per-array sha256, and writes identical bytes for identical input', async () => {
    const a = await saved('det-a');
    const b = await saved('det-b');
    const manifest = JSON.parse(await readFile(join(a, 'artifact.json'), 'utf8'));
    expect(manifest.format).toBe('train-spam/model-artifact');
    expect(manifest.arrays.length).toBeGreaterThan(1); // the layout checks below must have arrays to check
    for (const e of manifest.arrays) {
      expect(e.offset % 8).toBe(0);
      expect(e.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(await readFile(join(a, 'arrays.bin'))).toEqual(await readFile(join(b, 'arrays.bin')));
    expect(await readFile(join(a, 'artifact.json'), 'utf8')).toBe(await readFile(join(b, 'artifact.json'), 'utf8'));
  });

  it('handles arrays that are views into larger buffers or live on SharedArrayBuffers', async () => {
    const big = new Float64Array([1, 2, 3, 4, 5, 6]);
    const shared = new Int32Array(new SharedArrayBuffer(12));
    shared.set([7, -8, 9]);
    const art: ModelArtifact = {
      featurePipeline: { kind: 'features/pipeline', version: 1, meta: {}, arrays: { view: big.subarray(2, 5) } },
      model: { kind: 'model/x', version: 1, meta: {}, arrays: { bytes: new Uint8Array(big.buffer, 3, 5), shared } },
      metadata: {},
    };
    const back = await loadModelArtifact(await saved('views', art));
    expect(Array.from(back.featurePipeline.arrays.view)).toEqual([3, 4, 5]);
    expect(Array.from(back.model.arrays.shared)).toEqual([7, -8, 9]);
    expect(Array.from(back.model.arrays.bytes)).toEqual(Array.from(new Uint8Array(big.buffer, 3, 5)));
  });

  it('a fitted MLP saved and loaded predicts identically', async () => {
    const data = syntheticData({ rows: 120, seed: 3 });
    const f = await new MlpClassifier({ hidden_layers: [8], epochs: 2 }).fit(data, { seed: 1 });
    const featurePipeline: Payload = { kind: 'features/pipeline', version: 1, meta: { featureNames: [...data.X.featureNames] }, arrays: { idf: new Float64Array([1.5, 2.5]) } };
    const dir = await saved('mlp', { featurePipeline, model: f.toPayload(), metadata: { run: 'r1' } });
    const back = await loadModelArtifact(dir);
    expect(mlpFromPayload(back.model).predictProba(data.X)).toEqual(f.predictProba(data.X));
    expect(back.featurePipeline.meta.featureNames).toEqual([...data.X.featureNames]);
  });
});

describe('model artifact writing', () => {
  it('refuses to replace an existing directory unless asked, and leaves no temporary directories', async () => {
    const dir = await saved('exists');
    expect((await errorOf(saveModelArtifact(dir, randomArtifact(2)))).code).toBe('ALREADY_EXISTS');
    await saveModelArtifact(dir, randomArtifact(2), { overwrite: true });
    expect((await loadModelArtifact(dir)).metadata.seed).toBe(2);
    expect((await readdir(root)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('rejects meta that JSON cannot carry and unsupported arrays with INVALID_ARGUMENT naming the path', async () => {
    const art = randomArtifact(3);
    const bad = { ...art, model: { ...art.model, meta: { deep: { x: [1, NaN] } } } };
    const e = await errorOf(saveModelArtifact(join(root, 'nan'), bad));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('model.meta.deep.x[1]');
    const bigints = { ...art, model: { ...art.model, arrays: { b: new BigInt64Array(2) as unknown as NumericArray } } };
    expect((await errorOf(saveModelArtifact(join(root, 'bigint'), bigints))).code).toBe('INVALID_ARGUMENT');
    // neither the targets nor a temporary sibling (`.nan.tmp-*`, `.bigint.tmp-*`) is left behind
    expect((await readdir(root)).filter((n) => n === 'nan' || n === 'bigint' || n.includes('.tmp-'))).toEqual([]);
  });
});

describe('model artifact corruption', () => {
  async function corrupt(name: string, edit: (dir: string) => Promise<void>): Promise<TrainSpamError> {
    const dir = await saved(name, randomArtifact(5));
    await edit(dir);
    return errorOf(loadModelArtifact(dir));
  }
  async function editJson(dir: string, f: (m: Record<string, any>) => void): Promise<void> {
    const file = join(dir, 'artifact.json');
    const m = JSON.parse(await readFile(file, 'utf8'));
    f(m);
    await writeFile(file, JSON.stringify(m));
  }

  it('truncated arrays.bin → FORMAT_ERROR naming the file', async () => {
    const e = await corrupt('trunc', async (d) => truncate(join(d, 'arrays.bin'), 10));
    expect(e.code).toBe('FORMAT_ERROR');
    expect(e.message).toMatch(/arrays\.bin: is truncated: 10 bytes/);
  });

  it('one flipped byte → checksum FORMAT_ERROR naming the array', async () => {
    const e = await corrupt('flip', async (d) => {
      const file = join(d, 'arrays.bin');
      const bytes = await readFile(file);
      bytes[0] ^= 0x01;
      await writeFile(file, bytes);
    });
    expect(e.code).toBe('FORMAT_ERROR');
    expect(e.message).toMatch(/arrays\.bin: checksum mismatch for array featurePipeline\//);
  });

  it('format version 999 → FORMAT_ERROR naming artifact.json and the version', async () => {
    const e = await corrupt('v999', (d) => editJson(d, (m) => (m.formatVersion = 999)));
    expect(e.code).toBe('FORMAT_ERROR');
    expect(e.message).toMatch(/artifact\.json: format version 999 is not supported; this build reads version 1/);
  });

  it.each([
    ['another format', (m: Record<string, any>) => (m.format = 'something-else'), /format is "something-else"/],
    ['unknown dtype', (m: Record<string, any>) => (m.arrays[0].dtype = 'float16'), /dtype "float16" is not one of/],
    ['misaligned offset', (m: Record<string, any>) => (m.arrays[0].offset = 4), /must be a non-negative multiple of 8/],
    ['length disagrees with byteLength', (m: Record<string, any>) => (m.arrays[0].length += 1), /disagree/],
    ['array beyond the blob', (m: Record<string, any>) => (m.arrays[0].offset = m.bin.byteLength), /lie beyond the declared/],
    ['missing model payload', (m: Record<string, any>) => delete m.payloads.model, /payloads\.model is missing/],
    ['bad checksum text', (m: Record<string, any>) => (m.arrays[0].sha256 = 'abc'), /sha256 must be 64/],
  ])('%s → FORMAT_ERROR', async (name, edit, pattern) => {
    const e = await corrupt(`json-${name.replace(/\W/g, '')}`, (d) => editJson(d, edit));
    expect(e.code).toBe('FORMAT_ERROR');
    expect(e.message).toMatch(/artifact\.json: /);
    expect(e.message).toMatch(pattern);
  });

  it('invalid JSON, missing files, extra bytes and a missing directory', async () => {
    const notJson = await corrupt('notjson', (d) => writeFile(join(d, 'artifact.json'), '{"format": '));
    expect([notJson.code, notJson.message]).toEqual(['FORMAT_ERROR', expect.stringMatching(/artifact\.json: is not valid JSON/)]);
    const noBin = await corrupt('nobin', (d) => rm(join(d, 'arrays.bin')));
    expect([noBin.code, noBin.message]).toEqual(['FORMAT_ERROR', expect.stringMatching(/arrays\.bin: cannot be read \(ENOENT\)/)]);
    const longer = await corrupt('longer', async (d) => writeFile(join(d, 'arrays.bin'), Buffer.concat([await readFile(join(d, 'arrays.bin')), Buffer.alloc(8)])));
    expect(longer.message).toMatch(/is longer than declared/);
    expect((await errorOf(loadModelArtifact(join(root, 'does-not-exist')))).code).toBe('NOT_FOUND');
  });
});
