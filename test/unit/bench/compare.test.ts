import { describe, expect, it } from 'vitest';
import { compareToBaseline, cpuRatio, machineDrift, peerComparison, settingsDiff, slowdown, speedRatio, type BenchResults, type Figure } from '../../../bench/lib/compare.mjs';

const s = (median: number, min = median, max = median, cpu?: number) => ({ median, min, max, runs: 5, ...(cpu ? { cpu: { median: cpu, min: cpu, max: cpu, runs: 5 } } : {}) });
const fig = (id: string, better: 'lower' | 'higher', ours: number | null, peer: number | null = null, spread = 0): Figure => ({
  id,
  label: id,
  unit: better === 'lower' ? 's' : 'rows/s',
  better,
  ours: ours === null ? null : s(ours, ours * (1 - spread), ours * (1 + spread)),
  peer: peer === null ? null : s(peer),
});
const PEER = { fingerprint: { script: 's1', input: 'i1', versions: 'v1' } };
const run = (figures: Figure[], mode: 'full' | 'quick' = 'full', peer: BenchResults['peer'] = PEER): BenchResults => ({ mode, data: { rows: 6046, trainRows: 4837, testRows: 1209 }, figures, peer });

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

  it('refuses to compare runs whose figures measure different work', () => {
    const settings = { trials: 20, workers: 2, aucSize: 1_000_000, latencyEmails: 400, scaling: { counts: [1, 2], trials: 20 }, reps: 5 };
    const a: BenchResults = { ...base, settings };
    // more repetitions only make a figure more precise: still comparable
    expect(compareToBaseline({ ...base, settings: { ...settings, reps: 9 } }, a).comparable).toBe(true);
    const b: BenchResults = { ...base, settings: { ...settings, trials: 8, workers: 4, scaling: { counts: [1, 2, 4], trials: 20 } } };
    const c = compareToBaseline(b, a);
    expect(c.comparable).toBe(false);
    expect(c.reason).toBe('different settings (trials 20 → 8, workers 2 → 4, scaling.counts 1,2 → 1,2,4)');
    // an older run without settings is taken at face value
    expect(settingsDiff(b, base)).toEqual([]);
  });
});

describe('machine drift', () => {
  // The peer's figures took 30 % longer (or ran 30 % slower) than in the baseline: a slow phase of the machine.
  const base = run([fig('k1', 'lower', 1, 2), fig('k2', 'lower', 1, 4), fig('r', 'higher', 100, 50), fig('own', 'lower', 1), fig('lost', 'lower', 1, 2)]);
  const cur = run([
    fig('k1', 'lower', 1.3, 2.6), // slower by 30 %, like the peer: no regression
    fig('k2', 'lower', 1.0, 5.2), // same time while the peer slowed down: an improvement against it
    fig('r', 'higher', 100 / 1.3, 50 / 1.3),
    fig('own', 'lower', 1.56), // no peer: 56 % slower raw, 20 % after the drift
    fig('lost', 'lower', 1.69, 2.6), // 69 % slower while the peer lost 30 %: lost 30 % against it
  ]);

  it('is the median of the peer slow-downs, and unknown with fewer than three', () => {
    const d = machineDrift(cur, base);
    expect(d?.figures).toBe(4);
    expect(d?.change).toBeCloseTo(0.3, 10);
    expect(machineDrift(run([fig('k1', 'lower', 1, 2.6), fig('k2', 'lower', 1, 5.2)]), base)).toBeNull();
  });

  it('judges each figure against its peer where the peer ran, else against the drift', () => {
    const c = compareToBaseline(cur, base);
    const row = Object.fromEntries(c.rows.map((r) => [r.id, r]));
    expect(c.drift?.change).toBeCloseTo(0.3, 10);
    expect(row.k1.change).toBeCloseTo(0.3, 10);
    expect(row.k1.corrected).toBeCloseTo(0, 10);
    expect(row.k1.correctedBy).toBe('peer');
    expect(row.k1.status).toBe('ok');
    expect(row.k2.status).toBe('improvement');
    expect(row.r.status).toBe('ok');
    expect(row.own.correctedBy).toBe('drift');
    expect(row.own.corrected).toBeCloseTo(0.2, 10);
    expect(row.own.status).toBe('regression');
    expect(row.lost.corrected).toBeCloseTo(0.3, 10);
    expect(c.regressions).toEqual(['own', 'lost']);
  });

  it('counts a peer measurement shown beside several figures once', () => {
    // XGBoost's fit stands beside each of our GBM kernels: three figures, one measurement
    const borrowed = (f: Figure): Figure => ({ ...f, peerOf: 'g' });
    const b = run([fig('g', 'lower', 1, 2), borrowed(fig('g1', 'lower', 2, 2)), borrowed(fig('g2', 'lower', 3, 2)), fig('t', 'lower', 1, 1), fig('u', 'lower', 1, 1)]);
    const c = run([fig('g', 'lower', 1, 3), borrowed(fig('g1', 'lower', 2, 3)), borrowed(fig('g2', 'lower', 3, 3)), fig('t', 'lower', 1, 1), fig('u', 'lower', 1, 1)]);
    // counted three times the median would be +50 %; once, the median of (+50 %, 0, 0) is 0
    expect(machineDrift(c, b)).toEqual({ change: 0, figures: 3 });
  });

  it('takes no correction from a peer that did other work than in the baseline', () => {
    // the same figures, but the baseline's peer ran another script (or on other input)
    for (const [then, reason] of [
      [{ fingerprint: { ...PEER.fingerprint, script: 's0' } }, /peer's script changed/],
      [{ fingerprint: { ...PEER.fingerprint, input: 'i0', versions: 'v0' } }, /peer's input and versions changed/],
      [{ python: '3.11.2' }, /the baseline has no peer fingerprint/],
      [{ skipped: '--no-peer' }, /did not run in both runs/],
    ] as const) {
      const old = run(base.figures as Figure[], 'full', then);
      const c = compareToBaseline(cur, old);
      expect(c.peer?.comparable).toBe(false);
      expect(c.peer?.reason).toMatch(reason);
      expect(c.drift).toBeNull();
      const row = Object.fromEntries(c.rows.map((r) => [r.id, r]));
      // judged on the raw change: k1 is 30 % slower, k2 did not change
      expect(row.k1.corrected).toBeNull();
      expect(row.k1.status).toBe('regression');
      expect(row.k2.status).toBe('ok');
    }
    expect(peerComparison(cur, base)).toEqual({ comparable: true, reason: null });
  });

  it('falls back to the raw change when there is no drift estimate', () => {
    const c = compareToBaseline(run([fig('own', 'lower', 1.15)]), base);
    const r = c.rows.find((x) => x.id === 'own');
    expect(c.drift).toBeNull();
    expect(r?.corrected).toBeNull();
    expect(r?.status).toBe('regression');
  });
});
