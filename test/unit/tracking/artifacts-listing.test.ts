/**
 * A directory download follows the server's listings, so a malicious or broken server must not be
 * able to steer it: an audit's fake server listed folder `model` as holding a folder `.` (or ``),
 * which was joined back into `model` and listed again, forever (~50k list requests in 20 s).
 * Entries that are not a proper child of the folder listed are a REMOTE_ERROR, and the walk is
 * bounded in depth, list requests and files (`DOWNLOAD_LIMITS`).
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTracking } from '../../../src/tracking/factory.js';
import { DOWNLOAD_LIMITS, downloadArtifacts, listArtifacts } from '../../../src/tracking/mlflow/artifacts-api.js';
import type { MlflowTransport, RequestSpec } from '../../../src/tracking/mlflow/transport.js';
import { FakeMlflowServer } from '../../conformance/tracking/support/fake-mlflow-server.js';
import { caught } from '../../helpers/caught.js';

const BASE = '0/abc/artifacts';
const LIST = '/api/2.0/mlflow-artifacts/artifacts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'train-spam-artifact-listing-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Entry = { path: unknown; is_dir?: boolean; file_size?: number };

/**
 * An in-process transport: `list(folder)` answers the listing of `folder` (relative to the run's
 * artifact root), every file downloads as its own path. A runaway walk (the bug) is cut off after
 * `runaway` list requests so that the unfixed code fails instead of hanging.
 */
function server(list: (folder: string) => Entry[], runaway = 20_000) {
  const seen = { lists: 0, files: [] as string[] };
  const t = {
    json: async (spec: RequestSpec) => {
      expect(spec.path).toBe(LIST);
      if (++seen.lists > runaway) throw new Error(`runaway walk: more than ${runaway} list requests`);
      const p = String(spec.query?.path ?? '');
      expect(p === BASE || p.startsWith(`${BASE}/`)).toBe(true);
      return { files: list(p.slice(BASE.length + 1)) };
    },
    send: async (spec: RequestSpec) => {
      const rel = decodeURIComponent(spec.path.slice(`${LIST}/${BASE}/`.length));
      seen.files.push(rel);
      return { status: 200, headers: {}, body: Buffer.from(rel) };
    },
  } as unknown as MlflowTransport;
  return { t, seen };
}


const modelFiles: Entry[] = [{ path: 'artifact.json', is_dir: false, file_size: 10 }, { path: 'arrays.bin', is_dir: false, file_size: 8 }];

describe('artifact listings name proper children of the folder listed', () => {
  it.each([
    ['.', { path: '.', is_dir: true }],
    ['empty', { path: '', is_dir: true }],
    ['model/.', { path: 'model/.', is_dir: true }],
    ['..', { path: '..', is_dir: true }],
    ['a trailing slash', { path: 'sub/', is_dir: true }],
    ['another folder', { path: 'elsewhere/x', is_dir: false }],
    ['an absolute path', { path: '/tmp/x', is_dir: false }],
    ['a backslash', { path: '..\\x', is_dir: false }],
    ['no path', { is_dir: true } as Entry],
  ])('an entry %s → REMOTE_ERROR naming the entry and the folder, after one list request', async (_name, bad) => {
    const { t, seen } = server((folder) => (folder === 'model' ? [...modelFiles, bad] : []));
    const e = await caught(downloadArtifacts(t, BASE, 'model', join(root, 'bad')));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.message).toMatch(/in artifact folder 'model'; expected the name of a file or folder inside it/);
    expect(e.details).toMatchObject({ folder: 'model', entry: JSON.stringify(bad.path) ?? 'undefined' });
    expect(seen.lists).toBe(1);
    expect(seen.files).toEqual([]);
  });

  it('a listing that names the same child twice → REMOTE_ERROR', async () => {
    const { t } = server(() => [...modelFiles, { path: 'arrays.bin', is_dir: true }]);
    await expect(listArtifacts(t, BASE, 'model')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: expect.stringMatching(/listed "arrays\.bin" twice in artifact folder 'model'/) });
  });

  it('bare names, and paths under the folder listed (run-relative or full), are accepted', async () => {
    const { t } = server(() => [{ path: 'a', is_dir: false, file_size: 1 }, { path: 'model/b', is_dir: true }, { path: `${BASE}/model/c`, is_dir: false }]);
    expect(await listArtifacts(t, BASE, 'model')).toEqual([
      { path: 'model/a', isDir: false, fileSize: 1 },
      { path: 'model/b', isDir: true },
      { path: 'model/c', isDir: false },
    ]);
    const top = server(() => [{ path: `${BASE}/x`, is_dir: false }, { path: 'y', is_dir: true }]);
    expect((await listArtifacts(top.t, BASE)).map((e) => e.path)).toEqual(['x', 'y']);
  });

  it('a well-formed tree downloads whole', async () => {
    const tree: Record<string, Entry[]> = { model: [...modelFiles, { path: 'sub', is_dir: true }], 'model/sub': [{ path: 'deep.txt', is_dir: false }] };
    const { t, seen } = server((folder) => tree[folder] ?? []);
    const dest = await downloadArtifacts(t, BASE, 'model', join(root, 'ok'));
    expect(dest).toBe(join(root, 'ok', 'model'));
    expect(seen.files.sort()).toEqual(['model/arrays.bin', 'model/artifact.json', 'model/sub/deep.txt']);
    expect(await readFile(join(dest, 'sub', 'deep.txt'), 'utf8')).toBe('model/sub/deep.txt');
    expect((await readdir(dest)).sort()).toEqual(['arrays.bin', 'artifact.json', 'sub']);
  });
});

