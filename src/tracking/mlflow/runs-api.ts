/**
 * Run endpoints: create, get, update, delete, search (pages followed), log-batch (chunked to the
 * server limits, timestamps fixed before the first attempt so a retried chunk is byte-identical
 * and the server's duplicate-point check drops it), metric history, log-inputs.
 */
import { randomUUID } from 'node:crypto';
import { TrainSpamError } from '../../core/errors.js';
import { mayHaveCreated } from '../lost-answer.js';
import type { RunId } from '../../core/ids.js';
import { chunkBatch, prepareBatch, type BatchContext } from '../batch.js';
import type { CreateRunOptions, DatasetInput, LogBatchInput, Metric, Run, RunInfo, SearchRunsOptions, UpdateRunOptions } from '../contract.js';
import { validateId, validateKey } from '../validation.js';
import type { MlflowTransport } from './transport.js';
import { encodeMetricValue, fromDatasetInput, toMetric, toRun, toRunInfo, wireArray } from './wire.js';

const API = '/api/2.0/mlflow';
const MAX_PAGES = 10_000;

type J = Record<string, unknown>;

/**
 * Run tag carrying a random key chosen by the client for each `runs/create` request, so that a run
 * the server created but whose answer was lost (timeout, dropped connection, 5xx) can be found
 * and used instead of being left RUNNING with nobody logging to it.
 */
export const CREATE_KEY_TAG = 'train-spam.create_key';

export async function createRun(t: MlflowTransport, options: CreateRunOptions, ctx: BatchContext): Promise<RunInfo> {
  const key = randomUUID().replace(/-/g, '');
  const tags: Record<string, string> = { ...(options.tags ?? {}), [CREATE_KEY_TAG]: key };
  if (options.parentRunId) {
    validateId('run', options.parentRunId);
    tags['mlflow.parentRunId'] = options.parentRunId;
  }
  const prepared = prepareBatch({ tags }, ctx);
  const body: J = {
    experiment_id: options.experimentId,
    start_time: options.startTime ?? ctx.now(),
    tags: prepared.tags,
  };
  if (options.runName !== undefined) body.run_name = options.runName;
  if (options.userId !== undefined) body.user_id = options.userId;
  // not idempotent: a blind retry after the server got the request would create a second run;
  // after an answer that may have been lost, the run is looked up by its key instead
  let r: { run?: J };
  try {
    r = await t.json<{ run?: J }>({ method: 'POST', path: `${API}/runs/create`, json: body, idempotent: false });
  } catch (e) {
    const found = mayHaveCreated(e) ? await findByCreateKey(t, options.experimentId, key) : null;
    if (!found) throw e;
    ctx.logger.log('warn', `MLflow runs/create failed (${(e as Error).message}), but the server had created the run: using ${found.runId}`);
    return found;
  }
  if (!r.run) throw new TrainSpamError('REMOTE_ERROR', 'MLflow runs/create returned no run', {});
  return toRunInfo((r.run.info ?? {}) as J);
}


async function findByCreateKey(t: MlflowTransport, experimentId: CreateRunOptions['experimentId'], key: string): Promise<RunInfo | null> {
  try {
    const hits = await searchRuns(t, { experimentIds: [experimentId], filter: `tags.\`${CREATE_KEY_TAG}\` = '${key}'`, viewType: 'ALL', maxResults: 1 });
    // only a run that carries this very key (a server that ignored the filter answers others)
    const run = hits.find((r) => r.data.tags[CREATE_KEY_TAG] === key && r.info.runId);
    return run?.info ?? null;
  } catch {
    return null; // the server is still failing: report the original error
  }
}

export async function getRun(t: MlflowTransport, runId: RunId): Promise<Run> {
  validateId('run', runId);
  const r = await t.json<{ run?: J }>({ method: 'GET', path: `${API}/runs/get`, query: { run_id: runId }, idempotent: true });
  if (!r.run) throw new TrainSpamError('REMOTE_ERROR', `MLflow runs/get returned no run for '${runId}'`, { runId });
  return toRun(r.run);
}

export async function updateRun(t: MlflowTransport, runId: RunId, u: UpdateRunOptions): Promise<RunInfo> {
  validateId('run', runId);
  const body: J = { run_id: runId };
  if (u.status) body.status = u.status;
  if (u.endTime !== undefined) body.end_time = u.endTime;
  if (u.runName !== undefined) body.run_name = u.runName;
  const r = await t.json<{ run_info?: J }>({ method: 'POST', path: `${API}/runs/update`, json: body, idempotent: true });
  return r.run_info ? toRunInfo(r.run_info) : (await getRun(t, runId)).info;
}

export async function deleteRun(t: MlflowTransport, runId: RunId): Promise<void> {
  validateId('run', runId);
  await t.json({ method: 'POST', path: `${API}/runs/delete`, json: { run_id: runId }, idempotent: true });
}

export async function searchRuns(t: MlflowTransport, o: SearchRunsOptions): Promise<Run[]> {
  const want = o.maxResults ?? 1000;
  const out: Run[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES && out.length < want; page++) {
    const body: J = {
      experiment_ids: o.experimentIds,
      max_results: Math.min(1000, want - out.length),
      run_view_type: o.viewType ?? 'ACTIVE_ONLY',
    };
    if (o.filter) body.filter = o.filter;
    if (o.orderBy?.length) body.order_by = o.orderBy;
    if (token) body.page_token = token;
    const r = await t.json<{ runs?: J[]; next_page_token?: string }>({ method: 'POST', path: `${API}/runs/search`, json: body, idempotent: true });
    out.push(...wireArray(r.runs).map(toRun));
    token = r.next_page_token;
    if (!token || wireArray(r.runs).length === 0) break;
  }
  return out.slice(0, want);
}

export async function logBatch(t: MlflowTransport, runId: RunId, batch: LogBatchInput, ctx: BatchContext): Promise<void> {
  validateId('run', runId);
  const prepared = prepareBatch(batch, ctx);
  for (const chunk of chunkBatch(prepared)) {
    const body = {
      run_id: runId,
      params: chunk.params,
      tags: chunk.tags,
      metrics: chunk.metrics.map((m) => ({ key: m.key, value: encodeMetricValue(m.value), timestamp: m.timestamp, step: m.step })),
    };
    await t.json({ method: 'POST', path: `${API}/runs/log-batch`, json: body, idempotent: true });
  }
}

export async function getMetricHistory(t: MlflowTransport, runId: RunId, key: string): Promise<Metric[]> {
  validateId('run', runId);
  validateKey('metric', key);
  const out: Metric[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await t.json<{ metrics?: J[]; next_page_token?: string }>({
      method: 'GET', path: `${API}/metrics/get-history`, query: { run_id: runId, metric_key: key, page_token: token }, idempotent: true,
    });
    out.push(...wireArray(r.metrics).map(toMetric));
    token = r.next_page_token;
    if (!token) break;
  }
  return out;
}

export async function logInputs(t: MlflowTransport, runId: RunId, datasets: readonly DatasetInput[]): Promise<void> {
  validateId('run', runId);
  if (!datasets.length) return;
  for (const d of datasets) {
    if (!d.name || !d.digest) throw new TrainSpamError('INVALID_ARGUMENT', 'dataset input needs a name and a digest', { name: d.name ?? null });
    for (const k of Object.keys(d.tags ?? {})) validateKey('tag', k);
  }
  await t.json({ method: 'POST', path: `${API}/runs/log-inputs`, json: { run_id: runId, datasets: datasets.map(fromDatasetInput) }, idempotent: true });
}
