import { describe, expect, it } from 'vitest';
import { MemoryLayout } from '../../../src/models/wasm-asm.js';

describe('MemoryLayout (buffers of a kernel memory)', () => {
  it('places buffers one after another at multiples of the alignment, the first after offset 0', () => {
    const l = new MemoryLayout(16);
    expect(l.size).toBe(16);
    expect([l.place(4), l.place(17), l.place(0), l.place(32), l.place(1)]).toEqual([16, 32, 64, 64, 96]);
    expect(l.size).toBe(112);
    const e = new MemoryLayout(8);
    expect([e.place(12), e.place(8)]).toEqual([8, 24]);
    expect(e.size).toBe(32);
  });
});
