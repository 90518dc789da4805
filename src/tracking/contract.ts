/**
 * The two tracking contracts: `TrackingStore` (experiments, runs, params, metrics, tags, dataset
 * inputs, artifacts) and `ModelRegistry` (registered models, versions, tags, aliases, stages).
 * Implementations: the embedded local store (`local/`, MLflow FileStore layout) and the MLflow
 * REST client (`mlflow/`). One conformance suite runs against both.
 *
 * Conventions shared by every implementation:
 * - ids are strings (`RunId`, `ExperimentId` are branded); model versions are decimal strings.
 * - timestamps are epoch milliseconds.
 * - metric values are JS numbers; NaN and ±Infinity are valid and round-trip.
 * - "not found" is a `TrainSpamError('NOT_FOUND')`; `get…ByName`/`getVersionByAlias` return null.
 */
import type { ExperimentId, RunId } from '../core/ids.js';
import type { JsonValue } from '../core/payload.js';

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type TerminalRunStatus = 'FINISHED' | 'FAILED' | 'KILLED';
export type LifecycleStage = 'active' | 'deleted';
export type RunViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Param values are stored as text; numbers and booleans are converted with `String()`. */
export type ParamValue = string | number | boolean;

export interface Experiment {
  readonly experimentId: ExperimentId;
  readonly name: string;
  readonly artifactLocation: string;
  readonly lifecycleStage: LifecycleStage;
  readonly creationTime: number | null;
  readonly lastUpdateTime: number | null;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RunInfo {
  readonly runId: RunId;
  readonly experimentId: ExperimentId;
  readonly runName: string;
  readonly userId: string;
  readonly status: RunStatus;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly artifactUri: string;
  readonly lifecycleStage: LifecycleStage;
}

export interface Metric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

/** A metric point to log; `step` defaults to 0, `timestamp` to the store's clock. */
export interface MetricInput {
  readonly key: string;
  readonly value: number;
  readonly step?: number;
  readonly timestamp?: number;
}

export interface RunData {
  /** Latest point per key (highest step, then timestamp, then value, as MLflow chooses). */
  readonly metrics: Readonly<Record<string, Metric>>;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** A dataset linked to a run (MLflow `runs/log-inputs`). `schema`/`profile`/`source` are JSON text. */
export interface DatasetInput {
  readonly name: string;
  readonly digest: string;
  readonly sourceType: string;
  readonly source: string;
  readonly schema?: string;
  readonly profile?: string;
  /** Input tags, e.g. `{ 'mlflow.data.context': 'training' }`. */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Run {
  readonly info: RunInfo;
  readonly data: RunData;
  readonly inputs: readonly DatasetInput[];
}

export interface CreateRunOptions {
  readonly experimentId: ExperimentId;
  readonly runName?: string;
  /** Makes this a nested run: sets tag `mlflow.parentRunId`. */
  readonly parentRunId?: RunId;
  readonly tags?: Readonly<Record<string, string>>;
  readonly startTime?: number;
  readonly userId?: string;
}

export interface UpdateRunOptions {
  readonly status?: RunStatus;
  readonly endTime?: number;
  readonly runName?: string;
}

export interface SearchRunsOptions {
  readonly experimentIds: readonly ExperimentId[];
  /** MLflow filter syntax, e.g. `tags.mlflow.parentRunId = '<id>' and metrics.loss < 0.3`. */
  readonly filter?: string;
  /** e.g. `['metrics.loss ASC', 'attributes.start_time DESC']`; default start_time DESC. */
  readonly orderBy?: readonly string[];
  /** Total runs returned (pages are followed); default 1000. */
  readonly maxResults?: number;
  readonly viewType?: RunViewType;
}

export interface LogBatchInput {
  readonly params?: Readonly<Record<string, ParamValue>>;
  readonly metrics?: readonly MetricInput[];
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ArtifactEntry {
  /** Path relative to the run's artifact root, `/`-separated. */
  readonly path: string;
  readonly isDir: boolean;
  readonly fileSize?: number;
}

export interface TrackingStore {
  /** `'local'` or `'mlflow'`. */
  readonly kind: string;

  // experiments
  /** Returns the active experiment with this name, creating it if needed (safe under races).
   * `tags` are applied only when this call creates the experiment. */
  getOrCreateExperiment(name: string, options?: { tags?: Readonly<Record<string, string>> }): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment | null>;
  getExperiment(experimentId: ExperimentId): Promise<Experiment>;

  // runs
  createRun(options: CreateRunOptions): Promise<RunInfo>;
  getRun(runId: RunId): Promise<Run>;
  updateRun(runId: RunId, update: UpdateRunOptions): Promise<RunInfo>;
  /** Sets a terminal status (default FINISHED) and the end time (default now). */
  endRun(runId: RunId, status?: TerminalRunStatus, endTime?: number): Promise<RunInfo>;
  deleteRun(runId: RunId): Promise<void>;
  searchRuns(options: SearchRunsOptions): Promise<Run[]>;

