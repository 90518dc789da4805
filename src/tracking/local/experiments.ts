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
import path from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { asExperimentId, type ExperimentId } from '../../core/ids.js';
import { silentLogger, type Logger } from '../../core/ports.js';
import type { Experiment, LifecycleStage } from '../contract.js';
import { validateExperimentName, validateKey } from '../validation.js';
import { atomicWrite, createDirOnce, exists, listEntries, readOptional } from './files.js';
import { EXPERIMENT_STAGING_PREFIX, RESERVED_ROOT_DIRS, type LocalLayout } from './layout.js';
import { dumpMeta, metaNumber, metaString, parseMeta } from './meta-yaml.js';
import { readValueFiles } from './run-files.js';
import { makeDirs } from '../../io/dirs.js';

const MAX_PROBES = 64;
/** A staging folder older than this was left by a killed writer and is removed. */
const STALE_STAGING_MS = 10 * 60_000;

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

/** The experiment at `<root>/<id>`: an existing one, or one created here as `name` (createDirOnce). */
function experimentAt(layout: LocalLayout, id: string, name: string, now: number, tags: Readonly<Record<string, string>>): Promise<Experiment> {
  return createDirOnce({
    dir: layout.experimentDir(id),
    stagingParent: layout.root,
    stagingPrefix: EXPERIMENT_STAGING_PREFIX,
    staleStagingMs: STALE_STAGING_MS,
    read: () => readExperiment(layout, id),
    write: (into) => writeExperiment(layout, into, id, name, now, tags),
    what: 'experiment dir',
    details: { experimentId: id },
  });
}

/** Creates `<root>` with MLflow's "Default" experiment 0 when it does not exist yet. */
export async function ensureRoot(layout: LocalLayout, now: number): Promise<void> {
  if (await exists(path.join(layout.root, '0', 'meta.yaml'))) return;
  try {
    await makeDirs(layout.root);
  } catch (e) {
    // EEXIST from mkdir -p means a file is in the way: say that, not Node's "file already exists"
    const why = (e as NodeJS.ErrnoException).code === 'EEXIST' ? 'it is a file; expected a folder (or a path to make one at)' : (e as Error).message;
    throw new TrainSpamError('IO_ERROR', `local tracking store '${layout.root}' (${layout.setting}) cannot be created: ${why}`, { path: layout.root });
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
