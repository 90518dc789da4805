/**
 * The embedded local `TrackingStore`: MLflow's FileStore layout under a root directory (default
 * `./mlruns`), readable by `mlflow ui` / `mlflow server --backend-store-uri ./mlruns`.
 * Safe under concurrent writers: atomic meta/tag writes, write-once params (link), metric lines
 * appended with one O_APPEND write per key per batch, race-safe experiment and run creation.
 * Concurrent `updateRun` calls on the same run are last-writer-wins (one owner per run).
 */
import { randomUUID } from 'node:crypto';
import { TrainSpamError } from '../../core/errors.js';
import type { ExperimentId, RunId } from '../../core/ids.js';
import { BatchLogging } from '../batch-logging.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import { prepareBatch, type BatchContext } from '../batch.js';
import type {
  ArtifactEntry, CreateRunOptions, DatasetInput, Experiment, LogBatchInput, LongValuePolicy, Metric,
  Run, RunInfo, SearchRunsOptions, TerminalRunStatus, TrackingStore, UpdateRunOptions,
} from '../contract.js';
import { validateId, validateKey } from '../validation.js';
import * as art from './artifacts.js';
import * as exps from './experiments.js';
import { appendText, atomicWrite, inParallel, listEntries, mkdirExclusive, writeOnce } from './files.js';
import { LocalLayout, RESERVED_EXPERIMENT_DIRS } from './layout.js';
import { formatMetricLine } from './metric-line.js';
import * as rf from './run-files.js';
import { matches, parseFilter, parseOrderBy, sortBy, type Field } from './search-filter.js';

export interface LocalStoreOptions {
  /** Root directory; default `./mlruns`. */
  readonly root?: string;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Over-long param/tag values: `truncate` (default, with a warning) or `reject`. */
  readonly longValues?: LongValuePolicy;
  readonly userId?: string;
  /** How the root was given, as messages name it (default: the tracking URI's flag and variable). */
  readonly uriSetting?: string;
}

const RUN_ATTRIBUTES = new Set(['status', 'run_name', 'start_time', 'end_time', 'run_id', 'user_id', 'lifecycle_stage', 'artifact_uri']);

export class LocalTrackingStore extends BatchLogging implements TrackingStore {
  readonly kind = 'local';
  readonly layout: LocalLayout;
  private readonly now: () => number;
  private readonly batchCtx: BatchContext;
  private readonly userId: string;
  private readonly logger: Logger;
  /** run id → experiment id (a cache of a directory scan; run dirs never move). */
  private readonly runExperiments = new Map<string, string>();

  constructor(options: LocalStoreOptions = {}) {
    super();
    this.layout = new LocalLayout(options.root ?? 'mlruns', options.uriSetting);
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.batchCtx = { now: this.now, longValues: options.longValues ?? 'truncate', logger: this.logger };
    this.userId = options.userId ?? '';
  }

  getOrCreateExperiment(name: string, options?: { tags?: Readonly<Record<string, string>> }): Promise<Experiment> {
    return exps.getOrCreateExperiment(this.layout, name, this.now(), options?.tags ?? {}, this.logger);
  }

  getExperimentByName(name: string): Promise<Experiment | null> {
    return exps.findExperimentByName(this.layout, name, this.logger);
  }

