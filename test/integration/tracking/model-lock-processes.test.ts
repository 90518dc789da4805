/**
 * The model lock across real processes: four contenders take it (or only a dead holder's), claim an
 * exclusive marker while holding it, and release or abandon it, for a few seconds, while six more
 * processes, one after another, take it and die holding it. No marker may ever be claimed twice,
 * and each dead holder's note must be inherited by exactly one later holder. (Session 11's first
 * version failed the marker check within seconds: a taker's compare-and-set landed in a lock made
 * after it had read the old one.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeStaleLock } from '../../../src/tracking/local/model-lock.js';
import { ensureBuilt } from '../exec/ensure-build.js';

const CONTENDER = fileURLToPath(new URL('./lock-stress.mjs', import.meta.url));
const MODULE = pathToFileURL(fileURLToPath(new URL('../../../dist/tracking/local/model-lock.js', import.meta.url))).href;

interface Report {
  pid: number;
  rounds: number;
  violations: number;
  lost: number;
  inherited: number[];
}

function run(dir: string, seconds: number, mode: 'contend' | 'die'): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONTENDER, MODULE, dir, String(seconds), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Report) : reject(new Error(`${mode} process exited ${code}: ${err}`))));
  });
}

describe('the model lock across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lock-procs-'));
  beforeAll(ensureBuilt, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('contenders and holders that die: never two holders at once, every dead holder\'s note inherited once', async () => {
    const contenders = Promise.all([0, 1, 2, 3].map(() => run(dir, 5, 'contend')));
    const dead: Report[] = [];
    for (let i = 0; i < 6; i++) dead.push(await run(dir, 0, 'die')); // within the contenders' first seconds
    const all = [...(await contenders), ...dead];
    expect(all.reduce((a, r) => a + r.rounds, 0)).toBeGreaterThan(40); // it did contend
    expect(all.map((r) => r.violations)).toEqual(all.map(() => 0));
    expect(all.map((r) => r.lost)).toEqual(all.map(() => 0));
    // a note left after the contenders stopped (a slow machine) is taken over here
    const last = await takeStaleLock(dir, { owner: 'test' });
    const lastDead = (last?.stale as { dead?: number } | null)?.dead;
    await last?.release();
    const inherited = [...all.flatMap((r) => r.inherited), ...(typeof lastDead === 'number' ? [lastDead] : [])].sort();
    expect(inherited).toEqual(dead.map((r) => r.pid).sort());
  }, 90_000);
});
