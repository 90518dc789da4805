/** The training-id set a model artifact records: membership, order independence, bad text. */
import { describe, expect, it } from 'vitest';
import { decodeIdSet, encodeIdSet } from '../../../src/pipeline/id-set.js';

describe('id sets', () => {
  it('holds exactly the ids it was made from, whatever their order', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `easy_ham/${String(i).padStart(5, '0')}.abc`);
    const text = encodeIdSet(ids);
    expect(encodeIdSet([...ids].reverse())).toBe(text);
    const set = decodeIdSet(text, 'v1');
    expect(set.size).toBe(500);
    for (const id of ids) expect(set.has(id)).toBe(true);
    for (let i = 500; i < 1500; i++) expect(set.has(`easy_ham/${String(i).padStart(5, '0')}.abc`)).toBe(false);
    expect(decodeIdSet(encodeIdSet([]), 'empty').has('x')).toBe(false);
  });

  it('refuses text that is not base64 of 64-bit values, naming where it came from', () => {
    expect(() => decodeIdSet('abc', 'Staging model v3')).toThrow(/^Staging model v3: the training e-mail ids are not base64 of 64-bit values$/);
    expect(() => decodeIdSet('not base64!!', 'x')).toThrow(/not base64/);
  });
});