  getExperiment(experimentId: ExperimentId): Promise<Experiment> {
    return exps.getExperiment(this.layout, experimentId);
  }

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    const exp = await this.getExperiment(options.experimentId);
    if (exp.lifecycleStage !== 'active') {
      throw new TrainSpamError('INVALID_ARGUMENT', `experiment '${exp.experimentId}' is deleted`, { experimentId: exp.experimentId });
    }
    const expId = exp.experimentId as string;
    const runId = randomUUID().replace(/-/g, '');
    const runName = options.runName ?? `run-${runId.slice(0, 8)}`;
    const tags: Record<string, string> = { ...(options.tags ?? {}), 'mlflow.runName': runName };
    if (options.parentRunId) {
      validateId('run', options.parentRunId);
      tags['mlflow.parentRunId'] = options.parentRunId;
    }
    const prepared = prepareBatch({ tags }, this.batchCtx);
    if (!(await mkdirExclusive(this.layout.runDir(expId, runId)))) {
      throw new TrainSpamError('INTERNAL', `run directory for '${runId}' already exists`, { runId });
    }
    const meta = {
      artifact_uri: this.layout.runArtifactUri(expId, runId),
      deleted_time: null,
      end_time: null,
      entry_point_name: '',
      experiment_id: expId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: runName,
      run_uuid: runId,
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: options.startTime ?? this.now(),
      status: rf.statusCode('RUNNING'),
      tags: [],
      user_id: options.userId ?? this.userId,
    };
    const runDir = this.layout.runDir(expId, runId);
    for (const t of prepared.tags) await atomicWrite(this.layout.keyFile(this.layout.tagsDir(expId, runId), t.key), t.value, runDir);
    await rf.writeRunMeta(this.layout, expId, runId, meta);
    this.runExperiments.set(runId, expId);
    return rf.runInfoFromMeta(meta, expId, runId);
  }

  /** Finds the experiment dir holding a run (cached). */
  private async locate(runId: RunId): Promise<string> {
    validateId('run', runId);
    const cached = this.runExperiments.get(runId);
    if (cached) return cached;
    for (const exp of await exps.listExperimentIds(this.layout)) {
      if (await rf.readRunMeta(this.layout, exp, runId)) {
        this.runExperiments.set(runId, exp);
        return exp;
      }
    }
    throw new TrainSpamError('NOT_FOUND', `run '${runId}' not found under '${this.layout.root}'`, { runId });
  }

  private async activeRun(runId: RunId): Promise<{ exp: string; meta: Record<string, unknown> }> {
    const exp = await this.locate(runId);
    const meta = await rf.readRunMeta(this.layout, exp, runId);
    if (!meta) throw new TrainSpamError('NOT_FOUND', `run '${runId}' not found`, { runId });
    if (meta.lifecycle_stage === 'deleted') {
      throw new TrainSpamError('INVALID_ARGUMENT', `run '${runId}' is deleted; it must be active to log to it`, { runId });
    }
    return { exp, meta };
  }

  async getRun(runId: RunId): Promise<Run> {
    return rf.readRun(this.layout, await this.locate(runId), runId);
  }

  async updateRun(runId: RunId, update: UpdateRunOptions): Promise<RunInfo> {
    const exp = await this.locate(runId);
    const meta = await rf.readRunMeta(this.layout, exp, runId);
    if (!meta) throw new TrainSpamError('NOT_FOUND', `run '${runId}' not found`, { runId });
    const next: Record<string, unknown> = { ...meta };
    delete next.deleted_time;
    if (update.status) next.status = rf.statusCode(update.status);
    if (update.endTime !== undefined) next.end_time = update.endTime;
    if (update.runName !== undefined) {
      next.run_name = update.runName;
      await this.setTag(runId, 'mlflow.runName', update.runName);
    }
    await rf.writeRunMeta(this.layout, exp, runId, next);
    return rf.runInfoFromMeta(next, exp, runId);
  }

  endRun(runId: RunId, status: TerminalRunStatus = 'FINISHED', endTime?: number): Promise<RunInfo> {
    return this.updateRun(runId, { status, endTime: endTime ?? this.now() });
  }

  async deleteRun(runId: RunId): Promise<void> {
    const exp = await this.locate(runId);
    const meta = await rf.readRunMeta(this.layout, exp, runId);
    if (!meta) throw new TrainSpamError('NOT_FOUND', `run '${runId}' not found`, { runId });
    await rf.writeRunMeta(this.layout, exp, runId, { ...meta, lifecycle_stage: 'deleted', deleted_time: this.now() });
  }

  /**
   * A run whose files are malformed (meta.yaml, a metric line) is skipped with a warning, as MLflow's
   * FileStore skips a malformed run, so that one damaged run does not fail every search of its
   * experiment; `getRun` of that run still fails with FORMAT_ERROR naming the file.
   */
  async searchRuns(options: SearchRunsOptions): Promise<Run[]> {
    const clauses = parseFilter(options.filter, RUN_ATTRIBUTES);
    const order = parseOrderBy(options.orderBy, RUN_ATTRIBUTES);
    const view = options.viewType ?? 'ACTIVE_ONLY';
    const runs: Run[] = [];
    for (const expId of options.experimentIds) {
      validateId('experiment', expId);
      const { dirs } = await listEntries(this.layout.experimentDir(expId));
      for (const d of dirs) {
        if (RESERVED_EXPERIMENT_DIRS.has(d)) continue;
        const run = await this.searchedRun(expId, d, view);
        if (run && matches(clauses, (f) => runField(run, f))) runs.push(run);
      }
    }
    sortBy(runs, order.length ? order : [{ field: { kind: 'attribute', key: 'start_time' }, ascending: false }], runField, (a, b) =>
      a.info.startTime !== b.info.startTime ? b.info.startTime - a.info.startTime : a.info.runId < b.info.runId ? -1 : 1,
    );
    return runs.slice(0, options.maxResults ?? 1000);
  }

  /** Run `d` of experiment `expId` when it is a run in `view`; null otherwise, or with a warning when it is malformed. */
  private async searchedRun(expId: string, d: string, view: SearchRunsOptions['viewType']): Promise<Run | null> {
    try {
      const meta = await rf.readRunMeta(this.layout, expId, d);
      if (!meta) return null; // a run being created, or not a run
      const stage = meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active';
      if ((view === 'ACTIVE_ONLY' && stage !== 'active') || (view === 'DELETED_ONLY' && stage !== 'deleted')) return null;
      return await rf.readRun(this.layout, expId, d);
    } catch (e) {
      if (!(e instanceof TrainSpamError) || e.code !== 'FORMAT_ERROR') throw e;
      this.logger.log('warn', `tracking: skipping malformed run '${d}' of experiment '${expId}': ${e.message}`, { experimentId: expId, runId: d, file: e.details.file ?? null });
      return null;
    }
  }

  async logBatch(runId: RunId, batch: LogBatchInput): Promise<void> {
    const prepared = prepareBatch(batch, this.batchCtx);
    const { exp } = await this.activeRun(runId);
    const runDir = this.layout.runDir(exp, runId);
    // params first (a conflict fails before anything else is written), then tags and metrics
    const results = await inParallel(prepared.params, (p) => writeOnce(this.layout.keyFile(this.layout.paramsDir(exp, runId), p.key), p.value, runDir));
    const conflict = prepared.params.find((p, i) => !results[i].created && results[i].existing !== p.value);
    if (conflict) {
      throw new TrainSpamError('INVALID_ARGUMENT', `param '${conflict.key}' of run '${runId}' was already logged with another value; params are write-once`, {
        runId,
        key: conflict.key,
      });
    }
    await inParallel(prepared.tags, (t) => atomicWrite(this.layout.keyFile(this.layout.tagsDir(exp, runId), t.key), t.value, runDir));
    const byKey = new Map<string, string>();
    for (const m of prepared.metrics) byKey.set(m.key, (byKey.get(m.key) ?? '') + formatMetricLine(m));
    await inParallel([...byKey], ([key, lines]) => appendText(this.layout.keyFile(this.layout.metricsDir(exp, runId), key), lines));
  }

  async getMetricHistory(runId: RunId, key: string): Promise<Metric[]> {
    validateKey('metric', key);
    return rf.readMetricHistory(this.layout, await this.locate(runId), runId, key);
  }

  async logInputs(runId: RunId, datasets: readonly DatasetInput[]): Promise<void> {
    for (const d of datasets) {
      if (!d.name || !d.digest) throw new TrainSpamError('INVALID_ARGUMENT', 'dataset input needs a name and a digest', { name: d.name ?? null });
      for (const k of Object.keys(d.tags ?? {})) validateKey('tag', k);
    }
    const { exp } = await this.activeRun(runId);
    for (const d of datasets) await rf.writeInput(this.layout, exp, runId, d);
  }

  private async artifactRoot(runId: RunId): Promise<{ root: string; scratch: string }> {
    const exp = await this.locate(runId);
    const meta = await rf.readRunMeta(this.layout, exp, runId);
    const fallback = this.layout.runDir(exp, runId) + '/artifacts';
    return { root: art.artifactRoot(String(meta?.artifact_uri ?? ''), fallback), scratch: this.layout.runDir(exp, runId) };
  }

  async logArtifact(runId: RunId, localFile: string, artifactPath?: string): Promise<void> {
    const { root, scratch } = await this.artifactRoot(runId);
    await art.logArtifact(root, scratch, localFile, artifactPath);
  }

  async logArtifacts(runId: RunId, localDir: string, artifactPath?: string): Promise<void> {
    const { root, scratch } = await this.artifactRoot(runId);
    await art.logArtifacts(root, scratch, localDir, artifactPath);
  }

  async listArtifacts(runId: RunId, path?: string): Promise<ArtifactEntry[]> {
    return art.listArtifacts((await this.artifactRoot(runId)).root, path);
  }

  async downloadArtifacts(runId: RunId, path: string, destDir: string): Promise<string> {
    return art.downloadArtifacts((await this.artifactRoot(runId)).root, path, destDir);
  }

  async close(): Promise<void> {
    /* nothing to release: every call opens and closes its own files */
  }
}

function runField(run: Run, f: Field): string | number | undefined {
  switch (f.kind) {
    case 'metric':
      return run.data.metrics[f.key]?.value;
    case 'param':
      return run.data.params[f.key];
    case 'tag':
      return run.data.tags[f.key];
    case 'attribute': {
      const i = run.info;
      const map: Record<string, string | number | null> = {
        status: i.status, run_name: i.runName, start_time: i.startTime, end_time: i.endTime, run_id: i.runId,
        user_id: i.userId, lifecycle_stage: i.lifecycleStage, artifact_uri: i.artifactUri,
      };
      const v = map[f.key];
      return v === null ? undefined : v;
    }
  }
}
