/**
 * Tests that run real worker threads need the compiled JavaScript under dist/. `ensureBuilt()`
 * compiles the project (tsconfig.build.json) when any source of the folders the workers load is
 * newer than its compiled file. tsc emits even when other folders have type errors; the build is
 * serialised across test processes with a lock directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
// the folders the worker threads load first (checked after the build), then every other one:
// tests also spawn the compiled CLI
const WORKER_FOLDERS = ['core', 'exec', 'hpo', 'workers'];
const FOLDERS = [...WORKER_FOLDERS, ...readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory() && !WORKER_FOLDERS.includes(d.name)).map((d) => d.name)];

function sources(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export function staleFiles(): string[] {
  const stale: string[] = [];
  for (const f of FOLDERS) {
    for (const src of sources(join(ROOT, 'src', f))) {
      const js = join(ROOT, 'dist', src.slice(join(ROOT, 'src').length + 1).replace(/\.ts$/, '.js'));
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(src).mtimeMs) stale.push(src);
    }
  }
  return stale;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function ensureBuilt(): Promise<void> {
  if (staleFiles().length === 0) return;
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const lock = join(ROOT, 'dist', '.test-build-lock');
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (waited > 240_000) throw new Error('timed out waiting for another test process to build dist/');
      await sleep(250);
    }
  }
  try {
    if (staleFiles().length === 0) return;
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    // as `npm run build` does: the bin target is executable (the CLI tests run it directly too)
    if (existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) spawnSync(process.execPath, [join(ROOT, 'scripts', 'mark-bin.mjs')], { cwd: ROOT });
    const left = staleFiles().filter((f) => WORKER_FOLDERS.some((d) => f.includes(`/src/${d}/`)));
    if (left.length) throw new Error(`build did not produce dist files for ${left.slice(0, 5).join(', ')}:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
