import { describe, expect, it } from 'vitest';
import { hashString, hashStringB, Rng } from '../../../src/core/random.js';
import { bodyKey, normaliseBody, normalisedBodyKey } from '../../../src/data/dedup.js';

/** The first half of the one-pass key, -1 when the body is empty (what data preparation groups by). */
function normalisedBodyHash(s: string): number {
  return key(s)?.[0] ?? -1;
}

/** What the one-pass hash must equal: the hash of the normalised string, -1 when that is empty. */
const reference = (s: string) => (normaliseBody(s).length === 0 ? -1 : bodyKey(s));

/** What the one-pass content key must equal: both hashes of the normalised string, null when that is empty. */
function referenceKey(s: string): [number, number] | null {
  const norm = normaliseBody(s);
  return norm.length === 0 ? null : [hashString(norm), hashStringB(norm)];
}

function key(s: string): [number, number] | null {
  const out = new Uint32Array(2);
  return normalisedBodyKey(s, out) ? [out[0], out[1]] : null;
}

describe('normalisedBodyKey', () => {
  it('equals the hash of normaliseBody on hand-picked cases', () => {
    const cases = [
      '', ' ', '\t\r\n\v\f ', 'a', 'A', '  Hello,   WORLD \r\n', 'x\ty\nz', 'trailing   ', '   leading',
      'MiXeD\u00a0nbsp', 'caf\u00e9 CAF\u00c9', 'I\u0130stanbul', '\u2003em\u2003space\u3000', 'tab\u000bvt', 'emoji \ud83d\ude00 X',
      '\u00a0', '\ufeffbom', 'ß STRASSE', 'Ω', 'line\u2028sep',
      // context-dependent lower-casing (final sigma), and Unicode spaces only at the ends
      'ΟΔΟΣ ΟΔΟΣ.', '\u3000\u2029 Über \u205f', '\u1680\u202f', 'é\u00a0\u00a0\u2028X',
    ];
    for (const s of cases) {
      expect([s, normalisedBodyHash(s)]).toEqual([s, reference(s)]);
      expect([s, key(s)]).toEqual([s, referenceKey(s)]);
    }
  });

  it('equals it on 3,000 seeded random strings (ASCII-heavy, with runs of every kind of space)', () => {
    const rng = new Rng(11);
    const alphabet = ['a', 'Z', 'q', 'M', '0', '9', '.', '<', '>', '/', '"', ' ', ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u00e9', '\u2009', 'İ', '~', '\u0000'];
    for (let k = 0; k < 3000; k++) {
      const len = rng.int(0, 60);
      let s = '';
      // about half the strings stay ASCII, the rest mix in Unicode spaces and letters
      const ascii = k % 2 === 0;
      for (let i = 0; i < len; i++) {
        let ch = alphabet[rng.int(0, alphabet.length - 1)];
        while (ascii && ch.charCodeAt(0) >= 128) ch = alphabet[rng.int(0, alphabet.length - 1)];
        s += ch;
      }
      expect(normalisedBodyHash(s)).toBe(reference(s));
      expect(key(s)).toEqual(referenceKey(s));
    }
  });

  it('gives a second hash that does not collide with the first: 20,000 distinct bodies, 64-bit keys all distinct', () => {
    const seen = new Set<string>();
    const secondHalves = new Set<number>();
    for (let i = 0; i < 20000; i++) {
      const k = key(`offer ${i} only today`)!;
      expect(k[0]).not.toBe(k[1]);
      seen.add(`${k[0]}:${k[1]}`);
      secondHalves.add(k[1]);
    }
    expect(seen.size).toBe(20000);
    expect(secondHalves.size).toBeGreaterThan(19990);
  });
});
