/**
 * An in-memory fake of the MLflow 2.12.2 REST API on 127.0.0.1, shaped after the recorded
 * exchanges in ../shared/fixtures/mlflow: omitted empty arrays and unset fields, "NaN" strings and
 * max-double for +Infinity (sqlite) or "Infinity" (filestore mode), 500 for a missing artifact,
 * 400 for a missing alias, 400 on batch-limit violations and on changed params, Content-Type
 * checks, DELETE bodies, identical metric points stored once. Faults can be injected per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { matches, parseFilter, parseOrderBy, sortBy, type Field } from '../../../../src/tracking/local/search-filter.js';

import { ROUTES } from './fake-mlflow-routes.js';
import { ApiError, RouteError, invalid, kv, notFound, omitEmpty, type J } from './fake-mlflow-util.js';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  json(): any;
}

export type FaultAction =
  | { kind: 'reset' } // drop the connection before handling
  | { kind: 'reset-after' } // handle (mutate state), then drop the connection without answering
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }; // answer late (after handling)

export interface Fault {
  readonly match: (method: string, path: string) => boolean;
  times: number;
  readonly action: FaultAction;
}

export class FakeMlflowServer {
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  private server: http.Server | null = null;
  private readonly experiments = new Map<string, J>();
  private readonly runs = new Map<string, J>();
  private readonly models = new Map<string, J>();
  private readonly artifacts = new Map<string, Buffer>();
  private nextExp = 1;
  private nextRun = 1;
  private clock = 1_800_000_000_000;
  url = '';

  constructor(readonly mode: 'sqlite' | 'filestore' = 'sqlite') {
    this.experiments.set('0', { experiment_id: '0', name: 'Default', artifact_location: 'mlflow-artifacts:/0', lifecycle_stage: 'active', tags: new Map() });
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  inject(match: (method: string, path: string) => boolean, action: FaultAction, times = 1): void {
    this.faults.push({ match, action, times });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://x');
    const rec: RecordedRequest = {
      method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body,
      json: () => (body.length ? JSON.parse(body.toString('utf8')) : {}),
    };
    this.requests.push(rec);
    const fault = this.faults.find((f) => f.times > 0 && f.match(rec.method, rec.path));
    if (fault) fault.times--;
    if (fault?.action.kind === 'reset') return void req.socket.destroy();
    if (fault?.action.kind === 'status') {
      res.writeHead(fault.action.status, { 'content-type': 'application/json', ...(fault.action.headers ?? {}) });
      return void res.end(JSON.stringify(fault.action.body ?? { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'injected' }));
    }
    let status = 200;
    let payload: Buffer | string;
    let type = 'application/json';
    try {
      const out = this.handle(rec);
      if (Buffer.isBuffer(out)) {
        payload = out;
        type = 'text/plain';
      } else payload = JSON.stringify(out, null, 2);
    } catch (e) {
      if (e instanceof ApiError) {
        status = e.status;
        payload = JSON.stringify({ error_code: e.errorCode, message: e.message });
      } else if (e instanceof RouteError) {
        status = e.status;
        type = 'text/html; charset=utf-8';
        payload = `<!doctype html><title>${e.status}</title>`;
      } else {
        status = 500;
        payload = JSON.stringify({ error_code: 'INTERNAL_ERROR', message: String(e) });
      }
    }
    if (fault?.action.kind === 'reset-after') return void req.socket.destroy();
    if (fault?.action.kind === 'delay') await new Promise((r) => setTimeout(r, (fault.action as { ms: number }).ms));
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': type });
    res.end(payload);
  }

  private handle(r: RecordedRequest): J | Buffer {
    const A = '/api/2.0/mlflow-artifacts/artifacts';
    if (r.path === A && r.method === 'GET') return this.listArtifacts(r.query.get('path') ?? '');
    if (r.path.startsWith(A + '/')) {
      const p = r.path.slice(A.length + 1).split('/').map(decodeURIComponent).join('/');
      if (p.split('/').includes('..')) throw invalid('Invalid path');
      if (r.method === 'PUT') {
        this.artifacts.set(p, r.body);
        return {};
      }
      if (r.method === 'GET') {
        const b = this.artifacts.get(p);
        if (!b) throw new ApiError(500, 'INTERNAL_ERROR', `[Errno 2] No such file or directory: '/srv/mlartifacts/${p}'`);
        return b;
      }
    }
    const m = /^\/api\/2\.0\/mlflow\/(.+)$/.exec(r.path);
    if (!m) throw new RouteError(404);
    const route = `${r.method} ${m[1]}`;
    let q: J;
    if (r.method === 'GET') q = Object.fromEntries([...new Set(r.query.keys())].map((k) => [k, k === 'stages' ? r.query.getAll(k) : r.query.get(k)]));
    else {
      const ct = String(r.headers['content-type'] ?? '');
      if (!ct) throw invalid('Bad Request. Content-Type header is missing.');
      if (!ct.startsWith('application/json')) throw invalid('Bad Request. Content-Type must be application/json');
      try {
        q = r.json();
      } catch {
        q = {};
      }
    }
    const h = (ROUTES as Record<string, (s: FakeMlflowServer, q: J) => J>)[route];
    if (!h) throw new RouteError(r.method === 'GET' || r.method === 'POST' ? 404 : 405);
    return h(this, q);
  }

  now(): number {
    return ++this.clock;
  }
  hasModel(name: string): boolean {
    return this.models.has(name);
  }
  addModel(m: J): void {
    this.models.set(m.name, m);
  }

  // ---- state helpers used by ROUTES
  exp(id: string): J {
    const e = this.experiments.get(String(id));
    if (!e) throw notFound(`No Experiment with id=${id} exists`);
    return e;
  }
  expByName(name: string): J | undefined {
    return [...this.experiments.values()].find((e) => e.name === name);
  }
  createExp(q: J): J {
    if (!q.name) throw invalid("Missing value for required parameter 'name'.");
    if (this.expByName(q.name)) throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment(name=${q.name}) already exists.`);
    const id = String(this.nextExp++);
    const t = this.now();
    this.experiments.set(id, {
      experiment_id: id, name: q.name, artifact_location: `mlflow-artifacts:/${id}`, lifecycle_stage: 'active',
      creation_time: t, last_update_time: t, tags: new Map((q.tags ?? []).map((x: J) => [x.key, x.value])),
    });
    return { experiment_id: id };
  }
  expJson(e: J): J {
    return omitEmpty({ ...e, tags: kv(e.tags) });
  }
  run(id: string, active = false): J {
    const run = this.runs.get(String(id));
    if (!run) throw notFound(`Run with id=${id} not found`);
    if (active && run.info.lifecycle_stage !== 'active') throw invalid(`The run ${id} must be in the 'active' state. Current state is deleted.`);
    return run;
  }
  createRun(q: J): J {
    if (q.experiment_id === undefined) throw invalid("Missing value for required parameter 'experiment_id'.");
    const e = this.exp(String(q.experiment_id));
    const id = (this.nextRun++).toString(16).padStart(32, 'a');
    const tags = new Map<string, string>((q.tags ?? []).map((x: J) => [x.key, x.value]));
    const name = q.run_name ?? tags.get('mlflow.runName') ?? `fake-run-${this.nextRun}`;
    tags.set('mlflow.runName', name);
    const run = {
      info: {
        run_uuid: id, experiment_id: e.experiment_id, run_name: name, user_id: q.user_id ?? '', status: 'RUNNING',
        start_time: Number(q.start_time ?? this.now()), artifact_uri: `mlflow-artifacts:/${e.experiment_id}/${id}/artifacts`,
        lifecycle_stage: 'active', run_id: id,
      } as J,
      params: new Map<string, string>(), tags, metrics: [] as J[], inputs: [] as J[],
    };
    this.runs.set(id, run);
    return { run: this.runJson(run, false) };
  }
  encodeValue(v: number): number | string {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return this.mode === 'sqlite' ? Number.MAX_VALUE : 'Infinity';
    if (v === -Infinity) return this.mode === 'sqlite' ? -Number.MAX_VALUE : '-Infinity';
    return v;
  }
  decodeValue(v: unknown): number {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v === undefined || v === null || Number.isNaN(n)) throw invalid("Missing value for required parameter 'value'.");
    return n;
  }
  latest(run: J): Map<string, J> {
    const out = new Map<string, J>();
    for (const m of run.metrics) {
      const b = out.get(m.key);
      if (!b || m.step > b.step || (m.step === b.step && m.timestamp >= b.timestamp)) out.set(m.key, m);
    }
    return out;
  }
  metricJson(m: J): J {
    return { key: m.key, value: this.encodeValue(m.value), timestamp: m.timestamp, step: m.step };
  }
  runJson(run: J, withInputs = true): J {
    const data = omitEmpty({
      metrics: [...this.latest(run).values()].map((m) => this.metricJson(m)), params: kv(run.params), tags: kv(run.tags),
    });
    const info = { ...run.info };
    if (info.end_time === undefined) delete info.end_time;
    const out: J = { info, data };
    if (withInputs) out.inputs = run.inputs.length ? { dataset_inputs: run.inputs } : {};
    return out;
  }
  logBatch(q: J): J {
    const run = this.run(q.run_id ?? q.run_uuid, true);
    const params: J[] = q.params ?? [];
    const tags: J[] = q.tags ?? [];
    const metrics: J[] = q.metrics ?? [];
    if (params.length > 100) throw invalid(`A batch logging request can contain at most 100 params. Got ${params.length} params.`);
    if (tags.length > 100) throw invalid(`A batch logging request can contain at most 100 tags. Got ${tags.length} tags.`);
    if (metrics.length > 1000) throw invalid(`A batch logging request can contain at most 1000 metrics. Got ${metrics.length}.`);
    if (params.length + tags.length + metrics.length > 1000) throw invalid('A batch logging request can contain at most 1000 total.');
    for (const p of params) {
      const old = run.params.get(p.key);
      if (old !== undefined && old !== p.value) throw invalid(`Changing param values is not allowed. Param with key='${p.key}'.`);
    }
    for (const m of metrics) if (m.timestamp === undefined) throw invalid("Missing value for required parameter 'metrics[0].timestamp'.");
    for (const p of params) run.params.set(p.key, String(p.value).slice(0, 6000));
    for (const t of tags) run.tags.set(t.key, String(t.value).slice(0, 5000));
    for (const m of metrics) {
      const point = { key: m.key, value: this.decodeValue(m.value), timestamp: Number(m.timestamp), step: Number(m.step ?? 0) };
      const dup = run.metrics.some((x: J) => x.key === point.key && x.timestamp === point.timestamp && x.step === point.step && Object.is(x.value, point.value));
      if (!dup) run.metrics.push(point);
    }
    return {};
  }
  searchRuns(q: J): J {
    const max = Number(q.max_results ?? 1000);
    if (max > 50000) throw invalid('Invalid value for parameter max_results supplied. It must be at most 50000');
    let clauses;
    try {
      clauses = parseFilter(q.filter);
    } catch {
      throw invalid(`Invalid filter '${q.filter}'`);
    }
    const view = q.run_view_type ?? 'ACTIVE_ONLY';
    const ids = new Set((q.experiment_ids ?? []).map(String));
    const field = (run: J, f: Field): string | number | undefined => {
      if (f.kind === 'metric') return this.latest(run).get(f.key)?.value;
      if (f.kind === 'param') return run.params.get(f.key);
      if (f.kind === 'tag') return run.tags.get(f.key);
      return run.info[f.key];
    };
    const found = [...this.runs.values()].filter(
      (r) => ids.has(r.info.experiment_id) && (view === 'ALL' || (view === 'ACTIVE_ONLY') === (r.info.lifecycle_stage === 'active')) && matches(clauses, (f) => field(r, f)),
    );
    const order = parseOrderBy(q.order_by ?? ['attributes.start_time DESC']);
    sortBy(found, order, field, (a, b) => (a.info.run_id < b.info.run_id ? -1 : 1));
    const offset = q.page_token ? JSON.parse(Buffer.from(q.page_token, 'base64').toString()).offset : 0;
    const page = found.slice(offset, offset + max);
    const out: J = { runs: page.map((r) => this.runJson(r)) };
    if (offset + max < found.length) out.next_page_token = Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64');
    return omitEmpty(out);
  }
  listArtifacts(p: string): J {
    const prefix = p.replace(/\/+$/, '') + '/';
    const children = new Map<string, J>();
    for (const [k, v] of this.artifacts) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length).split('/');
      if (rest.length === 1) children.set(rest[0], { path: rest[0], is_dir: false, file_size: v.length });
      else children.set(rest[0], { path: rest[0], is_dir: true });
    }
    return omitEmpty({ files: [...children.values()].sort((a, b) => (a.path < b.path ? -1 : 1)) });
  }
  model(name: string): J {
    const m = this.models.get(name);
    if (!m) throw notFound(`Registered Model with name=${name} not found`);
    return m;
  }
  version(name: string, version: unknown): J {
    const v = this.model(name).versions.get(Number(version));
    if (!v || v.current_stage === 'Deleted_Internal') throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return v;
  }
  versionJson(m: J, v: J, withAliases: boolean): J {
    const aliases = [...m.aliases].filter(([, ver]) => ver === v.version).map(([a]) => a);
    return omitEmpty({ ...v, tags: kv(v.tags), ...(withAliases ? { aliases } : {}) });
  }
  modelJson(m: J): J {
    const latest = new Map<string, J>();
    for (const v of m.versions.values()) if (v.current_stage !== 'Deleted_Internal') latest.set(v.current_stage, v);
    return omitEmpty({
      name: m.name, creation_timestamp: m.creation_timestamp, last_updated_timestamp: m.last_updated_timestamp, description: m.description,
      latest_versions: [...latest.values()].map((v) => this.versionJson(m, v, false)), tags: kv(m.tags),
      aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })),
    });
  }
  stage(s: string): string {
    const st = ['None', 'Staging', 'Production', 'Archived'].find((x) => x.toLowerCase() === String(s).toLowerCase());
    if (!st) throw invalid(`Invalid Model Version stage: ${s}. Value must be one of None, Staging, Production, Archived.`);
    return st;
  }
  searchVersions(q: J): J {
    const clauses = parseFilter(q.filter);
    const out: J[] = [];
    for (const m of this.models.values()) {
      for (const v of m.versions.values()) {
        const get = (f: Field) => (f.kind === 'tag' ? v.tags.get(f.key) : f.kind === 'attribute' ? v[f.key] : undefined);
        if (matches(clauses, get)) out.push(this.versionJson(m, v, false));
      }
    }
    return omitEmpty({ model_versions: out });
  }
}

