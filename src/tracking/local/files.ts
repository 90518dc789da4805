/**
 * File primitives for the local store, safe under concurrent writers (threads and processes):
 * - `atomicWrite`: temp file + rename, so readers never see a torn file;
 * - `writeOnce`: temp file + link (fails with EEXIST), so a write-once file is created complete;
 * - `appendText`: one O_APPEND write per call, so concurrent appends never interleave lines.
 * Temp files live in a "scratch dir" chosen by the caller where MLflow ignores plain files
 * (the root, an experiment dir, a run dir, a model dir, a version dir); a model version is built
 * in a `.tmp-*` directory (`makeTempDir`) and renamed into place (`renameDirIfFree`).
 *
 * The target's directory is created only when the write finds it missing (ENOENT), then the write
 * is retried once: a study logs thousands of metric lines into directories that already exist,
 * and a `mkdir -p` before each of them cost more than the writes.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { makeDirs } from '../../io/dirs.js';

export function ioError(op: string, file: string, e: unknown): TrainSpamError {
  const code = (e as NodeJS.ErrnoException)?.code;
  return new TrainSpamError('IO_ERROR', `tracking: cannot ${op} '${file}': ${(e as Error)?.message ?? String(e)}`, {
    file,
    errno: code ?? null,
  });
}

export function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

function tempName(scratchDir: string, prefix = '.tmp-'): string {
  return path.join(scratchDir, `${prefix}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Runs `op`; if it fails with ENOENT, creates `dir` (with parents) and runs it once more. */
async function withDir<T>(dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e;
    await makeDirs(dir);
    return op();
  }
}

export async function atomicWrite(file: string, content: string | Uint8Array, scratchDir: string): Promise<void> {
  const tmp = tempName(scratchDir);
  try {
    await withDir(scratchDir, () => fs.writeFile(tmp, content));
    await withDir(path.dirname(file), () => fs.rename(tmp, file));
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw ioError('write', file, e);
  }
}

/** Creates `file` with `content` unless it exists; returns the existing content otherwise. */
export async function writeOnce(file: string, content: string, scratchDir: string): Promise<{ created: boolean; existing?: string }> {
  const tmp = tempName(scratchDir);
  try {
    await withDir(scratchDir, () => fs.writeFile(tmp, content));
    try {
      await withDir(path.dirname(file), () => fs.link(tmp, file));
      return { created: true };
    } catch (e) {
      if (errno(e) !== 'EEXIST') throw e;
      return { created: false, existing: await fs.readFile(file, 'utf8') };
    }
  } catch (e) {
    throw ioError('write', file, e);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

export async function appendText(file: string, text: string): Promise<void> {
  try {
    await withDir(path.dirname(file), () => fs.appendFile(file, text, { flag: 'a' }));
  } catch (e) {
    throw ioError('append to', file, e);
  }
}

export async function readOptional(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
    throw ioError('read', file, e);
  }
}

/**
 * A directory's subdirectories and files, sorted. Files named `.tmp-*` (temp files in a scratch
 * dir) are left out unless `allFiles`: key directories (params, tags, metrics) never hold temp
 * files, and there a key like `.tmp-loss` is a valid MLflow key.
 */
export async function listEntries(dir: string, allFiles = false): Promise<{ dirs: string[]; files: string[] }> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    const dirs: string[] = [];
    const files: string[] = [];
    for (const e of entries) {
      if (e.isDirectory()) dirs.push(e.name);
      else if (e.isFile() && (allFiles || !e.name.startsWith('.tmp-'))) files.push(e.name);
    }
    return { dirs: dirs.sort(), files: files.sort() };
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return { dirs: [], files: [] };
    throw ioError('list', dir, e);
  }
}

/**
 * All files under `dir` as `/`-joined keys (MLflow stores key `a/b` as nested dirs). Every file
 * counts: temp files are made in the run/experiment/model/version folder, never in a key folder
 * (skipping `.tmp-*` names here lost params, tags and metrics with such keys).
 */
export async function listKeyFiles(dir: string, prefix = ''): Promise<string[]> {
  const { dirs, files } = await listEntries(dir, true);
  const out = files.map((f) => prefix + f);
  for (const d of dirs) out.push(...(await listKeyFiles(path.join(dir, d), `${prefix}${d}/`)));
  return out.sort();
}

/**
 * A new, empty `<prefix>*` directory in `parent`: `.tmp-*` by default, which MLflow and this store
 * do not list in a model or version folder (the root needs another name, see experiments.ts).
 */
