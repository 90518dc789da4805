/** `data prepare` on the real SpamAssassin corpus: counts, idempotence, atomicity, leak-free split. */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_COLUMN_SPECS, listCorpus, prepareCorpus, type PrepareSummary } from '../../../src/io/corpus.js';
import { openParquet, ParquetFileWriter, readColumns } from '../../../src/io/parquet.js';
import { loadEmailTable, type EmailTable } from '../../../src/io/email-table.js';
import { groupDuplicates, normaliseBody } from '../../../src/data/dedup.js';
import { splitEmails } from '../../../src/data/split.js';
import { Rng } from '../../../src/core/random.js';

const dir = mkdtempSync(path.join(tmpdir(), 'train-spam-prepare-'));
const out = path.join(dir, 'processed', 'all_emails.parquet');
let first: PrepareSummary;
let table: EmailTable;

beforeAll(async () => {
  first = await prepareCorpus({ out });
  table = await loadEmailTable(out);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('data prepare on the SpamAssassin corpus', () => {
  it('writes 6,046 rows, 1,896 spam, 64 null event timestamps', () => {
    expect(first).toMatchObject({ skipped: false, rows: 6046, spam: 1896, ham: 4150, nullTimestamps: 64 });
    expect(first.byGroup).toEqual({ 'easy-ham-1': 2500, 'easy-ham-2': 1400, 'hard-ham-1': 250, 'spam-1': 500, 'spam-2': 1396 });
    expect(first.rowGroups).toBeGreaterThan(1);
    expect(table.summary).toMatchObject({ shape: 'processed', rows: 6046, spam: 1896, nullTimestamps: 64 });
    // all unparseable dates are spam
    expect(table.records.filter((r) => r.event_timestamp === null && r.label === 0)).toEqual([]);
    expect(new Set(table.records.map((r) => r.email_id)).size).toBe(6046);
    expect(table.records[0].email_id).toBe('easy-ham-1/00001');
    expect(readdirSync(path.dirname(out))).toEqual(['all_emails.parquet']);
  });

  it('a second run is a no-op', async () => {
    const before = statSync(out).mtimeMs;
    const again = await prepareCorpus({ out });
    expect(again).toMatchObject({ skipped: true, rows: 6046, spam: 1896, nullTimestamps: 64 });
    expect(statSync(out).mtimeMs).toBe(before);
  });

  it('groups the duplicate bodies of the corpus and never splits a group', () => {
    const g = groupDuplicates(table.records.length, (i) => table.records[i].body_text);
    expect(g.duplicateGroups).toBe(187);
    expect(g.duplicateRows).toBe(295);
    expect(g.rowsInDuplicateGroups).toBe(482);
    expect(g.hashCollisions).toBe(0);
    const { trainIdx, testIdx, summary } = splitEmails(table.records, { seed: 42, testRatio: 0.2 });
    expect(summary.test.spam).toBe(Math.round(1896 * 0.2));
    expect(summary.test.ham).toBe(Math.round(4150 * 0.2));
    const trainBodies = new Set(Array.from(trainIdx, (i) => normaliseBody(table.records[i].body_text)));
    const leaked = Array.from(testIdx).filter((i) => {
      const b = normaliseBody(table.records[i].body_text);
      return b !== '' && trainBodies.has(b);
    });
    expect(leaked).toEqual([]);
    // the same seed with a naive (ungrouped) shuffle would leak test bodies into train
    const perm = new Rng(42).permutation(table.records.length);
    const naiveTest = Array.from(perm.subarray(0, testIdx.length));
    const inTest = new Set(naiveTest);
    const naiveTrain = new Set(table.records.filter((_, i) => !inTest.has(i)).map((r) => normaliseBody(r.body_text)));
    const naiveLeaks = naiveTest.filter((i) => {
      const b = normaliseBody(table.records[i].body_text);
      return b !== '' && naiveTrain.has(b);
    }).length;
    expect(naiveLeaks).toBeGreaterThan(0);
  });

  it('a failure while writing leaves no file (and keeps an existing one intact)', async () => {
    const failOut = path.join(dir, 'fail', 'emails.parquet');
    const fail = (i: number) => {
      if (i === 2) throw new Error('disk full (simulated)');
    };
    await expect(prepareCorpus({ out: failOut, limit: 50, rowGroupSize: 10, beforeRowGroup: fail })).rejects.toThrow(/simulated/);
    expect(readdirSync(path.dirname(failOut))).toEqual([]);
    // a file that is not a train-spam table is not replaced without --force
    writeFileSync(failOut, 'previous content');
    await expect(prepareCorpus({ out: failOut, limit: 50, rowGroupSize: 10 })).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
      message: expect.stringMatching(/exists and is not a train-spam processed table \(.*\); pass --force to replace it$/),
    });
    expect(statSync(failOut).size).toBe('previous content'.length);
    // an existing file is neither truncated nor replaced by a failed (forced) rebuild
    await expect(prepareCorpus({ out: failOut, limit: 50, rowGroupSize: 10, force: true, beforeRowGroup: fail })).rejects.toThrow(/simulated/);
    expect(readdirSync(path.dirname(failOut))).toEqual(['emails.parquet']);
    expect(statSync(failOut).size).toBe('previous content'.length);
    // and a successful forced run replaces it
    const ok = await prepareCorpus({ out: failOut, limit: 50, rowGroupSize: 10, force: true });
    expect(ok).toMatchObject({ skipped: false, rows: 50 });
    expect(existsSync(failOut)).toBe(true);
  });

  it('rebuilds a stale train-spam table without --force (row count off its footer)', async () => {
    const staleOut = path.join(dir, 'stale', 'emails.parquet');
    await prepareCorpus({ out: staleOut, limit: 20, rowGroupSize: 10 });
    const src = await openParquet(staleOut);
    // the same rows under a footer that promises more: what a table of another corpus version looks like
    const cols = (await readColumns(src, EMAIL_COLUMN_SPECS.map((c) => c.name))) as Record<string, unknown[]>;
    rmSync(staleOut);
    const w = await ParquetFileWriter.create(staleOut, EMAIL_COLUMN_SPECS, { metadata: { 'train-spam.format': 'train-spam/emails@1', 'train-spam.rows': '21' } });
    await w.writeRowGroup(cols);
    await w.close();
    const again = await prepareCorpus({ out: staleOut, limit: 20, rowGroupSize: 10 });
    expect(again).toMatchObject({ skipped: false, rows: 20 });
  });

  it('lists the corpus with stable ids', async () => {
    const entries = await listCorpus();
    expect(entries.length).toBe(6046);
    expect(entries.filter((e) => e.label === 1).length).toBe(1896);
    expect(entries.find((e) => e.email_id === 'spam-2/00001')?.file).toMatch(/spam-2\/00001\.[0-9a-f]{32}\.txt$/);
  });
});
