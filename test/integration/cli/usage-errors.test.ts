/**
 * Bad flags found by a command-by-command audit of the CLI: each is a usage error (exit 64) that
 * names its flag, made before any work (no tracking run, no half-written file); and a reader that
 * goes away (`| head`) does not crash a command.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/cli.js';
import { EMAIL_COLUMN_SPECS, toColumns } from '../../../src/io/corpus.js';
import { writeParquet } from '../../../src/io/parquet.js';
import { syntheticRecord } from '../../helpers/records.js';
import { ensureBuilt } from '../exec/ensure-build.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cli-usage-'));
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'x');

/** Runs the CLI in process; returns its exit code and what it wrote to stderr. */
async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const code = await runCli(['node', 'train-spam', ...args]);
  return { code, stderr: err.mock.calls.map((c) => String(c[0])).join('') };
}

describe('usage errors name their flag and leave nothing behind', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined; // runCli reports a command's process.exitCode: one test's must not reach the next
  });

  it('compile-pipeline and hpo k8s-manifest with --output on a folder', async () => {
    const out = mkdtempSync(join(dir, 'yaml-'));
    const c = await cli('compile-pipeline', '--output', out);
    expect(c.code).toBe(64);
    expect(c.stderr).toContain(`--output ${JSON.stringify(out)}: is a folder; expected the path of a YAML file`);
    const k = await cli('hpo', 'k8s-manifest', '--shards', '2', '--output', out);
    expect(k.code).toBe(64);
    expect(k.stderr).toContain(`--output ${JSON.stringify(out)}: is a folder`);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]); // no half-written temp file beside it
  });

  it('an output folder that cannot be written is a usage error naming the flag, for every command, before any work', async () => {
    // a read-only folder; as root, whom permissions do not stop, /proc/sys (writes there fail too)
    let locked = '/proc/sys';
    if (process.getuid?.() !== 0) {
      locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
    }
    const cases: [string, string[]][] = [
      ['--output', ['compile-pipeline', '--output', join(locked, 'p.yaml')]],
      ['--output', ['hpo', 'k8s-manifest', '--shards', '2', '--output', join(locked, 'k', 'k.yaml')]],
      ['--out-dir', ['run', '--no-tracking', '--out-dir', join(locked, 'runs')]],
      ['--journal-dir', ['hpo', 'run', '--data', join(dir, 'no-matrix'), '--trials', '2', '--journal-dir', join(locked, 'j')]],
      ['--out', ['hpo', 'merge', '--journal-dir', dir, '--out', join(locked, 'm')]],
      ['--out', ['data', 'synth', '--rows', '10', '--out', join(locked, 'x.parquet')]],
      ['--out', ['data', 'prepare', '--out', join(locked, 'x.parquet')]],
    ];
    for (const [flag, args] of cases) {
      const r = await cli(...args);
      expect(r.stderr).toMatch(new RegExp(`${flag} ".*": /.* is not writable \\(E[A-Z]+\\), so the output cannot be made there`));
      expect(r.code).toBe(64);
    }
    // a file output named like a folder that does not exist yet ('out/'): refused before any work, not ENOENT after it
    for (const args of [['data', 'synth', '--rows', '10', '--out'], ['data', 'prepare', '--out'], ['compile-pipeline', '--output']]) {
      const r = await cli(...args, join(dir, 'not-yet') + '/');
      expect(r.stderr).toContain(`"${join(dir, 'not-yet')}/": ends with '/', the path of a folder; expected the path of a`);
      expect(r.code).toBe(64);
    }
    expect(existsSync(join(dir, 'not-yet'))).toBe(false);
    // an existing output folder whose files cannot be written into it
    if (process.getuid?.() !== 0) {
      const r = await cli('run', '--no-tracking', '--out-dir', locked);
      expect(r.stderr).toContain('is not writable');
      expect(r.code).toBe(64);
    }
  });

  it('run --column-map to a column that does not exist: refused before a tracking run is made', async () => {
    const store = join(dir, 'mlruns-colmap');
    const r = await cli('run', '--tracking-uri', store, '--out-dir', join(dir, 'runs'), '--column-map', 'email_id=bogus');
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--column-map 'email_id=bogus': "bogus" is not a canonical column \(known: email_id, label, /);
    expect(existsSync(store)).toBe(false); // not even the store was opened
  });

  it('a bad MLFLOW_* setting or tracking URI is a usage error naming it, before any work', async () => {
    const before = process.env.MLFLOW_HTTP_REQUEST_TIMEOUT;
    process.env.MLFLOW_HTTP_REQUEST_TIMEOUT = 'soon';
    try {
      const r = await cli('run', '--tracking-uri', join(dir, 'mlruns-env'), '--out-dir', join(dir, 'runs-env'));
      expect(r.code).toBe(64);
      expect(r.stderr).toContain("MLFLOW_HTTP_REQUEST_TIMEOUT='soon' must be a number of seconds above 0");
    } finally {
      if (before === undefined) delete process.env.MLFLOW_HTTP_REQUEST_TIMEOUT;
      else process.env.MLFLOW_HTTP_REQUEST_TIMEOUT = before;
    }
    const db = await cli('run', '--tracking-uri', 'databricks', '--out-dir', join(dir, 'runs-env'));
    expect(db.code).toBe(64);
    expect(db.stderr).toContain("tracking URI 'databricks' names a Databricks tracking/registry backend");
    // a '%' in the user-info that starts no escape: named, the password not shown (was INTERNAL 'URI malformed')
    for (const args of [['run', '--out-dir', join(dir, 'runs-env')], ['score', '-']]) {
      const pct = await cli(...args, '--tracking-uri', 'http://bob:50%off@localhost:1');
      expect(pct.code).toBe(64);
      expect(pct.stderr).toContain("MLflow tracking URI 'http://***@localhost:1': its password is not valid percent-encoding");
      expect(pct.stderr).not.toContain('50%off');
    }
    expect(existsSync(join(dir, 'mlruns-env'))).toBe(false);
  });

  it('run --mlflow-experiment-name \'\' (or a blank MLFLOW_EXPERIMENT_NAME) is a usage error naming it, before a tracking run is made', async () => {
    const store = join(dir, 'mlruns-exp');
    const r = await cli('run', '--tracking-uri', store, '--out-dir', join(dir, 'runs-exp'), '--mlflow-experiment-name', '');
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(`--mlflow-experiment-name: parameter 'mlflow_experiment_name' = "" is not a valid experiment name`);
    const before = process.env.MLFLOW_EXPERIMENT_NAME;
    process.env.MLFLOW_EXPERIMENT_NAME = '  ';
    try {
      const e = await cli('run', '--tracking-uri', store, '--out-dir', join(dir, 'runs-exp'));
      expect(e.code).toBe(64);
      expect(e.stderr).toContain('MLFLOW_EXPERIMENT_NAME: parameter');
    } finally {
      if (before === undefined) delete process.env.MLFLOW_EXPERIMENT_NAME;
      else process.env.MLFLOW_EXPERIMENT_NAME = before;
    }
    expect(existsSync(store)).toBe(false);
  });

  it('run --hpo-shards 2 (a Kubeflow parameter) says that the in-process run runs every trial itself', async () => {
    const r = await cli('run', '--no-tracking', '--hpo-shards', '2', '--num-hpo-trials', '2', '--entity-data-path', join(dir, 'missing.parquet'), '--out-dir', join(dir, 'runs'));
    expect(r.stderr).toContain('hpo_shards = 2 applies to the Kubeflow pipeline (one pod per shard); this in-process run runs all 2 trials on its');
    expect(r.code).toBe(1); // the missing table, named
    expect(r.stderr).toContain('missing.parquet');
  });

  it('hpo run: an ASHA setting the scheduler refuses, kfold:1, a negative or non-numeric --tie-tolerance, and a --journal-dir that is a file', async () => {
    const base = ['hpo', 'run', '--data', join(dir, 'no-matrix'), '--trials', '2'];
    const rf = await cli(...base, '--scheduler', 'asha', '--asha-reduction-factor', '1');
    expect(rf.code).toBe(64);
    expect(rf.stderr).toContain('--asha-reduction-factor: asha: reduction_factor = 1 is invalid; expected a number > 1');
    const kf = await cli(...base, '--validation', 'kfold:1');
    expect(kf.code).toBe(64);
    expect(kf.stderr).toContain('--validation kfold:k needs an integer k ≥ 2; got "kfold:1"');
    for (const v of ['-0.001', 'abc', '']) {
      const tt = await cli(...base, '--tie-tolerance', v);
      expect(tt.code, v).toBe(64);
      expect(tt.stderr).toContain(`--tie-tolerance must be a number ≥ 0; got ${JSON.stringify(v)}`);
    }
    // seeds are uint32: 2^32 + 42 would silently run as 42
    const sd = await cli(...base, '--seed', '4294967338');
    expect(sd.code).toBe(64);
    expect(sd.stderr).toContain('--seed must be an integer in [0, 4294967295]; got "4294967338"');
    const tb = await cli(...base, '--metric', 'auc', '--tie-break', 'auc');
    expect(tb.code).toBe(64);
    expect(tb.stderr).toContain('--tie-break auc is the --metric itself');
    const jd = await cli(...base, '--journal-dir', aFile);
    expect(jd.code).toBe(64);
    expect(jd.stderr).toContain(`--journal-dir ${JSON.stringify(aFile)}: is a file; expected a folder`);
  });

  it('hpo k8s-manifest: the seed range is the pipeline\'s, a namespace must be a DNS label, a quantity may have an exponent', async () => {
    const out = join(dir, 'k8s.yaml');
    const big = await cli('hpo', 'k8s-manifest', '--shards', '2', '--output', out, '--seed', '4294967296');
    expect(big.code).toBe(64);
    expect(big.stderr).toContain("--seed must be an integer in 0..4294967295, got '4294967296'");
    const ns = await cli('hpo', 'k8s-manifest', '--shards', '2', '--output', out, '--namespace', 'Team_A');
    expect(ns.code).toBe(64);
    expect(ns.stderr).toContain("--namespace 'Team_A' is not a Kubernetes namespace name");
    expect(existsSync(out)).toBe(false);
    const ok = await cli('hpo', 'k8s-manifest', '--shards', '2', '--output', out, '--seed', '4294967295', '--memory', '4e9', '--namespace', 'team-a');
    expect(ok.code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it('step: an output path under a file fails naming its flag, before the step runs', async () => {
    const r = await cli(
      'step', 'data-preparation', '--entity-data-path', join(dir, 'missing.parquet'), '--test-split-ratio', '0.2', '--seed', '1',
      '--out-train-data', join(aFile, 'train'), '--out-test-data', join(dir, 'test'),
    );
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(`--out-train-data ${JSON.stringify(join(aFile, 'train'))}: ${aFile} is a file, so nothing can be created under it`);
  });

  it('a tracking store path that is a file is a usage error naming the flag the command takes (run, or a step\'s --mlflow-tracking-uri)', async () => {
    const run = await cli('run', '--tracking-uri', aFile, '--out-dir', join(dir, 'runs-file-store'));
    expect(run.code).toBe(64);
    expect(run.stderr).toContain(`local tracking store '${aFile}' (--tracking-uri / MLFLOW_TRACKING_URI) is a file`);
    expect(existsSync(join(dir, 'runs-file-store'))).toBe(false);
    const out = join(dir, 'step-file-store');
    const step = await cli(
      'step', 'baseline-training', '--seed', '1', '--mlflow-tracking-uri', aFile, '--mlflow-experiment-name', 'e',
      '--in-train-features', join(dir, 'none-1'), '--in-feature-pipeline', join(dir, 'none-2'),
      '--out-model', join(out, 'model'), '--out-metrics', join(out, 'metrics.json'), '--executor-output', join(out, 'executor.json'),
    );
    expect(step.code).toBe(64);
    expect(step.stderr).toContain(`local tracking store '${aFile}' (--mlflow-tracking-uri / MLFLOW_TRACKING_URI) is a file`);
  });
});

describe('a closed stdout', () => {
  beforeAll(ensureBuilt, 240_000);

  it('data synth whose reader has gone still writes its file and exits 0', async () => {
    const from = join(dir, 'from.parquet');
    await writeParquet(from, EMAIL_COLUMN_SPECS, toColumns(Array.from({ length: 60 }, (_, i) => syntheticRecord(i))));
    const out = join(mkdtempSync(join(dir, 'epipe-')), 's.parquet');
    const child = spawn(process.execPath, [CLI, 'data', 'synth', '--rows', '200', '--out', out, '--from', from], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
    expect(existsSync(out)).toBe(true);
  }, 60_000);
});

