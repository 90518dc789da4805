/**
 * Loads an e-mail table from parquet and validates it at the boundary. Two shapes are accepted:
 *
 * - processed: the columns of EMAIL_COLUMNS (schema.ts). Required: email_id, label, body_text;
 *   every other column is optional and gets a documented default.
 * - raw: a `raw` column with whole RFC-822 messages, parsed on load with data/mime.ts. Required:
 *   email_id, label, raw; optional overrides: sender, subject, event_timestamp, source_group.
 *
 * `columnMapping` renames file columns to canonical names first ({ id: 'email_id', date:
 * 'event_timestamp', body: 'body_text' }). Every problem is a TrainSpamError whose message names
 * the file and the column (and the row for bad values): SCHEMA_MISMATCH for a missing or mistyped
 * column, INVALID_DATA for empty tables, bad labels, null, blank or duplicate ids, null bodies,
 * raw cells that are no RFC-822 message and a single class, IO_ERROR / NOT_FOUND for unreadable,
 * truncated or non-parquet files.
 */
import { TrainSpamError } from '../core/errors.js';
import { MAX_YEAR, MIN_YEAR } from '../data/date.js';
import { decodeHeader, domainOf, parseEmail, utf8Length } from '../data/mime.js';
import { rawMessageProblem } from '../data/raw-check.js';
import { EMAIL_COLUMNS, type EmailRecord } from '../data/schema.js';
import type { ColumnCache } from './column-cache.js';
import { openParquet, readColumns, type ParquetColumnInfo, type ParquetSource } from './parquet.js';

export interface LoadEmailTableOptions {
  /** File column name → canonical column name (email_id, label, raw, body_text, event_timestamp, ...). */
  columnMapping?: Readonly<Record<string, string>>;
  /** Called after each row group with rows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Called once at the end with each warning about the table (see ScanOptions.onWarning). */
  onWarning?: (message: string) => void;
}

export interface EmailTableSummary {
  file: string;
  shape: 'processed' | 'raw';
  rows: number;
  spam: number;
  ham: number;
  /** Rows whose event_timestamp is null (missing or unparseable Date). */
  nullTimestamps: number;
  rowGroups: number;
  /** Canonical column → the file column it was read from. */
  columns: Record<string, string>;
}

export interface EmailTable {
  records: EmailRecord[];
  summary: EmailTableSummary;
}

type Kind = ParquetColumnInfo['kind'];
const STRING: Kind[] = ['STRING'];
const INTEGER: Kind[] = ['INT32', 'INT64'];

/** Accepted parquet kinds per canonical column. */
const EXPECTED: Record<string, Kind[]> = {
  email_id: STRING,
  label: ['INT32', 'INT64', 'BOOLEAN'],
  sender: STRING,
  sender_domain: STRING,
  reply_to: STRING,
  num_recipients: INTEGER,
  subject: STRING,
  body_text: STRING,
  body_html: STRING,
  has_html: ['BOOLEAN'],
  is_multipart: ['BOOLEAN'],
  num_attachments: INTEGER,
  event_timestamp: ['TIMESTAMP', 'INT64'],
  size_bytes: INTEGER,
  source_group: STRING,
  raw: ['STRING', 'BYTE_ARRAY'],
};

/** The canonical column names a column mapping may map a file column to. */
export const CANONICAL_COLUMNS: readonly string[] = Object.keys(EXPECTED);

const RAW_OVERRIDES = ['sender', 'subject', 'event_timestamp', 'source_group'] as const;

/** A table to read (again): the file and its column mapping. */
export interface EmailTableRef {
  readonly file: string;
  /** File column name → canonical column name. */
  readonly columnMapping?: Readonly<Record<string, string>>;
}

/** An opened, schema-checked e-mail table. */
export interface OpenEmailTable {
  readonly file: string;
  readonly source: ParquetSource;
  readonly shape: 'processed' | 'raw';
  /** Canonical column name → the file column. */
  readonly canonical: ReadonlyMap<string, ParquetColumnInfo>;
}

