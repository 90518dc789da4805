/**
 * The embedded local `ModelRegistry` under `<root>/models/` (MLflow FileStore registry layout):
 * `<name>/meta.yaml`, `<name>/tags/<k>`, `<name>/aliases/<alias>` (content = version),
 * `<name>/version-<n>/meta.yaml`, `<name>/version-<n>/tags/<k>`.
 * Version numbers are claimed with an exclusive `mkdir` of `version-<n>` (retry with n+1 on
 * EEXIST), so concurrent processes never get the same number. Readers skip a version dir whose
 * `meta.yaml` is not written yet.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import { limitValue, type BatchContext } from '../batch.js';
import {
  MODEL_STAGES, type CreateModelVersionOptions, type LongValuePolicy, type ModelLock, type ModelRegistry, type ModelStage, type ModelVersion,
  type RegisteredModel,
} from '../contract.js';
import { normalizeStage, validateAlias, validateKey, validateModelName, validateVersion } from '../validation.js';
import { atomicWrite, createDirOnce, inParallel, listEntries, makeTempDir, readOptional, removeStaleTempDirs, renameDirIfFree } from './files.js';
import { LocalLayout } from './layout.js';
import { lockModel, takeStaleLock } from './model-lock.js';
import { dumpMeta, metaNumber, metaString, parseMeta, type Meta } from './meta-yaml.js';
import { readValueFiles } from './run-files.js';
import { matches, parseFilter, type Field } from './search-filter.js';

export interface LocalRegistryOptions {
  readonly root?: string;
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly longValues?: LongValuePolicy;
}

const VERSION_ATTRIBUTES = new Set(['name', 'run_id', 'version', 'current_stage', 'source', 'source_path']);

/** A `.tmp-*` version folder older than this was left by a killed writer and is removed. */
export const STALE_STAGING_MS = 24 * 3600 * 1000;
/**
 * The same for a model's `.tmp-*` folder in `models/`, which lives milliseconds: MLflow's registry
 * takes every folder there for a model, so a leftover one should not stay long.
 */
const STALE_MODEL_STAGING_MS = 10 * 60_000;

/**
 * A model name that is also a folder name in `models/`: not `.tmp-*`, the prefix of the staging
 * folders that createDirOnce makes there, which searches skip and which are removed once they are
 * 10 minutes old (a model of that name disappeared, versions and all, at the next registration).
 */
function validateLocalModelName(name: string): void {
  validateModelName(name);
  if (name.startsWith('.tmp-')) {
    throw new TrainSpamError('INVALID_ARGUMENT', `registered model name '${name}' must not start with '.tmp-' in the local store (the prefix of its temporary folders)`, { name });
  }
}

export class LocalModelRegistry implements ModelRegistry {
  readonly kind = 'local';
  readonly layout: LocalLayout;
  private readonly now: () => number;
  private readonly ctx: BatchContext;

  constructor(options: LocalRegistryOptions = {}) {
    this.layout = new LocalLayout(options.root ?? 'mlruns');
    this.now = options.now ?? Date.now;
    this.ctx = { now: this.now, longValues: options.longValues ?? 'truncate', logger: options.logger ?? silentLogger };
  }

  async lockModel(name: string, options: { owner: string; waitMs?: number }): Promise<ModelLock> {
    validateLocalModelName(name);
    return lockModel(this.layout.modelDir(name), options);
  }

  async takeStaleLock(name: string, options: { owner: string }): Promise<ModelLock | null> {
    validateLocalModelName(name);
    return takeStaleLock(this.layout.modelDir(name), options);
  }

  private async readModelMeta(name: string): Promise<Meta | null> {
    const file = path.join(this.layout.modelDir(name), 'meta.yaml');
    const text = await readOptional(file);
    return text === null ? null : parseMeta(text, file);
  }

  private async requireModel(name: string): Promise<Meta> {
    validateLocalModelName(name);
    const meta = await this.readModelMeta(name);
    if (!meta) throw new TrainSpamError('NOT_FOUND', `registered model '${name}' not found`, { name });
    return meta;
  }

  private async aliases(name: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const dir = path.join(this.layout.modelDir(name), 'aliases');
    for (const f of (await listEntries(dir)).files) {
      const v = await readOptional(path.join(dir, f));
      if (v !== null) out[f] = v.trim();
    }
    return out;
  }

