/** The CLI logger: progress on stdout, warnings and errors on stderr (visible with stdout redirected). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliLogger } from '../../../src/cli/wiring.js';

describe('cliLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes info (and debug when verbose) to stdout, warn and error to stderr', () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    const log = cliLogger(true);
    log.log('debug', 'd');
    log.log('info', 'step one');
    log.log('warn', 'careful');
    log.log('error', 'INVALID_DATA: bad row 3');
    expect(out).toEqual(['DEBUG: d\n', 'step one\n']);
    expect(err).toEqual(['WARN: careful\n', 'ERROR: INVALID_DATA: bad row 3\n']);
  });
});