/** Opens a table and checks its schema (required columns and types, not empty); no row is read. */
export async function openEmailTable(filePath: string, options: { columnMapping?: Readonly<Record<string, string>> } = {}): Promise<OpenEmailTable> {
  const source = await openParquet(filePath);
  const canonical = resolveColumns(source, options.columnMapping ?? {});
  const shape: 'processed' | 'raw' = canonical.has('raw') ? 'raw' : 'processed';
  const required = shape === 'raw' ? ['email_id', 'label', 'raw'] : ['email_id', 'label', 'body_text'];
  for (const name of required) {
    if (!canonical.has(name)) {
      const alt = shape === 'processed' && name === 'body_text' ? ' (or a "raw" column with whole RFC-822 messages)' : '';
      throw new TrainSpamError(
        'SCHEMA_MISMATCH',
        `${filePath}: missing required column "${name}"${alt}; columns present: ${source.columns.map((c) => c.name).join(', ') || '(none)'}. ` +
          `Use a column mapping if the file names it differently (e.g. id=email_id).`,
        { file: filePath, column: name },
      );
    }
  }
  for (const [name, info] of canonical) {
    const ok = EXPECTED[name];
    if (ok && !ok.includes(info.kind)) {
      const renamed = info.name !== name ? ` (file column "${info.name}")` : '';
      throw new TrainSpamError(
        'SCHEMA_MISMATCH',
        `${filePath}: column "${name}"${renamed} has type ${describeType(info)}; expected ${ok.join(' or ')}`,
        { file: filePath, column: info.name, expected: ok, found: describeType(info) },
      );
    }
  }
  if (source.numRows === 0) {
    throw new TrainSpamError('INVALID_DATA', `${filePath}: the table is empty (0 rows); column "label" has no values`, {
      file: filePath,
      column: canonical.get('label')!.name,
    });
  }
  return { file: filePath, source, shape, canonical };
}

/** Canonical columns a reader may ask for; the record fields of columns not read get their documented defaults. */
export type EmailColumn = (typeof EMAIL_COLUMNS)[number][0];

export interface ScanOptions {
  /**
   * Canonical columns to read (processed tables; a raw table always reads its raw columns).
   * email_id and label are always read. Default: every column. The fields of columns not read
   * hold defaults ('' for texts, null, 0), size_bytes included.
   */
  readonly columns?: readonly EmailColumn[];
  /**
   * Row selections, each ascending file row indices (null = every row). Each row group is read
   * once (and skipped when no selection has a row in it); the chunk holds each selection's records.
   */
  readonly selections?: readonly (Int32Array | null)[];
  /** Validate every row as loadEmailTable does (ids unique, labels 0/1, both classes); needs selections [null]. */
  readonly validate?: boolean;
  /** Stop after this many records per selection (the rest of the file is not read). */
  readonly limit?: number;
  /**
   * Called once, after the last row group, with each warning about the rows read: so far, the
   * count of STRING `raw` cells holding U+FFFD (bytes that were not UTF-8 were replaced when the
   * table was written, so training reads other text than the original message serving gets).
   */
  readonly onWarning?: (message: string) => void;
  /** Decoded columns kept between the reads of a run (column-cache.ts); absent: every read decodes. */
  readonly cache?: ColumnCache;
}

export interface RecordChunk {
  /** File rows [rowStart, rowEnd) of this row group. */
  readonly rowStart: number;
  readonly rowEnd: number;
  /** Per selection: its records in this row group, in file order. */
  readonly records: readonly EmailRecord[][];
}

/**
 * Streams a table row group by row group as EmailRecords: memory holds one row group's columns
 * and records, never the file. The same record builder as loadEmailTable, so a record read here
 * equals the one loadEmailTable returns for that row (for the columns read).
 */
