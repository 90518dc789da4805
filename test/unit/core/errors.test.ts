/** toErrorData: how errors that are not TrainSpamErrors are classified for messages and exit codes. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainSpamError, toErrorData } from '../../../src/core/errors.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('toErrorData', () => {
  const dir = mkdtempSync(join(tmpdir(), 'errors-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');

  it('keeps a TrainSpamError as it is', () => {
    expect(toErrorData(new TrainSpamError('INVALID_DATA', 'row 3: label 7'))).toMatchObject({ code: 'INVALID_DATA', message: 'row 3: label 7' });
  });

  it('an untranslated file-system error is an IO_ERROR (NOT_FOUND for ENOENT) with the call and path, not INTERNAL', () => {
    const notDir = toErrorData(thrown(() => mkdirSync(join(file, 'sub'), { recursive: true })));
    expect(notDir.code).toBe('IO_ERROR');
    expect(notDir.message).toContain('a-file');
    expect(notDir.details).toMatchObject({ errno: 'ENOTDIR', syscall: 'mkdir' });
    const missing = toErrorData(thrown(() => readFileSync(join(dir, 'missing.txt'))));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', details: { errno: 'ENOENT', syscall: 'open', path: join(dir, 'missing.txt') } });
  });

  it('other errors stay INTERNAL, including errno errors of non-file calls', () => {
    expect(toErrorData(new TypeError('x is not a function')).code).toBe('INTERNAL');
    const net = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', syscall: 'connect' });
    expect(toErrorData(net).code).toBe('INTERNAL');
  });
});