  // logging
  /** Logs params, metrics and tags; split into chunks within MLflow's limits automatically. */
  logBatch(runId: RunId, batch: LogBatchInput): Promise<void>;
  logParams(runId: RunId, params: Readonly<Record<string, ParamValue>>): Promise<void>;
  logMetrics(runId: RunId, metrics: readonly MetricInput[]): Promise<void>;
  logMetric(runId: RunId, key: string, value: number, step?: number): Promise<void>;
  setTag(runId: RunId, key: string, value: string): Promise<void>;
  getMetricHistory(runId: RunId, key: string): Promise<Metric[]>;
  logInputs(runId: RunId, datasets: readonly DatasetInput[]): Promise<void>;

  // artifacts
  /** Uploads one file to `<artifactPath>/<basename>` (run root when artifactPath is omitted). */
  logArtifact(runId: RunId, localFile: string, artifactPath?: string): Promise<void>;
  /** Uploads the whole directory tree under `artifactPath` (run root when omitted). */
  logArtifacts(runId: RunId, localDir: string, artifactPath?: string): Promise<void>;
  /** Direct children of `path` (run root when omitted); empty for a missing directory. */
  listArtifacts(runId: RunId, path?: string): Promise<ArtifactEntry[]>;
  /** Downloads a file or a whole directory to `destDir/<path>`; returns that local path. */
  downloadArtifacts(runId: RunId, path: string, destDir: string): Promise<string>;

  close(): Promise<void>;
}

export interface RegisteredModel {
  readonly name: string;
  readonly creationTimestamp: number;
  readonly lastUpdatedTimestamp: number;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** alias → version */
  readonly aliases: Readonly<Record<string, string>>;
  /** Latest version per stage (MLflow `latest_versions`). */
  readonly latestVersions: readonly ModelVersion[];
}

export interface ModelVersion {
  readonly name: string;
  readonly version: string;
  readonly creationTimestamp: number;
  readonly lastUpdatedTimestamp: number;
  readonly currentStage: ModelStage;
  readonly description: string;
  readonly source: string;
  readonly runId: string;
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Aliases pointing at this version; MLflow omits them in search results (empty there). */
  readonly aliases: readonly string[];
}

export interface CreateModelVersionOptions {
  readonly name: string;
  /** e.g. `runs:/<run_id>/model` or the artifact URI of the model directory. */
  readonly source: string;
  readonly runId?: RunId | string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
}

export interface ModelRegistry {
  readonly kind: string;
  /** Get-or-create: returns the existing model when the name is taken. */
  createRegisteredModel(name: string, options?: { description?: string; tags?: Readonly<Record<string, string>> }): Promise<RegisteredModel>;
  /** null when the model does not exist. */
  getRegisteredModel(name: string): Promise<RegisteredModel | null>;
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  /** NOT_FOUND when the version does not exist. */
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  /** Filter like `name='m'`, `run_id='…'`, `tags.k='v'` joined with `and`. */
  searchModelVersions(filter: string, options?: { maxResults?: number }): Promise<ModelVersion[]>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  /** Idempotent: deleting a missing alias is not an error. */
  deleteAlias(name: string, alias: string): Promise<void>;
  /** null when the alias does not exist (the server answers 400 for that). */
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion | null>;
  /**
   * Deletes a version (MLflow keeps its number: the next version never reuses it) and the aliases
   * that point to it. Idempotent: a version that is missing or already deleted is not an error;
   * NOT_FOUND when the registered model does not exist.
   */
  deleteModelVersion(name: string, version: string): Promise<void>;
  /** Legacy stages (deprecated by MLflow ≥ 2.9 in favour of aliases, still served). */
  transitionStage(name: string, version: string, stage: ModelStage, archiveExisting: boolean): Promise<ModelVersion>;
  /** Latest version per stage; all stages (incl. `None`) when `stages` is omitted. */
  getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]>;
  getDownloadUri(name: string, version: string): Promise<string>;
  /**
   * An exclusive lock on model `name` for a read-check-write sequence (a promotion), where the
   * store can give one (the local store; MLflow's REST API has no compare-and-set, so the REST
   * client leaves it out). Waits for a live holder up to `waitMs`, then CONFLICT; takes over a dead
   * holder's lock, handing on its note as `stale`.
   */
  lockModel?(name: string, options: { owner: string; waitMs?: number }): Promise<ModelLock>;
  /** The lock only when a dead holder left one (to resolve its note); null when it is free or a live holder has it. */
  takeStaleLock?(name: string, options: { owner: string }): Promise<ModelLock | null>;
  close(): Promise<void>;
}

/** A held model lock (see ModelRegistry.lockModel). */
export interface ModelLock {
  /**
   * The last note of a holder that died while holding the lock (null if none): what it was doing,
   * for this holder to finish or undo. It stays in the lock until this holder notes its own.
   */
  readonly stale: JsonValue | null;
  /**
   * Records (atomically) what the holder is doing, so that a later holder can resolve it if this
   * one dies. CONFLICT when the lock was taken over meanwhile (this holder was taken to be dead).
   */
  note(intent: JsonValue): Promise<void>;
  /** Frees the lock and drops its notes (nothing when it was taken over meanwhile). */
  release(): Promise<void>;
  /** Gives the lock up with its notes in place: the next holder takes it over at once and resolves them. */
  abandon(): Promise<void>;
}

/** How values longer than the server's limits are handled (params > 6000, tags > 5000 chars). */
export type LongValuePolicy = 'truncate' | 'reject';
