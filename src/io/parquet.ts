/**
 * Thin adapter over hyparquet (+ hyparquet-compressors) and hyparquet-writer. Everything else in
 * train-spam reads and writes parquet through this module:
 *
 * - `openParquet(path)` → schema (column name, physical/logical type, nullability), row groups;
 * - `readColumns(source, names, range?)` → column arrays (timestamps as UTC ms numbers, INT64 as
 *   numbers when safe, strings as strings), and `iterateRowGroups` to stream a large file;
 * - `ParquetFileWriter` to write column tables in row groups, streaming (one row group in memory),
 *   into a temp file renamed into place on `close()` (nothing half-written on failure).
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetMetadataAsync, parquetScan } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { ParquetWriter } from 'hyparquet-writer';
import { TrainSpamError } from '../core/errors.js';
import { makeDirs } from './dirs.js';
import { processAlive } from './process.js';

/** The column types this project writes, and the normalised kinds it reads. */
export type ColumnType = 'STRING' | 'INT32' | 'INT64' | 'BOOLEAN' | 'DOUBLE' | 'FLOAT' | 'TIMESTAMP' | 'BYTE_ARRAY';

export interface ParquetColumnInfo {
  name: string;
  /** Normalised kind: STRING, INT32, INT64, BOOLEAN, DOUBLE, FLOAT, TIMESTAMP, BYTE_ARRAY, or OTHER. */
  kind: ColumnType | 'OTHER';
  physicalType: string;
  /** Logical / converted type name as written (e.g. STRING, TIMESTAMP, UTF8, TIMESTAMP_MICROS). */
  logicalType: string | null;
  /** TIMESTAMP unit, when kind = TIMESTAMP. */
  timeUnit?: 'MILLIS' | 'MICROS' | 'NANOS';
  /** TIMESTAMP: true when stored as UTC instants (a time zone was set), false for naive timestamps. */
  isAdjustedToUTC?: boolean;
  nullable: boolean;
}

export interface ParquetSource {
  path: string;
  /** Size and modification time when opened (what identifies this version of the file). */
  size: number;
  mtimeMs: number;
  file: AsyncBuffer;
  metadata: FileMetaData;
  numRows: number;
  columns: ParquetColumnInfo[];
  /** Row ranges of the row groups, in file order. */
  rowGroups: Array<{ rowStart: number; rowEnd: number }>;
}

/**
 * The file as hyparquet's AsyncBuffer, each slice one positional read into a buffer of its size.
 * (hyparquet's `asyncBufferFromFile` streams a slice in 64 KiB chunks, one thread-pool round trip
 * each, and copies them together.)
 */
function fileBuffer(filePath: string, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const len = Math.max(0, end - start);
      const out = new Uint8Array(len);
      if (len === 0) return out.buffer;
      const fh = await fsp.open(filePath, 'r');
      try {
        for (let off = 0; off < len; ) {
          const { bytesRead } = await fh.read(out, off, len - off, start + off);
          if (bytesRead === 0) throw new Error(`the file ends at byte ${start + off}, before byte ${end} that its metadata needs (changed since it was opened?)`);
          off += bytesRead;
        }
      } finally {
        await fh.close();
      }
      return out.buffer;
    },
  };
}

