/**
 * Run artifacts through the server's proxied artifact API (`/api/2.0/mlflow-artifacts/artifacts`).
 * A run's `artifact_uri` is `mlflow-artifacts:/<exp>/<run>/artifacts`; the text after the scheme
 * is the base path for PUT/GET and the `path=` of listings. Other URI schemes (s3://, file://)
 * mean the server does not proxy artifacts: that is an INVALID_ARGUMENT error.
 *
 * A missing file downloads as HTTP 500 INTERNAL_ERROR on MLflow 2.x (not 404). Such a 500 is not
 * retried; the parent directory is listed and, when the file is not there, NOT_FOUND is thrown.
 *
 * The server's listings steer a directory download, so they are not trusted: an entry must name a
 * proper child of the folder listed (MLflow sends the bare name), and the walk is bounded
 * (`DOWNLOAD_LIMITS`). An audit's fake server listed a folder `model` holding a folder `.` (or ``),
 * which the download joined back into `model` and listed again, forever (~50k requests in 20 s).
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

/** How far one `downloadArtifacts` call follows the server's listings before it gives up. */
export interface DownloadLimits {
  /** Folders below the requested path. */
  readonly maxDepth: number;
  /** List requests in all (the walk's own and the ones that tell a missing file from a folder). */
  readonly maxListings: number;
  /** Files in all. */
  readonly maxFiles: number;
}

/**
 * Generous bounds: a model artifact is two files in one folder, a run's whole artifact tree a few
 * dozen files a few folders deep (plots, journals, shard models). Reaching one means a server that
 * misbehaves (or a tree nobody should download whole): the download fails with REMOTE_ERROR.
 */
export const DOWNLOAD_LIMITS: DownloadLimits = Object.freeze({ maxDepth: 32, maxListings: 10_000, maxFiles: 100_000 });

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

const shown = (v: unknown): string => JSON.stringify(typeof v === 'string' && v.length > 200 ? `${v.slice(0, 200)}…` : v) ?? String(v);

/**
 * The name of the child a listing entry stands for. MLflow sends the bare name; a path ending in
 * it is accepted only when what comes before is the folder listed (relative to the run's artifact
 * root, or the full proxied path). Anything else (empty, `.`, `..`, a path starting with `/`, a
 * backslash or NUL in the name, another folder's path) would make the download list the same
 * folder again, or write outside it: a REMOTE_ERROR naming the entry and the folder.
 */
function childName(entry: Record<string, unknown>, rel: string, listed: string): string {
  const raw = entry.path;
  const parts = typeof raw === 'string' ? raw.split('/') : [];
  const name = parts.length ? parts[parts.length - 1] : '';
  const prefix = parts.slice(0, -1).join('/');
  const underFolder = parts.length === 1 || (prefix !== '' && (prefix === rel || prefix === listed));
  if (!underFolder || name === '' || name === '.' || name === '..' || /[\\\0]/.test(name)) {
    throw new TrainSpamError(
      'REMOTE_ERROR',
      `the MLflow server listed an entry with path ${shown(raw)} in artifact folder '${rel || '.'}'; expected the name of a file or folder inside it`,
      { entry: shown(raw), folder: rel },
    );
  }
  return name;
}

