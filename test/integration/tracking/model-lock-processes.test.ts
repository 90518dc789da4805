/**
 * The model lock across real processes: four contenders take it (or only a dead holder's), claim an
 * exclusive marker while holding it, and release or abandon it, for a few seconds. No marker may
 * ever be claimed twice. (The lock of session 11's first version failed this within seconds: a
 * taker's compare-and-set landed in a lock made after it had read the old one.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../exec/ensure-build.js';

const CONTENDER = fileURLToPath(new URL('./lock-stress.mjs', import.meta.url));
const MODULE = pathToFileURL(fileURLToPath(new URL('../../../dist/tracking/local/model-lock.js', import.meta.url))).href;

function contend(dir: string, seconds: number): Promise<{ rounds: number; violations: number; lost: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONTENDER, MODULE, dir, String(seconds)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`contender exited ${code}: ${err}`))));
  });
}

describe('the model lock across processes', () => {
  beforeAll(ensureBuilt, 240_000);

  it('four processes taking, taking over, releasing and abandoning it: never two holders at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-procs-'));
    const results = await Promise.all([0, 1, 2, 3].map(() => contend(dir, 4)));
    const rounds = results.reduce((a, r) => a + r.rounds, 0);
    expect(rounds).toBeGreaterThan(40); // it did contend
    expect(results.map((r) => r.violations)).toEqual([0, 0, 0, 0]);
    expect(results.map((r) => r.lost)).toEqual([0, 0, 0, 0]);
  }, 60_000);
});
