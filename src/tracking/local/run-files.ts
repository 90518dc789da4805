/**
 * Reading and writing one run's files in the FileStore layout: `meta.yaml` (with both `run_id` and
 * `run_uuid`, ids quoted), params/tags (one file per key, raw value, no newline), metrics (lines),
 * and dataset inputs.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { asExperimentId, asRunId } from '../../core/ids.js';
import type { DatasetInput, LifecycleStage, Metric, Run, RunInfo, RunStatus } from '../contract.js';
import { atomicWrite, listEntries, listKeyFiles, readOptional } from './files.js';
import type { LocalLayout } from './layout.js';
import { dumpMeta, metaNumber, metaString, parseMeta, type Meta } from './meta-yaml.js';
import { latestMetric, parseMetricLines } from './metric-line.js';

const STATUS_CODES: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const STATUS_NAMES = new Map<number, RunStatus>(Object.entries(STATUS_CODES).map(([k, v]) => [v, k as RunStatus]));

export function statusCode(s: RunStatus): number {
  return STATUS_CODES[s];
}

function statusFromMeta(v: unknown): RunStatus {
  if (typeof v === 'number') return STATUS_NAMES.get(v) ?? 'RUNNING';
  if (typeof v === 'string' && v in STATUS_CODES) return v as RunStatus;
  return 'RUNNING';
}

export async function readRunMeta(layout: LocalLayout, exp: string, run: string): Promise<Meta | null> {
  const file = layout.runMeta(exp, run);
  const text = await readOptional(file);
  return text === null ? null : parseMeta(text, file);
}

export async function writeRunMeta(layout: LocalLayout, exp: string, run: string, meta: Meta): Promise<void> {
  await atomicWrite(layout.runMeta(exp, run), dumpMeta(meta), layout.runDir(exp, run));
}

export function runInfoFromMeta(meta: Meta, exp: string, run: string): RunInfo {
  const end = metaNumber(meta, 'end_time');
  return {
    // ids written unquoted by another program parse as (imprecise) numbers: trust the dir names then
    runId: asRunId(typeof meta.run_id === 'string' ? meta.run_id : typeof meta.run_uuid === 'string' ? meta.run_uuid : run),
    experimentId: asExperimentId(typeof meta.experiment_id === 'string' ? meta.experiment_id : exp),
    runName: metaString(meta, 'run_name'),
    userId: metaString(meta, 'user_id'),
    status: statusFromMeta(meta.status),
    startTime: metaNumber(meta, 'start_time') ?? 0,
    endTime: end,
    artifactUri: metaString(meta, 'artifact_uri'),
    lifecycleStage: (metaString(meta, 'lifecycle_stage', 'active') === 'deleted' ? 'deleted' : 'active') as LifecycleStage,
  };
}

export async function readValueFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of await listKeyFiles(dir)) {
    const v = await readOptional(path.join(dir, ...key.split('/')));
    if (v !== null) out[key] = v;
  }
  return out;
}

export async function readMetricHistory(layout: LocalLayout, exp: string, run: string, key: string): Promise<Metric[]> {
  const file = layout.keyFile(layout.metricsDir(exp, run), key);
  const text = await readOptional(file);
  return text === null ? [] : parseMetricLines(key, text, file);
}

export async function readLatestMetrics(layout: LocalLayout, exp: string, run: string): Promise<Record<string, Metric>> {
  const out: Record<string, Metric> = {};
  for (const key of await listKeyFiles(layout.metricsDir(exp, run))) {
    const latest = latestMetric(await readMetricHistory(layout, exp, run, key));
    if (latest) out[key] = latest;
  }
  return out;
}

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export async function writeInput(layout: LocalLayout, exp: string, run: string, d: DatasetInput): Promise<void> {
  const datasetId = md5(d.name + d.digest);
  const dsDir = layout.datasetDir(exp, datasetId);
  const dsMeta = {
    digest: d.digest,
    name: d.name,
    profile: d.profile ?? null,
    schema: d.schema ?? null,
    source: d.source,
    source_type: d.sourceType,
  };
  await atomicWrite(path.join(dsDir, 'meta.yaml'), dumpMeta(dsMeta), layout.experimentDir(exp));
  const inputDir = path.join(layout.inputsDir(exp, run), md5(datasetId + run));
  const inputMeta = {
    destination_id: run,
    destination_type: 'RUN',
    source_id: datasetId,
    source_type: 'DATASET',
    tags: { ...(d.tags ?? {}) },
  };
  await atomicWrite(path.join(inputDir, 'meta.yaml'), dumpMeta(inputMeta), layout.runDir(exp, run));
}

export async function readInputs(layout: LocalLayout, exp: string, run: string): Promise<DatasetInput[]> {
  const out: DatasetInput[] = [];
  const { dirs } = await listEntries(layout.inputsDir(exp, run));
  for (const id of dirs) {
    const file = path.join(layout.inputsDir(exp, run), id, 'meta.yaml');
    const text = await readOptional(file);
    if (text === null) continue;
    const input = parseMeta(text, file);
    const dsFile = path.join(layout.datasetDir(exp, metaString(input, 'source_id')), 'meta.yaml');
    const dsText = await readOptional(dsFile);
    if (dsText === null) continue;
    const ds = parseMeta(dsText, dsFile);
    const tags = input.tags && typeof input.tags === 'object' ? (input.tags as Record<string, unknown>) : {};
    out.push({
      name: metaString(ds, 'name'),
      digest: metaString(ds, 'digest'),
      sourceType: metaString(ds, 'source_type'),
      source: metaString(ds, 'source'),
      ...(ds.schema != null ? { schema: metaString(ds, 'schema') } : {}),
      ...(ds.profile != null ? { profile: metaString(ds, 'profile') } : {}),
      tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])),
    });
  }
  return out.sort((a, b) => (a.name + a.digest < b.name + b.digest ? -1 : 1));
}

export async function readRun(layout: LocalLayout, exp: string, run: string): Promise<Run> {
  const meta = await readRunMeta(layout, exp, run);
  if (!meta) throw new TrainSpamError('NOT_FOUND', `run '${run}' not found in experiment '${exp}'`, { runId: run });
  return {
    info: runInfoFromMeta(meta, exp, run),
    data: {
      metrics: await readLatestMetrics(layout, exp, run),
      params: await readValueFiles(layout.paramsDir(exp, run)),
      tags: await readValueFiles(layout.tagsDir(exp, run)),
    },
    inputs: await readInputs(layout, exp, run),
  };
}
