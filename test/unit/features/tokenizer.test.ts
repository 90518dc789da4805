/** The analyzer against sklearn's on Unicode edge cases (accents, final sigma, Kelvin sign, astral letters, marks). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, fitTfidf } from '../../../src/features/tfidf.js';
import { tokenize } from '../../../src/features/tokenizer.js';
import { ENGLISH_STOP_WORDS } from '../../../src/features/stop-words.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(path.resolve(here, '../../fixtures/features/unicode-tokens.json'), 'utf8')) as {
  docs: string[];
  tokens: string[][];
  vocabulary: string[];
  idf: number[];
};
const stopFixture = JSON.parse(readFileSync(path.resolve(here, '../../../../shared/fixtures/sklearn/english-stop-words.json'), 'utf8')) as { words: string[] };

describe('tokenize (sklearn default analyzer)', () => {
  it.each(fx.docs.map((d, i) => [i, d] as const))('doc %i gives sklearn tokens', (i, d) => {
    expect(tokenize(d)).toEqual(fx.tokens[i]);
  });

  it('fits the same vocabulary (code-point order) and idf on the Unicode docs', () => {
    const f = fitTfidf(fx.docs);
    expect([...f.vocabulary]).toEqual(fx.vocabulary);
    expect(f.idf.length).toBe(fx.idf.length);
    f.idf.forEach((v, i) => expect(Math.abs(v - fx.idf[i])).toBeLessThan(1e-9));
  });

  it('ASCII fast path and Unicode path agree on ASCII tokens', () => {
    const ascii = 'Hello WORLD foo_bar 42 x y2k';
    expect(tokenize(ascii + ' é')).toEqual([...tokenize(ascii)]);
  });

  it('drops stop words only when asked, after lower-casing', () => {
    const stop = new Set(ENGLISH_STOP_WORDS);
    expect(tokenize('The cat AND the Hat')).toEqual(['the', 'cat', 'and', 'the', 'hat']);
    expect(tokenize('The cat AND the Hat', { stopWords: stop })).toEqual(['cat', 'hat']);
    expect(tokenize('ABC', { lowercase: false })).toEqual(['ABC']);
  });

  it('stop words are matched exactly (case kept without lower-casing), repeats and non-token entries are harmless', () => {
    const stop = ['the', 'The', 'the', '', 'a', 'x-y', 'ÉTÉ'];
    // Answers from sklearn 1.2 (TfidfVectorizer(stop_words=stop[, lowercase=False]).build_analyzer()).
    expect(tokenize('The the THE cat x y été ÉTÉ', { stopWords: stop })).toEqual(['cat', 'été', 'été']);
    expect(tokenize('The the THE cat x y été ÉTÉ', { stopWords: stop, lowercase: false })).toEqual(['THE', 'cat', 'été']);
    // A stop word seen first in a document before other terms does not shift other terms' columns.
    const f = fitTfidf(['and the cat', 'the dog', 'cat dog and bird'], { stopWords: 'english' });
    expect([...f.vocabulary]).toEqual(['bird', 'cat', 'dog']);
    expect(() => fitTfidf(['the and of', 'a an'], { stopWords: 'english' })).toThrow(/empty vocabulary/);
  });

  it('a lone surrogate and U+FFFD both end tokens, on the fast and the full path', () => {
    expect(tokenize('ab\ud800cd ef\ufffdgh')).toEqual(['ab', 'cd', 'ef', 'gh']);
    // 'İ' lower-cases to 'i' + U+0307 (not a word char): sklearn gives [..., 'xy'].
    expect(tokenize('ab\ud800cd ef\ufffdgh İxy')).toEqual(['ab', 'cd', 'ef', 'gh', 'xy']);
  });

  it('the fitted vocabulary and matrix do not depend on how the term table grows', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 5000}x`);
    const docs = Array.from({ length: 50 }, (_, d) => words.slice(d * 97 % 4900, (d * 97 % 4900) + 100 + d).join(' ') + ' The AND of');
    const a = fitTfidf(docs, { stopWords: 'english', maxFeatures: 300 });
    const b = fitTfidf([...docs].reverse(), { stopWords: 'english', maxFeatures: 300 });
    expect([...a.vocabulary]).toEqual([...b.vocabulary]);
    expect(a.vocabulary.length).toBe(300);
    expect([...a.vocabulary]).toEqual([...a.vocabulary].sort());
    expect(a.indexOf('the')).toBe(-1);
    expect(a.indexOf(a.vocabulary[17])).toBe(17);
  });

  it('stop-word list equals the sklearn fixture', () => {
    expect([...ENGLISH_STOP_WORDS]).toEqual(stopFixture.words);
  });

  it('vocabulary columns follow code-point order when astral and U+E000..U+FFFF terms meet', () => {
    const f = fitTfidf(['\uff41\uff42 zz', '𝐀𝐁 yy', '\uf900\uf901 xx', 'ab 𝐀𝐀']);
    expect([...f.vocabulary]).toEqual(['ab', 'xx', 'yy', 'zz', '\uf900\uf901', '\uff41\uff42', '𝐀𝐀', '𝐀𝐁']);
  });

  it('code-point order holds past the first two units and between terms sharing a prefix', () => {
    const docs = ['ab\uff41 ab𝐀 abz', 'abc ab ab\uff41x', 'ab𝐀\uff41 ab\uff41\uff41 abca', '𝐀𝐀b 𝐀𝐀 𝐀\uff41'];
    const expected = ['ab', 'abc', 'abca', 'abz', 'ab\uff41', 'ab\uff41x', 'ab\uff41\uff41', 'ab𝐀', 'ab𝐀\uff41', '𝐀\uff41', '𝐀𝐀', '𝐀𝐀b'];
    expect([...fitTfidf(docs).vocabulary]).toEqual(expected);
    expect([...expected].sort(compareCodePoints)).toEqual(expected);
  });

  it('code-point order of many terms sharing long prefixes (deep runs) equals a comparison sort', () => {
    const pre = 'q'.repeat(300);
    const words: string[] = [];
    for (let i = 0; i < 40; i++) words.push(pre + (i * 37 % 40).toString(36) + 'z'.repeat(i % 3), 'ab' + 'c'.repeat(i) + 'd', pre.slice(0, 150 + i) + '\uff41');
    const f = fitTfidf([words.join(' '), words.slice(7).join(' ')]);
    const expected = [...new Set(words)].sort(compareCodePoints);
    expect([...f.vocabulary]).toEqual(expected);
  });

  it('compareCodePoints orders astral characters after U+E000..U+FFFF like Python', () => {
    const a = '\uffe0x';
    const b = '😀';
    expect(a < b).toBe(false); // UTF-16 order puts the surrogate first
    expect(compareCodePoints(a, b)).toBeLessThan(0);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('b', 'a')).toBeGreaterThan(0);
  });
});