/** Returns the parquet source or throws TrainSpamError naming the file: NOT_FOUND, IO_ERROR (empty, truncated, not parquet). */
export async function openParquet(filePath: string): Promise<ParquetSource> {
  let size: number;
  let mtimeMs: number;
  try {
    const st = await fsp.stat(filePath);
    if (!st.isFile()) throw new TrainSpamError('IO_ERROR', `${filePath}: not a regular file`, { file: filePath });
    size = st.size;
    mtimeMs = st.mtimeMs;
  } catch (e) {
    if (e instanceof TrainSpamError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new TrainSpamError(code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `${filePath}: cannot open: ${(e as Error).message}`, {
      file: filePath,
    });
  }
  if (size === 0) throw new TrainSpamError('IO_ERROR', `${filePath}: the file is empty (0 bytes), not a parquet file`, { file: filePath });
  const file = fileBuffer(filePath, size);
  const head = new Uint8Array(await file.slice(0, Math.min(4, size)));
  const tail = new Uint8Array(await file.slice(Math.max(0, size - 4), size));
  const magic = (b: Uint8Array) => b.length === 4 && b[0] === 0x50 && b[1] === 0x41 && b[2] === 0x52 && b[3] === 0x31;
  if (!magic(head)) {
    throw new TrainSpamError('IO_ERROR', `${filePath}: not a parquet file (no PAR1 magic at the start)`, { file: filePath });
  }
  if (size < 12 || !magic(tail)) {
    throw new TrainSpamError('IO_ERROR', `${filePath}: truncated or corrupt parquet file (no PAR1 footer; ${size} bytes)`, {
      file: filePath,
    });
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw new TrainSpamError('IO_ERROR', `${filePath}: corrupt parquet metadata: ${(e as Error).message}`, { file: filePath });
  }
  const columns = describeColumns(metadata.schema);
  const rowGroups: Array<{ rowStart: number; rowEnd: number }> = [];
  let start = 0;
  for (const rg of metadata.row_groups) {
    const n = Number(rg.num_rows);
    rowGroups.push({ rowStart: start, rowEnd: start + n });
    start += n;
  }
  return { path: filePath, size, mtimeMs, file, metadata, numRows: Number(metadata.num_rows), columns, rowGroups };
}

function describeColumns(schema: SchemaElement[]): ParquetColumnInfo[] {
  const out: ParquetColumnInfo[] = [];
  // Top-level children only (nested columns are reported as OTHER).
  let i = 1;
  const rootChildren = schema[0]?.num_children ?? 0;
  for (let c = 0; c < rootChildren && i < schema.length; c++) {
    const el = schema[i];
    out.push(describe(el));
    i += 1 + countDescendants(schema, i);
  }
  return out;
}

function countDescendants(schema: SchemaElement[], i: number): number {
  const n = schema[i].num_children ?? 0;
  let total = 0;
  let j = i + 1;
  for (let k = 0; k < n; k++) {
    const d = 1 + countDescendants(schema, j);
    total += d;
    j += d;
  }
  return total;
}

function describe(el: SchemaElement): ParquetColumnInfo {
  const lt = el.logical_type;
  const ct = el.converted_type ?? null;
  const base = { name: el.name, physicalType: String(el.type ?? 'GROUP'), nullable: el.repetition_type !== 'REQUIRED' };
  if (el.num_children) return { ...base, kind: 'OTHER', logicalType: lt?.type ?? ct };
  if (lt?.type === 'TIMESTAMP' || ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS') {
    const unit = lt?.type === 'TIMESTAMP' ? lt.unit : ct === 'TIMESTAMP_MILLIS' ? 'MILLIS' : 'MICROS';
    const utc = lt?.type === 'TIMESTAMP' ? lt.isAdjustedToUTC : true;
    return { ...base, kind: 'TIMESTAMP', logicalType: 'TIMESTAMP', timeUnit: unit, isAdjustedToUTC: utc };
  }
  if (el.type === 'INT96') return { ...base, kind: 'TIMESTAMP', logicalType: 'INT96', timeUnit: 'NANOS', isAdjustedToUTC: true };
  if (el.type === 'BYTE_ARRAY') {
    const isString = lt?.type === 'STRING' || ct === 'UTF8' || lt?.type === 'ENUM' || ct === 'ENUM' || lt?.type === 'JSON';
    return { ...base, kind: isString ? 'STRING' : 'BYTE_ARRAY', logicalType: lt?.type ?? ct };
  }
  const logical = lt?.type ?? ct;
  if (el.type === 'INT32' && (logical === null || logical === 'INTEGER' || /^U?INT_/.test(String(logical)))) {
    return { ...base, kind: 'INT32', logicalType: logical };
  }
  if (el.type === 'INT64' && (logical === null || logical === 'INTEGER' || /^U?INT_/.test(String(logical)))) {
    return { ...base, kind: 'INT64', logicalType: logical };
  }
  if (el.type === 'BOOLEAN' || el.type === 'DOUBLE' || el.type === 'FLOAT') {
    return { ...base, kind: el.type, logicalType: logical };
  }
  return { ...base, kind: 'OTHER', logicalType: logical };
}

/** Timestamps come back as UTC epoch milliseconds (numbers), never Date objects. */
const PARSERS = {
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v / 1000n),
  timestampFromNanoseconds: (v: bigint) => Number(v / 1000000n),
};

