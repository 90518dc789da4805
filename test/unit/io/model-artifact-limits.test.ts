/**
 * The manifest's arrays must tile arrays.bin (in order, 8-byte aligned, nothing else in the file).
 * An audit loaded a crafted artifact (the real one, 32 MiB of padding, 40 extra entries each
 * claiming the whole blob) in 4.4 s at 1.37 GiB RSS: every entry was hashed and copied. Such
 * manifests are now a FORMAT_ERROR naming artifact.json and the entries, before arrays.bin is read.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payload } from '../../../src/core/payload.js';
import { loadModelArtifact, loadPayloads, parseManifest, saveModelArtifact, type ModelArtifact } from '../../../src/io/model-artifact.js';
import { caught } from '../../helpers/caught.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'train-spam-artifact-limits-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Odd sizes (padding between arrays) and empty arrays at the start, middle and end of the blob. */
function artifact(): ModelArtifact {
  const featurePipeline: Payload = {
    kind: 'features/pipeline', version: 1, meta: {},
    arrays: { a_empty: new Float64Array(0), b_idf: Float64Array.from([1.5, 2.5, 3.5]), c_bytes: Uint8Array.from([1, 2, 3, 4, 5]), d_empty: new Int16Array(0) },
  };
  const model: Payload = { kind: 'model/test', version: 1, meta: {}, arrays: { coef: Float32Array.from([0.25, -1, 7]), z_empty: new Uint8Array(0) } };
  return { featurePipeline, model, metadata: { note: 'limits' } };
}

async function saved(name: string): Promise<string> {
  const dir = join(root, name);
  await saveModelArtifact(dir, artifact(), { createdAt: new Date('2026-01-02T03:04:05Z') });
  return dir;
}

type Manifest = { arrays: Array<Record<string, any>>; bin: { byteLength: number } };

async function edit(dir: string, f: (m: Manifest, bin: Buffer) => Buffer | void): Promise<void> {
  const m = JSON.parse(await readFile(join(dir, 'artifact.json'), 'utf8')) as Manifest;
  const bin = await readFile(join(dir, 'arrays.bin'));
  const out = f(m, bin) ?? bin;
  m.bin.byteLength = out.length;
  await writeFile(join(dir, 'artifact.json'), JSON.stringify(m));
  await writeFile(join(dir, 'arrays.bin'), out);
}


