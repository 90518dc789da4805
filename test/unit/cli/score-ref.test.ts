import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_REF, parseModelRef, scoreInputs, type ScoreLine } from '../../../src/cli/commands/score.js';
import { TrainSpamError } from '../../../src/core/errors.js';
import type { SpamScorer } from '../../../src/serving/scorer.js';

describe('score --model references', () => {
  it('defaults to the pipeline\'s registered model behind the staging alias', () => {
    expect(DEFAULT_MODEL_REF).toBe('models:/spam-detector@staging');
  });

  it('reads folders, run artifacts, aliases, versions and stages', () => {
    expect(parseModelRef('out/model')).toEqual({ kind: 'folder', path: 'out/model' });
    expect(parseModelRef('/abs/model ')).toEqual({ kind: 'folder', path: '/abs/model' });
    expect(parseModelRef('runs:/abc123/model')).toEqual({ kind: 'run', runId: 'abc123', path: 'model' });
    expect(parseModelRef('runs:/abc123/a/b')).toEqual({ kind: 'run', runId: 'abc123', path: 'a/b' });
    expect(parseModelRef('models:/spam-detector@staging')).toEqual({ kind: 'alias', name: 'spam-detector', alias: 'staging' });
    expect(parseModelRef('models:/spam-detector/12')).toEqual({ kind: 'version', name: 'spam-detector', version: '12' });
    expect(parseModelRef('models:/spam-detector/staging')).toEqual({ kind: 'stage', name: 'spam-detector', stage: 'Staging' });
    expect(parseModelRef('models:/spam-detector/Production')).toEqual({ kind: 'stage', name: 'spam-detector', stage: 'Production' });
  });

  it.each([
    ['', /--model is empty/],
    ['runs:/abc', /expected runs:\/<run_id>\/<artifact path>/],
    ['models:/spam-detector', /expected models:\/<name>@<alias>/],
    ['models:/a/b/c', /expected models:\/<name>@<alias>/],
    ['models:/spam-detector/0', /'0' is neither a version number nor a stage/],
    ['models:/spam-detector/Archived', /'Archived' is neither a version number nor a stage/],
    ['models:/spam-detector/latest', /'latest' is neither/],
    ['s3://bucket/model', /the scheme is not one of runs:\/, models:\//],
    ['runs:/../model', /--model 'runs:\/..\/model': run id '..' is not a valid id/],
    ['runs:/abc/../x', /--model 'runs:\/abc\/..\/x': .*artifact path/],
    ['models:/../3', /registered model name '..' must not/],
    ['models:/spam-detector@latest', /alias 'latest' is reserved/],
  ])('refuses %j as a usage error', (text, message) => {
    let caught: unknown;
    try {
      parseModelRef(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TrainSpamError);
    expect((caught as TrainSpamError).code).toBe('INVALID_ARGUMENT');
    expect((caught as TrainSpamError).details).toMatchObject({ parameter: '--model', usage: true });
    expect((caught as TrainSpamError).message).toMatch(message);
  });
});

describe('scoreInputs', () => {
  /** A scorer that reads P(spam) from the message's Subject, refuses "bad" and returns NaN for "nan". */
  const fake = {
    async scoreRaw(raw: Uint8Array | string, id: string): Promise<number> {
      const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
      if (text === 'bad') throw new TrainSpamError('INVALID_DATA', `e-mail ${id}: no header section`, { email_id: id });
      if (text === 'nan') return NaN;
      return Number(/^Subject: (.*)$/m.exec(text)![1]);
    },
  } as unknown as SpamScorer;
  const files: Record<string, string> = { a: 'Subject: 0.9\n\nx', b: 'bad', c: 'Subject: 0.2\n\ny', d: 'nan', e: 'Subject: 0.5\n\nz' };
  const read = async (f: string) => {
    if (!(f in files)) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
    return Buffer.from(files[f]);
  };

  it('scores every input in order; one that fails is its own error line and the rest go on', async () => {
    const lines: ScoreLine[] = [];
    const r = await scoreInputs(fake, ['a', 'b', 'missing', 'c', 'd', 'e'], 0.5, (l) => lines.push(l), read);
    expect(r).toEqual({ scored: 3, failed: 3 });
    expect(lines).toEqual([
      { file: 'a', p_spam: 0.9, spam: true },
      { file: 'b', error: { code: 'INVALID_DATA', message: 'e-mail b: no header section' } },
      { file: 'missing', error: { code: 'IO_ERROR', message: 'cannot read missing: ENOENT' } },
      { file: 'c', p_spam: 0.2, spam: false },
      { file: 'd', error: { code: 'INVALID_DATA', message: 'e-mail d: the model scored NaN' } },
      { file: 'e', p_spam: 0.5, spam: true }, // the threshold itself is spam
    ]);
  });

  it('an error that is not about one e-mail (a bug) ends the command', async () => {
    const broken = { scoreRaw: async () => { throw new TypeError('boom'); } } as unknown as SpamScorer;
    await expect(scoreInputs(broken, ['a'], 0.5, () => {}, read)).rejects.toThrow('boom');
  });
});
