/**
 * Run artifacts through the server's proxied artifact API (`/api/2.0/mlflow-artifacts/artifacts`).
 * A run's `artifact_uri` is `mlflow-artifacts:/<exp>/<run>/artifacts`; the text after the scheme
 * is the base path for PUT/GET and the `path=` of listings. Other URI schemes (s3://, file://)
 * mean the server does not proxy artifacts: that is an INVALID_ARGUMENT error.
 *
 * A missing file downloads as HTTP 500 INTERNAL_ERROR on MLflow 2.x (not 404). Such a 500 is not
 * retried; the parent directory is listed and, when the file is not there, NOT_FOUND is thrown.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TrainSpamError, isTrainSpamError } from '../../core/errors.js';
import type { ArtifactEntry } from '../contract.js';
import { normalizeArtifactPath } from '../validation.js';
import { walkFiles } from '../walk.js';
import type { MlflowTransport } from './transport.js';
import { wireArray } from './wire.js';
import { makeDirs } from '../../io/dirs.js';

const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const UPLOAD_CONCURRENCY = 4;

/** `mlflow-artifacts:/1/abc/artifacts` or `mlflow-artifacts://host/1/abc/artifacts` → `1/abc/artifacts`. */
export function proxiedBase(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!m) {
    throw new TrainSpamError(
      'INVALID_ARGUMENT',
      `run artifact URI '${artifactUri}' is not served by the MLflow artifact proxy; start the server with --serve-artifacts`,
      { artifactUri },
    );
  }
  return m[1].replace(/\/+$/, '');
}

const encodePath = (p: string) => p.split('/').filter(Boolean).map(encodeURIComponent).join('/');
const join = (...parts: string[]) => parts.filter(Boolean).join('/');

export async function putFile(t: MlflowTransport, base: string, relPath: string, localFile: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(localFile);
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `artifact file '${localFile}' cannot be read: ${(e as Error).message}`, { file: localFile });
  }
  await t.send({ method: 'PUT', path: `${ARTIFACTS}/${encodePath(join(base, relPath))}`, bytes, idempotent: true });
}

export async function logArtifact(t: MlflowTransport, base: string, localFile: string, artifactPath?: string): Promise<void> {
  const dir = normalizeArtifactPath(artifactPath);
  const st = await fs.stat(localFile).catch(() => null);
  if (!st?.isFile()) throw new TrainSpamError('NOT_FOUND', `artifact file '${localFile}' does not exist or is not a file`, { file: localFile });
  await putFile(t, base, join(dir, path.basename(localFile)), localFile);
}

export async function logArtifacts(t: MlflowTransport, base: string, localDir: string, artifactPath?: string): Promise<void> {
  const dir = normalizeArtifactPath(artifactPath);
  const st = await fs.stat(localDir).catch(() => null);
  if (!st?.isDirectory()) throw new TrainSpamError('NOT_FOUND', `artifact directory '${localDir}' does not exist`, { dir: localDir });
  const files = await walkFiles(localDir);
  let next = 0;
  // After the first failure no worker takes another file; the uploads already in flight settle
  // before the first error is rethrown, so nothing is still writing to the run when we return.
  const errors: unknown[] = [];
  const worker = async () => {
    while (errors.length === 0 && next < files.length) {
      const rel = files[next++];
      try {
        await putFile(t, base, join(dir, rel), path.join(localDir, ...rel.split('/')));
      } catch (e) {
        errors.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, files.length) }, worker));
  if (errors.length) throw errors[0];
}

export async function listArtifacts(t: MlflowTransport, base: string, p?: string): Promise<ArtifactEntry[]> {
  const rel = normalizeArtifactPath(p);
  const r = await t.json<{ files?: Array<Record<string, unknown>> }>({
    method: 'GET', path: ARTIFACTS, query: { path: join(base, rel) }, idempotent: true,
  });
  return wireArray(r.files)
    .map((f) => {
      const name = String(f.path ?? '').split('/').pop() ?? '';
      const size = typeof f.file_size === 'number' ? f.file_size : f.file_size !== undefined ? Number(f.file_size) : undefined;
      return { path: join(rel, name), isDir: f.is_dir === true, ...(size !== undefined && !f.is_dir ? { fileSize: size } : {}) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function downloadFile(t: MlflowTransport, base: string, rel: string, dest: string): Promise<'file' | 'dir'> {
  try {
    const res = await t.send({ method: 'GET', path: `${ARTIFACTS}/${encodePath(join(base, rel))}`, idempotent: true, retryInternalError: false });
    await makeDirs(path.dirname(dest));
    await fs.writeFile(dest, res.body);
    return 'file';
  } catch (e) {
    if (!(isTrainSpamError(e) && e.details.httpStatus === 500)) throw e;
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const entry = (await listArtifacts(t, base, parent)).find((x) => x.path === rel);
    if (!entry) throw new TrainSpamError('NOT_FOUND', `artifact '${rel}' not found`, { path: rel, httpStatus: 500 });
    if (entry.isDir) {
      await makeDirs(dest);
      return 'dir';
    }
    throw e;
  }
}

export async function downloadArtifacts(t: MlflowTransport, base: string, p: string, destDir: string): Promise<string> {
  const rel = normalizeArtifactPath(p);
  const dest = path.join(path.resolve(destDir), ...rel.split('/').filter(Boolean));
  const children = await listArtifacts(t, base, rel);
  if (children.length === 0) {
    if (rel === '') {
      await makeDirs(dest);
      return dest;
    }
    await downloadFile(t, base, rel, dest);
    return dest;
  }
  await makeDirs(dest);
  for (const c of children) {
    if (c.isDir) await downloadArtifacts(t, base, c.path, destDir);
    else await downloadFile(t, base, c.path, path.join(path.resolve(destDir), ...c.path.split('/')));
  }
  return dest;
}