  /** A version's meta.yaml alone (null: missing, not written yet, or deleted). */
  private async readHead(name: string, version: string): Promise<VersionHead | null> {
    const dir = this.layout.versionDir(name, version);
    const file = path.join(dir, 'meta.yaml');
    const text = await readOptional(file);
    if (text === null) return null;
    const meta = parseMeta(text, file);
    const stage = metaString(meta, 'current_stage', 'None');
    if (stage === 'Deleted_Internal') return null;
    // every writer (this store, MLflow) writes a version's source: without it the file is cut off
    if (metaString(meta, 'source') === '') {
      throw new TrainSpamError('FORMAT_ERROR', `${file}: no 'source' (the file is cut off or was not written by MLflow); expected the version's model location`, { file, field: 'source' });
    }
    try {
      return { name, version, dir, meta, stage: normalizeStage(stage) };
    } catch (e) {
      throw new TrainSpamError('FORMAT_ERROR', `${file}: ${(e as Error).message}`, { file, field: 'current_stage' }, { cause: e });
    }
  }

  /** The version with its tags; `aliases`: the model's alias → version map, or null for none. */
  private async fullVersion(h: VersionHead, aliases: Readonly<Record<string, string>> | null): Promise<ModelVersion> {
    return { ...headVersion(h, aliases), tags: await readValueFiles(path.join(h.dir, 'tags')) };
  }

  private async readVersion(name: string, version: string, withAliases: boolean): Promise<ModelVersion | null> {
    const h = await this.readHead(name, version);
    return h && this.fullVersion(h, withAliases ? await this.aliases(name) : null);
  }

  private async versionNumbers(name: string): Promise<number[]> {
    const { dirs } = await listEntries(this.layout.modelDir(name));
    return dirs.map((d) => /^version-(\d+)$/.exec(d)).filter((m): m is RegExpExecArray => !!m).map((m) => Number(m[1])).sort((a, b) => a - b);
  }

  /**
   * Every version's meta.yaml, ascending. Tags (one file each) and aliases are read only for the
   * versions a call returns: with a year of daily runs a registry holds hundreds of versions, and
   * reading all their tags for each lookup made every step that touches the registry slower by
   * the run.
   */
  private async versionHeads(name: string): Promise<VersionHead[]> {
    const heads = await inParallel(await this.versionNumbers(name), (n) => this.readHead(name, String(n)));
    return heads.filter((h): h is VersionHead => h !== null);
  }

  /** The highest version in each of `stages` (in that order), with tags and aliases. */
  private async latestPerStage(name: string, stages: readonly ModelStage[]): Promise<ModelVersion[]> {
    const heads = await this.versionHeads(name);
    const chosen: VersionHead[] = [];
    for (const s of stages) {
      let best: VersionHead | null = null;
      for (const h of heads) if (h.stage === s && (!best || Number(h.version) > Number(best.version))) best = h;
      if (best) chosen.push(best);
    }
    if (chosen.length === 0) return [];
    const aliases = await this.aliases(name);
    return Promise.all(chosen.map((h) => this.fullVersion(h, aliases)));
  }