export type ColumnArrays = Record<string, unknown[]>;

/** Reads whole columns (or the rows [rowStart, rowEnd)). Missing names → SCHEMA_MISMATCH naming the file. */
export async function readColumns(
  source: ParquetSource,
  names: readonly string[],
  range: { rowStart?: number; rowEnd?: number } = {},
): Promise<ColumnArrays> {
  for (const n of names) {
    if (!source.columns.some((c) => c.name === n)) {
      throw new TrainSpamError('SCHEMA_MISMATCH', `${source.path}: no column "${n}" (columns: ${source.columns.map((c) => c.name).join(', ')})`, {
        file: source.path,
        column: n,
      });
    }
  }
  const rowStart = range.rowStart ?? 0;
  const rowEnd = Math.min(range.rowEnd ?? source.numRows, source.numRows);
  const out: ColumnArrays = {};
  for (const n of names) out[n] = [];
  if (rowEnd <= rowStart) return out;
  try {
    const scan = await parquetScan({
      file: source.file,
      metadata: source.metadata,
      columns: [...names],
      compressors,
      parsers: PARSERS,
      // BYTE_ARRAY columns without a string annotation stay bytes (a raw message in Latin-1 must
      // reach the MIME parser as its bytes, as the scorer gets it); STRING columns are decoded.
      utf8: false,
    });
    for (const rg of source.rowGroups) {
      const s = Math.max(rg.rowStart, rowStart);
      const e = Math.min(rg.rowEnd, rowEnd);
      if (e <= s) continue;
      for (const n of names) {
        const info = source.columns.find((c) => c.name === n)!;
        const data = (await scan.readColumn({ column: n, rowStart: s, rowEnd: e })) as ArrayLike<unknown>;
        // a page that holds fewer values than its row group's rows (a damaged file, a writer's bug)
        // must not read as trailing nulls
        if (data.length !== e - s) {
          throw new TrainSpamError('IO_ERROR', `${source.path}: column "${n}" holds ${data.length} values for rows ${s}..${e} (${e - s} rows); the file is damaged`, {
            file: source.path,
            column: n,
            values: data.length,
            rows: e - s,
          });
        }
        appendNormalised(out[n], data, info);
      }
    }
  } catch (e) {
    if (e instanceof TrainSpamError) throw e;
    throw new TrainSpamError('IO_ERROR', `${source.path}: cannot read columns ${names.join(', ')}: ${(e as Error).message}`, {
      file: source.path,
      columns: [...names],
    });
  }
  return out;
}

function appendNormalised(target: unknown[], data: ArrayLike<unknown>, info: ParquetColumnInfo): void {
  const n = data.length;
  if (info.kind === 'INT64' || info.kind === 'INT32' || info.kind === 'TIMESTAMP') {
    for (let i = 0; i < n; i++) {
      const v = data[i];
      // INT64 → number: exact up to 2^53 (ids, sizes and ms timestamps never get near it).
      target.push(typeof v === 'bigint' ? Number(v) : v === undefined ? null : v);
    }
    return;
  }
  if (info.kind === 'STRING' && (info.logicalType === 'ENUM' || info.logicalType === 'JSON')) {
    // decoded by hyparquet only when annotated STRING/UTF8: ENUM (parquet-avro, parquet-protobuf)
    // and JSON strings come back as their bytes, and would read as missing values
    for (let i = 0; i < n; i++) {
      const v = data[i];
      target.push(v === undefined || v === null ? null : v instanceof Uint8Array ? UTF8.decode(v) : typeof v === 'string' ? v : JSON.stringify(v));
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const v = data[i];
    target.push(v === undefined ? null : v);
  }
}

const UTF8 = new TextDecoder('utf-8');

/** Streams a file row group by row group (bounded memory). */
export async function* iterateRowGroups(
  source: ParquetSource,
  names: readonly string[],
): AsyncGenerator<{ rowStart: number; rowEnd: number; columns: ColumnArrays }> {
  for (const rg of source.rowGroups) {
    if (rg.rowEnd === rg.rowStart) continue;
    const columns = await readColumns(source, names, rg);
    yield { rowStart: rg.rowStart, rowEnd: rg.rowEnd, columns };
  }
}

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  /** 'PLAIN' skips the dictionary attempt (faster for columns of mostly unique long strings). */
  encoding?: 'PLAIN';
  /** Write min/max statistics (default true). */
  statistics?: boolean;
}

