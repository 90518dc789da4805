/**
 * `ModelRegistry` over MLflow's REST API. Oddities handled here:
 * - `registered-models/create` on an existing name → RESOURCE_ALREADY_EXISTS → we read it (get-or-create);
 * - `registered-models/alias` GET for a missing alias answers **400** INVALID_PARAMETER_VALUE, not 404.
 *   Alias names are validated before the call, so that 400 can only mean "no such alias" → null;
 * - `model-versions/create` is not idempotent and is retried only when the request provably did
 *   not reach the server (connection refused, 429, 503).
 */
import { TrainSpamError, isTrainSpamError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import { limitValue, type BatchContext } from '../batch.js';
import type { CreateModelVersionOptions, LongValuePolicy, ModelRegistry, ModelStage, ModelVersion, RegisteredModel } from '../contract.js';
import { normalizeStage, validateAlias, validateKey, validateModelName, validateVersion } from '../validation.js';
import type { MlflowTransport } from './transport.js';
import { isDeletedVersion, recordToTags, toModelVersion, toRegisteredModel, wireArray } from './wire.js';

const API = '/api/2.0/mlflow';
type J = Record<string, unknown>;

export interface RestRegistryOptions {
  readonly logger?: Logger;
  readonly longValues?: LongValuePolicy;
  readonly ownsTransport?: boolean;
}

export class MlflowModelRegistry implements ModelRegistry {
  readonly kind = 'mlflow';
  private readonly ctx: BatchContext;

  constructor(
    readonly transport: MlflowTransport,
    private readonly options: RestRegistryOptions = {},
  ) {
    this.ctx = { now: Date.now, longValues: options.longValues ?? 'truncate', logger: options.logger ?? silentLogger };
  }

  private tags(tags: Readonly<Record<string, string>> | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(tags ?? {})) {
      validateKey('tag', k);
      out[k] = limitValue('tag', k, v, this.ctx);
    }
    return out;
  }

  async createRegisteredModel(name: string, options: { description?: string; tags?: Readonly<Record<string, string>> } = {}): Promise<RegisteredModel> {
    validateModelName(name);
    const body: J = { name, tags: recordToTags(this.tags(options.tags)) };
    if (options.description !== undefined) body.description = options.description;
    try {
      await this.transport.json({ method: 'POST', path: `${API}/registered-models/create`, json: body, idempotent: true });
    } catch (e) {
      if (!(isTrainSpamError(e) && e.code === 'ALREADY_EXISTS')) throw e;
    }
    const m = await this.getRegisteredModel(name);
    if (!m) throw new TrainSpamError('REMOTE_ERROR', `registered model '${name}' was created but cannot be read`, { name });
    return m;
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | null> {
    validateModelName(name);
    try {
      const r = await this.transport.json<{ registered_model?: J }>({
        method: 'GET', path: `${API}/registered-models/get`, query: { name }, idempotent: true,
      });
      return r.registered_model ? toRegisteredModel(r.registered_model) : null;
    } catch (e) {
      if (isTrainSpamError(e) && e.code === 'NOT_FOUND') return null;
      throw e;
    }
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    const t = this.tags({ [key]: value });
    await this.transport.json({ method: 'POST', path: `${API}/registered-models/set-tag`, json: { name, key, value: t[key] }, idempotent: true });
  }

  async createModelVersion(o: CreateModelVersionOptions): Promise<ModelVersion> {
    validateModelName(o.name);
    if (!o.source) throw new TrainSpamError('INVALID_ARGUMENT', 'model version source must not be empty', { name: o.name });
    const body: J = { name: o.name, source: o.source, tags: recordToTags(this.tags(o.tags)) };
    if (o.runId) body.run_id = o.runId;
    if (o.description !== undefined) body.description = o.description;
    const r = await this.transport.json<{ model_version?: J }>({ method: 'POST', path: `${API}/model-versions/create`, json: body, idempotent: false });
    if (!r.model_version) throw new TrainSpamError('REMOTE_ERROR', 'MLflow model-versions/create returned no model_version', { name: o.name });
    return toModelVersion(r.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateModelName(name);
    validateVersion(version);
    const r = await this.transport.json<{ model_version?: J }>({
      method: 'GET', path: `${API}/model-versions/get`, query: { name, version }, idempotent: true,
    });
    if (!r.model_version) throw new TrainSpamError('NOT_FOUND', `model version '${name}' v${version} not found`, { name, version });
    return toModelVersion(r.model_version);
  }

  async searchModelVersions(filter: string, options: { maxResults?: number } = {}): Promise<ModelVersion[]> {
    const want = options.maxResults ?? 10000;
    const out: ModelVersion[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10_000 && out.length < want; page++) {
      const r = await this.transport.json<{ model_versions?: J[]; next_page_token?: string }>({
        method: 'GET',
        path: `${API}/model-versions/search`,
        query: { filter, max_results: Math.min(1000, want - out.length), page_token: token },
        idempotent: true,
      });
      out.push(...wireArray(r.model_versions).filter((v) => !isDeletedVersion(v)).map(toModelVersion));
      token = r.next_page_token;
      if (!token || wireArray(r.model_versions).length === 0) break;
    }
    return out.slice(0, want);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    validateModelName(name);
    validateVersion(version);
    const t = this.tags({ [key]: value });
    await this.transport.json({ method: 'POST', path: `${API}/model-versions/set-tag`, json: { name, version, key, value: t[key] }, idempotent: true });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    validateVersion(version);
    await this.transport.json({ method: 'POST', path: `${API}/registered-models/alias`, json: { name, alias, version }, idempotent: true });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    try {
      // DELETE reads a JSON body; the query string is ignored by the server
      await this.transport.json({ method: 'DELETE', path: `${API}/registered-models/alias`, json: { name, alias }, idempotent: true });
    } catch (e) {
      if (isTrainSpamError(e) && (e.code === 'INVALID_ARGUMENT' || e.code === 'NOT_FOUND') && (await this.getVersionByAlias(name, alias)) === null) return;
      throw e;
    }
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    validateModelName(name);
    validateAlias(alias);
    try {
      const r = await this.transport.json<{ model_version?: J }>({
        method: 'GET', path: `${API}/registered-models/alias`, query: { name, alias }, idempotent: true,
      });
      return r.model_version ? toModelVersion(r.model_version) : null;
    } catch (e) {
      if (isTrainSpamError(e) && e.code === 'INVALID_ARGUMENT' && e.details.httpStatus === 400) return null;
      throw e;
    }
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    validateModelName(name);
    validateVersion(version);
    try {
      // Retried after an ambiguous failure: a second attempt that finds the version gone answers 404.
      await this.transport.json({ method: 'DELETE', path: `${API}/model-versions/delete`, json: { name, version }, idempotent: true });
    } catch (e) {
      // The server answers RESOURCE_DOES_NOT_EXIST for a missing version and a missing model alike.
      if (isTrainSpamError(e) && e.code === 'NOT_FOUND' && (await this.getRegisteredModel(name)) !== null) return;
      throw e;
    }
  }

  async transitionStage(name: string, version: string, stage: ModelStage, archiveExisting: boolean): Promise<ModelVersion> {
    validateModelName(name);
    validateVersion(version);
    const r = await this.transport.json<{ model_version?: J }>({
      method: 'POST',
      path: `${API}/model-versions/transition-stage`,
      json: { name, version, stage: normalizeStage(stage), archive_existing_versions: archiveExisting },
      idempotent: true,
    });
    return r.model_version ? toModelVersion(r.model_version) : this.getModelVersion(name, version);
  }

  async getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]> {
    validateModelName(name);
    const body: J = { name };
    if (stages?.length) body.stages = stages.map(normalizeStage);
    const r = await this.transport.json<{ model_versions?: J[] }>({
      method: 'POST', path: `${API}/registered-models/get-latest-versions`, json: body, idempotent: true,
    });
    return wireArray(r.model_versions).filter((v) => !isDeletedVersion(v)).map(toModelVersion);
  }

  async getDownloadUri(name: string, version: string): Promise<string> {
    validateModelName(name);
    validateVersion(version);
    const r = await this.transport.json<{ artifact_uri?: string }>({
      method: 'GET', path: `${API}/model-versions/get-download-uri`, query: { name, version }, idempotent: true,
    });
    return String(r.artifact_uri ?? '');
  }

  async close(): Promise<void> {
    if (this.options.ownsTransport ?? true) await this.transport.close();
  }
}
