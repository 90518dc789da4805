/**
 * The compiled CLI at the edges of its process: a working folder it must not litter (an empty or URI
 * output path taken as a local folder), a stdout it cannot write (a full disk), and a SIGTERM that
 * reaches only the bench command while its harness runs in a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_COLUMN_SPECS, toColumns } from '../../../src/io/corpus.js';
import { writeParquet } from '../../../src/io/parquet.js';
import { syntheticRecord } from '../../helpers/records.js';
import { ensureBuilt } from '../exec/ensure-build.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const BENCH = pathToFileURL(fileURLToPath(new URL('../../../dist/cli/commands/bench.js', import.meta.url))).href;
const dir = mkdtempSync(join(tmpdir(), 'cli-edges-'));

function cliIn(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
}

function alive(pid: number): boolean {
  // pid 0 or a negative pid would mean a whole process group (vitest's own, and CI's with it)
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`not a process id: ${pid}`);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the compiled CLI', () => {
  beforeAll(ensureBuilt, 240_000);

  it('a whole run exits with the code it prints (its threads and native addons shut down without a crash)', async () => {
    // A build that loaded resvg only in the plot renderer thread printed "exit code: 0" and then
    // died of SIGSEGV at exit (status 139) while every in-process test passed; this small run
    // renders in the main thread (the renderer has not loaded vega yet), so the resvg case itself
    // is guarded in startup-imports.test.ts.
    const table = join(dir, 'whole-run.parquet');
    await writeParquet(table, EMAIL_COLUMN_SPECS, toColumns(Array.from({ length: 600 }, (_, i) => syntheticRecord(i))));
    const r = spawnSync(process.execPath, [CLI, 'run', '--entity-data-path', table, '--no-tracking', '--num-hpo-trials', '6', '--out-dir', join(dir, 'whole-run')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const printed = /exit code: (\d+)/.exec(r.stdout);
    expect(printed, r.stdout + r.stderr).not.toBeNull();
    expect(r.signal).toBeNull();
    expect(r.status).toBe(Number(printed![1]));
  }, 150_000);

  it('a command that stops with its promise unsettled and nothing left to run exits 1 with a line saying so, not 0', () => {
    const hook = fileURLToPath(new URL('./never-settles-hook.mjs', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, CLI, 'run'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toContain('error [INTERNAL]: the command stopped before it finished');
    expect(r.status).toBe(1);
  });

  it('the bin target is executable and runs without `node` in front, as npx and npm bin links start it', () => {
    const r = spawnSync(CLI, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("run --out-dir '' or a URI is a usage error; nothing is written in the working folder", () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    for (const outDir of ['', 's3://bucket/runs']) {
      const r = cliIn(cwd, 'run', '--no-tracking', '--out-dir', outDir, '--entity-data-path', join(dir, 'missing.parquet'));
      expect(r.status, outDir).toBe(64);
      expect(r.stderr).toContain(`--out-dir ${JSON.stringify(outDir)}: `);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('data prepare --out with a URI is a usage error, not a local folder named "s3:"', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const r = cliIn(cwd, 'data', 'prepare', '--out', 's3://bucket/emails.parquet');
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("--out 's3://bucket/emails.parquet' is a URI; expected a local path");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.skipIf(!existsSync('/dev/full'))('a stdout that cannot be written (a full disk) ends in one error line and exit 1, not a stack trace', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" --help > /dev/full`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('train-spam: error [IO_ERROR]: cannot write to stdout: ENOSPC; its output is lost\n');
  });

  it('bench passes SIGTERM on to its harness instead of leaving it running as an orphan', async () => {
    const pidFile = join(dir, 'harness.pid');
    const script = join(dir, 'harness.mjs');
    // The pid file appears whole (written aside, then renamed): a read between its creation and its
    // write gives '', Number('') is 0, and kill(0, SIGKILL) in the clean-up would kill the process
    // group, vitest and CI's script with it (the likely cause of a CI run killed with 137).
    writeFileSync(
      script,
      `import { renameSync, writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile + '.tmp')}, String(process.pid));\nrenameSync(${JSON.stringify(pidFile + '.tmp')}, ${JSON.stringify(pidFile)});\nsetTimeout(() => {}, 60_000);\n`,
    );
    const parent = spawn(process.execPath, ['--input-type=module', '-e', `const { runHarness } = await import(${JSON.stringify(BENCH)}); process.exitCode = await runHarness(${JSON.stringify(script)}, []);`], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(Number.isInteger(child) && child > 0, `pid file: ${child}`).toBe(true);
    expect(alive(child)).toBe(true);
    const exited = new Promise<number | null>((resolve) => parent.on('exit', (code) => resolve(code)));
    parent.kill('SIGTERM');
    const code = await exited;
    try {
      for (let i = 0; i < 40 && alive(child); i++) await new Promise((r) => setTimeout(r, 50));
      expect(alive(child)).toBe(false);
      expect(code).toBe(130);
    } finally {
      if (alive(child)) process.kill(child, 'SIGKILL');
    }
  }, 30_000);
  // Node 20's recursive mkdir never returns where mkdir(2) says ENOENT under an existing parent
  // (/proc), and ignores SIGTERM: the CLI used to hang there (spawnSync's timeout kills it: r.error).
  it.runIf(process.platform === 'linux' && existsSync('/proc/self'))('an output folder under /proc fails at once, naming it, instead of hanging', () => {
    const cases: Array<[string[], RegExp]> = [
      [['data', 'prepare', '--out', '/proc/no-such-dir/x.parquet'], /\/proc\/no-such-dir/],
      [['run', '--no-tracking', '--out-dir', '/proc/no-such-dir/runs'], /output folder '\/proc\/no-such-dir\/runs' \(--out-dir\)/],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
      expect(r.error, args.join(' ')).toBeUndefined();
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