export interface WriterOptions {
  /** Compression codec: SNAPPY (default), GZIP, UNCOMPRESSED. */
  codec?: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';
  /** Key/value metadata stored in the footer. */
  metadata?: Record<string, string>;
}

function schemaFor(specs: readonly ColumnSpec[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: specs.length }];
  for (const c of specs) {
    const repetition_type = c.nullable === false ? 'REQUIRED' : 'OPTIONAL';
    switch (c.type) {
      case 'STRING':
        schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type });
        break;
      case 'TIMESTAMP':
        schema.push({
          name: c.name,
          type: 'INT64',
          converted_type: 'TIMESTAMP_MILLIS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
          repetition_type,
        });
        break;
      default:
        schema.push({ name: c.name, type: c.type, repetition_type });
    }
  }
  return schema;
}

/**
 * CANCELLED when `signal` has been aborted (`doing` says what was interrupted). Yields to the
 * event loop first: a loop that only awaits promises never lets a signal handler (Ctrl-C) run.
 */
export async function throwIfCancelled(signal: AbortSignal | undefined, doing: string): Promise<void> {
  if (!signal) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (signal.aborted) throw new TrainSpamError('CANCELLED', `${doing} interrupted; the partial file was removed`);
}

export { checkOutputFile } from './output-file.js';

/**
 * Streaming writer: `writeRowGroup(columns)` encodes one row group and flushes it to a temp file
 * next to the target; `close()` writes the footer and renames the temp file into place; `abort()`
 * (or any failure) removes the temp file. TIMESTAMP values are epoch ms numbers (or null).
 */
// hyparquet-writer (~120 modules, ~25 ms) loads with the first write, not with every process that
// only reads tables.
let writerModule: Promise<typeof import('hyparquet-writer')> | null = null;
export function loadParquetWriter(): Promise<typeof import('hyparquet-writer')> {
  return (writerModule ??= import('hyparquet-writer'));
}

/** A temporary file left this long without a write, by a process that no longer runs here, is a killed writer's. */
export const STALE_TEMPORARY_MS = 10 * 60 * 1000;

/**
 * Removes what writers of `targetPath` killed with SIGKILL left beside it (`<target>.tmp-<pid>-<ms>`,
 * which their own clean-up never ran for): only files whose process is not alive on this host and
 * that have not been written for STALE_TEMPORARY_MS, so a writer on another host sharing the
 * folder, whose pid means nothing here, is left alone while it writes. Failures are ignored: the
 * files are litter, not data.
 */
