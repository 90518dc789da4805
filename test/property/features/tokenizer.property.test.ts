/**
 * Property: the table-driven fast scanner and the full path give exactly the tokens of the
 * definition — lower-case the whole string (String.prototype.toLowerCase), split into maximal runs
 * of Python `\w` code points, keep runs of ≥ 2 code points — on random Unicode text.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { tokenize } from '../../../src/features/tokenizer.js';
import { PY_WORD_RANGES } from '../../../src/features/word-ranges.js';

function isWord(cp: number): boolean {
  for (let k = 0; k < PY_WORD_RANGES.length; k += 2) if (cp >= PY_WORD_RANGES[k] && cp <= PY_WORD_RANGES[k + 1]) return true;
  return false;
}

function reference(s: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const ch of [...s.toLowerCase(), ' ']) {
    if (isWord(ch.codePointAt(0) as number)) cur.push(ch);
    else {
      if (cur.length >= 2) out.push(cur.join(''));
      cur = [];
    }
  }
  return out;
}

const SPECIAL = [0x3a3, 0x130, 0x212a, 0x1e9e, 0x301, 0x1f600, 0x1d400, 0x20000, 0xdf, 0x3c2, 0x2160, 0x5f, 0xa0, 0x200b];

function randomText(rng: Rng, n: number, bmpOnly: boolean): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rng.next();
    let cp: number;
    if (r < 0.35) cp = rng.int(0x41, 0x7a);
    else if (r < 0.45) cp = 0x20;
    else if (r < 0.55 && !bmpOnly) cp = rng.choice(SPECIAL);
    else if (r < 0.8) cp = rng.int(0x80, 0x24ff);
    else cp = rng.int(0x2500, 0xfffd);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x20;
    if (bmpOnly && (cp === 0x3a3 || cp === 0x130)) cp = 0x20;
    s += String.fromCodePoint(cp);
  }
  return s;
}

describe('tokenizer equals its definition on random Unicode text', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i (fast path: BMP without İ/Σ)', (seed) => {
    const rng = new Rng(seed);
    for (let k = 0; k < 40; k++) {
      const s = randomText(rng, 200, true);
      expect(tokenize(s)).toEqual(reference(s));
    }
  });

  it.each([11, 12, 13, 14])('seed %i (with İ, Σ, astral: full path)', (seed) => {
    const rng = new Rng(seed);
    for (let k = 0; k < 40; k++) {
      const s = randomText(rng, 200, false);
      expect(tokenize(s)).toEqual(reference(s));
    }
  });
});
