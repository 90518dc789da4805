import { describe, expect, it } from 'vitest';
import { I32, InstancePool, POOLED_MEMORY_MAX_BYTES, buildModule, compileModule, get, i32store } from '../../../src/models/wasm-asm.js';

// store(addr, value): memory[addr..addr+4) = value
const module = compileModule(
  buildModule([{ name: 'store', params: [I32, I32], locals: [], code: [...get(0), ...get(1), ...i32store()] }]),
) as object;

describe('InstancePool', () => {
  it('hands a released instance back (same functions), zeroed and grown to the size asked for', () => {
    const pool = new InstancePool(module);
    const a = pool.acquire(1000)!;
    const store = a.exports.store as (addr: number, v: number) => void;
    store(16, 12345);
    expect(new Int32Array(a.buffer, 16, 1)[0]).toBe(12345);
    a.release();
    a.release(); // a second release is a no-op (the instance is pooled once)
    const b = pool.acquire(200_000)!;
    expect(b.exports.store).toBe(store);
    expect(b.buffer.byteLength).toBeGreaterThanOrEqual(200_000);
    expect(new Int32Array(b.buffer, 0, 50_000).every((x) => x === 0)).toBe(true);
    // while b is out, another user gets another instance
    const c = pool.acquire(100)!;
    expect(c.exports.store).not.toBe(store);
    b.release();
    c.release();
  });

  it('does not keep instances whose memory grew above POOLED_MEMORY_MAX_BYTES', () => {
    const pool = new InstancePool(module);
    const big = pool.acquire(POOLED_MEMORY_MAX_BYTES + 65536)!;
    const bigStore = big.exports.store;
    big.release();
    const next = pool.acquire(100)!;
    expect(next.exports.store).not.toBe(bigStore);
    expect(pool.acquire(2 ** 31 + 1)).toBeNull(); // above the 2 GiB a 32-bit memory may hold
  });
});
