/**
 * The local store under concurrent writers: many async writers in one process (Promise.all) and
 * two child processes appending metrics to one run and creating versions of one model at once.
 * No metric line may be lost or torn; every version number must be unique.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalModelRegistry } from '../../../src/tracking/local/local-registry.js';
import { LocalTrackingStore } from '../../../src/tracking/local/local-store.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Transpiles the local store and everything it imports (relative imports followed from the two
 * entry files) to plain JS under `out`, so child processes can import them.
 */
async function transpileTree(out: string): Promise<void> {
  const todo = ['src/tracking/local/local-store.ts', 'src/tracking/local/local-registry.ts'];
  const done = new Set<string>();
  while (todo.length) {
    const rel = todo.pop()!;
    if (done.has(rel)) continue;
    done.add(rel);
    const src = await readFile(path.join(REPO, rel), 'utf8');
    for (const m of src.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) todo.push(path.join(path.dirname(rel), `${m[1]}.ts`));
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true } }).outputText;
    await mkdir(path.join(out, path.dirname(rel)), { recursive: true });
    await writeFile(path.join(out, rel.replace(/\.ts$/, '.js')), js);
  }
  await writeFile(path.join(out, 'package.json'), '{"type":"module"}');
  await symlink(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'));
}

const WRITER = `
import { LocalTrackingStore } from './src/tracking/local/local-store.js';
import { LocalModelRegistry } from './src/tracking/local/local-registry.js';
const [root, runId, label, batches, versions] = process.argv.slice(2);
const store = new LocalTrackingStore({ root });
const reg = new LocalModelRegistry({ root });
const work = [];
for (let b = 0; b < Number(batches); b++) {
  const metrics = Array.from({ length: 20 }, (_, i) => ({ key: 'shared', value: b * 20 + i, step: b, timestamp: 1000 + i }));
  work.push(store.logBatch(runId, { metrics, tags: { ['writer_' + label]: String(b) } }));
}
for (let v = 0; v < Number(versions); v++) work.push(reg.createModelVersion({ name: 'shared-model', source: 'runs:/' + runId + '/' + label + '-' + v }));
await Promise.all(work);
`;

function runChild(cwd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['writer.mjs', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 50_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`writer exited ${code}: ${err}`));
    });
  });
}

describe('local store concurrency', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ts-conc-'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('loses no metric line and no tag under 20 concurrent in-process writers', async () => {
    const root = path.join(tmp, 'inproc');
    const store = new LocalTrackingStore({ root });
    const exp = await store.getOrCreateExperiment('conc');
    const { runId } = await store.createRun({ experimentId: exp.experimentId });
    await Promise.all(
      Array.from({ length: 20 }, (_, w) =>
        store.logBatch(runId, { metrics: Array.from({ length: 50 }, (_, i) => ({ key: 'm', value: w * 1000 + i, step: i })), tags: { [`w${w}`]: 'x' } }),
      ),
    );
    const hist = await store.getMetricHistory(runId, 'm');
    expect(hist).toHaveLength(1000);
    expect(new Set(hist.map((h) => h.value)).size).toBe(1000);
    const raw = await readFile(path.join(root, exp.experimentId, runId, 'metrics', 'm'), 'utf8');
    expect(raw.split('\n').filter(Boolean).every((l) => /^\d+ \d+\.0 \d+$/.test(l))).toBe(true);
    expect(Object.keys((await store.getRun(runId)).data.tags).filter((k) => /^w\d+$/.test(k))).toHaveLength(20);
  });

  it('two processes append metrics and allocate model versions without collisions', async () => {
    const dist = path.join(tmp, 'dist');
    await transpileTree(dist);
    await writeFile(path.join(dist, 'writer.mjs'), WRITER);
    const root = path.join(tmp, 'procs');
    const store = new LocalTrackingStore({ root });
    const reg = new LocalModelRegistry({ root });
    const exp = await store.getOrCreateExperiment('conc');
    const { runId } = await store.createRun({ experimentId: exp.experimentId });
    await reg.createRegisteredModel('shared-model');
    const BATCHES = 40;
    const VERSIONS = 12;
    await Promise.all([runChild(dist, [root, runId, 'a', String(BATCHES), String(VERSIONS)]), runChild(dist, [root, runId, 'b', String(BATCHES), String(VERSIONS)])]);
    const hist = await store.getMetricHistory(runId, 'shared');
    expect(hist).toHaveLength(2 * BATCHES * 20);
    const raw = await readFile(path.join(root, exp.experimentId, runId, 'metrics', 'shared'), 'utf8');
    expect(raw.endsWith('\n')).toBe(true);
    expect(raw.split('\n').filter(Boolean).every((l) => /^\d+ \d+\.0 \d+$/.test(l))).toBe(true);
    const versions = await reg.searchModelVersions("name='shared-model'");
    expect(versions.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * VERSIONS }, (_, i) => i + 1));
    expect(new Set(versions.map((v) => v.source)).size).toBe(2 * VERSIONS);
    const tags = (await store.getRun(runId)).data.tags;
    expect(tags.writer_a).toMatch(/^\d+$/);
    expect(tags.writer_b).toMatch(/^\d+$/);
    const leftovers = (await readdir(path.join(root, exp.experimentId, runId))).filter((f) => f.startsWith('.tmp-'));
    expect(leftovers).toEqual([]);
  });

  it('two processes racing get-or-create of one experiment agree on its id', async () => {
    const dist = path.join(tmp, 'dist');
    const script = `
import { LocalTrackingStore } from './src/tracking/local/local-store.js';
const s = new LocalTrackingStore({ root: process.argv[2] });
const ids = await Promise.all(Array.from({ length: 5 }, () => s.getOrCreateExperiment('race').then((e) => e.experimentId)));
process.stdout.write(JSON.stringify(ids));`;
    await writeFile(path.join(dist, 'race.mjs'), script);
    const root = path.join(tmp, 'race');
    const outputs = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<string[]>((resolve, reject) => {
            const p = spawn(process.execPath, ['race.mjs', root], { cwd: dist });
            let out = '';
            p.stdout.on('data', (d) => (out += d));
            p.on('exit', (c) => (c === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${c}`))));
          }),
      ),
    );
    expect(new Set(outputs.flat()).size).toBe(1);
    const dirs = (await readdir(root)).filter((d) => d !== '0');
    expect(dirs).toHaveLength(1);
  });
});
