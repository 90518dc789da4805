/**
 * Bad input to the data and feature steps and to `data prepare` / `data synth`: each failure names
 * the file, column or row and what was expected, and nothing is left half-written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/ports.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { fitSynthModel } from '../../../src/data/synth.js';
import { silentProgress } from '../../../src/hpo/progress.js';
import { EMAIL_COLUMN_SPECS, prepareCorpus, toColumns } from '../../../src/io/corpus.js';
import { loadEmailTable } from '../../../src/io/email-table.js';
import { checkOutputFile, writeParquet, type ColumnSpec } from '../../../src/io/parquet.js';
import { writeSynthetic } from '../../../src/io/synth-writer.js';
import { systemClock, type RunContext } from '../../../src/pipeline/context.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { dataPreparation } from '../../../src/pipeline/steps/data-preparation.js';
import { featureRetrieval } from '../../../src/pipeline/steps/feature-retrieval.js';
import { MAX_RFC822_RECIPIENTS, recordToRfc822 } from '../../../src/serving/scorer.js';
import { parseEmail } from '../../../src/data/mime.js';

const dir = mkdtempSync(join(tmpdir(), 'train-spam-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctxFor(file: string, signal = new AbortController().signal): RunContext {
  return {
    params: resolvePipelineParams({ entity_data_path: file, seed: 3, test_split_ratio: 0.2 }),
    logger: silentLogger,
    clock: systemClock,
    signal,
    outDir: dir,
    tracking: null,
    runId: null,
    experimentId: null,
    progress: silentProgress,
    workers: 1,
  };
}

function rec(i: number, label: 0 | 1, body: string, over: Partial<EmailRecord> = {}): EmailRecord {
  return {
    email_id: `t/${i}`,
    label,
    sender: `u${i}@example.org`,
    sender_domain: 'example.org',
    reply_to: null,
    num_recipients: 1,
    subject: '',
    body_text: body,
    body_html: null,
    has_html: false,
    is_multipart: false,
    num_attachments: 0,
    event_timestamp: Date.UTC(2002, 7, 1 + (i % 20)),
    size_bytes: 500 + body.length,
    source_group: label ? 'spam' : 'ham',
    ...over,
  };
}

async function table(name: string, rows: EmailRecord[]): Promise<string> {
  const file = join(dir, name);
  await writeParquet(file, EMAIL_COLUMN_SPECS, toColumns(rows));
  return file;
}

async function failure(p: Promise<unknown>): Promise<TrainSpamError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TrainSpamError);
  return e as TrainSpamError;
}

describe('the split', () => {
  it('says when one body shared by all e-mails of a class keeps that class on one side, at any ratio', async () => {
    const rows = [...Array.from({ length: 40 }, (_, i) => rec(i, 0, `ham message number ${i} about the weekly meeting`)), ...Array.from({ length: 10 }, (_, i) => rec(100 + i, 1, i % 2 ? 'WIN  a prize NOW' : 'win a prize now'))];
    const file = await table('one-spam-body.parquet', rows);
    const e = await failure(dataPreparation(ctxFor(file)));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/all 10 spam e-mails have the same body/);
    expect(e.message).toMatch(/at any test_split_ratio/);
    expect(e.message).not.toMatch(/choose a ratio/);
  });

  it('says so for a table with a single e-mail of a class', async () => {
    const rows = [...Array.from({ length: 30 }, (_, i) => rec(i, 0, `ham ${i} text`)), rec(99, 1, 'the only spam')];
    const e = await failure(dataPreparation(ctxFor(await table('one-spam.parquet', rows))));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toMatch(/the table has one spam e-mail: the (test|training) split gets no spam at any test_split_ratio/);
  });
});

describe('event timestamps', () => {
  it('a timestamp outside 1970–2100 as milliseconds (µs or ns written by mistake) names the row and the likely unit', async () => {
    const rows = [...Array.from({ length: 30 }, (_, i) => rec(i, 0, `ham ${i} text`)), ...Array.from({ length: 10 }, (_, i) => rec(50 + i, 1, `spam ${i} offer`))];
    // row 7 holds 2002-09-02 in microseconds
    rows[7] = { ...rows[7], event_timestamp: 1030968000 * 1e6 };
    // data preparation reads the column (for its summary) and stops there
    const e = await failure(dataPreparation(ctxFor(await table('micros.parquet', rows))));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toMatch(/micros\.parquet: column "event_timestamp" row 7: event_timestamp 1030968000000000 is \S+ as milliseconds, outside 1970–2100/);
    expect(e.message).toMatch(/\(as microseconds it would be 2002-09-02T12:00:00\.000Z\)$/);
    // null (an unknown date) and real milliseconds are fine
    rows[7] = { ...rows[7], event_timestamp: null };
    const ok = ctxFor(await table('null-date.parquet', rows));
    const okData = await dataPreparation(ok);
    const f = await featureRetrieval(ok, { train: okData.train, test: okData.test, trainGroups: okData.trainGroups });
    expect(f.train.X.rows + f.test.X.rows).toBe(40);
  });
});

describe('feature retrieval', () => {
  it('Ctrl-C stops it in the fitting pass (an aborted signal: CANCELLED before any fit)', async () => {
    // texts without a token: a fit would fail (empty vocabulary), so CANCELLED shows it never ran
    const rows = [...Array.from({ length: 20 }, (_, i) => rec(i, 0, i % 2 ? 'the and of' : '')), ...Array.from({ length: 10 }, (_, i) => rec(50 + i, 1, i % 2 ? 'a an the' : ''))];
    const file = await table('cancel.parquet', rows);
    const data = await dataPreparation(ctxFor(file));
    const ac = new AbortController();
    ac.abort();
    const e = await failure(featureRetrieval(ctxFor(file, ac.signal), { train: data.train, test: data.test, trainGroups: data.trainGroups }));
    expect(e.code).toBe('CANCELLED');
  });

  it('an empty vocabulary names the table and the columns the fit read', async () => {
    const rows = [...Array.from({ length: 20 }, (_, i) => rec(i, 0, i % 2 ? 'the and of' : '')), ...Array.from({ length: 10 }, (_, i) => rec(50 + i, 1, i % 2 ? 'a an the' : ''))];
    const file = await table('no-tokens.parquet', rows);
    const ctx = ctxFor(file);
    const data = await dataPreparation(ctx);
    const e = await failure(featureRetrieval(ctx, { train: data.train, test: data.test, trainGroups: data.trainGroups }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/columns subject, body_text/);
    expect(e.message).toMatch(/empty vocabulary/);
  });
});

describe('raw tables', () => {
  it('a message the MIME parser refuses names the file, the column and the row', async () => {
    const ok = (i: number, label: number) => `From: a${i}@x.org\r\nTo: b@y.org\r\nSubject: s${i}\r\n\r\nbody ${i} ${label ? 'win money' : 'meeting notes'}\r\n`;
    const ids = Array.from({ length: 12 }, (_, i) => `r/${i}`);
    const labels = ids.map((_, i) => (i % 3 === 0 ? 1 : 0));
    const raws = ids.map((_, i) => ok(i, labels[i]));
    raws[7] = `Subject: ${'x'.repeat(3 * 1024 * 1024)}\r\n\r\nbody\r\n`; // over the parser's 2 MB header limit
    const file = join(dir, 'raw-bad.parquet');
    await writeParquet(file, [{ name: 'email_id', type: 'STRING' }, { name: 'label', type: 'INT32' }, { name: 'raw', type: 'STRING' }], { email_id: ids, label: labels, raw: raws });
    const e = await failure(dataPreparation(ctxFor(file)).then((d) => featureRetrieval(ctxFor(file), { train: d.train, test: d.test, trainGroups: d.trainGroups })));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toContain(`${file}: column "raw" row 7: e-mail r/7: cannot parse the MIME message`);
    expect(e.details).toMatchObject({ file, column: 'raw', row: 7, email_id: 'r/7' });
  });
});

describe('e-mails that are no RFC-822 message, blank ids, null bodies', () => {
  const RAW_SPECS: ColumnSpec[] = [{ name: 'email_id', type: 'STRING' }, { name: 'label', type: 'INT32' }, { name: 'raw', type: 'STRING' }];
  const ids = Array.from({ length: 12 }, (_, i) => `r/${i}`);
  const labels = ids.map((_, i) => (i % 3 === 0 ? 1 : 0));
  const good = (i: number) => `From: a${i}@x.org\r\nTo: b@y.org\r\nSubject: s${i}\r\n\r\nbody ${i} ${labels[i] ? 'win money' : 'meeting notes'}\r\n`;

  it('a raw cell that is empty or has no header section names the file, the column and the row', async () => {
    for (const [k, bad, why] of [
      [4, '', /the message is empty/],
      [5, 'this is not an email at all', /the first line is not a header field/],
      [6, '\r\nSubject: late\r\n\r\nbody', /starts with a blank line/],
    ] as const) {
      const raws = ids.map((_, i) => (i === k ? bad : good(i)));
      const file = join(dir, `raw-not-email-${k}.parquet`);
      await writeParquet(file, RAW_SPECS, { email_id: ids, label: labels, raw: raws });
      const e = await failure(loadEmailTable(file));
      expect(e.code).toBe('INVALID_DATA');
      expect(e.message).toContain(`${file}: column "raw" row ${k}: e-mail r/${k} is not an RFC-822 message: `);
      expect(e.message).toMatch(why);
      expect(e.details).toMatchObject({ file, column: 'raw', row: k });
    }
    // an mbox `From ` line before the headers (most corpus messages) is a message
    const raws = ids.map((_, i) => (i === 4 ? `From a@x.org  Thu Aug 22 12:36:23 2002\n${good(4)}` : good(i)));
    const file = join(dir, 'raw-mbox.parquet');
    await writeParquet(file, RAW_SPECS, { email_id: ids, label: labels, raw: raws });
    expect((await loadEmailTable(file)).records[4].subject).toBe('s4');
  });

  it('warns once when a STRING raw column holds U+FFFD (bytes lost when the table was written), not for BYTE_ARRAY', async () => {
    const raws = ids.map((_, i) => (i === 2 || i === 9 ? good(i).replace('body', 'caf\uFFFD body') : good(i)));
    const file = join(dir, 'raw-fffd.parquet');
    // two row groups: the warning comes once for the table, not per row group
    await writeParquet(file, RAW_SPECS, { email_id: ids, label: labels, raw: raws }, { rowGroupSize: 6 });
    const warnings: string[] = [];
    expect((await loadEmailTable(file, { onWarning: (m) => warnings.push(m) })).records).toHaveLength(12);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${file}: column "raw" is STRING and 2 of its cells hold U+FFFD`);
    expect(warnings[0]).toMatch(/store raw messages as BYTE_ARRAY$/);
    const bytesFile = join(dir, 'raw-bytes.parquet');
    const enc = new TextEncoder();
    await writeParquet(bytesFile, [RAW_SPECS[0], RAW_SPECS[1], { name: 'raw', type: 'BYTE_ARRAY' }], { email_id: ids, label: labels, raw: raws.map((r) => enc.encode(r)) });
    const none: string[] = [];
    await loadEmailTable(bytesFile, { onWarning: (m) => none.push(m) });
    expect(none).toEqual([]);
  });

  it('a BYTE_ARRAY raw column keeps its bytes: a Latin-1 body is read as the scorer reads the same bytes', async () => {
    const latin1 = (i: number) => {
      const text = `From: a${i}@x.org\r\nSubject: s${i}\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9 cr\xe8me ${labels[i] ? 'win money' : 'notes'}\r\n`;
      return Uint8Array.from(text, (c) => c.charCodeAt(0));
    };
    const file = join(dir, 'raw-latin1.parquet');
    await writeParquet(file, [RAW_SPECS[0], RAW_SPECS[1], { name: 'raw', type: 'BYTE_ARRAY' }], { email_id: ids, label: labels, raw: ids.map((_, i) => latin1(i)) });
    const rec0 = (await loadEmailTable(file)).records[0];
    expect(rec0.body_text).toContain('caf\u00e9 cr\u00e8me');
    expect(rec0.body_text).not.toContain('\uFFFD');
  });

  it('a blank email_id names the file, the column and the row', async () => {
    const rows = [...Array.from({ length: 20 }, (_, i) => rec(i, 0, `ham ${i} text`)), ...Array.from({ length: 10 }, (_, i) => rec(50 + i, 1, `spam ${i} offer`))];
    rows[3] = { ...rows[3], email_id: '   ' };
    const file = await table('blank-id.parquet', rows);
    const e = await failure(loadEmailTable(file));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toBe(`${file}: column "email_id" row 3: email_id is blank ("   ")`);
    expect(e.details).toMatchObject({ file, column: 'email_id', row: 3 });
  });

  it('a null body_text names the file, the column and the row; null sender and subject stay allowed', async () => {
    const specs: ColumnSpec[] = [
      { name: 'email_id', type: 'STRING' },
      { name: 'label', type: 'INT32' },
      { name: 'sender', type: 'STRING' },
      { name: 'subject', type: 'STRING' },
      { name: 'text', type: 'STRING' },
    ];
    const n = 12;
    const cols = {
      email_id: ids,
      label: labels,
      sender: ids.map((_, i) => (i % 2 ? null : `u${i}@x.org`)),
      subject: ids.map((_, i) => (i % 3 ? null : `s${i}`)),
      text: ids.map((_, i) => `body ${i}`),
    };
    const okFile = join(dir, 'null-sender.parquet');
    await writeParquet(okFile, specs, cols);
    const ok = await loadEmailTable(okFile, { columnMapping: { text: 'body_text' } });
    expect(ok.records).toHaveLength(n);
    expect(ok.records[1]).toMatchObject({ sender: null, subject: '', body_text: 'body 1' });
    const file = join(dir, 'null-body.parquet');
    await writeParquet(file, specs, { ...cols, text: cols.text.map((t, i) => (i === 8 ? null : t)) });
    const e = await failure(loadEmailTable(file, { columnMapping: { text: 'body_text' } }));
    expect(e.code).toBe('INVALID_DATA');
    expect(e.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: column "text" row 8: body_text is null`));
    expect(e.details).toMatchObject({ file, column: 'text', row: 8 });
  });
});

describe('the latency message of a processed record', () => {
  it('writes at most MAX_RFC822_RECIPIENTS addresses, so any INT32 count parses', async () => {
    const r = rec(1, 1, 'hello', { num_recipients: 2147483647 });
    const raw = recordToRfc822(r);
    const to = /^To: (.*)$/m.exec(raw)![1];
    expect(to.split(', ')).toHaveLength(MAX_RFC822_RECIPIENTS);
    const back = await parseEmail(raw, { email_id: 'x', label: 1, source_group: 'spam' });
    expect(back.num_recipients).toBe(MAX_RFC822_RECIPIENTS);
    expect(recordToRfc822({ ...r, num_recipients: 3 })).toMatch(/^To: user0@example\.org, user1@example\.org, user2@example\.org\r$/m);
  });

  it('keeps line breaks of header fields out of the header, and picks a boundary no body line holds', async () => {
    const r = rec(2, 1, 'plain part\n--ts-boundary-1\nstill the plain part', {
      sender: 'a@example.org\r\nX-Injected: 1',
      reply_to: 'b@example.org\nSubject: other',
      subject: 'line one\r\n\r\nline two',
      body_html: '<p>html</p>',
    });
    const raw = recordToRfc822(r);
    expect(raw).not.toMatch(/^X-Injected/m);
    const back = await parseEmail(raw, { email_id: 'x', label: 1, source_group: 'spam' });
    expect(raw).toMatch(/^From: a@example\.org X-Injected: 1\r$/m); // folded into its own field
    expect(back.subject).toBe('line one line two');
    expect(back.body_text).toContain('--ts-boundary-1\nstill the plain part');
    expect(back.body_html).toContain('<p>html</p>');
  });
});

describe('output files of data prepare / data synth', () => {
  it('checkOutputFile refuses an empty path, a folder and a path under a file, before any work', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    for (const [target, why] of [
      ['', /empty; expected the path of a parquet file/],
      [dir, /is a folder/],
      [join(file, 'sub', 'x.parquet'), /plain-file is a file, so no file can be created under it/],
    ] as const) {
      const e = await failure(checkOutputFile(target, '--out'));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.details.usage).toBe(true);
      expect(e.message).toMatch(why);
      expect(e.message).toMatch(/^--out /);
    }
    await expect(checkOutputFile(join(dir, 'new', 'deeper', 'x.parquet'))).resolves.toBeUndefined();
  });

  const model = fitSynthModel([...Array.from({ length: 30 }, (_, i) => rec(i, 0, `notes for meeting ${i}`)), ...Array.from({ length: 15 }, (_, i) => rec(100 + i, 1, `win money ${i} now`))]);

  it('data synth refuses a seed outside 32 bits instead of wrapping it', async () => {
    for (const seed of [-1, 4294967296, 1e20]) {
      const e = await failure(writeSynthetic({ rows: 5, out: join(dir, 'seed.parquet'), seed }, model));
      expect(e.message).toMatch(/--seed must be an integer in \[0, 4294967295\]/);
    }
    expect(existsSync(join(dir, 'seed.parquet'))).toBe(false);
  });

  it('an interrupted data synth ends CANCELLED and leaves neither the file nor a temp file', async () => {
    const sub = join(dir, 'synth-cancel');
    const ac = new AbortController();
    const e = await failure(
      writeSynthetic({ rows: 400, rowGroupSize: 50, out: join(sub, 'x.parquet'), seed: 1, signal: ac.signal, onProgress: (done) => done >= 100 && ac.abort() }, model),
    );
    expect(e.code).toBe('CANCELLED');
    expect(readdirSync(sub)).toEqual([]);
  });

  it('an interrupted data prepare ends CANCELLED and keeps the previous file', async () => {
    const out = join(dir, 'prep', 'p.parquet');
    await prepareCorpus({ out, limit: 30, rowGroupSize: 10 });
    const before = readFileSync(out);
    const ac = new AbortController();
    // a different table (fewer rows) would have replaced it: the file is unchanged, byte for byte
    const e = await failure(prepareCorpus({ out, force: true, limit: 20, rowGroupSize: 10, signal: ac.signal, beforeRowGroup: (i) => i === 1 && ac.abort() }));
    expect(e.code).toBe('CANCELLED');
    expect(readdirSync(join(dir, 'prep'))).toEqual(['p.parquet']);
    expect(readFileSync(out).equals(before)).toBe(true);
  });
});

describe('parameters', () => {
  it('an empty entity_data_path, or a model_name the registry refuses, is a usage error', () => {
    const cases: [string, string, string][] = [
      ['entity_data_path', ' ', `parameter 'entity_data_path' is empty; expected the path of the e-mail parquet table`],
      ['model_name', ' ', `parameter 'model_name' = " " is not a valid registered model name: registered model name must be a non-empty string`],
      ['model_name', 'team/spam', `parameter 'model_name' = "team/spam" is not a valid registered model name: registered model name 'team/spam' must not contain '/', '\\', NUL or be '.'/'..'`],
    ];
    for (const [name, value, message] of cases) {
      let err: unknown;
      try {
        resolvePipelineParams({ [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TrainSpamError);
      expect((err as TrainSpamError).message).toBe(message);
      expect((err as TrainSpamError).details).toMatchObject({ usage: true, parameter: name });
    }
  });
});

