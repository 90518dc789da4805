import { describe, expect, it } from 'vitest';
import { escapeControls } from '../../../src/core/terminal.js';
import { makeLogger } from '../../../src/core/ports.js';
import { formatError } from '../../../src/cli/exit-codes.js';
import { TrainSpamError } from '../../../src/core/errors.js';

describe('escapeControls (text bound for a terminal)', () => {
  it('shows C0 (but tab and newline), DEL, C1 and bidi controls as escapes, and leaves the rest', () => {
    expect(escapeControls('a\x1b[31mred\x1b[0m')).toBe('a\\x1b[31mred\\x1b[0m');
    expect(escapeControls('over\rwrite\x00\x07\x7f\x9b')).toBe('over\\x0dwrite\\x00\\x07\\x7f\\x9b');
    expect(escapeControls('abc\u202edef\u2066g\u2069')).toBe('abc\\u202edef\\u2066g\\u2069');
    const plain = 'two\tcolumns\nnext line: é 日本 ✓ — “quotes”';
    expect(escapeControls(plain)).toBe(plain);
  });

  it('is applied to text log lines and to the error line, not to their JSON forms', () => {
    const lines: string[] = [];
    makeLogger((l) => lines.push(l)).log('warn', 'experiment \x1b]0;title\x07 made', { id: 'x\u009by' });
    expect(lines).toEqual(['WARN: experiment \\x1b]0;title\\x07 made {"id":"x\\x9by"}']);
    const e = new TrainSpamError('NOT_FOUND', '/tmp/\x1b[2Jmail.eml: no such file or folder');
    expect(formatError(e, {})).toBe('train-spam: error [NOT_FOUND]: /tmp/\\x1b[2Jmail.eml: no such file or folder');
    expect(JSON.parse(formatError(e, { TRAIN_SPAM_LOG_FORMAT: 'json' })).message).toBe('/tmp/\x1b[2Jmail.eml: no such file or folder');
  });
});
