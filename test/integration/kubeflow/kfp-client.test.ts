import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KfpClient, multipart } from '../../../src/kubeflow/kfp-client.js';
import { TrainSpamError } from '../../../src/core/errors.js';

interface Seen { method: string; path: string; query: Record<string, string>; headers: IncomingMessage['headers']; body: string }

/** A loopback stand-in for the KFP API server (the endpoints and fields the client uses). */
interface Experiment { id: string; name: string; namespace: string }

function fakeKfp(state: { pipelines: Map<string, string>; versions: Map<string, { id: string; name: string }[]>; experiments?: Experiment[]; fail?: number }) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const s: Seen = { method: req.method!, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      const reply = (code: number, body: unknown) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (state.fail) return reply(state.fail, { error_message: 'boom from server', code: 13 });
      let m: RegExpExecArray | null;
      if (s.path === '/apis/v2beta1/healthz') return reply(200, { multi_user: false });
      if ((m = /^\/apis\/v2beta1\/pipelines\/names\/(.+)$/.exec(s.path))) {
        const id = state.pipelines.get(decodeURIComponent(m[1]));
        return id ? reply(200, { pipeline_id: id }) : reply(404, { error_message: 'not found' });
      }
      if (s.path === '/apis/v2beta1/pipelines/upload' && s.method === 'POST') {
        const id = `p${state.pipelines.size + 1}`;
        state.pipelines.set(s.query.name, id);
        state.versions.set(id, [{ id: `${id}-v1`, name: s.query.name }]);
        return reply(200, { pipeline_id: id, display_name: s.query.name });
      }
      if (s.path === '/apis/v2beta1/pipelines/upload_version' && s.method === 'POST') {
        const list = state.versions.get(s.query.pipelineid)!;
        const v = { id: `${s.query.pipelineid}-v${list.length + 1}`, name: s.query.name };
        list.unshift(v);
        return reply(200, { pipeline_version_id: v.id });
      }
      if ((m = /^\/apis\/v2beta1\/pipelines\/([^/]+)\/versions$/.exec(s.path))) {
        return reply(200, { pipeline_versions: (state.versions.get(m[1]) ?? []).map((v) => ({ pipeline_version_id: v.id, display_name: v.name })) });
      }
      if (s.path === '/apis/v2beta1/runs' && s.method === 'POST') return reply(200, { run_id: 'run-42' });
      const experiments = (state.experiments ??= []);
      if (s.path === '/apis/v2beta1/experiments' && s.method === 'GET') {
        // one experiment per page, so that the client has to follow the page tokens
        const { predicates } = JSON.parse(s.query.filter) as { predicates: { key: string; operation: string; string_value: string }[] };
        const p = predicates[0];
        const match = experiments.filter((e) => e.namespace === (s.query.namespace ?? '') && (p.key !== 'display_name' || p.operation !== 'EQUALS' || e.name === p.string_value));
        const at = Number(s.query.page_token || 0);
        const next = at + 1 < match.length ? String(at + 1) : '';
        return reply(200, { experiments: match.slice(at, at + 1).map((e) => ({ experiment_id: e.id, display_name: e.name, namespace: e.namespace })), next_page_token: next });
      }
      if (s.path === '/apis/v2beta1/experiments' && s.method === 'POST') {
        const b = JSON.parse(s.body) as { display_name: string; namespace?: string };
        const e = { id: `e${experiments.length + 1}`, name: b.display_name, namespace: b.namespace ?? '' };
        experiments.push(e);
        return reply(200, { experiment_id: e.id, display_name: e.name, namespace: e.namespace });
      }
      return reply(404, { error_message: `no route ${s.path}` });
    });
  });
  return { server, seen };
}

const listen = (server: Server) => new Promise<number>((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as AddressInfo).port)));

