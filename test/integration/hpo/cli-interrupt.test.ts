import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveMatrix } from '../../../src/hpo/matrix-file.js';
import { readJournal } from '../../../src/hpo/store/journal.js';
import { ensureBuilt } from '../exec/ensure-build.js';
import { toyData } from '../../unit/hpo/helpers.js';

const RUNNER = fileURLToPath(new URL('./cli-runner.mjs', import.meta.url));
const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

describe('Ctrl-C during `train-spam hpo`', () => {
  beforeAll(ensureBuilt, 240_000);

  it('cancels running trials, flushes the journal, marks the study killed and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-sigint-'));
    const { X, y } = toyData(3000, 2);
    saveMatrix(join(dir, 'm'), X, y);
    writeFileSync(join(dir, 'space.yaml'), 'model:\n  gbm:\n    n_estimators: 100000\n    max_depth: 8\n    learning_rate: { loguniform: [0.001, 0.002] }\n');
    const child = spawn(process.execPath, [RUNNER, 'hpo', '--data', join(dir, 'm'), '--trials', '4', '--workers', '2', '--search-space', join(dir, 'space.yaml'), '--journal-dir', join(dir, 'j'), '--progress', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        if (stderr.includes('"event":"trial_start"') && !sent) {
          sent = true; // one Ctrl-C (a second one quits at once)
          setTimeout(() => child.kill('SIGINT'), 300);
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(stderr).toContain('interrupted');
    expect(code).toBe(130);
    const events = readJournal(join(dir, 'j', 'journal-shard-0-of-1.jsonl')).events;
    expect(events[events.length - 1]).toMatchObject({ type: 'study_end', state: 'killed' });
    expect(events.filter((e) => e.type === 'trial_end' && e.state === 'cancelled').length).toBeGreaterThan(0);
  });

  it('after kill -9, --resume re-runs only unfinished trials and reaches the uninterrupted result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-kill9-'));
    const { X, y } = toyData(400, 4);
    saveMatrix(join(dir, 'm'), X, y);
    writeFileSync(join(dir, 'space.yaml'), 'model:\n  logistic:\n    C: { loguniform: [0.01, 100] }\n  gbm:\n    n_estimators: { quniform: [20, 60, 10] }\n    max_depth: { randint: [2, 5] }\n');
    const args = (j: string) => [RUNNER, 'hpo', '--data', join(dir, 'm'), '--trials', '8', '--workers', '2', '--seed', '3', '--search-space', join(dir, 'space.yaml'), '--journal-dir', join(dir, j), '--progress', 'json'];
    const run = (a: string[], killAfterEnds?: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, a, { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          if (killAfterEnds !== undefined && (err.match(/"event":"trial_end"/g) ?? []).length >= killAfterEnds) child.kill('SIGKILL');
        });
        child.on('exit', (c) => resolve(c));
      });
    expect(await run(args('full'))).toBe(0);
    expect(await run(args('crash'), 3)).toBe(null); // killed by SIGKILL
    const journal = join(dir, 'crash', 'journal-shard-0-of-1.jsonl');
    const before = readJournal(journal).events;
    const finished = new Set(before.filter((e) => e.type === 'trial_end').map((e) => (e as { trial: number }).trial));
    expect(finished.size).toBeGreaterThanOrEqual(3);
    expect(finished.size).toBeLessThan(8);
    expect(await run([...args('crash'), '--resume'])).toBe(0);
    const restarted = readJournal(journal).events.slice(before.length).filter((e) => e.type === 'trial_start').map((e) => (e as { trial: number }).trial);
    for (const t of finished) expect(restarted).not.toContain(t);
    const table = (j: string) =>
      (JSON.parse(readFileSync(join(dir, j, 'trials.json'), 'utf8')).trials as { durationMs: number }[]).map(({ durationMs: _d, ...r }) => r);
    expect(table('crash')).toEqual(table('full'));
    expect(JSON.parse(readFileSync(join(dir, 'crash', 'best-config.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(dir, 'full', 'best-config.json'), 'utf8')));
  });
});

describe('a journal that stops taking writes during `train-spam hpo` (a full disk)', () => {
  beforeAll(ensureBuilt, 240_000);

  it('with 2 workers, exits 1 naming the journal and its error, after stopping the other running trial', () => {
    // The file-size limit makes an append fail with EFBIG, as ENOSPC would. Before the fix the
    // failed lane left the pool closing under the other lane's trial and the process exited 0.
    const dir = mkdtempSync(join(tmpdir(), 'hpo-efbig-'));
    const { X, y } = toyData(400, 4);
    saveMatrix(join(dir, 'm'), X, y);
    writeFileSync(join(dir, 'space.yaml'), 'model:\n  gbm:\n    n_estimators: { quniform: [40, 120, 10] }\n    max_depth: { randint: [2, 5] }\n');
    const cmd = [CLI, 'hpo', 'run', '--data', join(dir, 'm'), '--trials', '12', '--workers', '2', '--seed', '11', '--search-space', join(dir, 'space.yaml'), '--journal-dir', join(dir, 'j'), '--out', join(dir, 'out'), '--progress', 'none'];
    const quoted = cmd.map((a) => `'${a}'`).join(' ');
    const r = spawnSync('bash', ['-c', `ulimit -f 12 && exec '${process.execPath}' ${quoted}`], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toMatch(/error \[IO_ERROR\]: journal '.*journal-shard-0-of-1\.jsonl': append failed: EFBIG/);
    expect(r.status).toBe(1);
    expect(r.stdout).not.toMatch(/hpo: completed/);
    // what was written before the failure is intact for --resume: no study end, no artifacts
    const events = readJournal(join(dir, 'j', 'journal-shard-0-of-1.jsonl')).events;
    expect(events.some((e) => e.type === 'study_end')).toBe(false);
    expect(events.filter((e) => e.type === 'trial_start').length).toBeLessThan(12);
  }, 150_000);
});

