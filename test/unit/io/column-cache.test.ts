// Decoded columns kept between reads of one table (io/column-cache.ts): the same records as
// uncached reads, no second decode of a column, nothing kept for a table over the budget, and a
// rewritten file read again.
import { copyFileSync, mkdtempSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ColumnCache } from '../../../src/io/column-cache.js';
import { openEmailTable, scanEmailTable, type ScanOptions } from '../../../src/io/email-table.js';
import type { EmailRecord } from '../../../src/data/schema.js';

const FIXTURES = resolve(__dirname, '../../../../shared/fixtures/parquet');

async function records(file: string, options: ScanOptions = {}): Promise<EmailRecord[]> {
  const table = await openEmailTable(file);
  const out: EmailRecord[] = [];
  for await (const chunk of scanEmailTable(table, options)) out.push(...chunk.records[0]);
  return out;
}

describe('ColumnCache', () => {
  const file = join(FIXTURES, 'emails-snappy.parquet');

  it('serves later reads the columns an earlier read decoded: the same records, each column decoded once', async () => {
    const plain = await records(file);
    const cache = new ColumnCache();
    const first = await records(file, { columns: ['body_text'], cache });
    const missesAfterFirst = cache.misses;
    expect(missesAfterFirst).toBeGreaterThan(0);
    expect(cache.hits).toBe(0);
    // a second read of other columns decodes only those; the ones read before come from the cache
    const all = await records(file, { cache });
    expect(all).toEqual(plain);
    expect(cache.hits).toBe(missesAfterFirst);
    const again = await records(file, { cache });
    expect(again).toEqual(plain);
    expect(first.map((r) => r.body_text)).toEqual(plain.map((r) => r.body_text));
    const misses = cache.misses;
    await records(file, { cache, selections: [Int32Array.from([1, 3])] });
    expect(cache.misses).toBe(misses);
  });

  it('keeps nothing of a table whose columns do not fit the budget', async () => {
    const cache = new ColumnCache(1024);
    expect(await records(file, { cache })).toEqual(await records(file));
    await records(file, { cache });
    expect([cache.hits, cache.misses]).toEqual([0, 0]);
  });

  it('reads a file again once it was rewritten (size and modification time are part of the key)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'column-cache-'));
    const copy = join(dir, 'table.parquet');
    copyFileSync(file, copy);
    const cache = new ColumnCache();
    const before = await records(copy, { cache });
    copyFileSync(join(FIXTURES, 'emails-gzip.parquet'), copy);
    utimesSync(copy, new Date(), new Date(Date.now() + 5000));
    const misses = cache.misses;
    const after = await records(copy, { cache });
    expect(cache.misses).toBeGreaterThan(misses);
    expect(after).toEqual(await records(copy));
    expect(before.length).toBeGreaterThan(0);
  });
});
