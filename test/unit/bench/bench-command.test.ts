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
  it('builds the scale arguments', () => {
    expect(benchArgs({ scale: true, sizes: '10000,100_000' })).toEqual(['--sizes', '10000,100_000']);
    expect(() => benchArgs({ scale: true, sizes: '10k' })).toThrow(/--sizes/);
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
