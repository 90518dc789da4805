/**
 * Run artifacts on local disk (`<run>/artifacts/...` or the run's `file:` artifact URI). Copies
 * are atomic per file (copy to a temp file in the run dir, then rename). Paths are validated
 * before they are joined, so nothing escapes the artifact root.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrainSpamError } from '../../core/errors.js';
import type { ArtifactEntry } from '../contract.js';
import { normalizeArtifactPath } from '../validation.js';
import { walkFiles } from '../walk.js';
import { errno, ioError } from './files.js';
import { makeDirs } from '../../io/dirs.js';

export function artifactRoot(artifactUri: string, fallback: string): string {
  if (artifactUri.startsWith('file:')) return fileURLToPath(artifactUri);
  if (artifactUri.startsWith('/')) return artifactUri;
  return fallback;
}

async function copyAtomic(src: string, dest: string, scratchDir: string): Promise<void> {
  await makeDirs(path.dirname(dest));
  const tmp = path.join(scratchDir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await fs.copyFile(src, tmp);
    await fs.rename(tmp, dest);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (errno(e) === 'ENOENT') throw new TrainSpamError('NOT_FOUND', `artifact source '${src}' does not exist`, { file: src });
    throw ioError('copy artifact to', dest, e);
  }
}

async function statOrNull(p: string) {
  try {
    return await fs.stat(p);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') return null;
    throw ioError('stat', p, e);
  }
}

export async function logArtifact(root: string, scratch: string, localFile: string, artifactPath?: string): Promise<void> {
  const dir = normalizeArtifactPath(artifactPath);
  const st = await statOrNull(localFile);
  if (!st || !st.isFile()) throw new TrainSpamError('NOT_FOUND', `artifact file '${localFile}' does not exist or is not a file`, { file: localFile });
  await copyAtomic(localFile, path.join(root, ...dir.split('/').filter(Boolean), path.basename(localFile)), scratch);
}

export async function logArtifacts(root: string, scratch: string, localDir: string, artifactPath?: string): Promise<void> {
  const dir = normalizeArtifactPath(artifactPath);
  const st = await statOrNull(localDir);
  if (!st || !st.isDirectory()) throw new TrainSpamError('NOT_FOUND', `artifact directory '${localDir}' does not exist`, { dir: localDir });
  const base = path.join(root, ...dir.split('/').filter(Boolean));
  await makeDirs(base);
  for (const rel of await walkFiles(localDir)) {
    await copyAtomic(path.join(localDir, ...rel.split('/')), path.join(base, ...rel.split('/')), scratch);
  }
}

export async function listArtifacts(root: string, p?: string): Promise<ArtifactEntry[]> {
  const rel = normalizeArtifactPath(p);
  const dir = path.join(root, ...rel.split('/').filter(Boolean));
  const st = await statOrNull(dir);
  if (!st || !st.isDirectory()) return [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: ArtifactEntry[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.tmp-')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push({ path: child, isDir: true });
    else if (e.isFile()) out.push({ path: child, isDir: false, fileSize: (await fs.stat(path.join(dir, e.name))).size });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

export async function downloadArtifacts(root: string, p: string, destDir: string): Promise<string> {
  const rel = normalizeArtifactPath(p);
  const src = path.join(root, ...rel.split('/').filter(Boolean));
  const dest = path.join(path.resolve(destDir), ...rel.split('/').filter(Boolean));
  const st = await statOrNull(src);
  if (!st) throw new TrainSpamError('NOT_FOUND', `artifact '${rel}' not found`, { path: rel });
  try {
    if (st.isDirectory()) {
      await makeDirs(dest);
      for (const f of await walkFiles(src)) {
        const to = path.join(dest, ...f.split('/'));
        await makeDirs(path.dirname(to));
        await fs.copyFile(path.join(src, ...f.split('/')), to);
      }
    } else {
      await makeDirs(path.dirname(dest));
      await fs.copyFile(src, dest);
    }
  } catch (e) {
    throw ioError('download artifact to', dest, e);
  }
  return dest;
}
