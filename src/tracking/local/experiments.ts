/**
 * Experiments in the local store. Creation is race-safe across processes without a lock file:
 * the id is derived from the name (18 digits, like MLflow's FileStore ids); the experiment folder
 * is built complete (tags, meta.yaml) in a staging folder in the root and renamed to `<root>/<id>`,
 * which fails when another writer's folder is there: then that one is read. Probing moves to the
 * next id when the folder belongs to another name (hash collision) or is in `.trash`.
 *
 * A folder without meta.yaml (left by a writer killed between mkdir and meta.yaml: an older
 * train-spam, or MLflow) is taken over: an empty one by the rename itself (rename(2) replaces an
 * empty directory), another one once it has not changed for ABANDONED_MS, by writing its meta.yaml.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { asExperimentId, type ExperimentId } from '../../core/ids.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import type { Experiment, LifecycleStage } from '../contract.js';
import { validateExperimentName, validateKey } from '../validation.js';
import { ageMs, atomicWrite, exists, listEntries, makeTempDir, readOptional, removeStaleTempDirs, renameDirIfFree } from './files.js';
import { EXPERIMENT_STAGING_PREFIX, RESERVED_ROOT_DIRS, type LocalLayout } from './layout.js';
import { dumpMeta, metaNumber, metaString, parseMeta } from './meta-yaml.js';
import { readValueFiles } from './run-files.js';

const MAX_PROBES = 64;
/** A folder without meta.yaml unchanged for this long was left by a killed writer (a live one writes it within milliseconds). */
export const ABANDONED_MS = 5_000;
/** A staging folder older than this was left by a killed writer and is removed. */
const STALE_STAGING_MS = 10 * 60_000;
const POLL_MS = 20;

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
  return dirs.filter((d) => !RESERVED_ROOT_DIRS.has(d) && !d.startsWith(EXPERIMENT_STAGING_PREFIX) && /^[A-Za-z0-9][\w-]{0,63}$/.test(d));
}

export async function getExperiment(layout: LocalLayout, id: ExperimentId): Promise<Experiment> {
  const e = /^[A-Za-z0-9][\w-]{0,63}$/.test(id) ? await readExperiment(layout, id) : null;
  if (!e) throw new TrainSpamError('NOT_FOUND', `experiment '${id}' not found under '${layout.root}'`, { experimentId: id });
  return e;
}

/**
 * The active experiment named `name`. An experiment whose meta.yaml is malformed is skipped with a
 * warning (as MLflow's FileStore does), so that one damaged folder does not fail every lookup;
 * `getExperiment` of that id still fails with FORMAT_ERROR.
 */
export async function findExperimentByName(layout: LocalLayout, name: string, logger: Logger = silentLogger): Promise<Experiment | null> {
  for (const id of await listExperimentIds(layout)) {
    let e: Experiment | null;
    try {
      e = await readExperiment(layout, id);
    } catch (err) {
      if (!(err instanceof TrainSpamError) || err.code !== 'FORMAT_ERROR') throw err;
      logger.log('warn', `tracking: skipping malformed experiment '${id}': ${err.message}`, { experimentId: id, file: err.details.file ?? null });
      continue;
    }
    if (e && e.name === name && e.lifecycleStage === 'active') return e;
  }
  return null;
}

/** Writes an experiment's tags, then its meta.yaml, into `dir` (a staging folder or `<root>/<id>`). */
async function writeExperiment(layout: LocalLayout, dir: string, id: string, name: string, now: number, tags: Readonly<Record<string, string>>): Promise<void> {
  const meta = {
    artifact_location: layout.experimentArtifactLocation(id),
    creation_time: now,
    experiment_id: id,
    last_update_time: now,
    lifecycle_stage: 'active',
    name,
  };
  for (const [k, v] of Object.entries(tags)) await atomicWrite(layout.keyFile(path.join(dir, 'tags'), k), v, dir);
  await atomicWrite(path.join(dir, 'meta.yaml'), dumpMeta(meta), dir);
}

/** Builds the experiment in a staging folder and renames it to `<root>/<id>`: false when another writer's folder is there. */
async function createExperimentDir(layout: LocalLayout, id: string, name: string, now: number, tags: Readonly<Record<string, string>>): Promise<boolean> {
  const staging = await makeTempDir(layout.root, EXPERIMENT_STAGING_PREFIX);
  try {
    await writeExperiment(layout, staging, id, name, now, tags);
    return await renameDirIfFree(staging, layout.experimentDir(id));
  } finally {
    await rm(staging, { recursive: true, force: true }); // gone after the rename
    await removeStaleTempDirs(layout.root, STALE_STAGING_MS, Date.now(), EXPERIMENT_STAGING_PREFIX);
  }
}

/**
 * The experiment at `<root>/<id>` once it has one: an existing one, ours (created here as `name`),
 * or another writer's. A folder without meta.yaml is waited for until it has not changed for
 * ABANDONED_MS, then completed here as `name`.
 */
async function experimentAt(layout: LocalLayout, id: string, name: string, now: number, tags: Readonly<Record<string, string>>): Promise<Experiment> {
  const dir = layout.experimentDir(id);
  for (let i = 0; ; i++) {
    const e = await readExperiment(layout, id);
    if (e) return e;
    const age = await ageMs(dir);
    if (age === null || i === 0) {
      if (await createExperimentDir(layout, id, name, now, tags)) return (await readExperiment(layout, id))!;
      continue;
    }
    if (age > ABANDONED_MS) {
      await writeExperiment(layout, dir, id, name, now, tags);
      return (await readExperiment(layout, id))!;
    }
    if (i > 10 * (ABANDONED_MS / POLL_MS)) {
      throw new TrainSpamError('IO_ERROR', `experiment dir '${dir}' keeps changing without meta.yaml`, { experimentId: id });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Creates `<root>` with MLflow's "Default" experiment 0 when it does not exist yet. */
export async function ensureRoot(layout: LocalLayout, now: number): Promise<void> {
  if (await exists(path.join(layout.root, '0', 'meta.yaml'))) return;
  try {
    await mkdir(layout.root, { recursive: true });
  } catch (e) {
    throw new TrainSpamError('IO_ERROR', `local tracking store '${layout.root}' (--tracking-uri / MLFLOW_TRACKING_URI) cannot be created: ${(e as Error).message}`, { path: layout.root });
  }
  await experimentAt(layout, '0', 'Default', now, {});
}

export async function getOrCreateExperiment(
  layout: LocalLayout,
  name: string,
  now: number,
  tags: Readonly<Record<string, string>> = {},
  logger: Logger = silentLogger,
): Promise<Experiment> {
  validateExperimentName(name);
  for (const k of Object.keys(tags)) validateKey('tag', k);
  const found = await findExperimentByName(layout, name, logger);
  if (found) return found;
  await ensureRoot(layout, now);
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const id = experimentIdFor(name, probe);
    if (await exists(path.join(layout.root, '.trash', id))) continue;
    const e = await experimentAt(layout, id, name, now, tags);
    if (e.name === name && e.lifecycleStage === 'active') return e;
  }
  throw new TrainSpamError('INTERNAL', `could not allocate an experiment id for '${name}'`, { name });
}
