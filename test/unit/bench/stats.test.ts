import { describe, expect, it } from 'vitest';
import { quantileSorted, relativeSpread, summarize, timeRuns, toRate } from '../../../bench/lib/stats.mjs';

describe('bench stats', () => {
  it('summarizes odd and even counts with the median, min, max', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 });
    expect(summarize(Float64Array.from([5]))).toEqual({ median: 5, min: 5, max: 5, runs: 1 });
  });

  it('does not reorder the caller’s array', () => {
    const xs = [3, 1, 2];
    summarize(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('rejects empty input and NaN', () => {
    expect(() => summarize([])).toThrow(/no values/);
    expect(() => summarize([1, Number.NaN])).toThrow(/not a number/);
  });

  it('takes nearest-rank quantiles', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantileSorted(s, 0.5)).toBe(50);
    expect(quantileSorted(s, 0.99)).toBe(99);
    expect(quantileSorted(s, 1)).toBe(100);
    expect(quantileSorted(s, 0)).toBe(1);
    expect(() => quantileSorted(s, 1.5)).toThrow(/q = 1.5/);
  });

  it('turns times into rates with min and max swapped', () => {
    const r = toRate({ median: 2, min: 1, max: 4, runs: 3 }, 100);
    expect(r).toEqual({ median: 50, min: 25, max: 100, runs: 3 });
    expect(relativeSpread({ median: 2, min: 1, max: 4, runs: 3 })).toBe(1.5);
  });

  it('times after warm-up with the injected clocks', async () => {
    let t = 0;
    let calls = 0;
    const { stats, last } = await timeRuns(
      () => {
        calls++;
        t += 10 * calls; // each call takes 10 ms × its number
        return calls;
      },
      { reps: 3, warm: 2, now: () => t, cpu: () => t / 2000 },
    );
    expect(calls).toBe(5);
    expect(last).toBe(5);
    expect(stats.runs).toBe(3);
    expect(stats.median).toBeCloseTo(0.04); // calls 3, 4, 5 → 30, 40, 50 ms
    expect(stats.min).toBeCloseTo(0.03);
    expect(stats.cpu.median).toBeCloseTo(0.02);
  });
});
