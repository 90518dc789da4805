import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseRunParams, registerHpoK8sManifest, registerKubeflowCommands } from '../../../src/cli/commands/kubeflow.js';
import { checkManifest } from '../../../src/kubeflow/k8s-job.js';
import { validatePipelineYaml } from '../../../src/kubeflow/validator.js';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'train-spam-kfp-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function program(): Command {
  const p = new Command('train-spam').exitOverride();
  registerKubeflowCommands(p);
  const hpo = p.command('hpo').description('stand-in for the hpo command of src/cli/program.ts');
  registerHpoK8sManifest(hpo);
  return p;
}
async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  try {
    await program().parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return out.join('');
}

describe('train-spam compile-pipeline', () => {
  it('writes the same bytes as the golden file for the same options', async () => {
    const out = join(tmp, 'p.yaml');
    const msg = await run(['compile-pipeline', '--output', out, '--image-tag', '0.1.0', '--registry', 'registry.example.com/ml', '--mlflow-tracking-uri', 'http://mlflow.mlflow.svc.cluster.local:5000']);
    expect(msg).toContain(`wrote ${out}`);
    const text = readFileSync(out, 'utf8');
    expect(text).toBe(readFileSync(resolve(here, '../../golden/kubeflow/spam_detection_pipeline.yaml'), 'utf8'));
    expect(validatePipelineYaml(text)).toEqual([]);
    await run(['kfp', 'validate', out]);
  });
  it('--output - writes the same YAML to stdout and no file named -', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const yaml = await run(['compile-pipeline', '--output', '-', '--image-tag', '0.1.0', '--registry', 'registry.example.com/ml', '--mlflow-tracking-uri', 'http://mlflow.mlflow.svc.cluster.local:5000']);
      expect(yaml).toBe(readFileSync(resolve(here, '../../golden/kubeflow/spam_detection_pipeline.yaml'), 'utf8'));
      expect(existsSync(join(tmp, '-'))).toBe(false);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/^compiled the pipeline to stdout \(\d+ components/);
    } finally {
      process.chdir(cwd);
      err.mockRestore();
    }
  });
  it('kfp validate fails on a broken file', async () => {
    const out = join(tmp, 'p2.yaml');
    await run(['compile-pipeline', '--output', out, '--image-tag', 'x']);
    const broken = join(tmp, 'broken.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(broken, readFileSync(out, 'utf8').replace('schemaVersion: 2.1.0', 'schemaVersion: 2.0.0'));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(run(['kfp', 'validate', broken])).rejects.toMatchObject({ code: 'INVALID_DATA' });
    } finally {
      err.mockRestore();
    }
  });
});

describe('train-spam hpo k8s-manifest', () => {
  it('writes the Indexed Job and the merge Job, both valid', async () => {
    const out = join(tmp, 'hpo-job.yaml');
    await run(['hpo', 'k8s-manifest', '--shards', '5', '--output', out, '--image-tag', '9.9.9', '--registry', 'r.example/x']);
    const docs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS() as { kind: string; spec: { completions?: number } });
    expect(docs.map((d) => d.kind)).toEqual(['PersistentVolumeClaim', 'Job']);
    expect(docs[1].spec.completions).toBe(5);
    for (const d of docs) expect(checkManifest(d)).toEqual([]);
    const merge = parseAllDocuments(readFileSync(join(tmp, 'hpo-job-merge.yaml'), 'utf8')).map((d) => d.toJS());
    expect(merge).toHaveLength(1);
    expect(checkManifest(merge[0])).toEqual([]);
    expect(readFileSync(out, 'utf8')).toContain('image: r.example/x/train-spam-hpo-train:9.9.9');
  });
  it('rejects a bad --shards as a usage error', async () => {
    await expect(run(['hpo', 'k8s-manifest', '--shards', '0'])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { usage: true } });
  });
  it('rejects a bad quantity or registry as a usage error naming the flag, writing nothing', async () => {
    const out = join(tmp, 'bad-job.yaml');
    for (const [flag, value] of [['--cpu', 'lots'], ['--memory', '4 GB'], ['--storage-size', '-1Gi']]) {
      await expect(run(['hpo', 'k8s-manifest', '--shards', '2', '--output', out, flag, value])).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: `${flag} '${value}' is not a Kubernetes quantity (e.g. 500m, 2, 4Gi, 1e9)`,
        details: { usage: true, parameter: flag },
      });
    }
    await expect(run(['hpo', 'k8s-manifest', '--shards', '2', '--output', out, '--registry', 'Not A/Registry'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { parameter: 'registry', usage: true },
    });
    expect(existsSync(out)).toBe(false);
  });
  it('refuses more shards than trials (a pod with no trial fails on the cluster) and one file for both manifests, writing nothing', async () => {
    const out = join(tmp, 'few-trials.yaml');
    await expect(run(['hpo', 'k8s-manifest', '--shards', '4', '--trials', '2', '--output', out])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: '--shards 4 is more than --trials 2; every shard needs at least one trial', details: { parameter: '--shards', usage: true },
    });
    expect(existsSync(out)).toBe(false);
    await expect(run(['hpo', 'k8s-manifest', '--shards', '2', '--output', out, '--merge-output', out])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', details: { parameter: '--merge-output', usage: true },
    });
    expect(existsSync(out)).toBe(false);
  });
});

