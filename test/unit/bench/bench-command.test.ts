import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { benchArgs, benchScript, registerBenchCommand } from '../../../src/cli/commands/bench.js';

describe('train-spam bench arguments', () => {
  it('passes the flags through to bench/run.mjs', () => {
    expect(benchArgs({})).toEqual([]);
    expect(benchArgs({ quick: true, peer: false, e2e: false, out: 'r.json', saveBaseline: true, e2eReps: '2', trials: '10', workers: '2' })).toEqual([
      '--quick', '--no-peer', '--no-e2e', '--out', 'r.json', '--save-baseline', '--e2e-reps', '2', '--trials', '10', '--workers', '2',
    ]);
  });
  it('rejects bad counts with the flag name', () => {
    expect(() => benchArgs({ e2eReps: '0' })).toThrow(/--e2e-reps '0'/);
    expect(() => benchArgs({ workers: 'two' })).toThrow(/--workers 'two'/);
  });
  it('builds the scale arguments, --trials, --workers and --space included', () => {
    expect(benchArgs({ scale: true, sizes: '10000,100_000' })).toEqual(['--sizes', '10000,100_000']);
    expect(benchArgs({ scale: true, trials: '3', workers: '4', space: 'default', out: 's.json' })).toEqual(['--trials', '3', '--workers', '4', '--space', 'default', '--out', 's.json']);
    expect(() => benchArgs({ scale: true, sizes: '10k' })).toThrow(/--sizes/);
    expect(() => benchArgs({ scale: true, trials: '0' })).toThrow(/--trials '0'/);
    expect(() => benchArgs({ scale: true, space: '' })).toThrow(/--space/);
  });
  it('refuses a flag of the other harness instead of dropping it', () => {
    expect(() => benchArgs({ scale: true, quick: true, e2eReps: '2' })).toThrow(/--scale\) does not take --quick, --e2e-reps/);
    expect(() => benchArgs({ scale: true, peer: false })).toThrow(/does not take --no-peer/);
    expect(() => benchArgs({ sizes: '10000' })).toThrow(/only the scale bench \(--scale\) takes --sizes/);
    expect(() => benchArgs({ space: 'x.yaml' })).toThrow(/takes --space/);
    // commander's defaults (peer: true, e2e: true) are not flags given
    expect(benchArgs({ scale: true, peer: true, e2e: true })).toEqual([]);
  });
  it('bench/scale.mjs parses and checks its own flags', async () => {
    const { parseScaleArgs } = await import('../../../bench/scale.mjs');
    const o = parseScaleArgs(['--sizes', '10_000,200', '--trials', '3', '--workers', '4', '--space', 'default', '--seed', '7']);
    expect(o).toMatchObject({ sizes: [10000, 200], trials: 3, workers: 4, space: null, seed: 7 });
    expect(parseScaleArgs([]).space).toMatch(/scale-space\.yaml$/);
    expect(() => parseScaleArgs(['--sizes', '10k'])).toThrow(/--sizes '10k'/);
    expect(() => parseScaleArgs(['--trials'])).toThrow(/--trials needs a value/);
    expect(() => parseScaleArgs(['--seed', '-1'])).toThrow(/--seed '-1'/);
    expect(() => parseScaleArgs(['--space', 'no/such/space.yaml'])).toThrow(/does not exist/);
    expect(() => parseScaleArgs(['--quick', 'x'])).toThrow(/unknown option '--quick'/);
  });
  it('parses --no-peer and --quick through commander', () => {
    const program = new Command();
    registerBenchCommand(program);
    const cmd = program.commands.find((c) => c.name() === 'bench')!;
    cmd.action(() => undefined);
    program.parse(['node', 'x', 'bench', '--quick', '--no-peer'], { from: 'node' });
    expect(benchArgs(cmd.opts())).toEqual(['--quick', '--no-peer']);
  });
  it('points at the harness in this checkout', () => {
    expect(existsSync(benchScript('run.mjs'))).toBe(true);
    expect(existsSync(benchScript('scale.mjs'))).toBe(true);
  });
});
