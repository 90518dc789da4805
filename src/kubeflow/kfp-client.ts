/**
 * A small Kubeflow Pipelines REST client (API v2beta1) on undici: upload a compiled pipeline (or a
 * new version of an existing one) and start a run. Errors are TrainSpamErrors: NETWORK_ERROR when
 * KFP_HOST cannot be reached (with what to check), REMOTE_ERROR with the server's message otherwise.
 */
import { hasCredentials, redactUrl } from '../tracking/redact.js';
import { createHash } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { TrainSpamError } from '../core/errors.js';

export interface KfpClientOptions {
  /** e.g. `http://localhost:8888` (after `kubectl port-forward svc/ml-pipeline 8888:8888 -n kubeflow`). */
  readonly host: string;
  /** Bearer token (multi-user Kubeflow behind an auth proxy). */
  readonly token?: string;
  /** Kubeflow profile namespace (multi-user mode). */
  readonly namespace?: string;
  readonly timeoutMs?: number;
  readonly dispatcher?: Dispatcher;
}

export interface RunStarted {
  readonly pipelineId: string;
  readonly pipelineVersionId: string;
  readonly runId: string;
  /** The experiment the run was created in (absent: the server's default experiment). */
  readonly experimentId?: string;
  /** Link to the run in the KFP UI (same host). */
  readonly runUrl: string;
}

type Json = Record<string, unknown>;

