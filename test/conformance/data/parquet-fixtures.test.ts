/** Every pyarrow-written file in ../shared/fixtures/parquet: good ones load, bad ones fail clearly. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEmailTable } from '../../../src/io/email-table.js';
import { openParquet, readColumns, writeParquet } from '../../../src/io/parquet.js';

const FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures/parquet');
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as {
  rows: number;
  label_sum: number;
  raw_chars_total: number;
  null_event_timestamps: number;
  first_email_id: string;
};

const GOOD = [
  'emails-snappy.parquet',
  'emails-zstd.parquet',
  'emails-gzip.parquet',
  'emails-none-v1pages.parquet',
  'emails-zstd-v2pages-small-rowgroups.parquet',
  'emails-ts-ms.parquet',
  'emails-ts-ns-naive-int64-label.parquet',
];

const BAD: Array<[string, string, RegExp]> = [
  ['bad-missing-label.parquet', 'SCHEMA_MISMATCH', /missing required column "label"/],
  ['bad-label-as-string.parquet', 'SCHEMA_MISMATCH', /column "label" has type STRING; expected INT32/],
  ['bad-empty.parquet', 'INVALID_DATA', /empty \(0 rows\).*"label"/],
  ['bad-one-class.parquet', 'INVALID_DATA', /"label" has one class only/],
  ['bad-not-parquet.parquet', 'IO_ERROR', /not a parquet file/],
  ['bad-truncated.parquet', 'IO_ERROR', /truncated or corrupt/],
];

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

const tmp = mkdtempSync(path.join(tmpdir(), 'train-spam-fixtures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('shared parquet fixtures (pyarrow 25)', () => {
  for (const name of GOOD) {
    it(`reads ${name}`, async () => {
      const file = path.join(FIXTURES, name);
      const src = await openParquet(file);
      const cols = await readColumns(src, ['email_id', 'label', 'raw', 'event_timestamp']);
      expect(cols.email_id[0]).toBe(expected.first_email_id);
      // Python counts code points, JS .length counts UTF-16 units
      expect((cols.raw as string[]).reduce((a, s) => a + codePoints(s), 0)).toBe(expected.raw_chars_total);
      expect(cols.event_timestamp.filter((t) => t === null).length).toBe(expected.null_event_timestamps);
      expect(typeof cols.label[0]).toBe('number');
      // Same instant whatever the unit / time zone flag: easy-ham-1/00001 was sent 2002-08-22T11:26:25Z.
      expect(cols.event_timestamp[0]).toBe(Date.parse('2002-08-22T11:26:25Z'));

      const table = await loadEmailTable(file);
      expect(table.summary).toMatchObject({ shape: 'raw', rows: expected.rows, spam: expected.label_sum, nullTimestamps: expected.null_event_timestamps });
      expect(table.records.length).toBe(expected.rows);
      const first = table.records[0];
      expect(first).toMatchObject({ email_id: 'easy-ham-1/00001', label: 0, sender: 'kre@munnari.oz.au', sender_domain: 'munnari.oz.au', subject: 'Re: New Sequences Window', source_group: 'easy-ham-1' });
      expect(first.body_text).toContain('I can\'t reproduce this error');
    });
  }

  for (const [name, code, pattern] of BAD) {
    it(`rejects ${name} with ${code}, naming the file`, async () => {
      const file = path.join(FIXTURES, name);
      const err = await loadEmailTable(file).then(
        () => null,
        (e: unknown) => e as { code: string; message: string; details: Record<string, unknown> },
      );
      expect(err).not.toBeNull();
      expect(err!.code).toBe(code);
      expect(err!.message).toContain(name);
      expect(err!.message).toMatch(pattern);
      expect(err!.details.file).toBe(file);
    });
  }

  it('streams by row group and reports progress', async () => {
    const calls: Array<[number, number]> = [];
    const t = await loadEmailTable(path.join(FIXTURES, 'emails-zstd-v2pages-small-rowgroups.parquet'), { onProgress: (d, n) => calls.push([d, n]) });
    expect(t.summary.rowGroups).toBe(5);
    expect(calls).toEqual([[50, 240], [100, 240], [150, 240], [200, 240], [240, 240]]);
  });

  it('decodes encoded-word subjects given as overrides', async () => {
    const t = await loadEmailTable(path.join(FIXTURES, 'emails-snappy.parquet'));
    const jp = t.records.find((r) => r.email_id === 'hard-ham-1/00039');
    expect(jp?.subject).toMatch(/^日本語の件名/);
  });
});

describe('column mapping and validation of user tables', () => {
  it('maps id/date/body to the processed schema', async () => {
    const file = path.join(tmp, 'user.parquet');
    await writeParquet(
      file,
      [
        { name: 'id', type: 'STRING' },
        { name: 'is_spam', type: 'INT64' },
        { name: 'date', type: 'TIMESTAMP' },
        { name: 'body', type: 'STRING' },
        { name: 'extra', type: 'DOUBLE' },
      ],
      { id: ['a', 'b', 'c'], is_spam: [1, 0, 0], date: [1000, null, 3000], body: ['win cash', 'hi bob', 'lunch?'], extra: [1, 2, 3] },
    );
    const t = await loadEmailTable(file, { columnMapping: { id: 'email_id', is_spam: 'label', date: 'event_timestamp', body: 'body_text' } });
    expect(t.summary).toMatchObject({ shape: 'processed', rows: 3, spam: 1, nullTimestamps: 1 });
    expect(t.summary.columns).toMatchObject({ email_id: 'id', label: 'is_spam', event_timestamp: 'date', body_text: 'body' });
    expect(t.records[0]).toMatchObject({ email_id: 'a', label: 1, body_text: 'win cash', event_timestamp: 1000, subject: '', sender: null, has_html: false });
    // without the mapping the required columns are missing
    await expect(loadEmailTable(file)).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringMatching(/user\.parquet: missing required column "email_id"/) });
    // a mapping from a column that does not exist names it
    await expect(loadEmailTable(file, { columnMapping: { ident: 'email_id' } })).rejects.toMatchObject({ message: expect.stringContaining('no column "ident"') });
  });

  it('names the row of a bad label value and of a duplicate id', async () => {
    const bad = path.join(tmp, 'bad-label.parquet');
    await writeParquet(bad, [{ name: 'email_id', type: 'STRING' }, { name: 'label', type: 'INT32' }, { name: 'body_text', type: 'STRING' }], {
      email_id: ['a', 'b', 'c'],
      label: [0, 1, 2],
      body_text: ['x', 'y', 'z'],
    });
    await expect(loadEmailTable(bad)).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/bad-label\.parquet: column "label" row 2: label is "2"/) });
    const dup = path.join(tmp, 'dup.parquet');
    await writeParquet(dup, [{ name: 'email_id', type: 'STRING' }, { name: 'label', type: 'INT32' }, { name: 'body_text', type: 'STRING' }], {
      email_id: ['a', 'b', 'a'],
      label: [0, 1, 1],
      body_text: ['x', 'y', 'z'],
    });
    await expect(loadEmailTable(dup)).rejects.toMatchObject({ message: expect.stringMatching(/dup\.parquet: column "email_id" row 2: duplicate email_id "a"/) });
  });

  it('rejects a mistyped optional column', async () => {
    const file = path.join(tmp, 'mistyped.parquet');
    await writeParquet(file, [{ name: 'email_id', type: 'STRING' }, { name: 'label', type: 'INT32' }, { name: 'body_text', type: 'STRING' }, { name: 'event_timestamp', type: 'STRING' }], {
      email_id: ['a', 'b'],
      label: [0, 1],
      body_text: ['x', 'y'],
      event_timestamp: ['2002-01-01', 'yesterday'],
    });
    await expect(loadEmailTable(file)).rejects.toMatchObject({ code: 'SCHEMA_MISMATCH', message: expect.stringMatching(/mistyped\.parquet: column "event_timestamp" has type STRING; expected TIMESTAMP/) });
  });
});
