import { describe, expect, it } from 'vitest';
import type { Figure } from '../../../bench/lib/compare.mjs';
import { formatComparison, formatFigureTable, formatNotes, formatQuality, formatRatio, formatSummary, formatValue, markdownTable } from '../../../bench/lib/table.mjs';

describe('formatValue', () => {
  it('picks s, ms or µs for seconds', () => {
    expect(formatValue(12.345, 's')).toBe('12.35 s');
    expect(formatValue(0.25, 's')).toBe('250 ms');
    expect(formatValue(0.0123, 's')).toBe('12.3 ms');
    expect(formatValue(2e-5, 's')).toBe('20.0 µs');
    expect(formatValue(0, 's')).toBe('0 s');
  });
  it('formats milliseconds and rates', () => {
    expect(formatValue(0.42, 'ms')).toBe('420 µs');
    expect(formatValue(6.9, 'ms')).toBe('6.90 ms');
    expect(formatValue(123456, 'rows/s')).toBe('123 k rows/s');
    expect(formatValue(1.5e6, 'rows/s')).toBe('1.50 M rows/s');
    expect(formatValue(3.2, 'trials/s')).toBe('3.20 trials/s');
    expect(formatValue(null, 's')).toBe('n/a');
  });
  it('shows median, range and runs', () => {
    expect(formatSummary({ median: 1, min: 0.5, max: 2, runs: 5 }, 's')).toBe('1.00 s (500 ms–2.00 s, 5)');
    expect(formatSummary({ median: 1, min: 1, max: 1, runs: 1 }, 's')).toBe('1.00 s (1 run)');
    expect(formatSummary(null, 's')).toBe('—');
    expect(formatRatio(12.34)).toBe('12.3×');
    expect(formatRatio(0.5)).toBe('0.50×');
    expect(formatRatio(null)).toBe('—');
  });
});

describe('tables', () => {
  it('aligns a Markdown table and escapes pipes', () => {
    const t = markdownTable(['a', 'bb'], [['x|y', '1']]).split('\n');
    expect(t).toHaveLength(3);
    expect(t[0]).toBe('| a    | bb  |');
    expect(t[1]).toBe('| ---- | --- |');
    expect(t[2]).toBe('| x\\|y | 1   |');
  });

  it('prints ours, peer and the ratios, with numbered notes', () => {
    const figures: Figure[] = [
      { id: 'gbm', label: 'GBM fit', unit: 's', better: 'lower', ours: { median: 1, min: 1, max: 1, runs: 5, cpu: { median: 1, min: 1, max: 1, runs: 5 } }, peer: { median: 5, min: 5, max: 5, runs: 3, cpu: { median: 8, min: 8, max: 8, runs: 3 } }, note: 'one thread' },
      { id: 'pred', label: 'predict', unit: 'rows/s', better: 'higher', ours: { median: 2e5, min: 2e5, max: 2e5, runs: 5 }, peer: { median: 1e5, min: 1e5, max: 1e5, runs: 5 } },
      { id: 'pool', label: 'pool', unit: 'ms', better: 'lower', ours: { median: 0.3, min: 0.2, max: 0.4, runs: 5 }, peer: null, note: 'no peer' },
    ];
    const lines = formatFigureTable(figures).split('\n');
    expect(lines[2]).toMatch(/^\| GBM fit \[1\] .*\| 5\.00×\s+\| 8\.00×\s+\|$/);
    expect(lines[3]).toMatch(/\| 2\.00×\s+\| —\s+\|$/);
    expect(lines[4]).toMatch(/^\| pool \[2\]/);
    expect(formatNotes(figures)).toEqual(['[1] GBM fit: one thread', '[2] pool: no peer']);
  });

  it('prints quality with the F1 gap', () => {
    const q = formatQuality({ ours: { best_model: 'gbm', test_f1: 0.98, test_auc: 0.999 }, peer: { best_model: 'gbm', test_f1: 0.975, test_auc: 0.998 } });
    expect(q).toContain('| ours | gbm         | 0.9800  | 0.9990   |');
    expect(q).toMatch(/F1 ours − peer: \+0\.0050/);
    expect(formatQuality(null)).toMatch(/n\/a/);
  });

  it('says whether the peer built the same dense features as ours', () => {
    const ours = { best_model: 'gbm', test_f1: 0.98, test_auc: 0.999 };
    expect(formatQuality({ ours, peer: { ...ours, dense_max_abs_diff: 0 } })).toMatch(/dense features \(built in Python\): identical to ours/);
    expect(formatQuality({ ours, peer: { ...ours, dense_max_abs_diff: 0.5 } })).toMatch(/WARNING: .*differ from ours by up to 0\.5/);
    expect(formatQuality({ ours, peer: ours })).not.toMatch(/dense features/);
  });

  it('lists regressions first and counts them', () => {
    const text = formatComparison({
      comparable: true,
      reason: null,
      rows: [
        { id: 'a', label: 'a', unit: 's', status: 'ok', current: 1, baseline: 1, change: 0, overlap: true },
        { id: 'b', label: 'b', unit: 's', status: 'regression', current: 1.5, baseline: 1, change: 0.5, overlap: false },
      ],
      regressions: ['b'],
    });
    const lines = text.split('\n');
    expect(lines[2]).toMatch(/^\| b .*\+50\.0 % .*regression/);
    expect(lines.at(-2)).toMatch(/^machine drift: unknown/);
    expect(lines.at(-1)).toBe('1 regression(s) > 10 %');
    const drifted = formatComparison({
      comparable: true,
      reason: null,
      rows: [{ id: 'a', label: 'a', unit: 's', status: 'ok', current: 1.3, baseline: 1, change: 0.3, corrected: 0, correctedBy: 'peer', overlap: false }],
      regressions: [],
      drift: { change: 0.3, figures: 5 },
    }).split('\n');
    expect(drifted[2]).toMatch(/^\| a .*\+30\.0 % .*\+0\.0 % \(vs peer\) .*ok/);
    expect(drifted.at(-2)).toBe("machine drift: the peer's figures were +30.0 % against the baseline (median of 5); statuses judge the corrected change");
    expect(formatComparison({ comparable: false, reason: 'no baseline', rows: [] })).toBe('baseline comparison: skipped (no baseline)');
    const uncorrected = formatComparison({
      comparable: true,
      reason: null,
      rows: [{ id: 'a', label: 'a', unit: 's', status: 'ok', current: 1, baseline: 1, change: 0, corrected: null, correctedBy: null, overlap: true }],
      regressions: [],
      drift: null,
      peer: { comparable: false, reason: "the peer's script changed since the baseline" },
    }).split('\n');
    expect(uncorrected.at(-2)).toBe("machine drift: not corrected (the peer's script changed since the baseline); statuses judge the raw change, which includes the machine's drift");
  });
});
