/**
 * Bench results files: the baseline is read (and refused when unusable) before anything is
 * measured, a run never replaces another run's results, and the Python peer launches the trials
 * in the order our study does.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freeResultPath, readBaseline } from '../../../bench/run.mjs';

const PEER_DIR = resolve(__dirname, '../../../bench/peers');
const dir = mkdtempSync(join(tmpdir(), 'bench-files-'));

describe('bench results files', () => {
  it('a --baseline that does not exist or is no results file stops the run up front; a missing default one is skipped', () => {
    expect(() => readBaseline(join(dir, 'basline.json'), true)).toThrow(/--baseline .*basline\.json: no such file/);
    expect(readBaseline(join(dir, 'baseline.json'), false)).toBeNull();
    writeFileSync(join(dir, 'cut.json'), '{"schema": "train-spam-bench/1", "figu');
    expect(() => readBaseline(join(dir, 'cut.json'), false)).toThrow(/baseline .*cut\.json cannot be used: .*JSON/);
    writeFileSync(join(dir, 'other.json'), '{"a": 1}');
    expect(() => readBaseline(join(dir, 'other.json'), true)).toThrow(/no figures\[\] \(not a bench results file\)/);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ figures: [] }));
    expect(readBaseline(join(dir, 'ok.json'), true)).toEqual({ figures: [] });
  });

  it('a second run of the same day gets -2, then -3, instead of replacing the first', () => {
    const f = join(dir, 'vm-2026-11-29.json');
    expect(freeResultPath(f)).toBe(f);
    writeFileSync(f, '{}');
    expect(freeResultPath(f)).toBe(join(dir, 'vm-2026-11-29-2.json'));
    writeFileSync(join(dir, 'vm-2026-11-29-2.json'), '{}');
    expect(freeResultPath(f)).toBe(join(dir, 'vm-2026-11-29-3.json'));
  });
});

describe("the peer's launch order", () => {
  const python = '/usr/bin/python3';
  const run = (inp: object) =>
    spawnSync(python, ['-c', 'import json, sys; sys.path.insert(0, sys.argv[1]); import pipeline_peer as p; print(json.dumps(p.launch_order(json.load(sys.stdin))))', PEER_DIR], {
      input: JSON.stringify(inp),
      encoding: 'utf8',
    });
  const probe = spawnSync(python, ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
  it.skipIf(probe.status !== 0)('is the launchOrder it is given (ours), trial order without one, and a non-permutation is refused', () => {
    expect(JSON.parse(run({ trials: 4, launchOrder: [2, 0, 3, 1] }).stdout)).toEqual([2, 0, 3, 1]);
    expect(JSON.parse(run({ trials: 3 }).stdout)).toEqual([0, 1, 2]);
    const bad = run({ trials: 3, launchOrder: [0, 0, 1] });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("'launchOrder' must be a permutation of 0..2");
  });
});
