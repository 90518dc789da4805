import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';

describe('Rng state transfer', () => {
  it('getState/setState hand the uint32 stream over exactly, and the all-zero state is refused', () => {
    const a = new Rng(123);
    for (let i = 0; i < 10; i++) a.nextUint32();
    const state = new Int32Array(4);
    a.getState(state);
    const b = new Rng(999);
    b.setState(state);
    const fromA = Array.from({ length: 100 }, () => a.nextUint32());
    const fromB = Array.from({ length: 100 }, () => b.nextUint32());
    expect(fromB).toEqual(fromA);
    expect(fromA.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    expect(() => b.setState(new Int32Array(4))).toThrow(/all-zero state/);
  });
});
