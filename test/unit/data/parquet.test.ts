import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openParquet, readColumns, iterateRowGroups, writeParquet, ParquetFileWriter } from '../../../src/io/parquet.js';
import { EMAIL_COLUMN_SPECS, toColumns } from '../../../src/io/corpus.js';
import { loadEmailTable, openEmailTable, scanEmailTable } from '../../../src/io/email-table.js';
import type { EmailRecord } from '../../../src/data/schema.js';

const dir = mkdtempSync(path.join(tmpdir(), 'train-spam-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function record(i: number): EmailRecord {
  return {
    email_id: `g/${String(i).padStart(5, '0')}`,
    label: (i % 3 === 0 ? 1 : 0) as 0 | 1,
    sender: i % 5 === 0 ? null : `user${i}@example.com`,
    sender_domain: i % 5 === 0 ? null : 'example.com',
    reply_to: i % 7 === 0 ? 'r@x.example' : null,
    num_recipients: i % 4,
    subject: `subject ${i} – ünïcödé`,
    body_text: `body ${i}\nline two`,
    body_html: i % 2 ? `<p>${i}</p>` : null,
    has_html: i % 2 === 1,
    is_multipart: i % 6 === 0,
    num_attachments: i % 3,
    event_timestamp: i % 9 === 0 ? null : Date.UTC(2002, 7, 1) + i * 3_600_000,
    size_bytes: 1000 + i,
    source_group: 'g',
  };
}

describe('parquet adapter', () => {
  it('round-trips the processed schema in row groups (all types, nulls, unicode)', async () => {
    const recs = Array.from({ length: 95 }, (_, i) => record(i));
    const file = path.join(dir, 'rt.parquet');
    await writeParquet(file, EMAIL_COLUMN_SPECS, toColumns(recs), { rowGroupSize: 20 });
    const src = await openParquet(file);
    expect(src.numRows).toBe(95);
    expect(src.rowGroups.map((g) => g.rowEnd - g.rowStart)).toEqual([20, 20, 20, 20, 15]);
    expect(src.columns.find((c) => c.name === 'event_timestamp')).toMatchObject({ kind: 'TIMESTAMP', timeUnit: 'MILLIS', isAdjustedToUTC: true });
    expect(src.columns.find((c) => c.name === 'size_bytes')?.kind).toBe('INT64');
    const table = await loadEmailTable(file);
    expect(table.records).toEqual(recs);
    // range reads across a row-group boundary
    const part = await readColumns(src, ['email_id'], { rowStart: 18, rowEnd: 23 });
    expect(part.email_id).toEqual(recs.slice(18, 23).map((r) => r.email_id));
    let n = 0;
    for await (const g of iterateRowGroups(src, ['label'])) n += g.columns.label.length;
    expect(n).toBe(95);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('size_bytes: read from the table when present, else the UTF-8 size of subject + body + html', async () => {
    const recs = Array.from({ length: 6 }, (_, i) => record(i));
    const file = path.join(dir, 'sizes.parquet');
    await writeParquet(file, EMAIL_COLUMN_SPECS, toColumns(recs), { rowGroupSize: 4 });
    const utf8 = (r: EmailRecord) => new TextEncoder().encode(r.subject + r.body_text + (r.body_html ?? '')).length;
    expect((await loadEmailTable(file)).records.map((r) => r.size_bytes)).toEqual(recs.map((_, i) => 1000 + i));
    // a table without the column: every size from the texts (multi-byte characters counted in bytes)
    const noSize = path.join(dir, 'no-size.parquet');
    const cols = toColumns(recs);
    delete (cols as Record<string, unknown>).size_bytes;
    await writeParquet(noSize, EMAIL_COLUMN_SPECS.filter((c) => c.name !== 'size_bytes'), cols, { rowGroupSize: 4 });
    const all = (await loadEmailTable(noSize)).records;
    expect(all.map((r) => r.size_bytes)).toEqual(recs.map(utf8));
    expect(all[0].size_bytes).toBeGreaterThan(recs[0].subject.length + recs[0].body_text.length);
    // a scan that does not read the column leaves the default, like the other fields it does not read
    const sizes: number[] = [];
    for await (const chunk of scanEmailTable(await openEmailTable(file), { columns: ['body_text'] })) sizes.push(...chunk.records[0].map((r) => r.size_bytes));
    expect(sizes).toEqual([0, 0, 0, 0, 0, 0]);
    const fromTexts: number[] = [];
    for await (const chunk of scanEmailTable(await openEmailTable(noSize), { columns: ['subject', 'body_text', 'body_html'] })) fromTexts.push(...chunk.records[0].map((r) => r.size_bytes));
    expect(fromTexts).toEqual(recs.map(utf8));
  });

  it('writes gzip and uncompressed too', async () => {
    for (const codec of ['GZIP', 'UNCOMPRESSED'] as const) {
      const file = path.join(dir, `c-${codec}.parquet`);
      await writeParquet(file, [{ name: 'x', type: 'INT32' }, { name: 's', type: 'STRING' }], { x: [1, 2, 3], s: ['a', null, 'c'] }, { codec });
      const cols = await readColumns(await openParquet(file), ['x', 's']);
      expect(cols).toEqual({ x: [1, 2, 3], s: ['a', null, 'c'] });
    }
  });

  it('abort leaves no file behind', async () => {
    const file = path.join(dir, 'aborted.parquet');
    const w = await ParquetFileWriter.create(file, [{ name: 'x', type: 'INT32' }]);
    await w.writeRowGroup({ x: [1, 2] });
    await w.abort();
    expect(readdirSync(dir).filter((f) => f.startsWith('aborted'))).toEqual([]);
  });

  it('a missing file is NOT_FOUND naming the file', async () => {
    await expect(openParquet(path.join(dir, 'nope.parquet'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('nope.parquet') });
  });

  it('reads each slice whole (one positional read), and a file cut short after it was opened is IO_ERROR naming it', async () => {
    const recs = Array.from({ length: 3000 }, (_, i) => ({ ...record(i), body_text: `body ${i} `.repeat(40 + (i % 50)) }));
    const file = path.join(dir, 'big.parquet');
    await writeParquet(file, EMAIL_COLUMN_SPECS, toColumns(recs), { rowGroupSize: 1000, codec: 'UNCOMPRESSED' });
    const src = await openParquet(file);
    // a column chunk of several 64 KiB reads, the size where hyparquet's streamed slices were joined
    const bodyChunk = Number(src.metadata.row_groups[0].columns.find((c) => c.meta_data?.path_in_schema[0] === 'body_text')!.meta_data!.total_compressed_size);
    expect(bodyChunk).toBeGreaterThan(3 * 65536);
    const cols = await readColumns(src, ['email_id', 'body_text']);
    expect(cols.body_text).toEqual(recs.map((r) => r.body_text));
    expect(cols.email_id).toEqual(recs.map((r) => r.email_id));
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await expect(readColumns(src, ['body_text'])).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringMatching(/big\.parquet: cannot read columns body_text: the file ends at byte \d+, before byte \d+ that its metadata needs/),
    });
  });
});