export async function* scanEmailTable(table: OpenEmailTable, options: ScanOptions = {}): AsyncGenerator<RecordChunk> {
  const { source, canonical, shape, file: filePath } = table;
  const selections = options.selections ?? [null];
  if (options.validate && (selections.length !== 1 || selections[0] !== null)) {
    throw new TrainSpamError('INTERNAL', 'scanEmailTable: validation reads every row (selections [null])');
  }
  const all = shape === 'raw' ? ['email_id', 'label', 'raw', ...RAW_OVERRIDES] : EMAIL_COLUMNS.map(([n]) => n as string);
  const asked = shape === 'raw' || !options.columns ? null : new Set<string>(['email_id', 'label', ...options.columns]);
  const used = all.filter((n) => canonical.has(n) && (asked === null || asked.has(n)));
  const fileNames = used.map((n) => canonical.get(n)!.name);
  const labelColumn = canonical.get('label')!.name;
  const idColumn = canonical.get('email_id')!.name;
  const timestampColumn = canonical.get('event_timestamp')?.name ?? null;
  const seenIds = options.validate ? new Map<string, number>() : null;
  const limit = options.limit ?? Infinity;
  const cursor = selections.map(() => 0);
  const taken = selections.map(() => 0);
  let spam = 0;
  let rowsSeen = 0;
  // STRING raw cells holding U+FFFD (see ScanOptions.onWarning); BYTE_ARRAY cells keep their bytes
  const countReplaced = shape === 'raw' && canonical.get('raw')!.kind === 'STRING';
  let replacedRaw = 0;
  for (const rg of source.rowGroups) {
    if (rg.rowEnd === rg.rowStart) continue;
    // rows of each selection inside this row group
    const picks = selections.map((sel, s) => {
      if (taken[s] >= limit) return [] as number[];
      if (sel === null) {
        const n = Math.min(rg.rowEnd - rg.rowStart, limit - taken[s]);
        return Array.from({ length: n }, (_, k) => rg.rowStart + k);
      }
      const out: number[] = [];
      let c = cursor[s];
      while (c < sel.length && sel[c] < rg.rowEnd && taken[s] + out.length < limit) out.push(sel[c++]);
      cursor[s] = c;
      return out;
    });
    if (picks.every((p) => p.length === 0)) {
      if (taken.every((t) => t >= limit)) break;
      continue;
    }
    const columns = options.cache ? await options.cache.read(source, fileNames, rg) : await readColumns(source, fileNames, rg);
    const col = (n: string): unknown[] | undefined => (canonical.has(n) && columns[canonical.get(n)!.name] !== undefined ? columns[canonical.get(n)!.name] : undefined);
    // The file has size_bytes but this scan does not read it: records leave it 0 (see ScanOptions.columns).
    const sizeNotRead = canonical.has('size_bytes') && col('size_bytes') === undefined;
    // body_text is required in a processed table ('' is an empty body, null a hole in the table)
    const bodyCol = shape === 'processed' ? col('body_text') : undefined;
    const rawCol = countReplaced ? col('raw') : undefined;
    const records: EmailRecord[][] = [];
    for (let s = 0; s < picks.length; s++) {
      const out: EmailRecord[] = [];
      for (const row of picks[s]) {
        const k = row - rg.rowStart;
        const label = toLabel(col('label')![k]);
        if (label === null) {
          throw new TrainSpamError(
            'INVALID_DATA',
            `${filePath}: column "${labelColumn}" row ${row}: label is ${JSON.stringify(String(col('label')![k]))}; expected 0 (ham) or 1 (spam)`,
            { file: filePath, column: labelColumn, row },
          );
        }
        const id = col('email_id')![k];
        if (typeof id !== 'string' || id.trim().length === 0) {
          const what = typeof id !== 'string' ? 'null' : id.length === 0 ? 'empty' : `blank (${JSON.stringify(id)})`;
          throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${idColumn}" row ${row}: email_id is ${what}`, {
            file: filePath,
            column: idColumn,
            row,
          });
        }
        if (seenIds) {
          const prev = seenIds.get(id);
          if (prev !== undefined) {
            throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${idColumn}" row ${row}: duplicate email_id ${JSON.stringify(id)} (first at row ${prev})`, {
              file: filePath,
              column: idColumn,
              row,
            });
          }
          seenIds.set(id, row);
        }
        if (rawCol !== undefined) {
          const raw = rawCol[k];
          if (typeof raw === 'string' && raw.includes('\uFFFD')) replacedRaw++;
        }
        if (bodyCol !== undefined && typeof bodyCol[k] !== 'string') {
          const column = canonical.get('body_text')!.name;
          throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${column}" row ${row}: body_text is null; expected the text of the e-mail ('' for an empty body)`, {
            file: filePath,
            column,
            row,
          });
        }
        const rec = shape === 'raw' ? await fromRaw(filePath, canonical, col, k, row, id, label) : fromProcessed(col, k, id, label, sizeNotRead);
        if (timestampColumn !== null) checkTimestamp(rec.event_timestamp, filePath, timestampColumn, row);
        out.push(rec);
        spam += label;
      }
      taken[s] += out.length;
      records.push(out);
    }
    rowsSeen += picks[0].length;
    yield { rowStart: rg.rowStart, rowEnd: rg.rowEnd, records };
  }
  if (replacedRaw > 0 && options.onWarning) {
    const column = canonical.get('raw')!.name;
    options.onWarning(
      `${filePath}: column "${column}" is STRING and ${replacedRaw} of its cells hold U+FFFD (bytes that were not UTF-8, lost when the table was written): ` +
        `those e-mails are trained on other text than the original message the scorer gets; store raw messages as BYTE_ARRAY`,
    );
  }
  if (options.validate && (spam === 0 || spam === rowsSeen)) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `${filePath}: column "${labelColumn}" has one class only: all ${rowsSeen} rows are ${spam === 0 ? 'ham (0)' : 'spam (1)'}; training needs both classes`,
      { file: filePath, column: labelColumn },
    );
  }
}

