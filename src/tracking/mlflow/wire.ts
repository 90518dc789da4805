/**
 * MLflow JSON ⇄ contract types. Every repeated field is optional on the wire (the server omits
 * empty arrays and unset fields), ids may arrive as numbers, and metric values may be JSON
 * numbers or the strings "NaN" / "Infinity" / "-Infinity".
 *
 * Infinity: sqlite-backed servers store ±inf as ±1.7976931348623157e308 (the max double) and
 * return that number; FileStore-backed servers return "Infinity". Both read back as ±Infinity.
 */
import { TrainSpamError } from '../../core/errors.js';
import { asExperimentId, asRunId } from '../../core/ids.js';
import type {
  DatasetInput, Experiment, LifecycleStage, Metric, ModelStage, ModelVersion, RegisteredModel, Run, RunInfo, RunStatus,
} from '../contract.js';

type J = Record<string, unknown>;

const arr = (v: unknown): J[] => (Array.isArray(v) ? (v as J[]) : []);
const str = (v: unknown, fallback = ''): string => (v === undefined || v === null ? fallback : String(v));
const num = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};

export function encodeMetricValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** `where` names the metric (and run) in the error, e.g. `{ key: 'f1', runId: 'abc' }`. */
export function decodeMetricValue(v: unknown, where: { readonly key?: string; readonly runId?: string } = {}): number {
  if (typeof v === 'number') {
    if (v === Number.MAX_VALUE) return Infinity;
    if (v === -Number.MAX_VALUE) return -Infinity;
    return v;
  }
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'NaN' || t.toLowerCase() === 'nan') return NaN;
    if (t === 'Infinity' || t.toLowerCase() === 'inf') return Infinity;
    if (t === '-Infinity' || t.toLowerCase() === '-inf') return -Infinity;
    const n = Number(t);
    if (t !== '' && !Number.isNaN(n)) return n;
  }
  const what = v === undefined ? 'no value' : `an unreadable value ${JSON.stringify(v) ?? String(v)}`;
  const of = `${where.key !== undefined ? ` for metric '${where.key}'` : ''}${where.runId ? ` of run ${where.runId}` : ''}`;
  throw new TrainSpamError('REMOTE_ERROR', `MLflow returned ${what}${of}`, {
    ...(where.key !== undefined ? { key: where.key } : {}),
    ...(where.runId ? { runId: where.runId } : {}),
  });
}

export function tagsToRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of arr(v)) out[str(t.key)] = str(t.value);
  return out;
}

export function recordToTags(r: Readonly<Record<string, string>> | undefined): Array<{ key: string; value: string }> {
  return Object.entries(r ?? {}).map(([key, value]) => ({ key, value }));
}

export function toExperiment(e: J): Experiment {
  return {
    experimentId: asExperimentId(str(e.experiment_id)),
    name: str(e.name),
    artifactLocation: str(e.artifact_location),
    lifecycleStage: (e.lifecycle_stage === 'deleted' ? 'deleted' : 'active') as LifecycleStage,
    creationTime: num(e.creation_time),
    lastUpdateTime: num(e.last_update_time),
    tags: tagsToRecord(e.tags),
  };
}

const STATUSES = new Set<RunStatus>(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

export function toRunInfo(i: J): RunInfo {
  const status = str(i.status, 'RUNNING') as RunStatus;
  return {
    runId: asRunId(str(i.run_id ?? i.run_uuid)),
    experimentId: asExperimentId(str(i.experiment_id)),
    runName: str(i.run_name),
    userId: str(i.user_id),
    status: STATUSES.has(status) ? status : 'RUNNING',
    startTime: num(i.start_time) ?? 0,
    endTime: num(i.end_time),
    artifactUri: str(i.artifact_uri),
    lifecycleStage: (i.lifecycle_stage === 'deleted' ? 'deleted' : 'active') as LifecycleStage,
  };
}

/** One parameter only: it is passed to `Array.map` directly. */
export function toMetric(m: J): Metric {
  return metricOf(m);
}

function metricOf(m: J, runId?: string): Metric {
  const key = str(m.key);
  return { key, value: decodeMetricValue(m.value, { key, runId }), timestamp: num(m.timestamp) ?? 0, step: num(m.step) ?? 0 };
}

export function toRun(r: J): Run {
  const data = (r.data ?? {}) as J;
  const info = (r.info ?? {}) as J;
  const runId = str(info.run_id ?? info.run_uuid);
  const metrics: Record<string, Metric> = {};
  for (const m of arr(data.metrics)) {
    const metric = metricOf(m, runId);
    metrics[metric.key] = metric;
  }
  const inputs: DatasetInput[] = arr(((r.inputs ?? {}) as J).dataset_inputs).map((di) => {
    const d = (di.dataset ?? {}) as J;
    return {
      name: str(d.name),
      digest: str(d.digest),
      sourceType: str(d.source_type),
      source: str(d.source),
      ...(d.schema !== undefined && d.schema !== null ? { schema: str(d.schema) } : {}),
      ...(d.profile !== undefined && d.profile !== null ? { profile: str(d.profile) } : {}),
      tags: tagsToRecord(di.tags),
    };
  });
  return { info: toRunInfo(info), data: { metrics, params: tagsToRecord(data.params), tags: tagsToRecord(data.tags) }, inputs };
}

export function fromDatasetInput(d: DatasetInput): J {
  const dataset: J = { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source };
  if (d.schema !== undefined) dataset.schema = d.schema;
  if (d.profile !== undefined) dataset.profile = d.profile;
  return { tags: recordToTags(d.tags), dataset };
}

const STAGES = new Map<string, ModelStage>([['none', 'None'], ['staging', 'Staging'], ['production', 'Production'], ['archived', 'Archived']]);

/**
 * A version MLflow deleted: its FileStore keeps it with this stage, and its search lists it (only
 * get, latest-versions and alias lookups skip it), so lists from the server are filtered here.
 */
export function isDeletedVersion(v: J): boolean {
  return str(v.current_stage).toLowerCase() === 'deleted_internal';
}

export function toModelVersion(v: J): ModelVersion {
  return {
    name: str(v.name),
    version: str(v.version),
    creationTimestamp: num(v.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: num(v.last_updated_timestamp) ?? 0,
    currentStage: STAGES.get(str(v.current_stage, 'None').toLowerCase()) ?? 'None',
    description: str(v.description),
    source: str(v.source),
    runId: str(v.run_id),
    status: str(v.status, 'READY'),
    tags: tagsToRecord(v.tags),
    aliases: Array.isArray(v.aliases) ? (v.aliases as unknown[]).map((a) => str(a)).sort() : [],
  };
}

export function toRegisteredModel(m: J): RegisteredModel {
  const aliases: Record<string, string> = {};
  for (const a of arr(m.aliases)) aliases[str(a.alias)] = str(a.version);
  return {
    name: str(m.name),
    creationTimestamp: num(m.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: num(m.last_updated_timestamp) ?? 0,
    description: str(m.description),
    tags: tagsToRecord(m.tags),
    aliases,
    latestVersions: arr(m.latest_versions).map(toModelVersion),
  };
}

export { arr as wireArray };
