import { describe, expect, it } from 'vitest';
import { compareToBaseline, cpuRatio, slowdown, speedRatio, type BenchResults, type Figure } from '../../../bench/lib/compare.mjs';

const s = (median: number, min = median, max = median, cpu?: number) => ({ median, min, max, runs: 5, ...(cpu ? { cpu: { median: cpu, min: cpu, max: cpu, runs: 5 } } : {}) });
const fig = (id: string, better: 'lower' | 'higher', ours: number | null, peer: number | null = null, spread = 0): Figure => ({
  id,
  label: id,
  unit: better === 'lower' ? 's' : 'rows/s',
  better,
  ours: ours === null ? null : s(ours, ours * (1 - spread), ours * (1 + spread)),
  peer: peer === null ? null : s(peer),
});
const run = (figures: Figure[], mode: 'full' | 'quick' = 'full'): BenchResults => ({ mode, data: { rows: 6046, trainRows: 4837, testRows: 1209 }, figures });

describe('speed ratios', () => {
  it('reads > 1 as "we are faster" for times and for rates', () => {
    expect(speedRatio(fig('t', 'lower', 1, 3))).toBe(3);
    expect(speedRatio(fig('r', 'higher', 300, 100))).toBe(3);
    expect(speedRatio(fig('t', 'lower', 2, 1))).toBe(0.5);
  });
  it('is null without a peer or with a zero median', () => {
    expect(speedRatio(fig('t', 'lower', 1))).toBeNull();
    expect(speedRatio(fig('t', 'lower', 0, 1))).toBeNull();
  });
  it('computes the CPU-time ratio only when both sides measured CPU time', () => {
    const f: Figure = { id: 'k', label: 'k', unit: 's', better: 'lower', ours: s(1, 1, 1, 0.5), peer: s(2, 2, 2, 2) };
    expect(cpuRatio(f)).toBe(4);
    expect(cpuRatio(fig('k', 'lower', 1, 2))).toBeNull();
  });
});

describe('slowdown', () => {
  it('is symmetric in meaning for times and rates', () => {
    expect(slowdown('lower', 1.2, 1)).toBeCloseTo(0.2);
    expect(slowdown('higher', 100, 120)).toBeCloseTo(0.2);
    expect(slowdown('lower', 0.5, 1)).toBeCloseTo(-0.5);
    expect(slowdown('lower', 0, 1)).toBeNull();
  });
});

describe('compareToBaseline', () => {
  const base = run([fig('a', 'lower', 1), fig('b', 'higher', 1000), fig('c', 'lower', 1), fig('gone', 'lower', 1)]);

  it('flags figures more than 10 % worse, in both directions of "better"', () => {
    const cur = run([fig('a', 'lower', 1.11), fig('b', 'higher', 880), fig('c', 'lower', 1.05), fig('new', 'lower', 2)]);
    const c = compareToBaseline(cur, base);
    expect(c.comparable).toBe(true);
    const status = Object.fromEntries(c.rows.map((r) => [r.id, r.status]));
    expect(status).toEqual({ a: 'regression', b: 'regression', c: 'ok', new: 'new', gone: 'missing' });
    expect(c.regressions).toEqual(['a', 'b']);
  });

  it('does not flag exactly 10 % and reports improvements', () => {
    const cur = run([fig('a', 'lower', 1.1), fig('b', 'higher', 2000), fig('c', 'lower', 0.5)]);
    const st = Object.fromEntries(compareToBaseline(cur, base).rows.map((r) => [r.id, r.status]));
    expect(st.a).toBe('ok');
    expect(st.b).toBe('improvement');
    expect(st.c).toBe('improvement');
  });

  it('honours a custom threshold', () => {
    const cur = run([fig('a', 'lower', 1.06)]);
    expect(compareToBaseline(cur, base, 0.05).rows.find((r) => r.id === 'a')?.status).toBe('regression');
  });

  it('marks whether the min–max ranges overlap', () => {
    const wide = run([fig('a', 'lower', 1, null, 0.3)]);
    const cur = run([fig('a', 'lower', 1.2, null, 0.1)]);
    const row = compareToBaseline(cur, wide).rows.find((r) => r.id === 'a');
    expect(row?.status).toBe('regression');
    expect(row?.overlap).toBe(true);
  });

  it('refuses to compare different modes or data', () => {
    expect(compareToBaseline(run([fig('a', 'lower', 1)], 'quick'), base).comparable).toBe(false);
    const other: BenchResults = { ...base, data: { rows: 100, trainRows: 80, testRows: 20 } };
    const c = compareToBaseline(base, other);
    expect(c.comparable).toBe(false);
    expect(c.reason).toMatch(/different data/);
    expect(compareToBaseline(base, null).reason).toBe('no baseline');
  });
});