const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('model artifact: the arrays tile arrays.bin', () => {
  it('artifacts the writer makes (odd sizes, empty arrays first, between and last) still load unchanged', async () => {
    const dir = await saved('ok');
    const m = JSON.parse(await readFile(join(dir, 'artifact.json'), 'utf8')) as Manifest;
    expect(m.arrays.map((e) => e.offset)).toEqual([0, 0, 24, 32, 32, 48]); // the layout these checks accept
    expect(m.bin.byteLength).toBe(48);
    const back = await loadModelArtifact(dir);
    expect(Array.from(back.featurePipeline.arrays.b_idf)).toEqual([1.5, 2.5, 3.5]);
    expect(Array.from(back.featurePipeline.arrays.c_bytes)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(back.model.arrays.coef)).toEqual([0.25, -1, 7]);
    expect(back.model.arrays.z_empty).toBeInstanceOf(Uint8Array);
    expect((await loadPayloads(dir, ['model'])).slots.featurePipeline.arrays.d_empty).toBeInstanceOf(Int16Array);
  });

  it('the audit\'s crafted artifact (padding + extra entries each claiming the whole blob, valid checksums) → FORMAT_ERROR naming the entries', async () => {
    const dir = await saved('amplified');
    await edit(dir, (m, bin) => {
      const padded = Buffer.concat([bin, Buffer.alloc(1 << 20)]);
      const digest = sha(padded);
      for (let i = 0; i < 40; i++) {
        m.arrays.push({ payload: 'featurePipeline', name: `pad${i}`, dtype: 'uint8', offset: 0, length: padded.length, byteLength: padded.length, shape: [padded.length], sha256: digest });
      }
      return padded;
    });
    const e = await caught(loadModelArtifact(dir));
    expect(e.code).toBe('FORMAT_ERROR');
    expect(e.message).toContain(join(dir, 'artifact.json'));
    expect(e.message).toMatch(/array featurePipeline\/pad0: bytes 0\.\.1048624 overlap the arrays listed before it \(model\/z_empty ends at byte 48\)/);
    expect(e.details).toMatchObject({ array: 'featurePipeline/pad0', previous: 'model/z_empty' });
  });

  it('two arrays sharing bytes → FORMAT_ERROR naming both, even when the checksums match', async () => {
    const dir = await saved('overlap');
    await edit(dir, (m, bin) => {
      // coef (12 bytes at 32) re-pointed at c_bytes' 8-byte slot (24..32) would also pass its own checks
      const coef = m.arrays.find((e) => e.name === 'coef')!;
      coef.dtype = 'uint8';
      coef.offset = 24;
      coef.length = coef.byteLength = 5;
      coef.shape = [5];
      coef.sha256 = sha(bin.subarray(24, 29));
    });
    const e = await caught(loadModelArtifact(dir));
    expect(e.code).toBe('FORMAT_ERROR');
    expect(e.message).toMatch(/artifact\.json: array model\/coef: bytes 24\.\.29 overlap .*featurePipeline\/d_empty ends at byte 32/);
  });

  it('bytes no array owns (a gap between arrays, or data after the last) → FORMAT_ERROR', async () => {
    const gap = await saved('gap');
    await edit(gap, (m, bin) => {
      const coef = m.arrays.find((e) => e.name === 'coef')!;
      coef.offset += 8;
      m.arrays.find((e) => e.name === 'z_empty')!.offset += 8;
      return Buffer.concat([bin.subarray(0, 32), Buffer.alloc(8), bin.subarray(32)]);
    });
    const g = await caught(loadModelArtifact(gap));
    expect(g.code).toBe('FORMAT_ERROR');
    expect(g.message).toMatch(/artifact\.json: array model\/coef: starts at byte 40, expected 32 \(featurePipeline\/d_empty ends at byte 32\)/);

    const tail = await saved('tail');
    await edit(tail, (_m, bin) => Buffer.concat([bin, Buffer.alloc(64)])); // declared in the manifest, so the size check alone passes
    const t = await caught(loadModelArtifact(tail));
    expect(t.code).toBe('FORMAT_ERROR');
    expect(t.message).toMatch(/artifact\.json: bin\.byteLength is 112, but the arrays end at byte 48 \(model\/z_empty\), so arrays\.bin must hold 48 bytes/);
  });

  it('parseManifest checks the layout without the blob: no arrays means an empty arrays.bin', () => {
    const m = {
      format: 'train-spam/model-artifact', formatVersion: 1, createdAt: '2026-01-02T03:04:05Z', byteOrder: 'little', metadata: {},
      payloads: { featurePipeline: { kind: 'f', version: 1, meta: {} }, model: { kind: 'm', version: 1, meta: {} } },
      arrays: [], bin: { file: 'arrays.bin', byteLength: 0 },
    };
    expect(parseManifest(m, 'x/artifact.json').arrays).toEqual([]);
    expect(() => parseManifest({ ...m, bin: { file: 'arrays.bin', byteLength: 1 << 30 } }, 'x/artifact.json')).toThrow(
      /x\/artifact\.json: bin\.byteLength is 1073741824, but there are no arrays, so arrays\.bin must hold 0 bytes/,
    );
  });
});

describe('names from the file stay names', () => {
  it('an array named __proto__ is an own entry of its payload, not the prototype of the arrays map', async () => {
    const dir = await saved('proto-name');
    await edit(dir, (m) => {
      const e = m.arrays.find((a) => a.name === 'coef')!;
      e.name = '__proto__';
    });
    const loaded = await loadPayloads(dir);
    const arrays = loaded.slots.model.arrays as Record<string, unknown>;
    expect(Object.keys(arrays).sort()).toEqual(['__proto__', 'z_empty']);
    expect(Object.getPrototypeOf(arrays)).toBeNull();
    expect(Array.from(arrays['__proto__'] as Float32Array)).toEqual([0.25, -1, 7]);
    expect((arrays as { coef?: unknown }).coef).toBeUndefined();
  });
});
