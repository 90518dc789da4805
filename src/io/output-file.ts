/**
 * Output files the commands write: checked before any work (a bad path is a usage error naming the
 * flag, not an I/O error after minutes of work) and written whole or not at all.
 */
import { constants, promises as fsp, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import { makeDirsSync } from './dirs.js';

/**
 * Checks, before any work, that `target` can become a file: a non-empty path that is not an
 * existing folder, under no existing file. INVALID_ARGUMENT (a usage error) naming the path and
 * `what` (e.g. the flag it came from) otherwise; `kind` says what the file is (for the message).
 * The folders themselves are made by the writer.
 */
export async function checkOutputFile(target: string, what = 'output file', kind = 'a parquet file'): Promise<void> {
  const fail = (why: string) => new TrainSpamError('INVALID_ARGUMENT', `${what} ${JSON.stringify(target)}: ${why}`, { file: target, parameter: what, usage: true });
  if (target.trim() === '') throw fail(`empty; expected the path of ${kind}`);
  // 'out/' names a folder even when it does not exist yet: the writer would put its temporary file in it
  if (target.endsWith('/') || target.endsWith(path.sep)) throw fail(`ends with '${target.endsWith('/') ? '/' : path.sep}', the path of a folder; expected the path of ${kind}`);
  const st = await fsp.stat(target).catch(() => null);
  if (st?.isDirectory()) throw fail(`is a folder; expected the path of ${kind}`);
  const under = await fileAbove(target);
  if (under) throw fail(`${under} is a file, so no file can be created under it`);
  await checkWritable(target, what);
}

/**
 * Checks, before any work, that an output that may be a file or a folder (a pipeline step's
 * artifact) can be made at `target`: not under an existing file. INVALID_ARGUMENT naming `what`.
 */
export async function checkOutputPath(target: string, what: string): Promise<void> {
  const under = await fileAbove(target);
  if (under) throw new TrainSpamError('INVALID_ARGUMENT', `${what} ${JSON.stringify(target)}: ${under} is a file, so nothing can be created under it`, { file: target, parameter: what, usage: true });
  await checkWritable(target, what);
}

/** Checks, before any work, that folder `target` exists or can be made: not a file, under no file. INVALID_ARGUMENT naming `what`. */
export async function checkOutputFolder(target: string, what: string): Promise<void> {
  const fail = (why: string) => new TrainSpamError('INVALID_ARGUMENT', `${what} ${JSON.stringify(target)}: ${why}`, { file: target, parameter: what, usage: true });
  const st = await fsp.stat(target).catch(() => null);
  if (st) {
    if (!st.isDirectory()) throw fail('is a file; expected a folder');
    await checkWritable(target, what, true);
    return;
  }
  const under = await fileAbove(target);
  if (under) throw fail(`${under} is a file, so no folder can be created under it`);
  await checkWritable(target, what);
}

/**
 * The folder the output is made in is writable: the nearest existing folder above `target` (the
 * folder itself with `inside`, for an existing output folder whose files are written into it).
 * INVALID_ARGUMENT naming `what` otherwise, before any work (not an IO_ERROR once it is done).
 */
async function checkWritable(target: string, what: string, inside = false): Promise<void> {
  for (let dir = inside ? path.resolve(target) : path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const st = await fsp.stat(dir).catch(() => null);
    if (st) {
      if (!st.isDirectory()) return; // a file in the way: the callers name it
      await fsp.access(dir, constants.W_OK | constants.X_OK).catch((e: NodeJS.ErrnoException) => {
        throw new TrainSpamError('INVALID_ARGUMENT', `${what} ${JSON.stringify(target)}: ${dir} is not writable (${e.code ?? e.message}), so the output cannot be made there`, {
          file: target,
          parameter: what,
          usage: true,
        });
      });
      return;
    }
    if (path.dirname(dir) === dir) return;
  }
}

/** The nearest existing ancestor of `target` when it is not a folder (null: a folder, or none exists). */
async function fileAbove(target: string): Promise<string | null> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const d = await fsp.stat(dir).catch(() => null);
    if (d) return d.isDirectory() ? null : dir;
    if (path.dirname(dir) === dir) return null;
  }
}

/** writeTextFile for synchronous callers (writeTextFile is this, awaited). */
export function writeTextFileSync(file: string, text: string | Uint8Array): void {
  const target = path.resolve(file);
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    makeDirsSync(path.dirname(target));
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      /* not a file we made (a folder in the way): the error below says what failed */
    }
    throw new TrainSpamError('IO_ERROR', `cannot write ${target}: ${(e as Error).message}`, { file: target });
  }
}

/**
 * Writes a file atomically (temporary sibling + rename), creating the parent directories: a reader
 * sees the old file or the whole new one, and nothing is left on failure. Text is written as UTF-8.
 * (The files are small: reports, plots, configs; the synchronous write is the one mechanism.)
 */
export async function writeTextFile(file: string, text: string | Uint8Array): Promise<void> {
  writeTextFileSync(file, text);
}
