/**
 * The offline feature store on disk: one parquet file per feature view
 * (`<dir>/<view>.parquet`: email_id, event_timestamp, then one DOUBLE column per feature named
 * `<view>__<feature>`), plus `<dir>/registry.json` listing the views in column order. Retrieval
 * reads the tables back and runs the point-in-time join of features/store.ts.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { TrainSpamError } from '../core/errors.js';
import type { FeatureMatrix } from '../core/matrix.js';
import { getHistoricalFeatures, type EntityFrame, type FeatureViewTable, type RetrieveOptions } from '../features/store.js';
import { qualifiedName } from '../features/view.js';
import { makeDirs } from './dirs.js';
import { loadParquetWriter } from './parquet.js';

const META_KEY = 'train_spam.feature_view';
const REGISTRY = 'registry.json';
const FORMAT_VERSION = 1;

interface ViewMeta {
  name: string;
  features: string[];
  sparse: boolean;
  version: number;
}

function viewFile(dir: string, name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TrainSpamError('INVALID_ARGUMENT', `feature view name '${name}' is not a safe file name`);
  return path.join(dir, `${name}.parquet`);
}

/** Writes every table as `<dir>/<view>.parquet` and the registry (temp file + rename per file). */
export async function writeFeatureStore(dir: string, tables: readonly FeatureViewTable[]): Promise<void> {
  await makeDirs(dir);
  for (const t of tables) {
    const n = t.emailIds.length;
    const ts: (Date | null)[] = new Array(n);
    for (let i = 0; i < n; i++) ts[i] = Number.isNaN(t.eventTimestamps[i]) ? null : new Date(t.eventTimestamps[i]);
    const meta: ViewMeta = { name: t.name, features: [...t.features], sparse: t.sparse, version: FORMAT_VERSION };
    const { parquetWriteBuffer } = await loadParquetWriter();
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'email_id', data: [...t.emailIds], type: 'STRING', nullable: false },
        { name: 'event_timestamp', data: ts, type: 'TIMESTAMP' },
        ...t.columns.map((c, j) => ({ name: qualifiedName(t.name, t.features[j]), data: c, type: 'DOUBLE' as const, nullable: false })),
      ],
      kvMetadata: [{ key: META_KEY, value: JSON.stringify(meta) }],
      rowGroupSize: Math.max(1, n),
      statistics: false,
    });
    await atomicWrite(viewFile(dir, t.name), new Uint8Array(buf));
  }
  const registry = { version: FORMAT_VERSION, views: tables.map((t) => ({ name: t.name, file: `${t.name}.parquet`, rows: t.emailIds.length, features: t.features.length, sparse: t.sparse })) };
  await atomicWrite(path.join(dir, REGISTRY), new TextEncoder().encode(JSON.stringify(registry, null, 2) + '\n'));
}

async function atomicWrite(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await fsp.writeFile(tmp, bytes);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new TrainSpamError('IO_ERROR', `feature store: cannot write ${file}: ${(e as Error).message}`, { file });
  }
}

/** View names in column order, from `<dir>/registry.json`. */
export async function listFeatureViews(dir: string): Promise<string[]> {
  const file = path.join(dir, REGISTRY);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    throw new TrainSpamError('NOT_FOUND', `feature store: ${file} not found; materialise the views first`, { file });
  }
  const reg = parseJsonOf(text, file, 'its registry') as { version?: unknown; views?: Array<{ name?: unknown }> } | null;
  if (reg === null || typeof reg !== 'object' || reg.version !== FORMAT_VERSION || !Array.isArray(reg.views) || !reg.views.every((v) => v !== null && typeof v === 'object' && typeof v.name === 'string')) {
    throw new TrainSpamError('FORMAT_ERROR', `feature store: ${file} is not a version-${FORMAT_VERSION} registry`, { file });
  }
  return reg.views.map((v) => v.name as string);
}