export class KfpClient {
  private readonly base: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly opts: KfpClientOptions) {
    // the host as messages show it: never with user-info (a password may hold a '/', which URL
    // parsing does not read as user-info, so redactUrl finds it in the text)
    const shown = redactUrl(opts.host);
    if (hasCredentials(opts.host)) {
      throw new TrainSpamError('INVALID_ARGUMENT', `KFP_HOST '${shown}' carries credentials, which this client does not send and would print; give the bearer token as KFP_TOKEN instead`, { usage: true });
    }
    let url: URL;
    try {
      url = new URL(opts.host);
    } catch {
      throw new TrainSpamError('INVALID_ARGUMENT', `KFP_HOST '${shown}' is not a URL (expected e.g. http://localhost:8888)`, { usage: true });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TrainSpamError('INVALID_ARGUMENT', `KFP_HOST '${shown}' must be http:// or https://`, { usage: true });
    }
    this.base = url.toString().replace(/\/+$/, '');
    const timeout = opts.timeoutMs ?? 30_000;
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? new Agent({ connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout });
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** GET /apis/v2beta1/healthz: fails fast with a clear message when KFP is not reachable. */
  async healthz(): Promise<Json> {
    try {
      return await this.call('GET', '/apis/v2beta1/healthz');
    } catch (e) {
      // something answers at the host, but not the KFP API (another service, the wrong port or path prefix, a proxy, no auth)
      const status = e instanceof TrainSpamError ? e.details.status : undefined;
      // a 5xx is the KFP server's own failure: its message says more than a guess about the host
      if (!(e instanceof TrainSpamError) || e.code !== 'REMOTE_ERROR' || typeof status !== 'number' || status >= 500) throw e;
      const auth = status === 401 || status === 403 ? '; a multi-user install needs KFP_TOKEN (a bearer token) and --namespace' : '';
      throw new TrainSpamError(
        'REMOTE_ERROR',
        `no Kubeflow Pipelines API at ${this.base}: ${e.message}. Check KFP_HOST (the ml-pipeline API service, e.g. \`kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888\` and KFP_HOST=http://localhost:8888)${auth}`,
        { ...e.details, host: this.base },
      );
    }
  }

  /** Uploads a new pipeline; returns its id (the upload also creates its first version). */
  async uploadPipeline(yaml: string, name: string, description = ''): Promise<string> {
    const q = this.query({ name, display_name: name, description });
    const res = await this.call('POST', `/apis/v2beta1/pipelines/upload?${q}`, multipart(yaml, `${name}.yaml`));
    return requireString(res, 'pipeline_id', 'upload pipeline');
  }

  async uploadPipelineVersion(yaml: string, pipelineId: string, versionName: string): Promise<string> {
    const q = this.query({ pipelineid: pipelineId, name: versionName, display_name: versionName });
    const res = await this.call('POST', `/apis/v2beta1/pipelines/upload_version?${q}`, multipart(yaml, `${versionName}.yaml`));
    return requireString(res, 'pipeline_version_id', 'upload pipeline version');
  }

  /** The pipeline id for a name, or null. */
  async findPipeline(name: string): Promise<string | null> {
    try {
      const res = await this.call('GET', `/apis/v2beta1/pipelines/names/${encodeURIComponent(name)}?${this.query({})}`);
      return typeof res.pipeline_id === 'string' ? res.pipeline_id : null;
    } catch (e) {
      if (e instanceof TrainSpamError && e.details.status === 404) return null;
      throw e;
    }
  }

  /**
   * Every version of a pipeline, newest first, following `next_page_token` (a pipeline with more
   * versions than one page holds would otherwise hide the older ones: re-uploading one of those
   * YAMLs would then fail on its existing version name).
   */
  async listVersions(pipelineId: string, pageSize = 100): Promise<{ id: string; name: string }[]> {
    const out: { id: string; name: string }[] = [];
    const seenTokens = new Set<string>();
    let token = '';
    do {
      const q = new URLSearchParams({ page_size: String(pageSize), sort_by: 'created_at desc', ...(token ? { page_token: token } : {}) });
      const res = await this.call('GET', `/apis/v2beta1/pipelines/${encodeURIComponent(pipelineId)}/versions?${q.toString().replace(/\+/g, '%20')}`);
      const list = Array.isArray(res.pipeline_versions) ? (res.pipeline_versions as Json[]) : [];
      out.push(...list.map((v) => ({ id: String(v.pipeline_version_id ?? ''), name: String(v.display_name ?? v.name ?? '') })));
      seenTokens.add(token);
      token = typeof res.next_page_token === 'string' ? res.next_page_token : '';
    } while (token && !seenTokens.has(token));
    return out;
  }

  /**
   * The id of the experiment named `name` (in the client's namespace), or null. The list is
   * filtered by display name on the server and checked again here (an older server may ignore the
   * filter); pages are followed.
   */
  async findExperiment(name: string, pageSize = 100): Promise<string | null> {
    const filter = JSON.stringify({ predicates: [{ key: 'display_name', operation: 'EQUALS', string_value: name }] });
    const seenTokens = new Set<string>();
    let token = '';
    do {
      const q = this.query({ filter, page_size: String(pageSize), ...(token ? { page_token: token } : {}) });
      const res = await this.call('GET', `/apis/v2beta1/experiments?${q.replace(/\+/g, '%20')}`);
      const list = Array.isArray(res.experiments) ? (res.experiments as Json[]) : [];
      const hit = list.find((e) => e.display_name === name && typeof e.experiment_id === 'string' && e.experiment_id !== '');
      if (hit) return hit.experiment_id as string;
      seenTokens.add(token);
      token = typeof res.next_page_token === 'string' ? res.next_page_token : '';
    } while (token && !seenTokens.has(token));
    return null;
  }

  /** Creates an experiment in the client's namespace; returns its id. */
  async createExperiment(name: string, description = ''): Promise<string> {
    const body = { display_name: name, description, ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}) };
    const res = await this.call('POST', '/apis/v2beta1/experiments', { contentType: 'application/json', body: JSON.stringify(body) });
    return requireString(res, 'experiment_id', 'create experiment');
  }

  /** The experiment named `name`, created when missing. */
  async experimentId(name: string): Promise<string> {
    return (await this.findExperiment(name)) ?? (await this.createExperiment(name));
  }

  async createRun(args: { displayName: string; pipelineId: string; pipelineVersionId: string; parameters: Json; experimentId?: string }): Promise<string> {
    const body = {
      display_name: args.displayName,
      pipeline_version_reference: { pipeline_id: args.pipelineId, pipeline_version_id: args.pipelineVersionId },
      runtime_config: { parameters: args.parameters },
      ...(args.experimentId ? { experiment_id: args.experimentId } : {}),
    };
    const res = await this.call('POST', '/apis/v2beta1/runs', { contentType: 'application/json', body: JSON.stringify(body) });
    return requireString(res, 'run_id', 'create run');
  }

  /**
   * Upload (a new pipeline, or a new version named after the YAML's hash when the name exists)
   * and start a run with the given parameters.
   */
  async uploadAndRun(args: {
    yaml: string;
    pipelineName: string;
    runName: string;
    parameters: Json;
    description?: string;
    experimentId?: string;
    /** Run in the experiment of this name (created when missing) unless `experimentId` is given. */
    experimentName?: string;
  }): Promise<RunStarted> {
    if (args.experimentId && args.experimentName) {
      throw new TrainSpamError('INVALID_ARGUMENT', 'give an experiment id or an experiment name, not both', { usage: true });
    }
    await this.healthz();
    const versionName = `${args.pipelineName}-${createHash('sha256').update(args.yaml).digest('hex').slice(0, 12)}`;
    let pipelineId = await this.findPipeline(args.pipelineName);
    let pipelineVersionId: string;
    if (pipelineId === null) {
      pipelineId = await this.uploadPipeline(args.yaml, args.pipelineName, args.description);
      const versions = await this.listVersions(pipelineId);
      if (!versions.length) throw new TrainSpamError('REMOTE_ERROR', `KFP created pipeline ${pipelineId} without a version`);
      pipelineVersionId = versions[0].id;
    } else {
      const existing = (await this.listVersions(pipelineId)).find((v) => v.name === versionName);
      pipelineVersionId = existing ? existing.id : await this.uploadPipelineVersion(args.yaml, pipelineId, versionName);
    }
    // In a multi-user install a run belongs to an experiment of the user's namespace: the server's
    // default experiment lives in the shared namespace, which a profile user may not write to. So,
    // as the KFP SDK does, a namespaced run without an experiment id goes to the namespace's
    // "Default" experiment.
    const experimentName = args.experimentName ?? (this.opts.namespace && !args.experimentId ? DEFAULT_EXPERIMENT : undefined);
    const experimentId = args.experimentId ?? (experimentName ? await this.experimentId(experimentName) : undefined);
    const runId = await this.createRun({ displayName: args.runName, pipelineId, pipelineVersionId, parameters: args.parameters, experimentId });
    return { pipelineId, pipelineVersionId, runId, ...(experimentId ? { experimentId } : {}), runUrl: `${this.base}/#/runs/details/${runId}` };
  }

  private query(q: Record<string, string>): string {
    const all = { ...q, ...(this.opts.namespace ? { namespace: this.opts.namespace } : {}) };
    return new URLSearchParams(Object.entries(all).filter(([, v]) => v !== '')).toString();
  }

  private async call(method: 'GET' | 'POST', path: string, payload?: { contentType: string; body: string | Buffer }): Promise<Json> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (payload) headers['content-type'] = payload.contentType;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.base + path, { method, headers, body: payload?.body, dispatcher: this.dispatcher });
    } catch (e) {
      const err = e as { code?: string; message?: string; cause?: { code?: string } };
      const code = err.code ?? err.cause?.code ?? 'UNKNOWN';
      throw new TrainSpamError(
        'NETWORK_ERROR',
        `Kubeflow Pipelines at ${this.base} is not reachable (${code}: ${err.message ?? e}). Check KFP_HOST; for a cluster install run ` +
          '`kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888` and use KFP_HOST=http://localhost:8888',
        { host: this.base, code, path },
      );
    }
    const text = await res.body.text();
    let json: Json = {};
    if (text.trim()) {
      try {
        json = JSON.parse(text) as Json;
      } catch {
        json = { raw: text.slice(0, 500) };
      }
    }
    if (res.statusCode >= 400) {
      const msg = typeof json.message === 'string' ? json.message : typeof json.error_message === 'string' ? json.error_message : text.slice(0, 300);
      throw new TrainSpamError('REMOTE_ERROR', `KFP ${method} ${path.split('?')[0]} failed with HTTP ${res.statusCode}${msg.trim() ? `: ${msg}` : ' (empty body)'}`, { status: res.statusCode, host: this.base });
    }
    return json;
  }
}

/** The experiment a namespaced run goes to when none is named (the KFP SDK's choice too). */
export const DEFAULT_EXPERIMENT = 'Default';

function requireString(res: Json, key: string, what: string): string {
  const v = res[key];
  if (typeof v !== 'string' || !v) throw new TrainSpamError('REMOTE_ERROR', `KFP ${what}: response has no ${key}`, { response: res });
  return v;
}

/** multipart/form-data with one `uploadfile` part (what the KFP upload endpoints read). */
export function multipart(content: string, filename: string): { contentType: string; body: Buffer } {
  const boundary = `train-spam-${createHash('sha256').update(content).digest('hex').slice(0, 24)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="uploadfile"; filename="${filename.replace(/"/g, '')}"\r\nContent-Type: application/x-yaml\r\n\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]) };
}
