/**
 * The rebuilt message's multipart boundary: the smallest ts-boundary-<n> no body contains, found in
 * one scan of the bodies (the former test of n = 1, 2, … was quadratic in a body listing many).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { freeBoundaryNumber } from '../../../src/serving/scorer.js';

/** The former search, as the reference. */
function reference(text: string, html: string): number {
  let n = 1;
  while (text.includes(`ts-boundary-${n}`) || html.includes(`ts-boundary-${n}`)) n++;
  return n;
}

describe('freeBoundaryNumber', () => {
  it('is the former search on 2,000 random bodies with planted boundaries', () => {
    const rng = new Rng(1129);
    const pieces = ['ts-boundary-', 'ts-boundary-1', 'ts-boundary-2', 'ts-boundary-12', 'ts-boundary-10', 'ts-boundary-3x', 'ts-boundary', 'x', ' ', '1', '2', '0', '\n'];
    for (let i = 0; i < 2000; i++) {
      const body = () => Array.from({ length: rng.int(0, 30) }, () => pieces[rng.int(0, pieces.length - 1)]).join('');
      const [text, html] = [body(), body()];
      expect(freeBoundaryNumber(text, html), JSON.stringify([text, html])).toBe(reference(text, html));
    }
  });

  it('handles a body listing ts-boundary-N … 1 for N = 100,000 (the former search: minutes)', () => {
    const listed = Array.from({ length: 100_000 }, (_, i) => `ts-boundary-${100_000 - i}`).join(' ');
    expect(freeBoundaryNumber(listed, '<p>x</p>')).toBe(100_001);
    expect(freeBoundaryNumber('plain text', '<b>html</b>')).toBe(1);
  });
});