/** JSON.parse with a FORMAT_ERROR naming the file and the part of it that is not JSON. */
function parseJsonOf(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TrainSpamError('FORMAT_ERROR', `feature store: ${file}: ${what} is not valid JSON (${(e as Error).message})`, { file });
  }
}

/** Reads one materialised view back into a table (typed columns). */
export async function readFeatureView(dir: string, name: string): Promise<FeatureViewTable> {
  const file = viewFile(dir, name);
  let buffer;
  try {
    buffer = await asyncBufferFromFile(file);
  } catch {
    throw new TrainSpamError('NOT_FOUND', `feature store: view file ${file} not found`, { file });
  }
  const metadata = await parquetMetadataAsync(buffer).catch((e: Error) => {
    throw new TrainSpamError('FORMAT_ERROR', `feature store: ${file} is not a readable parquet file: ${e.message}`, { file });
  });
  const kv = metadata.key_value_metadata?.find((k) => k.key === META_KEY)?.value;
  if (!kv) throw new TrainSpamError('FORMAT_ERROR', `feature store: ${file} lacks the '${META_KEY}' metadata`, { file });
  const meta = parseJsonOf(kv, file, `its '${META_KEY}' metadata`) as ViewMeta;
  if (meta === null || typeof meta !== 'object') throw new TrainSpamError('FORMAT_ERROR', `feature store: ${file}: its '${META_KEY}' metadata is not a JSON object`, { file });
  if (meta.version !== FORMAT_VERSION || meta.name !== name || !Array.isArray(meta.features)) {
    throw new TrainSpamError('FORMAT_ERROR', `feature store: ${file} holds view '${meta.name}' version ${meta.version}; expected '${name}' version ${FORMAT_VERSION}`, { file });
  }
  const n = Number(metadata.num_rows);
  const colIndex = new Map(meta.features.map((f, j) => [qualifiedName(name, f), j]));
  const columns = meta.features.map(() => new Float64Array(n));
  const emailIds: string[] = new Array(n);
  const eventTimestamps = new Float64Array(n).fill(NaN);
  const seen = new Set<string>();
  await parquetRead({
    file: buffer,
    metadata,
    compressors,
    parsers: { timestampFromMilliseconds: (ms: bigint) => Number(ms) },
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      seen.add(columnName);
      if (columnName === 'email_id') {
        for (let i = rowStart; i < rowEnd; i++) emailIds[i] = String(columnData[i - rowStart]);
      } else if (columnName === 'event_timestamp') {
        for (let i = rowStart; i < rowEnd; i++) {
          const v = columnData[i - rowStart] as number | null | undefined;
          eventTimestamps[i] = v === null || v === undefined ? NaN : Number(v);
        }
      } else {
        const j = colIndex.get(columnName);
        if (j === undefined) return;
        const c = columns[j];
        for (let i = rowStart; i < rowEnd; i++) c[i] = Number(columnData[i - rowStart]);
      }
    },
  });
  for (const col of ['email_id', 'event_timestamp', ...colIndex.keys()]) {
    if (!seen.has(col)) throw new TrainSpamError('SCHEMA_MISMATCH', `feature store: ${file} has no column '${col}'`, { file, column: col });
  }
  return { name, features: meta.features, sparse: meta.sparse === true, emailIds, eventTimestamps, columns };
}

/**
 * Feast-style `get_historical_features`: reads the views (default: all, in registry order) and
 * point-in-time joins the entity frame against them into a FeatureMatrix (TF-IDF kept sparse).
 */
export async function getHistoricalFeaturesFromStore(dir: string, entities: EntityFrame, options: RetrieveOptions = {}): Promise<FeatureMatrix> {
  const names = options.views ? [...options.views] : await listFeatureViews(dir);
  const tables: FeatureViewTable[] = [];
  for (const n of names) tables.push(await readFeatureView(dir, n));
  return getHistoricalFeatures(tables, entities, { views: names });
}