describe('train-spam compile-pipeline --mlflow-tracking-uri with credentials', () => {
  it('is a usage error naming the flag, writing nothing', async () => {
    const out = join(tmp, 'cred.yaml');
    const e = await run(['compile-pipeline', '--output', out, '--mlflow-tracking-uri', 'http://alice:S3CRET@mlflow:5000']).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { usage: true } });
    expect((e as Error).message).toMatch(/^--mlflow-tracking-uri 'http:\/\/\*\*\*@mlflow:5000' carries credentials/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('train-spam compile-pipeline --mlflow-tracking-uri that is not a server', () => {
  it.each(['/mnt/mlruns', 'mlruns', 'file:///mnt/mlruns', 'databricks', 'http:/mlflow'])('%s is a usage error naming the flag, writing nothing', async (uri) => {
    const out = join(tmp, 'local.yaml');
    const e = await run(['compile-pipeline', '--output', out, '--mlflow-tracking-uri', uri]).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'mlflow-tracking-uri', usage: true } });
    expect((e as Error).message).toContain(`--mlflow-tracking-uri '${uri}' is not an http(s) URL; each pipeline step runs in a pod of its own`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('train-spam kfp run', () => {
  it('says clearly that KFP_HOST is missing', async () => {
    const saved = process.env.KFP_HOST;
    delete process.env.KFP_HOST;
    try {
      await expect(run(['kfp', 'run'])).rejects.toThrow(/KFP_HOST is not set/);
    } finally {
      if (saved !== undefined) process.env.KFP_HOST = saved;
    }
  });
  it('--experiment-id and --experiment-name exclude each other; an empty name is refused (usage errors, before any request)', async () => {
    const host = ['--host', 'http://127.0.0.1:9'];
    await expect(run(['kfp', 'run', ...host, '--experiment-id', 'e1', '--experiment-name', 'nightly'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: '--experiment-id and --experiment-name exclude each other: give one',
      details: { usage: true },
    });
    await expect(run(['kfp', 'run', ...host, '--experiment-name', ' '])).rejects.toMatchObject({ message: '--experiment-name must not be empty', details: { usage: true } });
  });
  it('parses typed run parameters and rejects unknown or ill-typed ones', () => {
    expect(parseRunParams(['num_hpo_trials=40', 'f1_threshold=0.9', 'model_name=a=b', 'entity_data_path=/data/x.parquet'])).toEqual({
      num_hpo_trials: 40, f1_threshold: 0.9, model_name: 'a=b', entity_data_path: '/data/x.parquet',
    });
    expect(() => parseRunParams(['entity_data_path='])).toThrow(/'entity_data_path' is empty/);
    expect(() => parseRunParams(['nope=1'])).toThrow(/unknown pipeline parameter 'nope'/);
    expect(() => parseRunParams(['num_hpo_trials=4.5'])).toThrow(/expected an integer/);
    expect(() => parseRunParams(['f1_threshold=abc'])).toThrow(/expected a number/);
    expect(() => parseRunParams(['noequals'])).toThrow(/name=value/);
    // the pipeline's own range checks, before anything is sent to the cluster
    expect(() => parseRunParams(['test_split_ratio=1.5'])).toThrow(/'test_split_ratio' = 1.5 is out of range/);
    expect(() => parseRunParams(['num_hpo_trials=0'])).toThrow(/'num_hpo_trials' = 0 is out of range/);
    expect(() => parseRunParams(['f1_threshold=0x1'])).toThrow(/--param f1_threshold: expected a number, got '0x1'/);
    expect(parseRunParams(['f1_threshold=9e-1', 'min_recall=.5'])).toEqual({ f1_threshold: 0.9, min_recall: 0.5 });
    // more shards than trials would leave a shard with nothing to run
    expect(() => parseRunParams(['num_hpo_trials=2', 'hpo_shards=4'])).toThrow(/'hpo_shards' = 4 is more than 'num_hpo_trials' = 2; every shard needs at least one trial/);
  });
});
