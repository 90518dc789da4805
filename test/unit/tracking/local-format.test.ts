import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dumpMeta, parseMeta } from '../../../src/tracking/local/meta-yaml.js';
import { formatFloat, formatMetricLine, latestMetric, parseFloatText, parseMetricLines } from '../../../src/tracking/local/metric-line.js';

describe('metric lines', () => {
  it('writes Python float text and reads it back', () => {
    expect([1, 0.9, NaN, Infinity, -Infinity, 1e-7, 2.5e21, -0].map(formatFloat)).toEqual(['1.0', '0.9', 'nan', 'inf', '-inf', '1e-7', '2.5e+21', '-0.0']);
    expect(formatMetricLine({ timestamp: 1767225600000, value: 0.5, step: 2 })).toBe('1767225600000 0.5 2\n');
    for (const v of [0.1, 1, -3.25, 1e-300, 1.7976931348623157e308]) expect(parseFloatText(formatFloat(v))).toBe(v);
    expect(parseFloatText('nan')).toBeNaN();
    expect(parseFloatText('inf')).toBe(Infinity);
  });
  it('parses 2-, 3- and 5-field lines, skips blank lines, reads a final unterminated line', () => {
    const pts = parseMetricLines('k', '100 0.9\n101 nan 1\n\n102 0.5 2 ds digest\n103 inf 3');
    expect(pts.map((p) => [p.timestamp, p.step])).toEqual([[100, 0], [101, 1], [102, 0], [103, 3]]);
    expect(pts[1].value).toBeNaN();
    expect(pts[3].value).toBe(Infinity);
  });
  it('fails on a malformed line naming the file and line, but skips a torn final line (a write cut short)', () => {
    for (const junk of ['garbage', '101 0.9x 1', '101 0.9 1 extra', 'x 0.5 1', '101 nanx 1']) {
      expect(() => parseMetricLines('k', `100 0.5 0\n${junk}\n102 0.7 2\n`, '/m/k')).toThrow(
        expect.objectContaining({ code: 'FORMAT_ERROR', details: { file: '/m/k', line: 2 } }),
      );
    }
    expect(() => parseMetricLines('k', '100 0.5 0\n101 0.9x 1\n')).toThrow(/line 2 is malformed/);
    expect(parseMetricLines('k', '100 0.5 0\n101 0.9').map((p) => p.value)).toEqual([0.5, 0.9]);
    expect(parseMetricLines('k', '100 0.5 0\n1019876 0.').map((p) => p.value)).toEqual([0.5, 0]);
    expect(parseMetricLines('k', '100 0.5 0\n10198').map((p) => p.value)).toEqual([0.5]);
  });
  it('chooses the latest point like MLflow: step, then timestamp, then value', () => {
    const m = (value: number, timestamp: number, step: number) => ({ key: 'k', value, timestamp, step });
    expect(latestMetric([m(1, 5, 2), m(2, 9, 1)])?.value).toBe(1);
    expect(latestMetric([m(1, 5, 2), m(2, 6, 2)])?.value).toBe(2);
    expect(latestMetric([m(3, 5, 2), m(2, 5, 2)])?.value).toBe(3);
  });
});

describe('meta.yaml', () => {
  const meta = {
    run_id: '99999999999999999999999999999999', experiment_id: '7', end_time: null, status: 3, tags: [], user_id: '',
    yes: 'yes', date: '2024-01-01', under: '1_000', sexa: '1:20', multi: 'a\nb', name: 'résumé',
  };
  it('quotes every string PyYAML 1.1 would read as another type and sorts keys', () => {
    const text = dumpMeta(meta);
    expect(text).toContain('run_id: "99999999999999999999999999999999"');
    expect(text).toContain('experiment_id: "7"');
    expect(text).toContain('end_time: null');
    expect(text.split('\n')[0]).toMatch(/^date:/);
    expect(parseMeta(text, 'x')).toEqual(meta);
  });
  const py = '/usr/bin/python3';
  const hasPyYaml = existsSync(py) && (() => {
    try {
      execFileSync(py, ['-c', 'import yaml']);
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasPyYaml)('is read back identically by PyYAML safe_load (what MLflow uses)', () => {
    const out = execFileSync(py, ['-c', 'import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: dumpMeta(meta) });
    expect(JSON.parse(out.toString())).toEqual(meta);
  });
});