describe('the download walk is bounded', () => {
  it('the defaults are generous but finite', () => {
    expect(DOWNLOAD_LIMITS).toEqual({ maxDepth: 32, maxListings: 10_000, maxFiles: 100_000 });
    expect(Object.isFrozen(DOWNLOAD_LIMITS)).toBe(true);
  });

  it('an endless chain of folders stops after maxDepth folders (default 32)', async () => {
    const { t, seen } = server(() => [{ path: 'a', is_dir: true }]);
    const e = await caught(downloadArtifacts(t, BASE, 'model', join(root, 'deep')));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.message).toMatch(/^downloading artifact 'model' stopped at 'model(\/a){33}': the MLflow server's listings go more than 32 folders deep/);
    expect(seen.lists).toBe(33); // 'model' and 32 folders below it
    const small = server(() => [{ path: 'a', is_dir: true }]);
    await expect(downloadArtifacts(small.t, BASE, '', join(root, 'deep2'), { ...DOWNLOAD_LIMITS, maxDepth: 2 })).rejects.toMatchObject({ code: 'REMOTE_ERROR', details: { at: 'a/a/a', limit: 2 } });
    expect(small.seen.lists).toBe(3);
  });

  it('a tree that fans out stops after maxListings list requests', async () => {
    // 20 folders in each folder, 5 levels below `model` (within maxDepth): 20^5 folders to list.
    // (With the default 10000 this takes seconds of mkdir and file writes, so a small limit here.)
    const fan = Array.from({ length: 20 }, (_, i) => ({ path: `d${i}`, is_dir: true }));
    const { t, seen } = server((folder) => (folder.split('/').length <= 5 ? fan : []));
    const e = await caught(downloadArtifacts(t, BASE, 'model', join(root, 'fan'), { ...DOWNLOAD_LIMITS, maxListings: 50 }));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.message).toMatch(/^downloading artifact 'model' stopped at 'model\/d0\/d\d+[^']*': the MLflow server's listings take more than 50 list requests \(limit 50\)/);
    expect(e.details).toMatchObject({ path: 'model', limit: 50 });
    expect(seen.lists).toBe(50);
  });

  it('listings holding more than maxFiles files (default 100000) fail before downloading them', async () => {
    const many = Array.from({ length: 100_001 }, (_, i) => ({ path: `f${i}`, is_dir: false }));
    const { t, seen } = server(() => many);
    const e = await caught(downloadArtifacts(t, BASE, 'model', join(root, 'many')));
    expect(e.code).toBe('REMOTE_ERROR');
    expect(e.message).toMatch(/hold more than 100000 files/);
    expect(seen.files).toEqual([]);
    const tree: Record<string, Entry[]> = { model: [...modelFiles, { path: 'sub', is_dir: true }], 'model/sub': [...modelFiles] };
    const small = server((folder) => tree[folder] ?? []);
    await expect(downloadArtifacts(small.t, BASE, 'model', join(root, 'many2'), { ...DOWNLOAD_LIMITS, maxFiles: 3 })).rejects.toMatchObject({ code: 'REMOTE_ERROR', details: { at: 'model/sub', limit: 3 } });
    expect(small.seen.files.sort()).toEqual(['model/arrays.bin', 'model/artifact.json']);
  });
});

describe('through the REST store against the fake MLflow server', () => {
  let fake: FakeMlflowServer;
  beforeAll(async () => {
    fake = new FakeMlflowServer();
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('a listing of `model` holding a folder `.` fails with REMOTE_ERROR after one list request (the audit repro)', async () => {
    const tracking = openTracking({ trackingUri: fake.url }, { sleep: async () => {} });
    try {
      const exp = await tracking.store.getOrCreateExperiment('listing');
      const run = await tracking.store.createRun({ experimentId: exp.experimentId });
      const file = join(root, 'artifact.json');
      await writeFile(file, '{}');
      await tracking.store.logArtifact(run.runId, file, 'model');
      const isList = (m: string, p: string) => m === 'GET' && p === LIST;
      // 500 evil answers: the unfixed walk lists `model` 500 times and then succeeds instead of failing
      for (const files of [[{ path: '.', is_dir: true }], [{ path: '', is_dir: true }]]) {
        fake.faults.length = 0;
        fake.inject(isList, { kind: 'status', status: 200, body: { files: [{ path: 'artifact.json', is_dir: false, file_size: 2 }, ...files] } }, 500);
        const before = fake.requests.filter((r) => isList(r.method, r.path)).length;
        const e = await caught(tracking.store.downloadArtifacts(run.runId, 'model', join(root, 'rest')));
        expect(e.code).toBe('REMOTE_ERROR');
        expect(e.message).toContain(`with path ${JSON.stringify(files[0].path)} in artifact folder 'model'`);
        expect(fake.requests.filter((r) => isList(r.method, r.path)).length - before).toBe(1);
      }
      fake.faults.length = 0;
      const dest = await tracking.store.downloadArtifacts(run.runId, 'model', join(root, 'rest-ok'));
      expect(await readFile(join(dest, 'artifact.json'), 'utf8')).toBe('{}');
    } finally {
      await tracking.close();
    }
  });
});