export async function removeStaleTemporaries(targetPath: string, now = Date.now()): Promise<string[]> {
  const dir = path.dirname(path.resolve(targetPath));
  const prefix = `${path.basename(targetPath)}.tmp-`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)-\d+$/.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const file = path.join(dir, name);
    try {
      const st = await fsp.stat(file);
      if (!st.isFile() || now - st.mtimeMs < STALE_TEMPORARY_MS) continue;
      await fsp.rm(file, { force: true });
      removed.push(file);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

export class ParquetFileWriter {
  private readonly tmpPath: string;
  private readonly writer: ParquetWriter;
  private readonly specs: readonly ColumnSpec[];
  private done = false;
  rows = 0;

  private constructor(readonly targetPath: string, specs: readonly ColumnSpec[], tmpPath: string, writer: ParquetWriter) {
    this.specs = specs;
    this.tmpPath = tmpPath;
    this.writer = writer;
  }

  static async create(targetPath: string, specs: readonly ColumnSpec[], options: WriterOptions = {}): Promise<ParquetFileWriter> {
    try {
      await makeDirs(path.dirname(path.resolve(targetPath)));
    } catch (e) {
      throw new TrainSpamError('IO_ERROR', `${targetPath}: cannot create its folder ${path.dirname(path.resolve(targetPath))}: ${(e as Error).message}`, { file: targetPath });
    }
    await removeStaleTemporaries(targetPath);
    const tmpPath = `${targetPath}.tmp-${process.pid}-${Date.now()}`;
    const { ParquetWriter, fileWriter } = await loadParquetWriter();
    try {
      const writer = new ParquetWriter({
        writer: fileWriter(tmpPath),
        schema: schemaFor(specs) as never,
        codec: options.codec ?? 'SNAPPY',
        // hyparquet-compressors only decompresses; SNAPPY is built into the writer, GZIP comes from zlib.
        compressors: { GZIP: (input: Uint8Array) => new Uint8Array(gzipSync(input)) },
        kvMetadata: options.metadata ? Object.entries(options.metadata).map(([key, value]) => ({ key, value })) : undefined,
        createdBy: 'train-spam (hyparquet-writer)',
      });
      return new ParquetFileWriter(targetPath, specs, tmpPath, writer);
    } catch (e) {
      await fsp.rm(tmpPath, { force: true });
      throw new TrainSpamError('IO_ERROR', `${targetPath}: cannot create parquet file: ${(e as Error).message}`, { file: targetPath });
    }
  }

  /** Writes one row group. Every column of the spec must be present with the same length. */
  async writeRowGroup(columns: Record<string, ArrayLike<unknown>>): Promise<void> {
    if (this.done) throw new TrainSpamError('INTERNAL', `${this.targetPath}: writer already closed`);
    const n = columns[this.specs[0].name]?.length ?? 0;
    const columnData = this.specs.map((s) => {
      const data = columns[s.name];
      if (!data || data.length !== n) {
        throw new TrainSpamError('INVALID_DATA', `${this.targetPath}: column "${s.name}" has ${data?.length ?? 0} values; expected ${n}`, {
          file: this.targetPath,
          column: s.name,
        });
      }
      return {
        name: s.name,
        data: toWritable(data, s.type) as never,
        ...(s.encoding ? { encoding: s.encoding } : {}),
        ...(s.statistics === false ? { statistics: false } : {}),
      };
    });
    if (n === 0) return;
    try {
      await this.writer.write({ columnData, rowGroupSize: n });
    } catch (e) {
      await this.abort();
      throw new TrainSpamError('IO_ERROR', `${this.targetPath}: writing a row group failed: ${(e as Error).message}`, { file: this.targetPath });
    }
    this.rows += n;
  }

  /** Finishes the file and renames it into place. */
  async close(): Promise<void> {
    if (this.done) return;
    try {
      await this.writer.finish();
      await fsp.rename(this.tmpPath, this.targetPath);
    } catch (e) {
      await this.abort();
      throw new TrainSpamError('IO_ERROR', `${this.targetPath}: finishing the parquet file failed: ${(e as Error).message}`, {
        file: this.targetPath,
      });
    }
    this.done = true;
  }

  /** Discards the temp file; the target is left untouched. */
  async abort(): Promise<void> {
    this.done = true;
    await fsp.rm(this.tmpPath, { force: true });
  }
}

function toWritable(data: ArrayLike<unknown>, type: ColumnType): unknown[] | ArrayLike<unknown> {
  if (type === 'INT64') return Array.from(data, (v) => (v === null || v === undefined ? null : BigInt(v as number)));
  if (type === 'TIMESTAMP') return Array.from(data, (v) => (v === null || v === undefined ? null : BigInt(Math.round(v as number))));
  return Array.isArray(data) ? data : Array.from(data);
}

/** Writes a whole column table at once, in row groups of `rowGroupSize` rows, atomically. */
export async function writeParquet(
  targetPath: string,
  specs: readonly ColumnSpec[],
  columns: Record<string, ArrayLike<unknown>>,
  options: WriterOptions & { rowGroupSize?: number } = {},
): Promise<void> {
  const n = columns[specs[0].name]?.length ?? 0;
  const size = Math.max(1, options.rowGroupSize ?? 1000);
  const w = await ParquetFileWriter.create(targetPath, specs, options);
  try {
    for (let start = 0; start < n; start += size) {
      const slice: Record<string, ArrayLike<unknown>> = {};
      for (const s of specs) slice[s.name] = Array.prototype.slice.call(columns[s.name], start, Math.min(n, start + size));
      await w.writeRowGroup(slice);
    }
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}
