/** Exit codes of the command line for errors commander itself detects (README: 64 = usage). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/cli.js';

function quiet(): void {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
}

describe('runCli exit codes', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('an unknown option of a subcommand is a usage error (64), not a generic failure', async () => {
    quiet();
    expect(await runCli(['node', 'train-spam', 'run', '--output-root', '/tmp/x'])).toBe(64);
  });

  it('an unknown option of a nested subcommand is a usage error (64)', async () => {
    quiet();
    expect(await runCli(['node', 'train-spam', 'data', 'prepare', '--no-such-flag'])).toBe(64);
  });

  it('an unknown command is a usage error (64)', async () => {
    quiet();
    expect(await runCli(['node', 'train-spam', 'no-such-command'])).toBe(64);
  });

  it('help exits 0 and prints the usage', async () => {
    quiet();
    const out = vi.mocked(process.stdout.write);
    expect(await runCli(['node', 'train-spam', 'run', '--help'])).toBe(0);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('Usage: train-spam run');
  });
});
