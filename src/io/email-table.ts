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
 * column, INVALID_DATA for empty tables, bad labels, duplicate ids and a single class, IO_ERROR /
 * NOT_FOUND for unreadable, truncated or non-parquet files.
 */
import { TrainSpamError } from '../core/errors.js';
import { decodeHeader, domainOf, parseEmail, utf8Length } from '../data/mime.js';
import { EMAIL_COLUMNS, type EmailRecord } from '../data/schema.js';
import { iterateRowGroups, openParquet, type ParquetColumnInfo, type ParquetSource } from './parquet.js';

export interface LoadEmailTableOptions {
  /** File column name → canonical column name (email_id, label, raw, body_text, event_timestamp, ...). */
  columnMapping?: Record<string, string>;
  /** Called after each row group with rows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
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

const RAW_OVERRIDES = ['sender', 'subject', 'event_timestamp', 'source_group'] as const;

export async function loadEmailTable(filePath: string, options: LoadEmailTableOptions = {}): Promise<EmailTable> {
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

  const wanted = shape === 'raw' ? ['email_id', 'label', 'raw', ...RAW_OVERRIDES] : EMAIL_COLUMNS.map(([n]) => n as string);
  const used = wanted.filter((n) => canonical.has(n));
  const fileNames = used.map((n) => canonical.get(n)!.name);
  const records: EmailRecord[] = [];
  const seenIds = new Map<string, number>();
  let spam = 0;
  let nullTimestamps = 0;
  const labelColumn = canonical.get('label')!.name;
  const idColumn = canonical.get('email_id')!.name;
  for await (const chunk of iterateRowGroups(source, fileNames)) {
    const col = (n: string): unknown[] | undefined => (canonical.has(n) ? chunk.columns[canonical.get(n)!.name] : undefined);
    const n = chunk.rowEnd - chunk.rowStart;
    for (let k = 0; k < n; k++) {
      const row = chunk.rowStart + k;
      const label = toLabel(col('label')![k]);
      if (label === null) {
        throw new TrainSpamError(
          'INVALID_DATA',
          `${filePath}: column "${labelColumn}" row ${row}: label is ${JSON.stringify(String(col('label')![k]))}; expected 0 (ham) or 1 (spam)`,
          { file: filePath, column: labelColumn, row },
        );
      }
      const id = col('email_id')![k];
      if (typeof id !== 'string' || id.length === 0) {
        throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${idColumn}" row ${row}: email_id is empty or null`, {
          file: filePath,
          column: idColumn,
          row,
        });
      }
      const prev = seenIds.get(id);
      if (prev !== undefined) {
        throw new TrainSpamError('INVALID_DATA', `${filePath}: column "${idColumn}" row ${row}: duplicate email_id ${JSON.stringify(id)} (first at row ${prev})`, {
          file: filePath,
          column: idColumn,
          row,
        });
      }
      seenIds.set(id, row);
      const rec = shape === 'raw' ? await fromRaw(filePath, canonical, col, k, row, id, label) : fromProcessed(col, k, id, label);
      if (rec.label === 1) spam++;
      if (rec.event_timestamp === null) nullTimestamps++;
      records.push(rec);
    }
    options.onProgress?.(records.length, source.numRows);
  }
  if (spam === 0 || spam === records.length) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `${filePath}: column "${labelColumn}" has one class only: all ${records.length} rows are ${spam === 0 ? 'ham (0)' : 'spam (1)'}; training needs both classes`,
      { file: filePath, column: labelColumn },
    );
  }
  const columns: Record<string, string> = {};
  for (const n of used) columns[n] = canonical.get(n)!.name;
  return {
    records,
    summary: {
      file: filePath,
      shape,
      rows: records.length,
      spam,
      ham: records.length - spam,
      nullTimestamps,
      rowGroups: source.rowGroups.length,
      columns,
    },
  };
}

/** Canonical name → column info, after applying the mapping. */
function resolveColumns(source: ParquetSource, mapping: Record<string, string>): Map<string, ParquetColumnInfo> {
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

function timestamp(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v instanceof Date && Number.isFinite(v.getTime())) return v.getTime();
  return null;
}

function groupOf(id: string): string {
  const slash = id.indexOf('/');
  return slash > 0 ? id.slice(0, slash) : '';
}

function fromProcessed(col: Col, k: number, id: string, label: 0 | 1): EmailRecord {
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
    size_bytes: int(get('size_bytes'), utf8Length(subject) + utf8Length(body) + (html ? utf8Length(html) : 0)),
    source_group: str(get('source_group')) ?? groupOf(id),
  };
}

async function fromRaw(
  filePath: string,
  canonical: Map<string, ParquetColumnInfo>,
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
  const sourceGroup = str(col('source_group')?.[k]) ?? groupOf(id);
  const rec = await parseEmail(raw, { email_id: id, label, source_group: sourceGroup });
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
