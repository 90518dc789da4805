/**
 * Flag values the CLI must refuse as usage errors (exit 64) naming the flag, before any work:
 * numbers Number() would read but a user did not mean (0x10, 1e20, Infinity), a trial timeout too
 * long for a timer (it would fire at once and fail every trial), URIs taken for local folders.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/cli.js';
import { benchArgs } from '../../../src/cli/commands/bench.js';
import { parseColumnMap, parseTrialTimeout } from '../../../src/cli/commands/run.js';
import { parseParamValue } from '../../../src/cli/commands/step.js';
import { MAX_TRIAL_TIMEOUT_S, parseWorkers } from '../../../src/cli/wiring.js';

const dir = mkdtempSync(join(tmpdir(), 'cli-values-'));
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'x');
// not a parquet file: a command that gets past its flag checks fails on it at once (exit 1, not 64)
const garbage = join(dir, 'garbage.parquet');
writeFileSync(garbage, 'not parquet');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const code = await runCli(['node', 'train-spam', ...args]);
  return { code, stdout: out.mock.calls.map((c) => String(c[0])).join(''), stderr: err.mock.calls.map((c) => String(c[0])).join('') };
}

describe('run', () => {
  afterEach(() => vi.restoreAllMocks());
  const base = () => ['run', '--no-tracking', '--out-dir', join(dir, 'runs'), '--entity-data-path', join(dir, 'missing.parquet')];

  it('refuses a --trial-timeout longer than a timer can hold (it would fail every trial at once), Infinity and hex', async () => {
    for (const t of ['1e7', '2147484', 'Infinity', '0x10']) {
      const r = await cli(...base(), '--trial-timeout', t);
      expect(r.code, t).toBe(64);
      expect(r.stderr).toContain(`--trial-timeout '${t}' must be`);
    }
    expect(parseTrialTimeout(String(MAX_TRIAL_TIMEOUT_S))).toBe(2147483.647);
    expect(parseTrialTimeout('0.5')).toBe(0.5);
    expect(parseTrialTimeout(undefined)).toBeUndefined();
  });

  it('refuses --workers in hex or exponent notation', async () => {
    for (const w of ['0x2', '1e0', '0b1']) {
      const r = await cli(...base(), '--workers', w);
      expect(r.code, w).toBe(64);
      expect(r.stderr).toContain(`--workers '${w}' must be an integer in [1, 1024]`);
    }
    expect(parseWorkers(' 3')).toBe(3);
  });

  it('an unusable --out-dir (a file, under a file) is a usage error made before the tracking store is opened', async () => {
    const store = join(dir, 'mlruns-outdir');
    for (const [outDir, why] of [[aFile, 'is a file; expected a folder'], [join(aFile, 'runs'), 'is a file, so no folder can be created under it']] as const) {
      const r = await cli('run', '--tracking-uri', store, '--out-dir', outDir, '--entity-data-path', join(dir, 'missing.parquet'));
      expect(r.code).toBe(64);
      expect(r.stderr).toContain(`--out-dir ${JSON.stringify(outDir)}: `);
      expect(r.stderr).toContain(why);
    }
    expect(existsSync(store)).toBe(false);
  });

  it('a bad pipeline parameter names the flag it came from', async () => {
    const r = await cli(...base(), '--num-hpo-trials', '1.5');
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("--num-hpo-trials: parameter 'num_hpo_trials' = '1.5' is not an integer");
    const t = await cli(...base(), '--f1-threshold', '1.5');
    expect(t.stderr).toContain("--f1-threshold: parameter 'f1_threshold' = 1.5 is out of range; expected a number in [0, 1]");
  });

  it('help says that --mlflow-experiment-name defaults to $MLFLOW_EXPERIMENT_NAME', async () => {
    const r = await cli('run', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('(default: $MLFLOW_EXPERIMENT_NAME, else "spam-detection")');
  });
});

describe('hpo run', () => {
  afterEach(() => vi.restoreAllMocks());

  it('checks --trials, --seed, --workers, --worker-memory-mb and --trial-timeout before reading the matrix or making --out', async () => {
    const out = join(dir, 'hpo-out');
    for (const [flag, v] of [['--trials', '0'], ['--seed', 'x'], ['--workers', '0'], ['--worker-memory-mb', '1'], ['--trial-timeout', 'Infinity']]) {
      const r = await cli('hpo', 'run', '--data', join(dir, 'no-matrix'), '--out', out, flag, v);
      expect(r.code, flag).toBe(64);
      expect(r.stderr).toContain(`${flag} must be`);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a --trial-timeout a timer cannot hold', async () => {
    const r = await cli('hpo', 'run', '--data', join(dir, 'no-matrix'), '--trial-timeout', '1e10');
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--trial-timeout must be at most 2147483.647 seconds');
  });
});

describe('data synth', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses integers in exponent or hex notation and beyond 2^53 (--rows 1e20 would write until the disk is full)', async () => {
    for (const [flag, v] of [['--rows', '1e20'], ['--rows', '0x10'], ['--rows', '100000000000000000000'], ['--row-group-size', '1e3'], ['--seed', '0x1']]) {
      const rows = flag === '--rows' ? v : '5';
      const r = await cli('data', 'synth', '--out', join(dir, 'synth.parquet'), '--from', garbage, '--rows', rows, ...(flag === '--rows' ? [] : [flag, v]));
      expect(r.code, `${flag} ${v}`).toBe(64);
      expect(r.stderr).toContain(`${flag} must be an integer; got ${JSON.stringify(v)}`);
    }
    // underscore separators stay allowed: the flag checks pass, the garbage table fails (exit 1)
    const ok = await cli('data', 'synth', '--rows', '1_000', '--out', join(dir, 'synth.parquet'), '--from', garbage);
    expect(ok.code).toBe(1);
    expect(ok.stderr).toContain('not a parquet file');
  });

  it('a missing --from other than the default is NOT_FOUND, not a corpus table built at the mistyped path', async () => {
    const typo = join(dir, 'typo', 'all_emais.parquet');
    const r = await cli('data', 'synth', '--rows', '5', '--out', join(dir, 'typo-out.parquet'), '--from', typo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`[NOT_FOUND]: --from ${JSON.stringify(typo)}: no such file; expected a processed table`);
    expect(existsSync(typo)).toBe(false);
    expect(existsSync(join(dir, 'typo-out.parquet'))).toBe(false);
  });

  it('refuses a URI for --out or --from (it would be written to a local folder named "s3:")', async () => {
    const o = await cli('data', 'synth', '--rows', '5', '--out', 's3://bucket/x.parquet', '--from', garbage);
    expect(o.code).toBe(64);
    expect(o.stderr).toContain("--out 's3://bucket/x.parquet' is a URI; expected a local path");
    const f = await cli('data', 'synth', '--rows', '5', '--out', join(dir, 'f.parquet'), '--from', 'gs://bucket/x.parquet');
    expect(f.code).toBe(64);
    expect(f.stderr).toContain("--from 'gs://bucket/x.parquet' is a URI");
  });
});

describe('step and bench', () => {
  afterEach(() => vi.restoreAllMocks());

  it('step: a number parameter in hex or binary is refused, as run refuses it', () => {
    for (const v of ['0x1', '0b1', '']) expect(() => parseParamValue('--test-split-ratio', 'NUMBER_DOUBLE', v)).toThrow(`--test-split-ratio: expected a number, got ${JSON.stringify(v)}`);
    expect(parseParamValue('--test-split-ratio', 'NUMBER_DOUBLE', '1e-1')).toBe(0.1);
  });

  it('step <name> without flags shows its usage on stderr, beside the error, and nothing on stdout', async () => {
    const r = await cli('step', 'data-preparation');
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('usage: train-spam step data-preparation --entity-data-path');
    expect(r.stderr).toContain('no flags given');
    const h = await cli('step', 'data-preparation', '--help');
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('usage: train-spam step data-preparation');
  });

  it('bench: --trials and --workers in hex or exponent notation are refused', () => {
    expect(() => benchArgs({ trials: '0x10' })).toThrow("--trials '0x10' must be a positive integer");
    expect(() => benchArgs({ workers: '1e0' })).toThrow("--workers '1e0' must be a positive integer");
    expect(benchArgs({ trials: '4' })).toEqual(['--trials', '4']);
  });
});

describe('--column-map', () => {
  it('refuses one file column mapped to two canonical columns (the last one used to win silently)', () => {
    expect(() => parseColumnMap(['a=email_id', 'a=label'])).toThrow(`--column-map maps 'a' twice (to "email_id" and to "label")`);
    expect(parseColumnMap(['a=email_id', 'a=email_id', 'b=label'])).toEqual({ a: 'email_id', b: 'label' });
  });

  it('several pairs in one word get told to separate them by spaces; a malformed pair names the flag', () => {
    expect(() => parseColumnMap(['id=email_id,date=event_timestamp'])).toThrow(
      "--column-map 'id=email_id,date=event_timestamp': expected file_column=canonical_column; give several pairs as separate words: --column-map id=email_id date=event_timestamp",
    );
    expect(() => parseColumnMap(['id'])).toThrow(expect.objectContaining({ message: "--column-map 'id': expected file_column=canonical_column, e.g. id=email_id", details: expect.objectContaining({ usage: true, parameter: '--column-map' }) }));
  });
});
