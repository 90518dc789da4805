/** `TrackingStore` over MLflow's REST API: composes the endpoint modules on one transport. */
import type { ExperimentId, RunId } from '../../core/ids.js';
import { BatchLogging } from '../batch-logging.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import type { BatchContext } from '../batch.js';
import type {
  ArtifactEntry, CreateRunOptions, DatasetInput, Experiment, LogBatchInput, LongValuePolicy, Metric, Run,
  RunInfo, SearchRunsOptions, TerminalRunStatus, TrackingStore, UpdateRunOptions,
} from '../contract.js';
import * as artifacts from './artifacts-api.js';
import * as experiments from './experiments-api.js';
import * as runs from './runs-api.js';
import type { MlflowTransport } from './transport.js';

export interface RestStoreOptions {
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Over-long param/tag values: `truncate` (default, with a warning) or `reject`. */
  readonly longValues?: LongValuePolicy;
  /** Close the transport in `close()` (default true). */
  readonly ownsTransport?: boolean;
}

export class MlflowTrackingStore extends BatchLogging implements TrackingStore {
  readonly kind = 'mlflow';
  private readonly ctx: BatchContext;
  /** run id → proxied artifact base path (a run's artifact URI never changes). */
  private readonly artifactBases = new Map<string, string>();

  constructor(
    readonly transport: MlflowTransport,
    private readonly options: RestStoreOptions = {},
  ) {
    super();
    this.ctx = { now: options.now ?? Date.now, longValues: options.longValues ?? 'truncate', logger: options.logger ?? silentLogger };
  }

  getOrCreateExperiment(name: string, options?: { tags?: Readonly<Record<string, string>> }): Promise<Experiment> {
    return experiments.getOrCreateExperiment(this.transport, name, options?.tags ?? {});
  }
  getExperimentByName(name: string): Promise<Experiment | null> {
    return experiments.getExperimentByName(this.transport, name);
  }
  getExperiment(experimentId: ExperimentId): Promise<Experiment> {
    return experiments.getExperiment(this.transport, experimentId);
  }

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    const info = await runs.createRun(this.transport, options, this.ctx);
    if (info.artifactUri.startsWith('mlflow-artifacts:')) this.artifactBases.set(info.runId, artifacts.proxiedBase(info.artifactUri));
    return info;
  }
  getRun(runId: RunId): Promise<Run> {
    return runs.getRun(this.transport, runId);
  }
  updateRun(runId: RunId, update: UpdateRunOptions): Promise<RunInfo> {
    return runs.updateRun(this.transport, runId, update);
  }
  endRun(runId: RunId, status: TerminalRunStatus = 'FINISHED', endTime?: number): Promise<RunInfo> {
    return runs.updateRun(this.transport, runId, { status, endTime: endTime ?? this.ctx.now() });
  }
  deleteRun(runId: RunId): Promise<void> {
    return runs.deleteRun(this.transport, runId);
  }
  searchRuns(options: SearchRunsOptions): Promise<Run[]> {
    return runs.searchRuns(this.transport, options);
  }

  logBatch(runId: RunId, batch: LogBatchInput): Promise<void> {
    return runs.logBatch(this.transport, runId, batch, this.ctx);
  }
  getMetricHistory(runId: RunId, key: string): Promise<Metric[]> {
    return runs.getMetricHistory(this.transport, runId, key);
  }
  logInputs(runId: RunId, datasets: readonly DatasetInput[]): Promise<void> {
    return runs.logInputs(this.transport, runId, datasets);
  }

  private async base(runId: RunId): Promise<string> {
    const cached = this.artifactBases.get(runId);
    if (cached !== undefined) return cached;
    const base = artifacts.proxiedBase((await this.getRun(runId)).info.artifactUri);
    this.artifactBases.set(runId, base);
    return base;
  }
  async logArtifact(runId: RunId, localFile: string, artifactPath?: string): Promise<void> {
    await artifacts.logArtifact(this.transport, await this.base(runId), localFile, artifactPath);
  }
  async logArtifacts(runId: RunId, localDir: string, artifactPath?: string): Promise<void> {
    await artifacts.logArtifacts(this.transport, await this.base(runId), localDir, artifactPath);
  }
  async listArtifacts(runId: RunId, path?: string): Promise<ArtifactEntry[]> {
    return artifacts.listArtifacts(this.transport, await this.base(runId), path);
  }
  async downloadArtifacts(runId: RunId, path: string, destDir: string): Promise<string> {
    return artifacts.downloadArtifacts(this.transport, await this.base(runId), path, destDir);
  }

  async close(): Promise<void> {
    if (this.options.ownsTransport ?? true) await this.transport.close();
  }
}
