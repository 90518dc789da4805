/**
 * A parquet writer killed with SIGKILL leaves `<target>.tmp-<pid>-<ms>` behind (its clean-up never
 * ran). The next writer of that target removes such files when their process is gone and they
 * have not been written for STALE_TEMPORARY_MS; a live writer's, a recent one's and other files stay.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTemporaries, STALE_TEMPORARY_MS } from '../../../src/io/parquet.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('removeStaleTemporaries', () => {
  it("removes a dead writer's old temporary file of the same target only", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stale-tmp-'));
    const target = join(dir, 'all_emails.parquet');
    const dead = deadPid();
    const old = (Date.now() - STALE_TEMPORARY_MS - 60_000) / 1000;
    const make = (name: string, age: number | null) => {
      const f = join(dir, name);
      writeFileSync(f, 'PAR1 partial');
      if (age !== null) utimesSync(f, age, age);
      return f;
    };
    const stale = make(`all_emails.parquet.tmp-${dead}-1700000000000`, old);
    const recent = make(`all_emails.parquet.tmp-${dead}-1700000000001`, null);
    const live = make(`all_emails.parquet.tmp-${process.ppid}-1700000000002`, old); // a process that runs
    const other = make(`other.parquet.tmp-${dead}-1700000000003`, old);
    const notOurs = make(`all_emails.parquet.tmp-notes`, old);
    expect(await removeStaleTemporaries(target)).toEqual([stale]);
    expect(existsSync(stale)).toBe(false);
    for (const f of [recent, live, other, notOurs]) expect(existsSync(f), f).toBe(true);
    expect(await removeStaleTemporaries(join(dir, 'missing-folder', 'x.parquet'))).toEqual([]);
  });
});
