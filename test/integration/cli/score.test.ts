/**
 * `train-spam score` against a model the pipeline promoted into a local store: every way of naming
 * the model scores the same e-mails to the in-process scorer's values, a file that is no e-mail is
 * an error line (the others still scored, exit 1), and unknown models or bad flags fail clearly.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/cli.js';
import { silentLogger } from '../../../src/core/ports.js';
import { silentProgress } from '../../../src/hpo/progress.js';
import { openParquet, readColumns } from '../../../src/io/parquet.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { runPipeline } from '../../../src/pipeline/runner.js';
import { fetchVersionArtifact, STAGING_ALIAS } from '../../../src/pipeline/steps/model-comparison.js';
import { loadScorer } from '../../../src/serving/scorer.js';
import { openTracking } from '../../../src/tracking/factory.js';
import { ensureBuilt } from '../exec/ensure-build.js';

const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/parquet/emails-snappy.parquet');
const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

let root: string;
let store: string;
let mails: string;
let modelDir: string;
let source: string;
/** P(spam) of each mail file (name order) from the promoted model, scored in process. */
let expected: { file: string; p_spam: number }[];
let firstRaw: string;

async function cli(...args: string[]): Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const code = await runCli(['node', 'train-spam', ...args]);
  const stdout = out.mock.calls.map((c) => String(c[0])).join('');
  vi.restoreAllMocks();
  return { code, lines: stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>), stderr: err.mock.calls.map((c) => String(c[0])).join('') };
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'train-spam-score-'));
  store = join(root, 'mlruns');
  const handle = openTracking({ trackingUri: store });
  try {
    const r = await runPipeline({
      params: resolvePipelineParams({
        entity_data_path: FIXTURE, num_hpo_trials: 2, seed: 7,
        f1_threshold: 0.5, min_auc_roc: 0.5, min_precision: 0.5, min_recall: 0.5, max_inference_time_ms: 1000,
      }),
      logger: silentLogger,
      progress: silentProgress,
      tracking: { store: handle.store, registry: handle.registry, description: 'test' },
      outRoot: join(root, 'runs'),
      workers: 1,
      hpo: { study: { executor: 'inline' } },
    });
    expect(r.exitCode).toBe(0);
    const version = await handle.registry.getVersionByAlias('spam-detector', STAGING_ALIAS);
    expect(version?.version).toBe('1');
    source = version!.source;
    expect(source).toMatch(/^runs:\/[^/]+\/./); // so that `source` below tests the runs:/ reference
    modelDir = await fetchVersionArtifact(handle.store, version!, join(root, 'fetched'));
  } finally {
    await handle.close();
  }
  const cols = await readColumns(await openParquet(FIXTURE), ['raw', 'label']);
  const labels = cols.label as number[];
  const pick = (label: number) => (cols.raw as string[]).filter((_, i) => Number(labels[i]) === label).slice(0, 3);
  const raws = [...pick(1), ...pick(0)]; // three spam, three ham
  firstRaw = raws[0];
  mails = join(root, 'mails');
  mkdirSync(join(mails, 'sub'), { recursive: true });
  // name order: a-0 … a-3, sub/ (read recursively in its place), z-bad.txt
  raws.slice(0, 4).forEach((raw, i) => writeFileSync(join(mails, `a-${i}.eml`), raw));
  raws.slice(4).forEach((raw, i) => writeFileSync(join(mails, 'sub', `b-${i}.eml`), raw));
  writeFileSync(join(mails, 'z-bad.txt'), 'just a line of prose, no headers\n');
  const scorer = await loadScorer(modelDir);
  const files = [0, 1, 2, 3].map((i) => join(mails, `a-${i}.eml`)).concat([0, 1].map((i) => join(mails, 'sub', `b-${i}.eml`)));
  expected = [];
  for (let i = 0; i < files.length; i++) expected.push({ file: files[i], p_spam: await scorer.scoreRaw(raws[i], files[i]) });
}, 240_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('train-spam score', () => {
  it('default model (the Staging alias): one line per e-mail in name order; a non-e-mail is an error line and exit 1', async () => {
    const r = await cli('score', mails, '--tracking-uri', store);
    expect(r.code).toBe(1);
    expect(r.lines.slice(0, 6)).toEqual(expected.map((e) => ({ ...e, spam: e.p_spam >= 0.5 })));
    expect(r.lines[6]).toMatchObject({ file: join(mails, 'z-bad.txt'), error: { code: 'INVALID_DATA' } });
    expect(r.lines).toHaveLength(7);
    expect(r.stderr).toContain('model spam-detector v1');
    expect(r.stderr).toContain(`score: ${join(mails, 'z-bad.txt')}: INVALID_DATA`);
    expect(r.stderr).toContain('1 of 7 e-mail(s) could not be scored');
    // some e-mails on each side of the threshold, so `spam` is not a constant
    expect(new Set(r.lines.slice(0, 6).map((l) => l.spam)).size).toBe(2);
  });

  it('a version, a stage, a run artifact and a model folder all name the same model', async () => {
    const good = expected.map((e) => e.file);
    const want = expected.map((e) => ({ ...e, spam: e.p_spam >= 0.9 }));
    for (const model of ['models:/spam-detector/1', 'models:/spam-detector/Staging', source, modelDir]) {
      const r = await cli('score', ...good, '--model', model, '--tracking-uri', store, '--threshold', '0.9');
      expect(r.stderr).not.toContain('error');
      expect(r.code).toBe(0);
      expect(r.lines).toEqual(want);
    }
  });

  it('an unknown alias, version or run is an error naming it; nothing is scored', async () => {
    const a = await cli('score', mails, '--model', 'models:/spam-detector@champion', '--tracking-uri', store);
    expect(a.code).toBe(1);
    expect(a.lines).toEqual([]);
    expect(a.stderr).toContain('[NOT_FOUND]: models:/spam-detector@champion: no such model version');
    const v = await cli('score', mails, '--model', 'models:/spam-detector/9', '--tracking-uri', store);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain("[NOT_FOUND]: models:/spam-detector/9: no such model version in");
    expect(v.stderr).toContain("'spam-detector' v9 not found");
    const empty = await cli('score', mails, '--tracking-uri', join(root, 'empty-store'));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("models:/spam-detector@staging: no such model version in");
    expect(empty.stderr).toContain("registered model 'spam-detector' not found); has a run promoted a model yet?");
    const folder = await cli('score', mails, '--model', join(root, 'no-such-model'));
    expect(folder.code).toBe(1);
    expect(folder.lines).toEqual([]);
    expect(folder.stderr).toContain(join(root, 'no-such-model'));
  });

  it('a run artifact that is missing or no model is an error naming the reference and the store, not the temporary download folder', async () => {
    const run = /^runs:\/([^/]+)\//.exec(source)![1];
    const missing = await cli('score', mails, '--model', `runs:/${run}/no-such-artifact`, '--tracking-uri', store);
    expect(missing.code).toBe(1);
    expect(missing.lines).toEqual([]);
    expect(missing.stderr).toContain(`[NOT_FOUND]: runs:/${run}/no-such-artifact in `);
    expect(missing.stderr).toContain(store);
    const notModel = await cli('score', mails, '--model', `runs:/${run}/plots`, '--tracking-uri', store);
    expect(notModel.code).toBe(1);
    expect(notModel.stderr).toContain(`runs:/${run}/plots/artifact.json: cannot be read`);
    expect(notModel.stderr).not.toMatch(/train-spam-score-\w+\/plots/); // the download folder, gone by then
  });

  it('a pipe (process substitution) is one e-mail, a device is read as one too', async () => {
    const fifo = join(root, 'pipe.eml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', expected[0].file, fifo]);
    const r = await cli('score', fifo, '--model', modelDir);
    writer.kill();
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([{ file: fifo, p_spam: expected[0].p_spam, spam: expected[0].p_spam >= 0.5 }]);
    const dev = await cli('score', '/dev/null', '--model', modelDir);
    expect(dev.code).toBe(1);
    expect(dev.lines).toEqual([{ file: '/dev/null', error: { code: 'INVALID_DATA', message: expect.stringContaining('the message is empty') } }]);
  });

  it('follows symbolic links in a folder as if named; a dangling link, a link loop or a pipe inside it is an error line, never skipped', async () => {
    const links = join(root, 'links');
    mkdirSync(links);
    symlinkSync(expected[0].file, join(links, 'a-file.eml'));
    symlinkSync(join(mails, 'sub'), join(links, 'b-folder'));
    symlinkSync(join(root, 'nothing-here.eml'), join(links, 'c-dangling.eml'));
    symlinkSync(links, join(links, 'd-loop'));
    expect(spawnSync('mkfifo', [join(links, 'e-pipe')]).status).toBe(0);
    const r = await cli('score', links, '--model', modelDir);
    expect(r.code).toBe(1);
    const line = (e: { file: string; p_spam: number }, file: string) => ({ file, p_spam: e.p_spam, spam: e.p_spam >= 0.5 });
    expect(r.lines).toEqual([
      line(expected[0], join(links, 'a-file.eml')),
      line(expected[4], join(links, 'b-folder', 'b-0.eml')),
      line(expected[5], join(links, 'b-folder', 'b-1.eml')),
      { file: join(links, 'c-dangling.eml'), error: { code: 'IO_ERROR', message: expect.stringContaining('a symbolic link to nothing') } },
      { file: join(links, 'd-loop'), error: { code: 'IO_ERROR', message: expect.stringContaining('a folder above it (a loop)') } },
      { file: join(links, 'e-pipe'), error: { code: 'IO_ERROR', message: expect.stringContaining('not a regular file or a folder') } },
    ]);
    expect(r.stderr).toContain('3 of 6 e-mail(s) could not be scored');
  });

  it('a file name with control characters is escaped on stderr (a terminal would obey them); stdout keeps it as JSON', async () => {
    const ctl = join(root, 'ctl');
    mkdirSync(ctl);
    const name = join(ctl, 'x\u001b]0;PWNED\u0007\u001b[2J.eml');
    writeFileSync(name, 'no headers here\n');
    const r = await cli('score', ctl, '--model', modelDir);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([{ file: name, error: expect.objectContaining({ code: 'INVALID_DATA' }) }]);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stderr).toContain('x\\x1b]0;PWNED\\x07\\x1b[2J.eml');
  });

  it('bad flags and inputs are usage errors or name the path', async () => {
    const t = await cli('score', mails, '--model', modelDir, '--threshold', '1.5');
    expect(t.code).toBe(64);
    expect(t.stderr).toContain('--threshold must be a number in [0, 1]; got "1.5"');
    const s = await cli('score', mails, '--model', 's3://bucket/model');
    expect(s.code).toBe(64);
    const mixed = await cli('score', mails, '-', '--model', modelDir);
    expect(mixed.code).toBe(64);
    expect(mixed.stderr).toContain("'-' (stdin) cannot be mixed with files");
    mkdirSync(join(root, 'empty-folder'), { recursive: true });
    const none = await cli('score', join(root, 'empty-folder'), '--model', modelDir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`[NOT_FOUND]: no e-mail file in ${join(root, 'empty-folder')}`);
    const missing = await cli('score', join(root, 'nope.eml'), '--model', modelDir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`[NOT_FOUND]: ${join(root, 'nope.eml')}: no such file or folder`);
    // a control character in the input is shown as an escape, not sent to the terminal
    const ctl = await cli('score', join(root, 'no\x1b[2Jpe.eml'), '--model', modelDir);
    expect(ctl.code).toBe(1);
    expect(ctl.stderr).toContain(`${join(root, 'no\\x1b[2Jpe.eml')}: no such file or folder`);
    expect(ctl.stderr).not.toContain('\x1b');
    // a tracking URI that is a file is a usage error naming it (it read as 'no such model version')
    const storeFile = join(root, 'store-is-a-file');
    writeFileSync(storeFile, 'x');
    const asFile = await cli('score', mails, '--model', 'models:/spam-detector@staging', '--tracking-uri', storeFile);
    expect(asFile.code).toBe(64);
    expect(asFile.stderr).toContain(`local tracking store '${storeFile}' (--tracking-uri / MLFLOW_TRACKING_URI) is a file; expected a folder`);
    expect(missing.lines).toEqual([]);
  });

  it('reads one e-mail from stdin (built CLI)', async () => {
    await ensureBuilt();
    const r = spawnSync(process.execPath, [CLI, 'score', '--model', modelDir], { input: firstRaw, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ file: '-', p_spam: expected[0].p_spam, spam: expected[0].p_spam >= 0.5 }]);
  }, 240_000);
});
