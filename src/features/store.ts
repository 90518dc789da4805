/**
 * The offline feature store, pure part: materialise each view as a table keyed by the entity
 * (`email_id`) and its `event_timestamp`, and retrieve features for an entity frame with a
 * point-in-time join (Feast's `get_historical_features`): for every entity row, the latest view row
 * with the same key whose event timestamp is ≤ the entity's timestamp. A null timestamp sorts before
 * every instant (it matches only view rows that are themselves undated). File I/O lives in
 * io/feature-store.ts.
 */
import { invalidArgument, invalidData } from '../core/errors.js';
import { denseMatrix, featureMatrix, type CsrMatrix, type FeatureMatrix } from '../core/matrix.js';
import type { EmailRecord } from '../data/schema.js';
import type { FittedFeaturePipeline } from './pipeline.js';
import { emailText, qualifiedName } from './view.js';

export interface FeatureViewTable {
  readonly name: string;
  /** Feature names inside the view, column order. */
  readonly features: readonly string[];
  /** True for the TF-IDF view: retrieved into the matrix's sparse (CSR) block. */
  readonly sparse: boolean;
  readonly emailIds: readonly string[];
  /** Event timestamps in ms; NaN = null (no date). */
  readonly eventTimestamps: Float64Array;
  /** One Float64Array per feature (column-major), each of length emailIds.length. */
  readonly columns: readonly Float64Array[];
}

export interface EntityFrame {
  readonly emailIds: readonly string[];
  /** ms since epoch, or null / NaN when the entity has no date. */
  readonly eventTimestamps: ArrayLike<number | null>;
}

/** Each view of the pipeline as a table over `records` (entity key + timestamp + features). */
export function materializeViews(pipeline: FittedFeaturePipeline, records: readonly EmailRecord[]): FeatureViewTable[] {
  const n = records.length;
  const emailIds = records.map((r) => r.email_id);
  const ts = new Float64Array(n);
  for (let i = 0; i < n; i++) ts[i] = records[i].event_timestamp ?? NaN;
  const tables: FeatureViewTable[] = [];
  const texts = records.map(emailText);
  const dense = pipeline.denseFeatures(records, texts);
  const dc = pipeline.denseCols;
  let col = 0;
  for (const v of pipeline.denseViews) {
    const columns = v.features.map((_, j) => {
      const c = new Float64Array(n);
      for (let i = 0; i < n; i++) c[i] = dense[i * dc + col + j];
      return c;
    });
    col += v.features.length;
    tables.push({ name: v.name, features: v.features, sparse: false, emailIds, eventTimestamps: ts, columns });
  }
  const m = pipeline.tfidf.transform(texts);
  const columns = pipeline.tfidf.vocabulary.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) columns[m.indices[k]][r] = m.data[k];
  }
  const tfidfView = pipeline.views[pipeline.views.length - 1];
  tables.push({ name: tfidfView.name, features: tfidfView.features, sparse: true, emailIds, eventTimestamps: ts, columns });
  return tables;
}

/** Per view: entity key → row indices sorted by event timestamp (NaN first), stable. */
function indexTable(t: FeatureViewTable): Map<string, number[]> {
  const idx = new Map<string, number[]>();
  for (let i = 0; i < t.emailIds.length; i++) {
    const k = t.emailIds[i];
    let rows = idx.get(k);
    if (!rows) idx.set(k, (rows = []));
    rows.push(i);
  }
  const key = (i: number) => (Number.isNaN(t.eventTimestamps[i]) ? -Infinity : t.eventTimestamps[i]);
  for (const rows of idx.values()) if (rows.length > 1) rows.sort((a, b) => key(a) - key(b) || a - b);
  return idx;
}

/** Row of the latest view entry for `id` with timestamp ≤ t (null/NaN = -∞), or -1. */
function asOf(t: FeatureViewTable, rows: number[] | undefined, at: number): number {
  if (!rows) return -1;
  let best = -1;
  for (const r of rows) {
    const v = t.eventTimestamps[r];
    const vt = Number.isNaN(v) ? -Infinity : v;
    if (vt <= at) best = r;
    else break;
  }
  return best;
}

export interface RetrieveOptions {
  /** Views to join, in column order (dense views first; at most one sparse view, last). Default: all given tables in order. */
  readonly views?: readonly string[];
}

/**
 * Point-in-time join of the entity frame against the view tables → FeatureMatrix (dense views into
 * the dense block, the sparse view into CSR). An entity with no view row at or before its time is
 * an INVALID_DATA error naming the view and the e-mail (features would otherwise be invented).
 */