/** Canonical column → the file column it is read from. */
export function columnNames(table: OpenEmailTable): Record<string, string> {
  const all = table.shape === 'raw' ? ['email_id', 'label', 'raw', ...RAW_OVERRIDES] : EMAIL_COLUMNS.map(([n]) => n as string);
  const columns: Record<string, string> = {};
  for (const n of all) if (table.canonical.has(n)) columns[n] = table.canonical.get(n)!.name;
  return columns;
}

/** Loads and validates the whole table into memory (small tables, tests, the synth model fit). */
export async function loadEmailTable(filePath: string, options: LoadEmailTableOptions = {}): Promise<EmailTable> {
  const table = await openEmailTable(filePath, options);
  const records: EmailRecord[] = [];
  let spam = 0;
  let nullTimestamps = 0;
  for await (const chunk of scanEmailTable(table, { validate: true, onWarning: options.onWarning })) {
    for (const rec of chunk.records[0]) {
      if (rec.label === 1) spam++;
      if (rec.event_timestamp === null) nullTimestamps++;
      records.push(rec);
    }
    options.onProgress?.(records.length, table.source.numRows);
  }
  return {
    records,
    summary: {
      file: filePath,
      shape: table.shape,
      rows: records.length,
      spam,
      ham: records.length - spam,
      nullTimestamps,
      rowGroups: table.source.rowGroups.length,
      columns: columnNames(table),
    },
  };
}

/** Canonical name → column info, after applying the mapping. */
function resolveColumns(source: ParquetSource, mapping: Readonly<Record<string, string>>): Map<string, ParquetColumnInfo> {
  for (const [from, to] of Object.entries(mapping)) {
    if (!source.columns.some((c) => c.name === from)) {
      throw new TrainSpamError(
        'SCHEMA_MISMATCH',
        `${source.path}: column mapping ${from}=${to}: the file has no column "${from}" (columns: ${source.columns.map((c) => c.name).join(', ')})`,
        { file: source.path, column: from },
      );
    }
    if (!(to in EXPECTED)) {
      throw new TrainSpamError(
        'INVALID_ARGUMENT',
        `column mapping ${from}=${to}: "${to}" is not a known column (known: ${Object.keys(EXPECTED).join(', ')})`,
        { column: to },
      );
    }
  }
  const out = new Map<string, ParquetColumnInfo>();
  for (const info of source.columns) {
    const name = mapping[info.name] ?? info.name;
    if (!(name in EXPECTED)) continue; // extra columns are ignored
    const clash = out.get(name);
    if (clash) {
      throw new TrainSpamError(
        'SCHEMA_MISMATCH',
        `${source.path}: columns "${clash.name}" and "${info.name}" both map to "${name}"`,
        { file: source.path, column: info.name },
      );
    }
    out.set(name, info);
  }
  return out;
}

