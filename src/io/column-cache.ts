/**
 * Decoded parquet columns kept between the reads of one pipeline run. Data preparation, then
 * feature retrieval's two passes, read the same table three times, each decompressing and
 * decoding its columns again (body_text in all three); a small table's columns are decoded once.
 *
 * A table is kept only when all its columns, uncompressed, fit `maxBytes` (the metadata says so
 * before anything is read), so a large table is streamed row group by row group as before and its
 * memory bound does not change. Entries are keyed by the file's path, size and modification time,
 * so a file rewritten between two reads is read again. Arrays handed out are shared: callers read
 * them and never modify them.
 */
import { readColumns, type ColumnArrays, type ParquetSource } from './parquet.js';

/** The default budget: uncompressed column bytes of one table. */
export const COLUMN_CACHE_BYTES = 64 * 1024 * 1024;

export class ColumnCache {
  /** Per file version: its columns by row group start and column name (null: too large to keep). */
  private readonly files = new Map<string, Map<string, unknown[]> | null>();
  /** Column reads of kept tables served by the file (misses) and by the cache (hits); for tests. */
  misses = 0;
  hits = 0;

  constructor(private readonly maxBytes = COLUMN_CACHE_BYTES) {}

  /** `names` of the row group `rg` of `source`, from the cache where it has them. */
  async read(source: ParquetSource, names: readonly string[], rg: { rowStart: number; rowEnd: number }): Promise<ColumnArrays> {
    const entries = this.entriesFor(source);
    if (entries === null) return readColumns(source, names, rg);
    const key = (n: string) => `${rg.rowStart}\u0000${n}`;
    const missing = names.filter((n) => !entries.has(key(n)));
    this.hits += names.length - missing.length;
    this.misses += missing.length;
    if (missing.length > 0) {
      const read = await readColumns(source, missing, rg);
      for (const n of missing) entries.set(key(n), read[n]);
    }
    const out: ColumnArrays = {};
    for (const n of names) out[n] = entries.get(key(n))!;
    return out;
  }

  /** Drops every kept column. */
  clear(): void {
    this.files.clear();
  }

  private entriesFor(source: ParquetSource): Map<string, unknown[]> | null {
    const id = `${source.path}\u0000${source.size}\u0000${source.mtimeMs}`;
    let entries = this.files.get(id);
    if (entries === undefined) {
      let bytes = 0;
      for (const rg of source.metadata.row_groups) for (const c of rg.columns) bytes += Number(c.meta_data?.total_uncompressed_size ?? 0);
      entries = bytes <= this.maxBytes ? new Map() : null;
      this.files.set(id, entries);
    }
    return entries;
  }
}