export async function listArtifacts(t: MlflowTransport, base: string, p?: string): Promise<ArtifactEntry[]> {
  const rel = normalizeArtifactPath(p);
  const listed = join(base, rel);
  const r = await t.json<{ files?: Array<Record<string, unknown>> }>({
    method: 'GET', path: ARTIFACTS, query: { path: listed }, idempotent: true,
  });
  const seen = new Set<string>();
  return wireArray(r.files)
    .map((f) => {
      const name = childName(f, rel, listed);
      if (seen.has(name)) {
        throw new TrainSpamError('REMOTE_ERROR', `the MLflow server listed ${shown(name)} twice in artifact folder '${rel || '.'}'`, { entry: shown(name), folder: rel });
      }
      seen.add(name);
      const size = typeof f.file_size === 'number' ? f.file_size : f.file_size !== undefined ? Number(f.file_size) : undefined;
      return { path: join(rel, name), isDir: f.is_dir === true, ...(size !== undefined && !f.is_dir ? { fileSize: size } : {}) };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** One download's walk: its limits and what it has used of them. */
interface Walk {
  readonly t: MlflowTransport;
  readonly base: string;
  /** The requested path, for messages. */
  readonly top: string;
  readonly destRoot: string;
  readonly limits: DownloadLimits;
  listings: number;
  files: number;
}

function limitError(w: Walk, what: string, limit: number, at: string): TrainSpamError {
  return new TrainSpamError(
    'REMOTE_ERROR',
    `downloading artifact '${w.top || '.'}' stopped at '${at || '.'}': the MLflow server's listings ${what} (limit ${limit}); a server that lists a folder inside itself, or a tree too big to download whole`,
    { path: w.top, at, limit },
  );
}

async function listWithin(w: Walk, folder: string): Promise<ArtifactEntry[]> {
  if (++w.listings > w.limits.maxListings) throw limitError(w, `take more than ${w.limits.maxListings} list requests`, w.limits.maxListings, folder);
  return listArtifacts(w.t, w.base, folder);
}

async function downloadFile(w: Walk, rel: string): Promise<'file' | 'dir'> {
  const dest = path.join(w.destRoot, ...rel.split('/').filter(Boolean));
  try {
    const res = await w.t.send({ method: 'GET', path: `${ARTIFACTS}/${encodePath(join(w.base, rel))}`, idempotent: true, retryInternalError: false });
    await makeDirs(path.dirname(dest));
    await fs.writeFile(dest, res.body);
    return 'file';
  } catch (e) {
    if (!(isTrainSpamError(e) && e.details.httpStatus === 500)) throw e;
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const entry = (await listWithin(w, parent)).find((x) => x.path === rel);
    if (!entry) throw new TrainSpamError('NOT_FOUND', `artifact '${rel}' not found`, { path: rel, httpStatus: 500 });
    if (entry.isDir) {
      await makeDirs(dest);
      return 'dir';
    }
    throw e;
  }
}

/**
 * Downloads a file or a folder (recursively) into `destDir`, keeping the path below the run's
 * artifact root; returns the local path of `p`. `limits` (default `DOWNLOAD_LIMITS`) bound the walk.
 */
export async function downloadArtifacts(t: MlflowTransport, base: string, p: string, destDir: string, limits: DownloadLimits = DOWNLOAD_LIMITS): Promise<string> {
  const rel = normalizeArtifactPath(p);
  const w: Walk = { t, base, top: rel, destRoot: path.resolve(destDir), limits, listings: 0, files: 0 };
  return downloadPath(w, rel, 0);
}

/** `depth`: folders between the requested path and `rel`. */
async function downloadPath(w: Walk, rel: string, depth: number): Promise<string> {
  const dest = path.join(w.destRoot, ...rel.split('/').filter(Boolean));
  const children = await listWithin(w, rel);
  if (children.length === 0) {
    if (rel === '') {
      await makeDirs(dest);
      return dest;
    }
    await downloadFile(w, rel);
    return dest;
  }
  w.files += children.filter((c) => !c.isDir).length;
  if (w.files > w.limits.maxFiles) throw limitError(w, `hold more than ${w.limits.maxFiles} files`, w.limits.maxFiles, rel);
  await makeDirs(dest);
  for (const c of children) {
    if (!c.isDir) await downloadFile(w, c.path);
    else if (depth + 1 > w.limits.maxDepth) throw limitError(w, `go more than ${w.limits.maxDepth} folders deep`, w.limits.maxDepth, c.path);
    else await downloadPath(w, c.path, depth + 1);
  }
  return dest;
}