function describeType(info: ParquetColumnInfo): string {
  return info.kind === 'OTHER' ? `${info.physicalType}${info.logicalType ? `/${info.logicalType}` : ''}` : info.kind;
}

function toLabel(v: unknown): 0 | 1 | null {
  if (v === 0 || v === 1) return v;
  if (v === true) return 1;
  if (v === false) return 0;
  if (typeof v === 'bigint' && (v === 0n || v === 1n)) return v === 1n ? 1 : 0;
  return null;
}

type Col = (n: string) => unknown[] | undefined;

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function int(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

/** The table's size_bytes, or (the file has no such column, or a null) the UTF-8 size of the texts, computed only then. */
function sizeBytes(v: unknown, subject: string, body: string, html: string | null): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return utf8Length(subject) + utf8Length(body) + (html ? utf8Length(html) : 0);
}

const MIN_TIMESTAMP_MS = Date.UTC(MIN_YEAR, 0, 1);
const MAX_TIMESTAMP_MS = Date.UTC(MAX_YEAR, 0, 1);

const iso = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : 'beyond any date');

/**
 * An event_timestamp column is milliseconds since 1970 (or a parquet TIMESTAMP). A value outside
 * the years the Date-header parser accepts (µs or ns written by mistake, or garbage) would shift
 * every temporal and sender-history feature and skew them against serving (which reads real Date
 * headers): an error naming the row, not a silent shift. Seconds cannot be told apart this way
 * (they land in January–February 1970, where bogus spam dates such as the epoch itself also lie).
 */
function checkTimestamp(ms: number | null, file: string, column: string, row: number): void {
  if (ms === null || (ms >= MIN_TIMESTAMP_MS && ms < MAX_TIMESTAMP_MS)) return;
  // a unit is suggested only when it gives a date of the e-mail era (from 1980)
  const as = (unit: string, f: number) => {
    const t = ms * f;
    return t >= Date.UTC(1980, 0, 1) && t < MAX_TIMESTAMP_MS ? ` (as ${unit} it would be ${iso(t)})` : '';
  };
  throw new TrainSpamError(
    'INVALID_DATA',
    `${file}: column "${column}" row ${row}: event_timestamp ${ms} is ${iso(ms)} as milliseconds, outside ${MIN_YEAR}–${MAX_YEAR}; expected milliseconds since 1970-01-01 UTC (or a parquet TIMESTAMP), or null for an unknown date${as('microseconds', 1e-3)}${as('nanoseconds', 1e-6)}`,
    { file, column, row },
  );
}

function timestamp(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof Date && Number.isFinite(v.getTime())) return v.getTime();
  return null;
}

function groupOf(id: string): string {
  const slash = id.indexOf('/');
  return slash > 0 ? id.slice(0, slash) : '';
}

function fromProcessed(col: Col, k: number, id: string, label: 0 | 1, sizeNotRead: boolean): EmailRecord {
  const get = (n: string) => col(n)?.[k];
  const sender = str(get('sender'))?.toLowerCase() ?? null;
  const subject = str(get('subject')) ?? '';
  const body = str(get('body_text')) ?? '';
  const html = str(get('body_html'));
  const hasHtml = get('has_html');
  return {
    email_id: id,
    label,
    sender,
    sender_domain: str(get('sender_domain'))?.toLowerCase() ?? domainOf(sender),
    reply_to: str(get('reply_to'))?.toLowerCase() ?? null,
    num_recipients: int(get('num_recipients'), 0),
    subject,
    body_text: body,
    body_html: html,
    has_html: typeof hasHtml === 'boolean' ? hasHtml : html !== null,
    is_multipart: get('is_multipart') === true,
    num_attachments: int(get('num_attachments'), 0),
    event_timestamp: timestamp(get('event_timestamp')),
    size_bytes: sizeNotRead ? 0 : sizeBytes(get('size_bytes'), subject, body, html),
    source_group: str(get('source_group')) ?? groupOf(id),
  };
}