export function getHistoricalFeatures(tables: readonly FeatureViewTable[], entities: EntityFrame, options: RetrieveOptions = {}): FeatureMatrix {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const names = options.views ?? tables.map((t) => t.name);
  const chosen = names.map((n) => {
    const t = byName.get(n);
    if (!t) throw invalidArgument(`feature store: no view named '${n}' (have ${[...byName.keys()].join(', ')})`);
    checkTable(t);
    return t;
  });
  const denseViews = chosen.filter((t) => !t.sparse);
  const sparseViews = chosen.filter((t) => t.sparse);
  if (sparseViews.length > 1) throw invalidArgument('feature store: at most one sparse view can be retrieved into a matrix');
  if (chosen.findIndex((t) => t.sparse) !== -1 && chosen[chosen.length - 1] !== sparseViews[0]) {
    throw invalidArgument('feature store: the sparse view must come last (its columns follow the dense block)');
  }
  const n = entities.emailIds.length;
  if (entities.eventTimestamps.length !== n) throw invalidArgument(`entity frame: ${n} ids but ${entities.eventTimestamps.length} timestamps`);
  const at = new Float64Array(n);
  for (let i = 0; i < n; i++) at[i] = entityTime(entities, i);
  const rowsFor = (t: FeatureViewTable): Int32Array => {
    const idx = indexTable(t);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const r = asOf(t, idx.get(entities.emailIds[i]), at[i]);
      if (r < 0) {
        throw invalidData(`feature store: view '${t.name}' has no row for e-mail '${entities.emailIds[i]}' at or before its event timestamp`, { view: t.name, email_id: entities.emailIds[i], row: i });
      }
      out[i] = r;
    }
    return out;
  };
  const dc = denseViews.reduce((s, t) => s + t.features.length, 0);
  const dense = new Float64Array(n * dc);
  let off = 0;
  for (const t of denseViews) {
    const rows = rowsFor(t);
    t.columns.forEach((c, j) => {
      for (let i = 0; i < n; i++) dense[i * dc + off + j] = c[rows[i]];
    });
    off += t.features.length;
  }
  const sparse = sparseViews.length ? gatherSparse(sparseViews[0], rowsFor(sparseViews[0])) : emptySparse(n);
  const featureNames = [...denseViews, ...sparseViews].flatMap((t) => t.features.map((f) => qualifiedName(t.name, f)));
  return featureMatrix(denseMatrix(n, dc, dense), sparse, featureNames);
}

/**
 * The entity's as-of time in ms (-∞ when it has no date). An absent value is no date, as null is; a
 * Date (what a parquet TIMESTAMP column reads as) is its instant; anything else (a string, a bigint)
 * would become NaN or throw a TypeError in the typed array and then look like "no row", so it is an
 * error naming the row.
 */
function entityTime(entities: EntityFrame, i: number): number {
  const v: unknown = entities.eventTimestamps[i];
  if (v === null || v === undefined) return -Infinity;
  if (typeof v === 'number') return Number.isNaN(v) ? -Infinity : v;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.getTime();
  throw invalidArgument(`entity frame: event timestamp of row ${i} (e-mail '${entities.emailIds[i]}') is ${typeof v === 'object' ? 'an invalid object' : `a ${typeof v}`}; expected milliseconds since 1970 or null`, {
    row: i,
    email_id: entities.emailIds[i],
  });
}

function gatherSparse(t: FeatureViewTable, rows: Int32Array): CsrMatrix {
  const n = rows.length;
  const cols = t.columns.length;
  const indptr = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) if (t.columns[j][rows[i]] !== 0) nnz++;
    indptr[i + 1] = nnz;
  }
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    for (let j = 0; j < cols; j++) {
      const v = t.columns[j][r];
      if (v !== 0) {
        indices[k] = j;
        data[k++] = v;
      }
    }
  }
  return { rows: n, cols, indptr, indices, data };
}

function emptySparse(n: number): CsrMatrix {
  return { rows: n, cols: 0, indptr: new Int32Array(n + 1), indices: new Int32Array(0), data: new Float64Array(0) };
}

function checkTable(t: FeatureViewTable): void {
  const n = t.emailIds.length;
  if (t.eventTimestamps.length !== n) throw invalidData(`feature view '${t.name}': ${n} keys but ${t.eventTimestamps.length} timestamps`);
  if (t.columns.length !== t.features.length) throw invalidData(`feature view '${t.name}': ${t.features.length} features but ${t.columns.length} columns`);
  t.columns.forEach((c, j) => {
    if (c.length !== n) throw invalidData(`feature view '${t.name}': column '${t.features[j]}' has ${c.length} values, expected ${n}`);
  });
}