describe('KfpClient against a loopback server', () => {
  const state: { pipelines: Map<string, string>; versions: Map<string, { id: string; name: string }[]>; experiments?: Experiment[]; fail: number } = { pipelines: new Map(), versions: new Map(), fail: 0 };
  const { server, seen } = fakeKfp(state);
  let host = '';
  beforeAll(async () => { host = `http://127.0.0.1:${await listen(server)}`; });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('uploads a new pipeline and starts a run with typed parameters', async () => {
    const client = new KfpClient({ host, token: 'tok', namespace: 'team-a' });
    try {
      const r = await client.uploadAndRun({ yaml: 'pipelineInfo:\n  name: x\n', pipelineName: 'spam-detection-pipeline', runName: 'run-a', parameters: { num_hpo_trials: 40, model_name: 'm' } });
      expect(r).toEqual({ pipelineId: 'p1', pipelineVersionId: 'p1-v1', experimentId: 'e1', runId: 'run-42', runUrl: `${host}/#/runs/details/run-42` });
    } finally {
      await client.close();
    }
    const upload = seen.find((s) => s.path === '/apis/v2beta1/pipelines/upload')!;
    expect(upload.query).toMatchObject({ name: 'spam-detection-pipeline', namespace: 'team-a' });
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.body).toContain('name="uploadfile"; filename="spam-detection-pipeline.yaml"');
    expect(upload.body).toContain('pipelineInfo:\n  name: x\n');
    expect(upload.headers.authorization).toBe('Bearer tok');
    const run = seen.find((s) => s.path === '/apis/v2beta1/runs')!;
    // a namespaced run without an experiment goes to the namespace's "Default" experiment, created here
    const created = seen.find((s) => s.path === '/apis/v2beta1/experiments' && s.method === 'POST')!;
    expect(JSON.parse(created.body)).toEqual({ display_name: 'Default', description: '', namespace: 'team-a' });
    expect(JSON.parse(run.body)).toEqual({
      display_name: 'run-a',
      pipeline_version_reference: { pipeline_id: 'p1', pipeline_version_id: 'p1-v1' },
      runtime_config: { parameters: { num_hpo_trials: 40, model_name: 'm' } },
      experiment_id: 'e1',
    });
  });

  it('uploads a new version when the pipeline exists, and reuses an identical one', async () => {
    const client = new KfpClient({ host });
    try {
      const r1 = await client.uploadAndRun({ yaml: 'v: 2\n', pipelineName: 'spam-detection-pipeline', runName: 'b', parameters: {} });
      expect(r1.pipelineId).toBe('p1');
      expect(r1.pipelineVersionId).toBe('p1-v2');
      const uv = seen.filter((s) => s.path === '/apis/v2beta1/pipelines/upload_version');
      expect(uv).toHaveLength(1);
      expect(uv[0].query.name).toMatch(/^spam-detection-pipeline-[0-9a-f]{12}$/);
      const r2 = await client.uploadAndRun({ yaml: 'v: 2\n', pipelineName: 'spam-detection-pipeline', runName: 'c', parameters: {} });
      expect(r2.pipelineVersionId).toBe('p1-v2');
      expect(seen.filter((s) => s.path === '/apis/v2beta1/pipelines/upload_version')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('finds a named experiment across pages in its namespace, creates a missing one once, and takes an explicit id as given', async () => {
    state.experiments = [
      { id: 'x1', name: 'nightly', namespace: 'team-b' },
      { id: 'x2', name: 'Default', namespace: 'team-c' },
      { id: 'x3', name: 'other', namespace: 'team-c' },
      { id: 'x4', name: 'nightly', namespace: 'team-c' },
    ];
    const client = new KfpClient({ host, namespace: 'team-c' });
    const runs = () => seen.filter((s) => s.path === '/apis/v2beta1/runs').map((s) => (JSON.parse(s.body) as { experiment_id?: string }).experiment_id);
    try {
      // the server filters by name; its page holds one experiment: the client still checks the name
      expect(await client.findExperiment('nightly')).toBe('x4');
      const lists = seen.filter((s) => s.path === '/apis/v2beta1/experiments' && s.method === 'GET');
      expect(lists.at(-1)!.query.namespace).toBe('team-c');
      const r = await client.uploadAndRun({ yaml: 'v: 3\n', pipelineName: 'spam-detection-pipeline', runName: 'n', parameters: {}, experimentName: 'nightly' });
      expect(r.experimentId).toBe('x4');
      await client.uploadAndRun({ yaml: 'v: 3\n', pipelineName: 'spam-detection-pipeline', runName: 'w', parameters: {}, experimentName: 'weekly' });
      await client.uploadAndRun({ yaml: 'v: 3\n', pipelineName: 'spam-detection-pipeline', runName: 'w2', parameters: {}, experimentName: 'weekly' });
      expect(state.experiments.filter((e) => e.name === 'weekly')).toEqual([{ id: 'e5', name: 'weekly', namespace: 'team-c' }]);
      await client.uploadAndRun({ yaml: 'v: 3\n', pipelineName: 'spam-detection-pipeline', runName: 'id', parameters: {}, experimentId: 'given' });
      expect(runs().slice(-4)).toEqual(['x4', 'e5', 'e5', 'given']);
      await expect(client.uploadAndRun({ yaml: 'v: 3\n', pipelineName: 'p', runName: 'both', parameters: {}, experimentId: 'a', experimentName: 'b' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await client.close();
    }
    // without a namespace and without a name the server's default experiment is used (no experiment_id)
    const plain = new KfpClient({ host });
    try {
      const r = await plain.uploadAndRun({ yaml: 'v: 3\n', pipelineName: 'spam-detection-pipeline', runName: 'plain', parameters: {} });
      expect(r.experimentId).toBeUndefined();
      expect(runs().at(-1)).toBeUndefined();
    } finally {
      await plain.close();
    }
  });

  it('turns an HTTP error into REMOTE_ERROR with the server message', async () => {
    state.fail = 500;
    const client = new KfpClient({ host });
    try {
      const e = await client.healthz().catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TrainSpamError);
      expect((e as TrainSpamError).code).toBe('REMOTE_ERROR');
      expect((e as TrainSpamError).message).toMatch(/HTTP 500: boom from server/);
      expect((e as TrainSpamError).message).not.toMatch(/no Kubeflow Pipelines API/);
    } finally {
      state.fail = 0;
      await client.close();
    }
  });
});

describe('KfpClient when KFP_HOST answers but is not the KFP API', () => {
  it('names the host and what to check when /healthz is not found (another service or port)', async () => {
    const s = createServer((_req, res) => { res.writeHead(404); res.end(); });
    const port = await listen(s);
    const client = new KfpClient({ host: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    try {
      const e = (await client.uploadAndRun({ yaml: 'x', pipelineName: 'p', runName: 'r', parameters: {} }).catch((x: unknown) => x)) as TrainSpamError;
      expect(e).toBeInstanceOf(TrainSpamError);
      expect(e.code).toBe('REMOTE_ERROR');
      expect(e.message).toContain(`no Kubeflow Pipelines API at http://127.0.0.1:${port}`);
      expect(e.message).toMatch(/HTTP 404/);
      expect(e.message).toMatch(/KFP_HOST/);
    } finally {
      await client.close();
      await new Promise<void>((ok) => s.close(() => ok()));
    }
  });
});

describe('KfpClient when KFP_HOST is not reachable', () => {
  it('fails with NETWORK_ERROR naming the host and what to do (closed loopback port)', async () => {
    const s = createServer();
    const port = await listen(s);
    await new Promise<void>((ok) => s.close(() => ok()));
    const client = new KfpClient({ host: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    try {
      const e = (await client.uploadAndRun({ yaml: 'x', pipelineName: 'p', runName: 'r', parameters: {} }).catch((x: unknown) => x)) as TrainSpamError;
      expect(e).toBeInstanceOf(TrainSpamError);
      expect(e.code).toBe('NETWORK_ERROR');
      expect(e.message).toContain(`http://127.0.0.1:${port}`);
      expect(e.message).toMatch(/ECONNREFUSED/);
      expect(e.message).toMatch(/KFP_HOST/);
    } finally {
      await client.close();
    }
  });
  it('rejects a host that is not an http(s) URL', () => {
    expect(() => new KfpClient({ host: 'localhost:8888' })).toThrow(/http/);
    expect(() => new KfpClient({ host: 'not a url' })).toThrow(/not a URL/);
  });
  it('multipart body is well-formed and deterministic', () => {
    const a = multipart('abc', 'f.yaml');
    expect(a).toEqual(multipart('abc', 'f.yaml'));
    const boundary = /boundary=(.+)$/.exec(a.contentType)![1];
    expect(a.body.toString()).toBe(`--${boundary}\r\nContent-Disposition: form-data; name="uploadfile"; filename="f.yaml"\r\nContent-Type: application/x-yaml\r\n\r\nabc\r\n--${boundary}--\r\n`);
  });
});
