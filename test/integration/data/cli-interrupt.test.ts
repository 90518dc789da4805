/**
 * `train-spam data synth` as a user runs it (the compiled CLI in its own process): Ctrl-C stops it
 * before the next row group, leaves no partial file and exits 130; an empty --seed is a usage
 * error (exit 64), not seed 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_COLUMN_SPECS, toColumns } from '../../../src/io/corpus.js';
import { writeParquet } from '../../../src/io/parquet.js';
import { ensureBuilt } from '../exec/ensure-build.js';
import { syntheticRecord as rec } from '../../helpers/records.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

describe('train-spam data synth from the command line', () => {
  let dir: string;
  let from: string;
  beforeAll(async () => {
    await ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'cli-synth-'));
    from = join(dir, 'from.parquet');
    await writeParquet(from, EMAIL_COLUMN_SPECS, toColumns(Array.from({ length: 60 }, (_, i) => rec(i))));
  }, 240_000);

  it('Ctrl-C: stops, removes the partial file, exits 130', async () => {
    const outDir = mkdtempSync(join(dir, 'out-'));
    const child = spawn(process.execPath, [CLI, 'data', 'synth', '--rows', '5000000', '--row-group-size', '5000', '--out', join(outDir, 's.parquet'), '--from', from], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // the output is being written (its temp file exists): interrupt it then
    const deadline = Date.now() + 60_000;
    while (readdirSync(outDir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(outDir).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    const code = await exited;
    expect(stderr).toContain('train-spam: interrupted; removing the partial output file');
    expect(code).toBe(130);
    expect(readdirSync(outDir)).toEqual([]);
  }, 90_000);

  it('an empty --seed is a usage error naming the flag', () => {
    const out = join(dir, 'never.parquet');
    const r = spawnSync(process.execPath, [CLI, 'data', 'synth', '--rows', '10', '--seed', '', '--out', out, '--from', from], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain('--seed must be an integer; got ""');
    expect(r.status).toBe(64);
    expect(existsSync(out)).toBe(false);
  });
});
