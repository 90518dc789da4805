import { describe, expect, it } from 'vitest';
import { isSpaceCodeUnit } from '../../../src/core/whitespace.js';

describe('isSpaceCodeUnit', () => {
  it('is what /\\s/ (and so normaliseBody and trim) calls whitespace, for every UTF-16 code unit', () => {
    const differ: number[] = [];
    for (let c = 0; c < 0x10000; c++) if (isSpaceCodeUnit(c) !== /\s/.test(String.fromCharCode(c))) differ.push(c);
    expect(differ).toEqual([]);
  });
});
