/** Exit codes of the command line for errors commander itself detects (README: 64 = usage). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/cli.js';

/** Silences the CLI; returns what it wrote to stderr so far. */
function quiet(): () => string {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  return () => err.mock.calls.map((c) => String(c[0])).join('');
}

describe('runCli exit codes', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('an unknown option of a subcommand is a usage error (64), not a generic failure', async () => {
    const stderr = quiet();
    expect(await runCli(['node', 'train-spam', 'run', '--output-root', '/tmp/x'])).toBe(64);
    expect(stderr()).toContain("unknown option '--output-root'");
  });

  it('an unknown option of a nested subcommand is a usage error (64)', async () => {
    const stderr = quiet();
    expect(await runCli(['node', 'train-spam', 'data', 'prepare', '--no-such-flag'])).toBe(64);
    expect(stderr()).toContain("unknown option '--no-such-flag'");
  });

  it('an unknown command is a usage error (64)', async () => {
    const stderr = quiet();
    expect(await runCli(['node', 'train-spam', 'no-such-command'])).toBe(64);
    expect(stderr()).toContain("unknown command 'no-such-command'");
  });

  it('help exits 0 and prints the usage', async () => {
    quiet();
    const out = vi.mocked(process.stdout.write);
    expect(await runCli(['node', 'train-spam', 'run', '--help'])).toBe(0);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('Usage: train-spam run');
  });
});
