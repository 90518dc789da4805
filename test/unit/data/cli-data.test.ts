import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { formatPrepareSummary, registerDataCommands } from '../../../src/cli/commands/data.js';
import { EMAIL_COLUMN_SPECS, toColumns } from '../../../src/io/corpus.js';
import { writeParquet } from '../../../src/io/parquet.js';
import { loadEmailTable } from '../../../src/io/email-table.js';
import { syntheticRecord as rec } from '../../helpers/records.js';

const dir = mkdtempSync(path.join(tmpdir(), 'train-spam-cli-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function program(): Command {
  const p = new Command('train-spam').exitOverride();
  registerDataCommands(p);
  return p;
}

describe('data commands', () => {
  it('registers data prepare and data synth', () => {
    const data = program().commands.find((c) => c.name() === 'data');
    expect(data?.commands.map((c) => c.name()).sort()).toEqual(['prepare', 'synth']);
  });

  it('data synth writes a file learned from --from and prints a summary', async () => {
    const from = path.join(dir, 'from.parquet');
    await writeParquet(from, EMAIL_COLUMN_SPECS, toColumns(Array.from({ length: 60 }, (_, i) => rec(i))));
    const out = path.join(dir, 'synth.parquet');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (lines.push(String(s)), true));
    try {
      await program().parseAsync(['data', 'synth', '--rows', '120', '--out', out, '--seed', '3', '--from', from, '--row-group-size', '50'], { from: 'user' });
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toMatch(/wrote .*synth\.parquet\n {2}rows: 120 \(\d+ spam, \d+ ham\) in 3 row groups/);
    expect((await loadEmailTable(out)).records.length).toBe(120);
    await expect(program().parseAsync(['data', 'synth', '--rows', 'many', '--out', out, '--from', from], { from: 'user' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { usage: true },
    });
  });

  it('formats the prepare summary', () => {
    const s = formatPrepareSummary({ out: 'f.parquet', skipped: true, rows: 10, spam: 3, ham: 7, nullTimestamps: 1, rowGroups: 1, byGroup: { b: 4, a: 6 }, elapsedMs: 1500 });
    expect(s).toContain('already exists and is valid: nothing to do');
    expect(s).toContain('rows: 10 (3 spam, 7 ham; 30.0% spam)');
    expect(s).toContain('groups: a 6, b 4');
    expect(s).toContain('(event_timestamp = null): 1');
  });
});
