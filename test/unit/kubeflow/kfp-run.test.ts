/**
 * `train-spam kfp run` / `kfp validate` through the command's own code (registerKubeflowCommands on
 * the sources, no dist), against a loopback stand-in for the KFP API server that records every
 * request: run parameters that compile-pipeline refuses are refused before any request, and a
 * pipeline with a Kubernetes PlatformSpec is validated and uploaded with both documents.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseRunParams, registerKubeflowCommands } from '../../../src/cli/commands/kubeflow.js';
import { EXIT, exitCodeFor, formatError } from '../../../src/cli/exit-codes.js';
import { compilePipeline } from '../../../src/kubeflow/compiler.js';
import { emitPipelineYaml } from '../../../src/kubeflow/yaml-emitter.js';
import { PIPELINE_DEFINITION } from '../../../src/pipeline/definition.js';
import { SECRET_PLATFORM } from './platform-spec.fixture.js';

interface Seen { method: string; path: string; body: string }

/** Just the endpoints `kfp run` calls for a new pipeline without an experiment. */
function fakeKfp() {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url!, 'http://x').pathname;
      seen.push({ method: req.method!, path, body: Buffer.concat(chunks).toString() });
      const reply = (code: number, body: unknown) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (path === '/apis/v2beta1/healthz') return reply(200, {});
      if (path.startsWith('/apis/v2beta1/pipelines/names/')) return reply(404, { error_message: 'not found' });
      if (path === '/apis/v2beta1/pipelines/upload') return reply(200, { pipeline_id: 'p1' });
      if (path === '/apis/v2beta1/pipelines/p1/versions') return reply(200, { pipeline_versions: [{ pipeline_version_id: 'p1-v1', display_name: 'x' }] });
      if (path === '/apis/v2beta1/runs') return reply(200, { run_id: 'run-1' });
      return reply(404, { error_message: `no route ${path}` });
    });
  });
  return { server, seen };
}

const tmp = mkdtempSync(join(tmpdir(), 'train-spam-kfp-run-'));
const { server, seen } = fakeKfp();
let host = '';
// the command reads these when it is registered: a namespace would send the run to an experiment
const savedEnv = { KFP_NAMESPACE: process.env.KFP_NAMESPACE, KFP_TOKEN: process.env.KFP_TOKEN };
delete process.env.KFP_NAMESPACE;
delete process.env.KFP_TOKEN;
beforeAll(async () => {
  host = await new Promise<string>((ok) => server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
});
afterAll(async () => {
  await new Promise<void>((ok) => (server as Server).close(() => ok()));
  rmSync(tmp, { recursive: true, force: true });
  for (const [k, v] of Object.entries(savedEnv)) if (v !== undefined) process.env[k] = v;
});
beforeEach(() => { seen.length = 0; });

const pipelineYaml = emitPipelineYaml(compilePipeline(PIPELINE_DEFINITION, { imageTag: '0.1.0', mlflowTrackingUri: 'http://mlflow.mlflow.svc.cluster.local:5000' }));
const pipelineFile = join(tmp, 'pipeline.yaml');
writeFileSync(pipelineFile, pipelineYaml);

const PLATFORM = SECRET_PLATFORM;

async function cli(args: string[]): Promise<{ out: string; err: string }> {
  const p = new Command('train-spam').exitOverride();
  registerKubeflowCommands(p);
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err.push(String(s)); return true; });
  try {
    await p.parseAsync(args, { from: 'user' });
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  return { out: out.join(''), err: err.join('') };
}
const kfpRun = (...extra: string[]) => cli(['kfp', 'run', '--host', host, '--pipeline-file', pipelineFile, '--run-name', 'r', ...extra]);
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the command to fail'); }, (e: unknown) => e);
/** The parameters of the run the fake server was asked to create. */
const runParameters = () => (JSON.parse(seen.find((s) => s.path === '/apis/v2beta1/runs')!.body) as { runtime_config: { parameters: Record<string, unknown> } }).runtime_config.parameters;

