import { describe, expect, it } from 'vitest';
import { linearity, speedups } from '../../../bench/lib/scaling.mjs';
import { resultFileName } from '../../../bench/lib/machine.mjs';

describe('linearity', () => {
  it('reads proportional time as linear', () => {
    const l = linearity([{ rows: 10_000, seconds: 2 }, { rows: 100_000, seconds: 20 }]);
    expect(l?.verdict).toBe('linear');
    expect(l?.exponent).toBeCloseTo(1);
    expect(l?.perRowGrowth).toBeCloseTo(1);
  });
  it('detects quadratic and sublinear growth, using the extreme sizes', () => {
    const q = linearity([{ rows: 1000, seconds: 1 }, { rows: 100, seconds: 0.01 }, { rows: 10_000, seconds: 100 }]);
    expect(q?.from).toBe(100);
    expect(q?.to).toBe(10_000);
    expect(q?.exponent).toBeCloseTo(2);
    expect(q?.verdict).toBe('superlinear');
    expect(linearity([{ rows: 1000, seconds: 5 }, { rows: 10_000, seconds: 10 }])?.verdict).toBe('sublinear');
  });
  it('needs two usable sizes', () => {
    expect(linearity([{ rows: 10, seconds: 1 }])).toBeNull();
    expect(linearity([{ rows: 10, seconds: 1 }, { rows: 100, seconds: 0 }])).toBeNull();
  });
});

describe('speedups', () => {
  it('relates every run to the first', () => {
    const s = speedups([{ workers: 1, seconds: 10 }, { workers: 2, seconds: 5.5 }, { workers: 4, seconds: 4 }]);
    expect(s[1].speedup).toBeCloseTo(10 / 5.5);
    expect(s[2].efficiency).toBeCloseTo(2.5 / 4);
  });
});

describe('resultFileName', () => {
  it('names results by machine and day', () => {
    expect(resultFileName({ hostname: 'My Host.local', date: '2026-11-27T05:00:00.000Z' }, 'full')).toBe('my-host-local-2026-11-27.json');
    expect(resultFileName({ hostname: '', date: '2026-11-27T05:00:00.000Z' }, 'quick')).toBe('machine-2026-11-27-quick.json');
  });
});
