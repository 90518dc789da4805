/** Lists the files of a local directory tree (for uploads); shared by both stores. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TrainSpamError } from '../core/errors.js';

/** Relative paths of all regular files under `dir` (sorted, `/`-separated; symlinks skipped). */
export async function walkFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new TrainSpamError('IO_ERROR', `tracking: cannot list '${dir}': ${(e as Error).message}`, { dir });
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) out.push(...(await walkFiles(path.join(dir, e.name), `${prefix}${e.name}/`)));
    else if (e.isFile()) out.push(prefix + e.name);
  }
  return out;
}