describe('kfp run --param mlflow_tracking_uri: what compile-pipeline --mlflow-tracking-uri refuses', () => {
  it.each([
    ['http://u:secret@mlflow:5000', "'http://***@mlflow:5000' carries credentials"],
    ['https://mlflow.example/?access_token=secret123', 'carries credentials'],
  ])('%s (credentials) is a usage error (exit 64) naming the parameter, without the secret, before any request', async (uri, said) => {
    const e = await failure(kfpRun('--param', `mlflow_tracking_uri=${uri}`));
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'mlflow_tracking_uri', usage: true } });
    expect(exitCodeFor(e)).toBe(EXIT.USAGE);
    const message = (e as Error).message;
    expect(message).toMatch(/^--param mlflow_tracking_uri '/);
    expect(message).toContain(said);
    expect(message).toContain('stored in the KFP run record');
    expect(message).toContain('MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN from a Kubernetes Secret');
    for (const format of ['text', 'json']) {
      const line = formatError(e, { TRAIN_SPAM_LOG_FORMAT: format });
      expect(line).not.toContain(':secret@');
      expect(line).not.toContain('secret123');
    }
    expect(seen).toEqual([]);
  });

  it.each(['./mlruns', '/mnt/mlruns', 'mlruns', 'file:///mnt/mlruns', 'databricks', 'http:/mlflow'])('%s (no server) is a usage error (exit 64) naming the parameter, before any request', async (uri) => {
    const e = await failure(kfpRun('--param', `mlflow_tracking_uri=${uri}`));
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'mlflow_tracking_uri', usage: true } });
    expect(exitCodeFor(e)).toBe(EXIT.USAGE);
    expect((e as Error).message).toContain(`--param mlflow_tracking_uri '${uri}' is not an http(s) URL; each pipeline step runs in a pod of its own`);
    expect(seen).toEqual([]);
  });

  it('sends an http(s) server address, or an empty value (the steps read their environment)', async () => {
    for (const uri of ['http://mlflow.mlflow.svc.cluster.local:5000', 'https://mlflow.example/?experiment=1', '']) {
      seen.length = 0;
      const { out } = await kfpRun('--param', `mlflow_tracking_uri=${uri}`);
      expect(out).toContain('run run-1');
      expect(runParameters()).toEqual({ mlflow_tracking_uri: uri });
    }
  });

  it('applies the same rule as compile-pipeline to every value', () => {
    const uris = ['http://mlflow:5000', 'https://a:b@mlflow', 'http://mlflow/?token=t', './mlruns', 'file:///x', '', 'HTTPS://MLFLOW.EXAMPLE', 's3://bucket/mlruns'];
    const refused = (f: () => unknown) => { try { f(); return false; } catch { return true; } };
    for (const uri of uris) {
      const atCompile = refused(() => compilePipeline(PIPELINE_DEFINITION, { imageTag: 't', mlflowTrackingUri: uri }));
      expect(refused(() => parseRunParams([`mlflow_tracking_uri=${uri}`])), uri).toBe(atCompile);
    }
  });
});

describe('kfp run --param image_tag: what compile-pipeline --image-tag refuses', () => {
  it('is a usage error (exit 64) naming the parameter, before any request', async () => {
    for (const tag of ['bad tag', '.hidden', '', 'x'.repeat(129)]) {
      const e = await failure(kfpRun('--param', `image_tag=${tag}`));
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'image_tag', usage: true } });
      expect(exitCodeFor(e)).toBe(EXIT.USAGE);
      expect((e as Error).message).toMatch(/^--param image_tag '.*' is not a valid Docker tag .*; it is recorded on the registered model version/);
    }
    expect(seen).toEqual([]);
    expect(parseRunParams(['image_tag=0.1.0-rc_1'])).toEqual({ image_tag: '0.1.0-rc_1' });
  });
});

describe('a pipeline file with a Kubernetes PlatformSpec', () => {
  const twoDocs = join(tmp, 'with-secret.yaml');
  writeFileSync(twoDocs, `${pipelineYaml}---\n${PLATFORM}`);

  it('kfp validate accepts it', async () => {
    expect((await cli(['kfp', 'validate', twoDocs])).out).toBe(`${twoDocs}: valid\n`);
  });

  it('kfp run uploads the file with both documents, as the KFP API server reads them, and starts the run', async () => {
    const { out } = await cli(['kfp', 'run', '--host', host, '--pipeline-file', twoDocs, '--run-name', 'r']);
    expect(out).toContain('pipeline p1 version p1-v1\nrun run-1\n');
    const upload = seen.find((s) => s.path === '/apis/v2beta1/pipelines/upload')!;
    const head = upload.body.indexOf('\r\n\r\n');
    const part = upload.body.slice(head + 4, upload.body.lastIndexOf('\r\n--'));
    expect(part).toBe(readFileSync(twoDocs, 'utf8'));
    const docs = parseAllDocuments(part).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs).toHaveLength(2);
    expect(docs[0].pipelineInfo).toMatchObject({ name: 'spam-detection-pipeline' });
    expect(docs[1]).toMatchObject({ platforms: { kubernetes: { deploymentSpec: { executors: { 'exec-baseline-training': { secretAsEnv: [{ secretName: 'mlflow-creds' }] } } } } } });
    expect(seen.map((s) => s.path)).toContain('/apis/v2beta1/runs');
  });

  it('a third document, a second that is not a PlatformSpec, or an executor the spec lacks is refused before any request', async () => {
    const cases: [string, RegExp][] = [
      [`${pipelineYaml}---\n${PLATFORM}---\n${PLATFORM}`, /found 3 documents \(a PipelineSpec; a PlatformSpec; a PlatformSpec\)/],
      [`${pipelineYaml}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n`, /doc2:\/: the second YAML document must be a Kubernetes PlatformSpec .*; found a Kubernetes Secret manifest/],
      [`${pipelineYaml}---\n${PLATFORM.replace('exec-baseline-training', 'exec-nope')}`, /executor 'exec-nope' is not in the PipelineSpec's deploymentSpec/],
    ];
    for (const [text, said] of cases) {
      const f = join(tmp, 'bad.yaml');
      writeFileSync(f, text);
      const e = await failure(cli(['kfp', 'run', '--host', host, '--pipeline-file', f]));
      expect(e).toMatchObject({ code: 'INVALID_DATA' });
      expect((e as Error).message).toMatch(said);
      const v = await failure(cli(['kfp', 'validate', f]));
      expect(v).toMatchObject({ code: 'INVALID_DATA' });
    }
    expect(seen).toEqual([]);
  });
});