async function fromRaw(
  filePath: string,
  canonical: ReadonlyMap<string, ParquetColumnInfo>,
  col: Col,
  k: number,
  row: number,
  id: string,
  label: 0 | 1,
): Promise<EmailRecord> {
  const raw = col('raw')![k];
  if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
    throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${canonical.get('raw')!.name}" row ${row}: raw message is null`, {
      file: filePath,
      column: canonical.get('raw')!.name,
      row,
    });
  }
  // '' or text without a header section would parse as an empty e-mail and be trained on
  const problem = rawMessageProblem(raw);
  if (problem !== null) {
    const column = canonical.get('raw')!.name;
    throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${column}" row ${row}: e-mail ${id} is not an RFC-822 message: ${problem}`, { file: filePath, column, row });
  }
  const sourceGroup = str(col('source_group')?.[k]) ?? groupOf(id);
  let rec: EmailRecord;
  try {
    rec = await parseEmail(raw, { email_id: id, label, source_group: sourceGroup });
  } catch (e) {
    if (!(e instanceof TrainSpamError)) throw e;
    const column = canonical.get('raw')!.name;
    throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${column}" row ${row}: ${e.message}`, { ...e.details, file: filePath, column, row }, { cause: e });
  }
  const sender = str(col('sender')?.[k]);
  if (sender !== null && sender.trim() !== '') {
    rec.sender = sender.trim().toLowerCase();
    rec.sender_domain = domainOf(rec.sender);
  }
  const subject = str(col('subject')?.[k]);
  if (subject !== null) rec.subject = decodeHeader(subject);
  // A present event_timestamp column overrides the Date header, nulls included.
  if (canonical.has('event_timestamp')) rec.event_timestamp = timestamp(col('event_timestamp')![k]);
  return rec;
}

/**
 * Some rows of a table, by reference: what the pipeline hands between steps instead of the
 * e-mails themselves (ids and labels in memory, the text read again by row group when needed).
 */
export interface EmailRowSet {
  readonly table: EmailTableRef;
  /** File row indices, ascending; null = every row of the file. */
  readonly rows: Int32Array | null;
  /** email_id of each row of the set, in order. */
  readonly ids: readonly string[];
  /** Label of each row of the set, in order. */
  readonly labels: Uint8Array;
}

/**
 * Streams several row sets of ONE table together, row group by row group (each row group read
 * once): yields, per row group, each set's records in order. `limit` caps the records per set.
 */
export async function* streamRowSets(
  sets: readonly EmailRowSet[],
  options: { columns?: readonly EmailColumn[]; limit?: number; cache?: ColumnCache } = {},
): AsyncGenerator<readonly EmailRecord[][]> {
  if (sets.length === 0) return;
  const ref = sets[0].table;
  for (const s of sets) {
    if (s.table.file !== ref.file || JSON.stringify(s.table.columnMapping ?? {}) !== JSON.stringify(ref.columnMapping ?? {})) {
      throw new TrainSpamError('INTERNAL', `streamRowSets: the row sets come from different tables (${ref.file}, ${s.table.file})`);
    }
  }
  const table = await openEmailTable(ref.file, { columnMapping: ref.columnMapping });
  const seen = sets.map(() => 0);
  for await (const chunk of scanEmailTable(table, { columns: options.columns, selections: sets.map((s) => s.rows), limit: options.limit, cache: options.cache })) {
    for (let s = 0; s < sets.length; s++) {
      const recs = chunk.records[s];
      for (let k = 0; k < recs.length; k++) {
        // the file must still hold the rows the set was made from
        const expected = sets[s].ids[seen[s] + k];
        if (recs[k].email_id !== expected) {
          throw new TrainSpamError('INVALID_DATA', `${ref.file}: row of e-mail ${JSON.stringify(expected)} now holds ${JSON.stringify(recs[k].email_id)}; the file changed since the split was made`, { file: ref.file });
        }
      }
      seen[s] += recs.length;
    }
    yield chunk.records;
  }
}

/** The records of a row set, in memory (tests, small sets, a bounded sample with `limit`). */
export async function readRowSet(set: EmailRowSet, options: { columns?: readonly EmailColumn[]; limit?: number } = {}): Promise<EmailRecord[]> {
  const out: EmailRecord[] = [];
  for await (const chunk of streamRowSets([set], options)) for (const r of chunk[0]) out.push(r);
  return out;
}