  /**
   * Creates the model, or returns the existing one: built complete (tags, meta.yaml) in a `.tmp-*`
   * folder in `models/` and renamed to `models/<name>` (createDirOnce, which also takes over a
   * folder a killed writer left without meta.yaml).
   */
  async createRegisteredModel(name: string, options: { description?: string; tags?: Readonly<Record<string, string>> } = {}): Promise<RegisteredModel> {
    validateLocalModelName(name);
    const tags = Object.entries(options.tags ?? {}).map(([k, v]) => {
      validateKey('tag', k);
      return [k, limitValue('tag', k, v, this.ctx)] as const;
    });
    const dir = this.layout.modelDir(name);
    const write = async (into: string): Promise<void> => {
      const now = this.now();
      for (const [k, v] of tags) await atomicWrite(this.layout.keyFile(path.join(into, 'tags'), k), v, into);
      const meta = { aliases: {}, creation_timestamp: now, description: options.description ?? '', last_updated_timestamp: now, name };
      await atomicWrite(path.join(into, 'meta.yaml'), dumpMeta(meta), into);
    };
    return createDirOnce({
      dir,
      stagingParent: this.layout.modelsDir(),
      staleStagingMs: STALE_MODEL_STAGING_MS,
      read: () => this.getRegisteredModel(name),
      write,
      what: 'registered model dir',
      details: { name },
    });
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel | null> {
    validateLocalModelName(name);
    const m = await this.readModelMeta(name);
    if (!m) return null;
    return {
      name: metaString(m, 'name', name),
      creationTimestamp: metaNumber(m, 'creation_timestamp') ?? 0,
      lastUpdatedTimestamp: metaNumber(m, 'last_updated_timestamp') ?? 0,
      description: metaString(m, 'description'),
      tags: await readValueFiles(path.join(this.layout.modelDir(name), 'tags')),
      aliases: await this.aliases(name),
      latestVersions: await this.latestPerStage(name, MODEL_STAGES),
    };
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.requireModel(name);
    validateKey('tag', key);
    const dir = this.layout.modelDir(name);
    await atomicWrite(this.layout.keyFile(path.join(dir, 'tags'), key), limitValue('tag', key, value, this.ctx), dir);
  }

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const { name } = options;
    await this.requireModel(name);
    if (!options.source) throw new TrainSpamError('INVALID_ARGUMENT', 'model version source must not be empty', { name });
    const tags = Object.entries(options.tags ?? {}).map(([k, v]) => {
      validateKey('tag', k);
      return [k, limitValue('tag', k, v, this.ctx)] as const;
    });
    // The version is built complete (tags, meta.yaml) in a temporary folder beside the versions and
    // renamed to version-N: a crash at any point leaves either no version-N or a complete one (a
    // `.tmp-*` folder at worst, which neither this store nor MLflow lists). The rename fails when
    // another writer took N (its folder is not empty): then N + 1, with meta.yaml rewritten.
    const staging = await makeTempDir(this.layout.modelDir(name));
    try {
      for (const [k, v] of tags) await atomicWrite(this.layout.keyFile(path.join(staging, 'tags'), k), v, staging);
      const existing = await this.versionNumbers(name);
      let n = (existing.length ? existing[existing.length - 1] : 0) + 1;
      const now = this.now();
      for (;;) {
        await atomicWrite(path.join(staging, 'meta.yaml'), dumpMeta(this.newVersionMeta(options, n, now)), staging);
        if (await renameDirIfFree(staging, this.layout.versionDir(name, n))) break;
        n++;
      }
      await removeStaleTempDirs(this.layout.modelDir(name), STALE_STAGING_MS);
      return (await this.readVersion(name, String(n), true))!;
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
  }

  private newVersionMeta(options: CreateModelVersionOptions, n: number, now: number): Record<string, unknown> {
    const { name } = options;
    return {
      aliases: [],
      creation_timestamp: now,
      current_stage: 'None',
      description: options.description ?? '',
      last_updated_timestamp: now,
      name,
      run_id: options.runId ?? '',
      run_link: '',
      source: options.source,
      status: 'READY',
      status_message: null,
      storage_location: options.source,
      user_id: null,
      version: n,
    };
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    validateLocalModelName(name);
    validateVersion(version);
    const v = await this.readVersion(name, version, true);
    if (!v) throw new TrainSpamError('NOT_FOUND', `model version '${name}' v${version} not found`, { name, version });
    return v;
  }

  async searchModelVersions(filter: string, options: { maxResults?: number } = {}): Promise<ModelVersion[]> {
    const clauses = parseFilter(filter, VERSION_ATTRIBUTES);
    const byName = clauses.find((c) => c.field.kind === 'attribute' && c.field.key === 'name' && c.op === '=');
    const names = byName ? [String(byName.value)] : (await listEntries(this.layout.modelsDir())).dirs;
    // Tags are read before matching only when a clause tests one; otherwise for the matches only.
    const needsTags = clauses.some((c) => c.field.kind === 'tag');
    const out: ModelVersion[] = [];
    for (const name of names.sort()) {
      if (/[\0/\\]/.test(name) || name === '.' || name === '..' || name.startsWith('.tmp-') || !(await this.readModelMeta(name))) continue;
      const heads = await this.versionHeads(name);
      const candidates = needsTags ? await inParallel(heads, (h) => this.fullVersion(h, null)) : heads.map((h) => headVersion(h, null));
      const hit = candidates.map((v) => matches(clauses, (f) => versionField(v, f)));
      if (needsTags) out.push(...candidates.filter((_, i) => hit[i]));
      else out.push(...(await inParallel(heads.filter((_, i) => hit[i]), (h) => this.fullVersion(h, null))));
    }
    out.sort((a, b) => (a.name !== b.name ? (a.name < b.name ? -1 : 1) : Number(b.version) - Number(a.version)));
    return out.slice(0, options.maxResults ?? 10000);
  }

  private async updateVersionMeta(name: string, version: string, patch: Meta): Promise<void> {
    const dir = this.layout.versionDir(name, version);
    const text = await readOptional(path.join(dir, 'meta.yaml'));
    if (text === null) throw new TrainSpamError('NOT_FOUND', `model version '${name}' v${version} not found`, { name, version });
    const meta = parseMeta(text, path.join(dir, 'meta.yaml'));
    await atomicWrite(path.join(dir, 'meta.yaml'), dumpMeta({ ...meta, ...patch, last_updated_timestamp: this.now() }), dir);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.getModelVersion(name, version);
    validateKey('tag', key);
    const dir = this.layout.versionDir(name, version);
    await atomicWrite(this.layout.keyFile(path.join(dir, 'tags'), key), limitValue('tag', key, value, this.ctx), dir);
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    validateAlias(alias);
    await this.getModelVersion(name, version);
    const dir = this.layout.modelDir(name);
    await atomicWrite(path.join(dir, 'aliases', alias), version, dir);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.requireModel(name);
    validateAlias(alias);
    await rm(path.join(this.layout.modelDir(name), 'aliases', alias), { force: true });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null> {
    await this.requireModel(name);
    validateAlias(alias);
    const v = await readOptional(path.join(this.layout.modelDir(name), 'aliases', alias));
    if (v === null || !/^\d+$/.test(v.trim())) return null;
    return this.readVersion(name, v.trim(), true);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.requireModel(name);
    validateVersion(version);
    if (!(await this.readHead(name, version))) return;
    // As MLflow's FileStore: the folder stays, marked deleted, so its number is never reused (our
    // readers skip it everywhere; MLflow's get, latest-versions and alias lookups skip it, its
    // search lists it, which our REST client filters); then the aliases that pointed to it go. A
    // crash between the two leaves an alias to a deleted version, which reads as no alias.
    await this.updateVersionMeta(name, version, { current_stage: 'Deleted_Internal' });
    const aliases = await this.aliases(name);
    for (const [alias, v] of Object.entries(aliases)) {
      if (v === version) await rm(path.join(this.layout.modelDir(name), 'aliases', alias), { force: true });
    }
  }

  async transitionStage(name: string, version: string, stage: ModelStage, archiveExisting: boolean): Promise<ModelVersion> {
    const target = normalizeStage(stage);
    await this.getModelVersion(name, version);
    if (archiveExisting && (target === 'Staging' || target === 'Production')) {
      for (const h of await this.versionHeads(name)) {
        if (h.version !== version && h.stage === target) await this.updateVersionMeta(name, h.version, { current_stage: 'Archived' });
      }
    }
    await this.updateVersionMeta(name, version, { current_stage: target });
    return this.getModelVersion(name, version);
  }

  async getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]> {
    await this.requireModel(name);
    const wanted = stages && stages.length ? stages.map(normalizeStage) : MODEL_STAGES;
    return this.latestPerStage(name, wanted);
  }

  async getDownloadUri(name: string, version: string): Promise<string> {
    return (await this.getModelVersion(name, version)).source;
  }

  async close(): Promise<void> {
    /* nothing held open */
  }
}

/** What a version's meta.yaml says. */
interface VersionHead {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly meta: Meta;
  readonly stage: ModelStage;
}

/** The version from its meta.yaml alone (no tags); `aliases` as in fullVersion. */
function headVersion(h: VersionHead, aliases: Readonly<Record<string, string>> | null): ModelVersion {
  const m = h.meta;
  return {
    name: metaString(m, 'name', h.name),
    version: metaString(m, 'version', h.version),
    creationTimestamp: metaNumber(m, 'creation_timestamp') ?? 0,
    lastUpdatedTimestamp: metaNumber(m, 'last_updated_timestamp') ?? 0,
    currentStage: h.stage,
    description: metaString(m, 'description'),
    source: metaString(m, 'source'),
    runId: metaString(m, 'run_id'),
    status: metaString(m, 'status', 'READY'),
    tags: {},
    aliases: aliases ? Object.entries(aliases).filter(([, v]) => v === h.version).map(([a]) => a).sort() : [],
  };
}

function versionField(v: ModelVersion, f: Field): string | number | undefined {
  if (f.kind === 'tag') return v.tags[f.key];
  if (f.kind !== 'attribute') return undefined;
  const map: Record<string, string | number> = {
    name: v.name, run_id: v.runId, version: Number(v.version), current_stage: v.currentStage, source: v.source, source_path: v.source,
  };
  return map[f.key];
}
