/**
 * `mkdir -p` that always ends. Node 20's `mkdir(dir, { recursive: true })` never returns, and
 * ignores SIGTERM, where mkdir(2) answers ENOENT although the parent exists (under /proc: libuv
 * creates the parent, gets EEXIST, retries the child, gets ENOENT again, forever). These walk up
 * to the first folder that exists and create each missing one below it once: an ENOENT that
 * remains after the parent was made is thrown, like any other error, with Node's own message.
 *
 * Same contract as the recursive mkdir otherwise: an existing folder is fine, an existing file at
 * `dir` is EEXIST, a file on the way is ENOTDIR.
 */
import { mkdirSync, promises as fsp, statSync } from 'node:fs';
import path from 'node:path';

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** Creates `dir` and its missing parents. */
export function makeDirsSync(dir: string): void {
  const target = path.resolve(dir);
  try {
    mkdirSync(target);
    return;
  } catch (e) {
    if (code(e) === 'EEXIST' && isDirSync(target)) return;
    const parent = path.dirname(target);
    if (code(e) !== 'ENOENT' || parent === target) throw e;
  }
  makeDirsSync(path.dirname(target));
  try {
    mkdirSync(target);
  } catch (e) {
    // another writer may have made it in between
    if (code(e) === 'EEXIST' && isDirSync(target)) return;
    throw e;
  }
}

/**
 * Creates `dir` and its missing parents; returns the folders it created, outermost first (empty
 * when `dir` existed), so that a caller that fails can take back what it made (removeMadeDirs).
 */
export async function makeDirs(dir: string): Promise<string[]> {
  const target = path.resolve(dir);
  try {
    await fsp.mkdir(target);
    return [target];
  } catch (e) {
    if (code(e) === 'EEXIST' && (await isDir(target))) return [];
    const parent = path.dirname(target);
    if (code(e) !== 'ENOENT' || parent === target) throw e;
  }
  const made = await makeDirs(path.dirname(target));
  try {
    await fsp.mkdir(target);
  } catch (e) {
    if (code(e) === 'EEXIST' && (await isDir(target))) return made;
    throw e;
  }
  made.push(target);
  return made;
}

/**
 * Removes folders that makeDirs calls created (their lists concatenated in call order), innermost
 * first, each only if it is empty: what was written there since stays, with the folders above it.
 * Never throws.
 */
export async function removeMadeDirs(made: readonly string[]): Promise<void> {
  for (let i = made.length - 1; i >= 0; i--) await fsp.rmdir(made[i]).catch(() => undefined);
}

function isDirSync(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isDirectory();
  } catch {
    return false;
  }
}
