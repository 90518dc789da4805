/**
 * Output files the commands write: checked before any work (a bad path is a usage error naming the
 * flag, not an I/O error after minutes of work) and written whole or not at all.
 */
import { constants, promises as fsp, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import { makeDirsSync } from './dirs.js';

/** INVALID_ARGUMENT (a usage error) naming the output path and `what` (e.g. the flag it came from). */
function unusable(target: string, what: string, why: string): TrainSpamError {
  return new TrainSpamError('INVALID_ARGUMENT', `${what} ${JSON.stringify(target)}: ${why}`, { file: target, parameter: what, usage: true });
}

/**
 * Checks, before any work, that `target` can become a file: a non-empty path that is not an
 * existing folder, under no existing file, in a folder this process can write in.
 * INVALID_ARGUMENT (a usage error) naming the path and `what` otherwise; `kind` says what the file
 * is (for the message). The folders themselves are made by the writer.
 */
export async function checkOutputFile(target: string, what = 'output file', kind = 'a parquet file'): Promise<void> {
  if (target.trim() === '') throw unusable(target, what, `empty; expected the path of ${kind}`);
  // 'out/' names a folder even when it does not exist yet: the writer would put its temporary file in it
  if (target.endsWith('/') || target.endsWith(path.sep)) throw unusable(target, what, `ends with '${target.endsWith('/') ? '/' : path.sep}', the path of a folder; expected the path of ${kind}`);
  const st = await fsp.stat(target).catch(() => null);
  if (st?.isDirectory()) throw unusable(target, what, `is a folder; expected the path of ${kind}`);
  await checkAbove(target, what, 'no file');
}

/**
 * Checks, before any work, that an output that may be a file or a folder (a pipeline step's
 * artifact) can be made at `target`: not under an existing file, in a writable folder.
 * INVALID_ARGUMENT naming `what`.
 */
export async function checkOutputPath(target: string, what: string): Promise<void> {
  await checkAbove(target, what, 'nothing');
}

/**
 * Checks, before any work, that folder `target` exists or can be made: not a file, under no file,
 * and writable (itself when it exists, else the folder it is made in). INVALID_ARGUMENT naming `what`.
 */
export async function checkOutputFolder(target: string, what: string): Promise<void> {
  const st = await fsp.stat(target).catch(() => null);
  if (!st) return checkAbove(target, what, 'no folder');
  if (!st.isDirectory()) throw unusable(target, what, 'is a file; expected a folder');
  await checkWritableFolder(path.resolve(target), target, what);
}

/**
 * The nearest existing ancestor of `target` (what its folders are made in) is a folder, not a file
 * in the way (`nothing` says what then cannot be created under it), and writable: one walk up.
 */
async function checkAbove(target: string, what: string, nothing: string): Promise<void> {
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    const st = await fsp.stat(dir).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw unusable(target, what, `${dir} is a file, so ${nothing} can be created under it`);
      return checkWritableFolder(dir, target, what);
    }
    if (path.dirname(dir) === dir) return;
  }
}

/** The output is made in `dir`: this process must be able to write there (not an IO_ERROR once the work is done). */
async function checkWritableFolder(dir: string, target: string, what: string): Promise<void> {
  await fsp.access(dir, constants.W_OK | constants.X_OK).catch((e: NodeJS.ErrnoException) => {
    throw unusable(target, what, `${dir} is not writable (${e.code ?? e.message}), so the output cannot be made there`);
  });
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
