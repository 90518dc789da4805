/** The CLI logger: progress on stdout, warnings and errors on stderr (visible with stdout redirected). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliLogger, cliProgress } from '../../../src/cli/wiring.js';

describe('cliLogger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes info (and debug when verbose) to stdout, warn and error to stderr', () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    const log = cliLogger(true, {});
    log.log('debug', 'd');
    log.log('info', 'step one');
    log.log('warn', 'careful');
    log.log('error', 'INVALID_DATA: bad row 3');
    expect(out).toEqual(['DEBUG: d\n', 'step one\n']);
    expect(err).toEqual(['WARN: careful\n', 'ERROR: INVALID_DATA: bad row 3\n']);
  });

  it('writes JSON lines under TRAIN_SPAM_LOG_FORMAT=json (what the compiled pipeline sets), and says so for an unknown format', () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    const log = cliLogger(false, { TRAIN_SPAM_LOG_FORMAT: 'json' });
    log.log('debug', 'hidden');
    log.log('info', 'step one', { rows: 3 });
    log.log('error', 'bad row 3');
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0])).toMatchObject({ level: 'info', message: 'step one', rows: 3, ts: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(JSON.parse(err[0])).toMatchObject({ level: 'error', message: 'bad row 3' });
    cliLogger(false, { TRAIN_SPAM_LOG_FORMAT: 'xml' }).log('info', 'plain');
    expect(err[1]).toBe("WARN: TRAIN_SPAM_LOG_FORMAT='xml' is not 'text' or 'json'; logging text\n");
    expect(out[1]).toBe('plain\n');
  });

  it('in JSON mode a field named like ts/level/message does not replace them, and the final error line is JSON too', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    cliLogger(false, { TRAIN_SPAM_LOG_FORMAT: 'json' }).log('info', 'real', { message: 'fake', level: 'fake' });
    expect(JSON.parse(out[0])).toMatchObject({ level: 'info', message: 'real' });
    const { formatError } = await import('../../../src/cli/exit-codes.js');
    const { TrainSpamError } = await import('../../../src/core/errors.js');
    const e = new TrainSpamError('INVALID_ARGUMENT', 'bad flag', { flag: '--x' });
    expect(JSON.parse(formatError(e, { TRAIN_SPAM_LOG_FORMAT: 'json' }))).toMatchObject({ level: 'error', code: 'INVALID_ARGUMENT', message: 'bad flag', details: { flag: '--x' } });
    expect(formatError(e, {})).toBe('train-spam: error [INVALID_ARGUMENT]: bad flag');
  });
});

describe('cliProgress off a terminal', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes one JSON line per trial event to stderr, with no blank line between them', () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    try {
      const p = cliProgress();
      p.event({ type: 'study_start', total: 2 } as never);
      p.event({ type: 'study_end', state: 'completed' } as never);
      p.close();
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    const lines = err.join('').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['study_start', 'study_end']);
  });
});
