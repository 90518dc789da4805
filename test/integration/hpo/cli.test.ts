import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerHpoCommands, resolveShardIndex } from '../../../src/cli/commands/hpo.js';
import { saveMatrix } from '../../../src/hpo/matrix-file.js';
import { loadMatrix } from '../../../src/hpo/matrix-file.js';
import { ensureBuilt } from '../exec/ensure-build.js';
import { toyData } from '../../unit/hpo/helpers.js';

const SPACE = `
model:
  logistic:
    C: { loguniform: [0.01, 100] }
    max_iter: 50
  gbm:
    n_estimators: { quniform: [5, 15, 5] }
    max_depth: { randint: [2, 4] }
`;

async function cli(args: string[]): Promise<string> {
  const program = new Command('train-spam').exitOverride();
  const hpo = registerHpoCommands(program);
  expect(hpo.name()).toBe('hpo');
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'train-spam', ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out;
}

describe('train-spam hpo (real models, compiled worker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-cli-'));
  const data = join(dir, 'matrix');
  const space = join(dir, 'space.yaml');

  beforeAll(async () => {
    await ensureBuilt();
    const { X, y } = toyData(300, 9);
    saveMatrix(data, X, y);
    writeFileSync(space, SPACE);
  }, 240_000);
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('saves and loads a matrix directory', () => {
    const { X, y } = loadMatrix(data);
    const ref = toyData(300, 9);
    expect(X.rows).toBe(300);
    expect([...X.dense.data]).toEqual([...ref.X.dense.data]);
    expect([...y!]).toEqual([...ref.y]);
  });

  it('runs a study as plain `hpo`, writes artifacts, then merges shards', async () => {
    const out = await cli(['hpo', '--data', data, '--trials', '4', '--workers', '2', '--search-space', space, '--seed', '5', '--journal-dir', join(dir, 'j1'), '--progress', 'json']);
    expect(out).toMatch(/hpo: completed; 4 trials/);
    const best = JSON.parse(readFileSync(join(dir, 'j1', 'best-config.json'), 'utf8'));
    expect(['logistic', 'gbm']).toContain(best.model);
    expect(best.score).toBeGreaterThan(0.5);
    expect(readdirSync(join(dir, 'j1')).sort()).toEqual(['best-config.json', 'journal-shard-0-of-1.jsonl', 'trials.csv', 'trials.json']);

    const shards = join(dir, 'shards');
    await cli(['hpo', 'run', '--data', data, '--trials', '4', '--workers', '1', '--search-space', space, '--seed', '5', '--journal-dir', shards, '--shard-index', '0', '--shard-count', '2', '--progress', 'none']);
    await expect(cli(['hpo', 'merge', '--journal-dir', shards])).rejects.toThrow(/lacks the journals of shard\(s\) 1 of 2/);
    process.env.JOB_COMPLETION_INDEX = '1';
    try {
      await cli(['hpo', '--data', data, '--trials', '4', '--workers', '1', '--search-space', space, '--seed', '5', '--journal-dir', shards, '--shard-count', '2', '--progress', 'none']);
    } finally {
      delete process.env.JOB_COMPLETION_INDEX;
    }
    const merged = await cli(['hpo', 'merge', '--journal-dir', shards]);
    expect(merged).toMatch(/hpo: completed; 4 trials/);
    const mergedBest = JSON.parse(readFileSync(join(shards, 'best-config.json'), 'utf8'));
    expect(mergedBest).toMatchObject({ model: best.model, params: best.params, score: best.score, trial: best.trial, tie_tolerance: 0.001 });
    // --tie-tolerance reaches the study (exact ties only with 0)
    await cli(['hpo', '--data', data, '--trials', '4', '--workers', '1', '--search-space', space, '--seed', '5', '--journal-dir', join(dir, 'j0'), '--tie-tolerance', '0', '--progress', 'none']);
    expect(JSON.parse(readFileSync(join(dir, 'j0', 'best-config.json'), 'utf8')).tie_tolerance).toBe(0);
  });

  it("runs the Kubernetes shard pod's own arguments, and a retried pod continues its crashed shard to the unsharded result", async () => {
    const { buildHpoManifests } = await import('../../../src/kubeflow/k8s-job.js');
    const job = buildHpoManifests({ shards: 2, image: 'x/hpo:1', numTrials: 4, seed: 5 }).shardJob;
    const podArgs = job.spec.template.spec.containers[0].args as string[];
    const journals = join(dir, 'k8s-journals');
    // the pod's arguments with the volume's paths mapped to this test's, plus a small space
    const local = (index: number) => [
      ...podArgs.map((a, i) => (podArgs[i - 1] === '--data' ? data : podArgs[i - 1] === '--journal-dir' ? journals : a === '$(JOB_COMPLETION_INDEX)' ? String(index) : a)),
      '--search-space', space, '--workers', '1', '--progress', 'none',
    ];
    expect(local(0)).toContain('--resume');
    await cli(local(0));
    const file = join(journals, 'journal-shard-0-of-2.jsonl');
    const whole = readFileSync(file, 'utf8');
    const lines = whole.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes('"trial_end"'))).toHaveLength(2);
    // the pod is killed after the first trial ended, mid-line: the Job retries it with the same arguments
    const cut = lines.findIndex((l) => l.includes('"trial_end"'));
    writeFileSync(file, lines.slice(0, cut + 1).join('\n') + '\n' + lines[cut + 1].slice(0, 10));
    await cli(local(0));
    await cli(local(1));
    await cli(['hpo', 'merge', '--journal-dir', journals]);
    await cli(['hpo', '--data', data, '--trials', '4', '--workers', '1', '--search-space', space, '--seed', '5', '--scheduler', 'random', '--journal-dir', join(dir, 'k8s-unsharded'), '--progress', 'none']);
    const rows = (d: string) =>
      JSON.parse(readFileSync(join(d, 'trials.json'), 'utf8')).trials.map((t: { trial: number; model: string; params: unknown; score: number; state: string }) => [t.trial, t.model, t.params, t.score, t.state]);
    expect(rows(journals)).toEqual(rows(join(dir, 'k8s-unsharded')));
  });

  it('a study in which no trial finished is an error, after writing the artifacts that show why; --resume keeps failed trials failed', async () => {
    const j = join(dir, 'all-failed');
    // trials far longer than the 1 ms limit: the limit runs from when the thread is ready (not
    // from its module loading), so a small trial of the shared space can finish within it
    const slow = join(dir, 'slow-space.yaml');
    writeFileSync(slow, 'model:\n  gbm:\n    n_estimators: 5000\n    max_depth: 6\n');
    const args = ['hpo', '--data', data, '--trials', '2', '--workers', '1', '--search-space', slow, '--seed', '5', '--journal-dir', j, '--progress', 'none'];
    await expect(cli([...args, '--trial-timeout', '0.001'])).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/no trial finished \(2 trials, 2 failed\).*--trial-timeout/) });
    expect(JSON.parse(readFileSync(join(j, 'best-config.json'), 'utf8'))).toMatchObject({ model: null, state: 'completed' });
    await expect(cli([...args, '--resume'])).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(cli(['hpo', 'merge', '--journal-dir', j])).rejects.toThrow(/no trial finished/);
  });

  it('rejects a bad search space with the path of the bad node', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'model:\n  gbm:\n    max_depth: { randint: [0, 4] }\n');
    await expect(cli(['hpo', '--data', data, '--trials', '1', '--search-space', bad])).rejects.toThrow(/at 'model\.gbm\.max_depth'.*an integer in \[1, 30\]/);
  });

  it('rejects a holdout fraction outside (0, 1) as a usage error naming --validation, writing no journal', async () => {
    const j = join(dir, 'jbad');
    for (const v of ['holdout:1.5', 'holdout:0', 'holdout:1']) {
      const run = cli(['hpo', '--data', data, '--trials', '1', '--journal-dir', j, '--validation', v]);
      await expect(run).rejects.toThrow(/--validation holdout:fraction needs a fraction in \(0, 1\)/);
      await run.catch((e: { details?: { usage?: boolean; flag?: string } }) => {
        expect(e.details?.usage).toBe(true);
      });
    }
    expect(() => readdirSync(j)).toThrow(/ENOENT/);
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    await expect(cli(['hpo', '--data', data, '--trials', '1', '--journal-dir', j, '--out', join(file, 'o')])).rejects.toThrow(/--out ".*plain-file\/o": .*plain-file is a file, so no folder can be created under it/);
    // ('0x10' and '' are numbers to Number(): 16 and 0)
    for (const t of ['0', '-1', 'x', '0x10', '']) {
      await expect(cli(['hpo', '--data', data, '--trials', '1', '--journal-dir', j, '--trial-timeout', t])).rejects.toThrow(`--trial-timeout must be a positive number; got "${t}"`);
    }
    expect(() => readdirSync(j)).toThrow(/ENOENT/);
  });

  it('refuses more shards than trials as a usage error before any journal is written, and names a mistyped subcommand', async () => {
    const j = join(dir, 'jfew');
    await expect(cli(['hpo', '--data', data, '--trials', '2', '--shard-count', '3', '--shard-index', '2', '--journal-dir', j, '--progress', 'none'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: '--shard-count 3 is more than --trials 2; every shard needs at least one trial', details: { parameter: '--shard-count', usage: true },
    });
    expect(() => readdirSync(j)).toThrow(/ENOENT/);
    // a rung metric that no family reports would make ASHA stop nothing, silently
    await expect(cli(['hpo', '--data', data, '--trials', '2', '--scheduler', 'asha', '--asha-metric', 'val_f1', '--journal-dir', j, '--progress', 'none'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: expect.stringContaining('--asha-metric must be a metric every family reports per iteration (val_auc, val_loss, train_loss); got "val_f1"'), details: { usage: true },
    });
    expect(() => readdirSync(j)).toThrow(/ENOENT/);
    // a shard without a journal folder would run its trials and leave nothing to merge
    const missing = join(dir, 'matrix-that-is-not-read');
    await expect(cli(['hpo', 'run', '--data', missing, '--trials', '4', '--shard-count', '2', '--shard-index', '1', '--progress', 'none'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: '--shard-count 2 needs --journal-dir, the folder the shards\' journals are merged from', details: { parameter: '--journal-dir', usage: true },
    });
    // ASHA with k-fold validation is refused as the flag combination it is, before the matrix is read
    await expect(cli(['hpo', 'run', '--data', missing, '--trials', '2', '--scheduler', 'asha', '--validation', 'kfold:3', '--journal-dir', j, '--progress', 'none'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: expect.stringContaining('--scheduler asha needs a holdout validation split'), details: { parameter: '--validation', usage: true },
    });
    expect(() => readdirSync(j)).toThrow(/ENOENT/);
    // `run` is the default subcommand: a mistyped one is not an operand of `run`
    for (const word of ['merg', 'plan']) {
      await expect(cli(['hpo', word, '--journal-dir', j])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT', message: expect.stringContaining(`unknown command 'hpo ${word}'; expected one of: run, merge`), details: { usage: true },
      });
    }
  });

  it('a merge with --allow-incomplete counts the trials that never ended', async () => {
    const j = join(dir, 'jcut');
    await cli(['hpo', '--data', data, '--trials', '4', '--workers', '1', '--search-space', space, '--seed', '5', '--shard-count', '2', '--shard-index', '0', '--journal-dir', j, '--progress', 'none']);
    const file = join(j, 'journal-shard-0-of-2.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    // killed while its second trial ran: drop that trial's end and the study's end
    const ends = lines.map((l, i) => (l.includes('"trial_end"') ? i : -1)).filter((i) => i >= 0);
    writeFileSync(file, lines.slice(0, ends[1]).filter((l) => !l.includes('"study_end"')).join('\n') + '\n');
    const out = await cli(['hpo', 'merge', '--journal-dir', j, '--allow-incomplete']);
    expect(out).toMatch(/hpo: incomplete; 2 trials \(1 completed, 0 stopped, 0 failed, 1 unfinished\)/);
  });

  it('keeps the duplicate groups saved beside the matrix (groups.json) whole in the validation cut, as the pipeline does, and a journal records them', async () => {
    const grouped = join(dir, 'grouped');
    const { X, y } = toyData(300, 9);
    saveMatrix(grouped, X, y);
    // groups of 6 consecutive rows: any cut that ignores them splits most of them
    const groups = Array.from({ length: 300 }, (_, i) => Math.floor(i / 6));
    writeFileSync(join(grouped, 'groups.json'), JSON.stringify(groups));
    const args = ['--trials', '4', '--workers', '1', '--search-space', space, '--seed', '5', '--progress', 'none'];
    await cli(['hpo', '--data', grouped, ...args, '--journal-dir', join(dir, 'jg')]);
    await cli(['hpo', '--data', data, ...args, '--journal-dir', join(dir, 'jn')]);
    const header = (d: string) => JSON.parse(readFileSync(join(dir, d, 'journal-shard-0-of-1.jsonl'), 'utf8').split('\n')[0]).header;
    expect(header('jg').validation.groups).toMatch(/^[0-9a-f]{16}$/);
    expect(header('jn').validation.groups).toBeNull();
    expect(header('jg').data).toEqual(header('jn').data); // same matrix
    // the same study run in-process with the groups gives the same scores
    const { runStudy } = await import('../../../src/hpo/study.js');
    const { loadSearchSpace, paramSpecs } = await import('../../../src/hpo/index.js');
    const { registryFamilies } = await import('../../../src/hpo/registry-families.js');
    const ref = await runStudy({
      data: { X, y }, groups: Int32Array.from(groups), trials: 4, workers: 1, seed: 5, space: loadSearchSpace(space, paramSpecs(registryFamilies)),
    });
    const scores = (d: string) => JSON.parse(readFileSync(join(dir, d, 'trials.json'), 'utf8')).trials.map((t: { score: number }) => t.score);
    expect(scores('jg')).toEqual(ref.trials.map((t) => t.score));
    expect(scores('jn')).not.toEqual(scores('jg'));
    // a journal cut with the groups does not resume without them
    await expect(cli(['hpo', '--data', data, ...args, '--journal-dir', join(dir, 'jg'), '--resume'])).rejects.toThrow(/validation\.groups/);
    writeFileSync(join(grouped, 'groups.json'), JSON.stringify(groups.slice(1)));
    await expect(cli(['hpo', '--data', grouped, ...args])).rejects.toThrow(/groups\.json: expected a JSON list of 300 non-negative integer group ids/);
  }, 120_000);

  it('the Kubernetes manifests\' shard and merge commands run as written (paths on the volume mapped to a temporary folder)', async () => {
    const { buildHpoManifests } = await import('../../../src/kubeflow/k8s-job.js');
    const m = buildHpoManifests({ shards: 2, numTrials: 2, image: 'example.com/train-spam-hpo-train:1' });
    const work = join(dir, 'work');
    const local = (args: readonly string[], index: number) =>
      args.map((a) => (a === '/work/data/train_features' ? data : a.startsWith('/work/') ? join(work, a.slice(6)) : a.replace('$(JOB_COMPLETION_INDEX)', String(index))));
    for (const i of [0, 1]) await cli([...local(m.shardJob.spec.template.spec.containers[0].args, i), '--search-space', space, '--workers', '1', '--progress', 'none']);
    const merged = await cli(local(m.mergeJob.spec.template.spec.containers[0].args, 0));
    expect(merged).toMatch(/hpo: completed; 2 trials/);
    expect(readdirSync(join(work, 'hpo-result')).sort()).toEqual(['best-config.json', 'trials.csv', 'trials.json']);
  }, 120_000);

  it('refuses a URI where a local folder is expected, as a usage error naming the flag, writing nothing', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await expect(cli(['hpo', '--data', data, '--journal-dir', 's3://bucket/prefix', '--trials', '2'])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT', message: "--journal-dir 's3://bucket/prefix' is a URI; expected a local path (mount an object store as a folder to use one)", details: { parameter: '--journal-dir', usage: true },
      });
      await expect(cli(['hpo', 'merge', '--journal-dir', 'gs://b/j'])).rejects.toMatchObject({ details: { parameter: '--journal-dir' } });
      expect(readdirSync(dir)).not.toContain('s3:');
    } finally {
      process.chdir(cwd);
    }
  });

  it('reads the shard index from JOB_COMPLETION_INDEX unless --shard-index is given', () => {
    expect(resolveShardIndex(undefined, { JOB_COMPLETION_INDEX: '3' })).toBe(3);
    expect(resolveShardIndex('1', { JOB_COMPLETION_INDEX: '3' })).toBe(1);
    expect(resolveShardIndex(undefined, {})).toBe(0);
    expect(() => resolveShardIndex(undefined, { JOB_COMPLETION_INDEX: 'x' })).toThrow(/JOB_COMPLETION_INDEX must be an integer/);
    // Number() would read these as 0, 1 and 1
    for (const v of ['', ' ', '0x1', '1e0', '1.0']) expect(() => resolveShardIndex(undefined, { JOB_COMPLETION_INDEX: v })).toThrow(/JOB_COMPLETION_INDEX must be an integer/);
    expect(() => resolveShardIndex('', {})).toThrow(/--shard-index must be an integer/);
    // a sharded study without an index: every pod of a non-Indexed Job would run shard 0
    expect(resolveShardIndex(undefined, {}, 1)).toBe(0);
    expect(() => resolveShardIndex(undefined, {}, 2)).toThrow(/--shard-count 2 needs the shard's index/);
    expect(resolveShardIndex(undefined, { JOB_COMPLETION_INDEX: '1' }, 2)).toBe(1);
  });
});
