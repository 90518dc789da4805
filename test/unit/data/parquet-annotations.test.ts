/**
 * Parquet files other writers make: ENUM-annotated strings (parquet-avro, parquet-protobuf) read as
 * the strings they are, not as missing values; a column chunk holding fewer values than its row
 * group's rows is refused as damaged, not read as trailing nulls. Files (40 e-mails, 20 spam) made
 * by a data audit with hyparquet-writer, the footer set to each annotation; the corrupt one's page
 * header says 30 values for a 40-row group.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEmailTable } from '../../../src/io/email-table.js';
import { caught } from '../../helpers/caught.js';

const dir = resolve(__dirname, '../../fixtures/parquet');

describe('parquet annotations and damaged chunks', () => {
  it('email_id, subject and sender stored as ENUM read exactly as the same table stored as STRING', async () => {
    const baseline = (await loadEmailTable(resolve(dir, 'enum-baseline.parquet'))).records;
    expect(baseline).toHaveLength(40);
    expect(baseline.filter((r) => r.sender !== null).length).toBeGreaterThan(0);
    for (const f of ['subject-enum.parquet', 'sender-enum.parquet', 'id-enum.parquet']) {
      expect((await loadEmailTable(resolve(dir, f))).records, f).toEqual(baseline);
    }
  });

  it('a column chunk with fewer values than its row group is an IO_ERROR naming the file and column', async () => {
    const file = resolve(dir, 'corrupt-ts-short-page.parquet');
    const e = await caught(loadEmailTable(file));
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).toContain(`${file}: column "event_timestamp" holds 30 values for rows 0..40 (40 rows); the file is damaged`);
  });
});
