/**
 * Experiments in the local store. Creation is race-safe across processes without a lock file:
 * the id is derived from the name (18 digits, like MLflow's FileStore ids) and claimed with an
 * exclusive `mkdir`; a writer that loses the race reads the winner's `meta.yaml`. Probing moves
 * to the next id when the directory belongs to another name (hash collision) or is in `.trash`.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { asExperimentId, type ExperimentId } from '../../core/ids.js';
import type { Experiment, LifecycleStage } from '../contract.js';
import { validateExperimentName, validateKey } from '../validation.js';
import { atomicWrite, exists, listEntries, mkdirExclusive, readOptional } from './files.js';
import { RESERVED_ROOT_DIRS, type LocalLayout } from './layout.js';
import { dumpMeta, metaNumber, metaString, parseMeta } from './meta-yaml.js';
import { readValueFiles } from './run-files.js';

const MAX_PROBES = 64;
const MAX_META_WAITS = 200;

export function experimentIdFor(name: string, probe: number): string {
  const h = createHash('sha256').update(name, 'utf8').digest('hex');
  const n = BigInt('0x' + h.slice(0, 15)) % 900000000000000000n;
  return (100000000000000000n + ((n + BigInt(probe)) % 900000000000000000n)).toString();
}

async function readExperiment(layout: LocalLayout, id: string): Promise<Experiment | null> {
  const file = layout.experimentMeta(id);
  const text = await readOptional(file);
  if (text === null) return null;
  const meta = parseMeta(text, file);
  return {
    experimentId: asExperimentId(metaString(meta, 'experiment_id', id)),
    name: metaString(meta, 'name'),
    artifactLocation: metaString(meta, 'artifact_location'),
    lifecycleStage: (metaString(meta, 'lifecycle_stage', 'active') === 'deleted' ? 'deleted' : 'active') as LifecycleStage,
    creationTime: metaNumber(meta, 'creation_time'),
    lastUpdateTime: metaNumber(meta, 'last_update_time'),
    tags: await readValueFiles(layout.experimentTags(id)),
  };
}

export async function listExperimentIds(layout: LocalLayout): Promise<string[]> {
  const { dirs } = await listEntries(layout.root);
  return dirs.filter((d) => !RESERVED_ROOT_DIRS.has(d) && /^[A-Za-z0-9][\w-]{0,63}$/.test(d));
}

export async function getExperiment(layout: LocalLayout, id: ExperimentId): Promise<Experiment> {
  const e = /^[A-Za-z0-9][\w-]{0,63}$/.test(id) ? await readExperiment(layout, id) : null;
  if (!e) throw new TrainSpamError('NOT_FOUND', `experiment '${id}' not found under '${layout.root}'`, { experimentId: id });
  return e;
}

export async function findExperimentByName(layout: LocalLayout, name: string): Promise<Experiment | null> {
  for (const id of await listExperimentIds(layout)) {
    const e = await readExperiment(layout, id);
    if (e && e.name === name && e.lifecycleStage === 'active') return e;
  }
  return null;
}

async function writeExperiment(layout: LocalLayout, id: string, name: string, now: number, tags: Readonly<Record<string, string>>): Promise<void> {
  const meta = {
    artifact_location: layout.experimentArtifactLocation(id),
    creation_time: now,
    experiment_id: id,
    last_update_time: now,
    lifecycle_stage: 'active',
    name,
  };
  const dir = layout.experimentDir(id);
  for (const [k, v] of Object.entries(tags)) await atomicWrite(layout.keyFile(layout.experimentTags(id), k), v, dir);
  await atomicWrite(layout.experimentMeta(id), dumpMeta(meta), dir);
}

/** Creates `<root>` with MLflow's "Default" experiment 0 when it does not exist yet. */
export async function ensureRoot(layout: LocalLayout, now: number): Promise<void> {
  if (await exists(path.join(layout.root, '0', 'meta.yaml'))) return;
  try {
    await mkdir(layout.root, { recursive: true });
  } catch (e) {
    throw new TrainSpamError('IO_ERROR', `local tracking store '${layout.root}' (--tracking-uri / MLFLOW_TRACKING_URI) cannot be created: ${(e as Error).message}`, { path: layout.root });
  }
  if (await mkdirExclusive(layout.experimentDir('0'))) await writeExperiment(layout, '0', 'Default', now, {});
}

async function waitForMeta(layout: LocalLayout, id: string): Promise<Experiment | null> {
  for (let i = 0; i < MAX_META_WAITS; i++) {
    const e = await readExperiment(layout, id);
    if (e) return e;
    await new Promise((r) => setTimeout(r, 5));
  }
  return null;
}

export async function getOrCreateExperiment(
  layout: LocalLayout,
  name: string,
  now: number,
  tags: Readonly<Record<string, string>> = {},
): Promise<Experiment> {
  validateExperimentName(name);
  for (const k of Object.keys(tags)) validateKey('tag', k);
  const found = await findExperimentByName(layout, name);
  if (found) return found;
  await ensureRoot(layout, now);
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const id = experimentIdFor(name, probe);
    if (await exists(path.join(layout.root, '.trash', id))) continue;
    if (await mkdirExclusive(layout.experimentDir(id))) {
      await writeExperiment(layout, id, name, now, tags);
      return (await readExperiment(layout, id))!;
    }
    const other = await waitForMeta(layout, id);
    if (other && other.name === name && other.lifecycleStage === 'active') return other;
    if (!other) {
      throw new TrainSpamError('IO_ERROR', `experiment dir '${layout.experimentDir(id)}' exists without meta.yaml`, { experimentId: id });
    }
  }
  throw new TrainSpamError('INTERNAL', `could not allocate an experiment id for '${name}'`, { name });
}