export async function makeTempDir(parent: string, prefix = '.tmp-'): Promise<string> {
  const dir = tempName(parent, prefix);
  try {
    await withDir(parent, () => fs.mkdir(dir));
  } catch (e) {
    throw ioError('create directory', dir, e);
  }
  return dir;
}

/**
 * Renames directory `from` to `to` unless `to` is a non-empty directory (another writer's): true
 * when renamed. An empty `to` (left by a crash of an older writer) is replaced, as rename(2) does.
 */
export async function renameDirIfFree(from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to);
    return true;
  } catch (e) {
    if (errno(e) === 'ENOTEMPTY' || errno(e) === 'EEXIST') return false;
    throw ioError('rename', from, e);
  }
}

/**
 * Removes `<prefix>*` directories in `parent` last modified more than `maxAgeMs` ago: what writers
 * killed mid-way left (a live writer's folder is minutes old at most). Best effort: errors ignored.
 */
export async function removeStaleTempDirs(parent: string, maxAgeMs: number, now = Date.now(), prefix = '.tmp-'): Promise<number> {
  let removed = 0;
  try {
    for (const e of await fs.readdir(parent, { withFileTypes: true })) {
      if (!e.isDirectory() || !e.name.startsWith(prefix)) continue;
      const dir = path.join(parent, e.name);
      const st = await fs.stat(dir).catch(() => null);
      if (st && now - st.mtimeMs > maxAgeMs) {
        await fs.rm(dir, { recursive: true, force: true });
        removed++;
      }
    }
  } catch {
    // a listing that fails changes nothing
  }
  return removed;
}

/** `mkdir` without `recursive`: true when this call created it, false when it already existed. */
export async function mkdirExclusive(dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir);
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw ioError('create directory', dir, e);
  }
}

/** A folder without its meta.yaml unchanged for this long was left by a killed writer (a live one writes it within milliseconds). */
export const ABANDONED_MS = 5_000;
const POLL_MS = 20;

/** A folder created complete, once, however many writers race for it (createDirOnce). */
export interface DirOnce<T> {
  /** The final folder, e.g. `<root>/<experiment id>` or `models/<name>`. */
  readonly dir: string;
  /** Where the staging folder is made (same file system as `dir`), its name prefix, and when a leftover one is stale. */
  readonly stagingParent: string;
  readonly stagingPrefix?: string;
  readonly staleStagingMs: number;
  /** The complete entry in `dir`, or null while it has no meta.yaml. */
  read(): Promise<T | null>;
  /** Writes the entry's files (meta.yaml last) into a folder. */
  write(into: string): Promise<void>;
  /** Names the folder in the error, e.g. 'experiment dir'; and the error's details. */
  readonly what: string;
  readonly details: Record<string, unknown>;
}

/**
 * The entry at `o.dir`: an existing one, or one built complete in a staging folder and renamed into
 * place (a rename that finds another writer's folder leaves that one, which is then read). A
 * folder without meta.yaml (a writer killed between mkdir and meta.yaml: an older train-spam, or
 * MLflow) is taken over: an empty one by the rename itself (rename(2) replaces an empty
 * directory), another one once it has not changed for ABANDONED_MS, by writing the files into it.
 */
export async function createDirOnce<T>(o: DirOnce<T>): Promise<T> {
  const prefix = o.stagingPrefix ?? '.tmp-';
  for (let i = 0; ; i++) {
    const found = await o.read();
    if (found !== null) return found;
    const age = await ageMs(o.dir);
    if (age === null || i === 0) {
      const staging = await makeTempDir(o.stagingParent, prefix);
      try {
        await o.write(staging);
        await renameDirIfFree(staging, o.dir);
      } finally {
        await fs.rm(staging, { recursive: true, force: true }); // gone after the rename
        await removeStaleTempDirs(o.stagingParent, o.staleStagingMs, Date.now(), prefix);
      }
      continue; // ours, or another writer's
    }
    if (age > ABANDONED_MS) {
      await o.write(o.dir);
      continue;
    }
    if (i > 10 * (ABANDONED_MS / POLL_MS)) throw new TrainSpamError('IO_ERROR', `${o.what} '${o.dir}' keeps changing without meta.yaml`, o.details);
    await new Promise((r) => setTimeout(r, POLL_MS)); // another writer is between mkdir and meta.yaml
  }
}

/** Milliseconds since `p` last changed (a directory changes when an entry is added), null when it is gone. */
export async function ageMs(p: string, now = Date.now()): Promise<number | null> {
  try {
    return now - (await fs.stat(p)).mtimeMs;
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
    throw ioError('stat', p, e);
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Maps with at most `limit` operations in flight; results keep the input order. */
export async function inParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = 16): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
