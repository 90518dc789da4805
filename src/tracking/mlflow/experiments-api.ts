/** Experiment endpoints: get-by-name, get, create, and a race-safe get-or-create. */
import { TrainSpamError, isTrainSpamError } from '../../core/errors.js';
import type { ExperimentId } from '../../core/ids.js';
import type { Experiment } from '../contract.js';
import { validateExperimentName, validateKey } from '../validation.js';
import type { MlflowTransport } from './transport.js';
import { recordToTags, toExperiment } from './wire.js';

const API = '/api/2.0/mlflow';

/** Any lifecycle stage (sqlite servers return deleted experiments by name); null on 404. */
async function fetchByName(t: MlflowTransport, name: string): Promise<Experiment | null> {
  try {
    const r = await t.json<{ experiment?: Record<string, unknown> }>({
      method: 'GET', path: `${API}/experiments/get-by-name`, query: { experiment_name: name }, idempotent: true,
    });
    return r.experiment ? toExperiment(r.experiment) : null;
  } catch (e) {
    if (isTrainSpamError(e) && e.code === 'NOT_FOUND') return null;
    throw e;
  }
}

export async function getExperimentByName(t: MlflowTransport, name: string): Promise<Experiment | null> {
  validateExperimentName(name);
  const e = await fetchByName(t, name);
  return e && e.lifecycleStage === 'active' ? e : null;
}

export async function getExperiment(t: MlflowTransport, id: ExperimentId): Promise<Experiment> {
  const r = await t.json<{ experiment?: Record<string, unknown> }>({
    method: 'GET', path: `${API}/experiments/get`, query: { experiment_id: id }, idempotent: true,
  });
  if (!r.experiment) throw new TrainSpamError('REMOTE_ERROR', `MLflow experiments/get returned no experiment for '${id}'`, { experimentId: id });
  return toExperiment(r.experiment);
}

/**
 * Get-or-create. A concurrent creator makes `create` answer RESOURCE_ALREADY_EXISTS; we then read
 * the winner's experiment. A deleted experiment of that name (sqlite keeps the name reserved) is
 * an INVALID_ARGUMENT error: restore it in MLflow or choose another name.
 */
export async function getOrCreateExperiment(t: MlflowTransport, name: string, tags: Readonly<Record<string, string>> = {}): Promise<Experiment> {
  validateExperimentName(name);
  for (const k of Object.keys(tags)) validateKey('tag', k);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await fetchByName(t, name);
    if (existing && existing.lifecycleStage === 'active') return existing;
    if (existing) {
      throw new TrainSpamError('INVALID_ARGUMENT', `experiment '${name}' exists but is deleted; restore it or use another name`, {
        experimentId: existing.experimentId,
      });
    }
    try {
      const r = await t.json<{ experiment_id?: string | number }>({
        method: 'POST', path: `${API}/experiments/create`, json: { name, tags: recordToTags(tags) }, idempotent: true,
      });
      return await getExperiment(t, String(r.experiment_id) as ExperimentId);
    } catch (e) {
      if (!(isTrainSpamError(e) && e.code === 'ALREADY_EXISTS')) throw e;
      // lost a race (or our own retried create succeeded first): read it on the next pass
    }
  }
  throw new TrainSpamError('REMOTE_ERROR', `experiment '${name}' could be neither created nor read`, { name });
}
