/**
 * TF-IDF with scikit-learn `TfidfVectorizer` semantics (sklearn 1.2): default analyzer (see
 * tokenizer.ts), vocabulary in code-point (alphabetical) order, min_df / max_df pruning, max_features
 * by corpus term count, raw or sublinear tf (1 + ln tf), smooth idf ln((1+n)/(1+df)) + 1, l2 rows.
 *
 * `fitTfidf` returns a `FittedTfidf` (vocabulary + idf); only a fitted object can `transform`.
 * max_features ties: sklearn keeps the terms with the largest total count through numpy's unstable
 * argsort, so which of several equally frequent terms survive the cut-off is decided by that
 * algorithm; numpy-argsort.ts reproduces it (numpy 1.24, the Debian reference), so ties resolve as
 * in the reference (the shared spam-pipeline fixture has six terms tied at the 500th place).
 */
import { invalidArgument, invalidData, TrainSpamError } from '../core/errors.js';
import type { CsrMatrix } from '../core/matrix.js';
import { numpyArgsort } from './numpy-argsort.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';
import { TermTable } from './term-table.js';
import { ScanBuffers, scanDocument } from './tokenizer.js';

export interface TfidfOptions {
  /** Lower-case before tokenizing (sklearn `lowercase`, default true). */
  readonly lowercase: boolean;
  /** 'english' = sklearn's list, or an explicit list, or null (default null, as sklearn). */
  readonly stopWords: 'english' | readonly string[] | null;
  /** Keep the terms with the largest total count (null = all; default null). */
  readonly maxFeatures: number | null;
  /** Terms in fewer documents are dropped: a count when ≥ 1 (integer), a proportion of documents when < 1. Default 1. */
  readonly minDf: number;
  /** Terms in more documents are dropped: a proportion when ≤ 1, a count when > 1 (integer). Default 1.0. */
  readonly maxDf: number;
  readonly useIdf: boolean;
  readonly smoothIdf: boolean;
  /** tf → 1 + ln(tf) (default false). */
  readonly sublinearTf: boolean;
  readonly norm: 'l2' | 'l1' | null;
}

export const TFIDF_DEFAULTS: TfidfOptions = Object.freeze({
  lowercase: true,
  stopWords: null,
  maxFeatures: null,
  minDf: 1,
  maxDf: 1.0,
  useIdf: true,
  smoothIdf: true,
  sublinearTf: false,
  norm: 'l2' as const,
});

/** Fills defaults and validates; messages name the option. */
export function resolveTfidfOptions(given: Partial<TfidfOptions> = {}): TfidfOptions {
  const o: TfidfOptions = { ...TFIDF_DEFAULTS, ...stripUndefined(given) };
  const bool = (k: keyof TfidfOptions) => {
    if (typeof o[k] !== 'boolean') throw invalidArgument(`tfidf option '${k}' must be a boolean, got ${JSON.stringify(o[k])}`);
  };
  bool('lowercase');
  bool('useIdf');
  bool('smoothIdf');
  bool('sublinearTf');
  if (o.maxFeatures !== null && !(Number.isInteger(o.maxFeatures) && o.maxFeatures >= 1)) {
    throw invalidArgument(`tfidf option 'maxFeatures' must be a positive integer or null, got ${o.maxFeatures}`);
  }
  checkDf('minDf', o.minDf, o.minDf >= 1);
  checkDf('maxDf', o.maxDf, o.maxDf > 1);
  if (o.norm !== null && o.norm !== 'l2' && o.norm !== 'l1') throw invalidArgument(`tfidf option 'norm' must be 'l2', 'l1' or null, got ${JSON.stringify(o.norm)}`);
  const sw = o.stopWords;
  if (!(sw === null || sw === 'english' || (Array.isArray(sw) && sw.every((w) => typeof w === 'string')))) {
    throw invalidArgument(`tfidf option 'stopWords' must be 'english', a list of strings or null`);
  }
  return Object.freeze({ ...o, stopWords: Array.isArray(sw) ? Object.freeze([...sw]) : sw });
}

function checkDf(name: string, v: number, isCount: boolean): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidArgument(`tfidf option '${name}' must be a finite number ≥ 0, got ${v}`);
  if (isCount && !Number.isInteger(v)) throw invalidArgument(`tfidf option '${name}' = ${v} is read as a document count and must be an integer`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function stopSet(sw: TfidfOptions['stopWords']): ReadonlySet<string> | null {
  if (sw === null) return null;
  return new Set(sw === 'english' ? ENGLISH_STOP_WORDS : sw);
}

/** A fitted vectorizer: vocabulary (column order) and idf weights. */
export class FittedTfidf {
  readonly vocabulary: readonly string[];
  readonly idf: Float64Array;
  readonly options: TfidfOptions;
  private readonly table: TermTable;
  private readonly scratch = new ScanBuffers();
  private counts: Float64Array;
  private touched: Int32Array;

  /** Prefer `fitTfidf`; this validates a vocabulary/idf pair (e.g. read from a payload). */
  constructor(vocabulary: readonly string[], idf: Float64Array, options: TfidfOptions) {
    if (vocabulary.length !== idf.length) {
      throw new TrainSpamError('FORMAT_ERROR', `tfidf: vocabulary has ${vocabulary.length} terms but idf has ${idf.length} values`);
    }
    const table = new TermTable(null, vocabulary.length);
    for (let i = 0; i < vocabulary.length; i++) {
      const t = vocabulary[i];
      if (typeof t !== 'string' || t.length === 0) throw new TrainSpamError('FORMAT_ERROR', `tfidf: vocabulary entry ${i} is not a non-empty string`);
      if (table.add(t) !== i) throw new TrainSpamError('FORMAT_ERROR', `tfidf: vocabulary term '${t}' appears twice`);
      if (!Number.isFinite(idf[i]) || idf[i] <= 0) throw new TrainSpamError('FORMAT_ERROR', `tfidf: idf of '${t}' is ${idf[i]}; expected a positive finite number`);
    }
    if (options.maxFeatures !== null && vocabulary.length > options.maxFeatures) {
      throw new TrainSpamError('FORMAT_ERROR', `tfidf: vocabulary has ${vocabulary.length} terms but maxFeatures is ${options.maxFeatures}`);
    }
    this.vocabulary = Object.freeze([...vocabulary]);
    this.idf = idf;
    this.options = options;
    this.table = table;
    this.counts = new Float64Array(vocabulary.length);
    this.touched = new Int32Array(vocabulary.length);
  }

  get numFeatures(): number {
    return this.vocabulary.length;
  }

  /**
   * Checks a vocabulary read back from storage against what a fit produces: terms in code-point
   * order, each one token that the analyzer maps to its own column. A term it never produces
   * ('Money' with lowercase on, 'a', 'two words') would be a column that is 0 for every e-mail,
   * and a reordered vocabulary would hand the model its columns in another order. FORMAT_ERROR
   * naming the term.
   */
  checkStoredVocabulary(): void {
    const v = this.vocabulary;
    const sb = this.scratch;
    for (let i = 0; i < v.length; i++) {
      if (i > 0 && compareCodePoints(v[i - 1], v[i]) >= 0) {
        throw new TrainSpamError('FORMAT_ERROR', `tfidf: vocabulary is not in code-point order: entry ${i - 1} '${v[i - 1]}' comes before entry ${i} '${v[i]}'`);
      }
      sb.n = 0;
      scanDocument(v[i], this.table, false, this.options.lowercase, sb);
      if (sb.n !== 1 || sb.ids[0] !== i) {
        throw new TrainSpamError(
          'FORMAT_ERROR',
          `tfidf: vocabulary entry ${i} '${v[i]}' is not a single token of the analyzer (${this.options.lowercase ? 'lower-case ' : ''}run of 2 or more word characters)`,
        );
      }
    }
  }

  /** Column index of a term, or -1. */
  indexOf(term: string): number {
    return this.table.get(term);
  }

  /** Rows = documents, columns = vocabulary. */
  transform(docs: readonly string[]): CsrMatrix {
    const sb = this.scratch;
    const builder = new CsrBuilder(docs.length, this.vocabulary.length);
    for (let d = 0; d < docs.length; d++) {
      const doc = docs[d];
      // a non-string would scan as an empty document (a number has no length) or throw a TypeError
      if (typeof doc !== 'string') throw invalidData(`tfidf: document ${d} is ${doc === null ? 'null' : typeof doc}; expected a string`, { row: d });
      sb.n = 0;
      scanDocument(doc, this.table, false, this.options.lowercase, sb);
      builder.addRow(sb.ids, 0, sb.n, null, this.counts, this.touched, this.idf, this.options);
    }
    return builder.finish();
  }
}

/** Learns vocabulary and idf from `docs`. */
export function fitTfidf(docs: readonly string[], options: Partial<TfidfOptions> = {}): FittedTfidf {
  const f = new TfidfFitter(options);
  f.add(docs);
  return f.finish().fitted;
}

/** fit + transform of the same documents, tokenizing each document once. */
export function fitTransformTfidf(docs: readonly string[], options: Partial<TfidfOptions> = {}): { fitted: FittedTfidf; matrix: CsrMatrix } {
  const f = new TfidfFitter(options, true);
  f.add(docs);
  const r = f.finish();
  return { fitted: r.fitted, matrix: r.matrix as CsrMatrix };
}

/**
 * The fit, fed in batches: `add(docs)` any number of times (a corpus streamed from disk), then
 * `finish()`. Only the term table and per-term counts are kept, not the documents, unless
 * `keepTokens` (fitTransformTfidf: the token ids are kept to build the matrix without a second scan).
 * `keepTokens` may be a budget: the most token ids to hold; past it the kept tokens are dropped and
 * `finish()` returns no matrix (the caller transforms the documents again), so memory stays bounded
 * on corpora of any size. Batches give the same vocabulary and idf as one call with all the documents.
 */
export class TfidfFitter {
  private readonly o: TfidfOptions;
  private readonly table: TermTable;
  private sb = new ScanBuffers();
  private docStart: Int32Array | null;
  private readonly maxKept: number;
  private tf: Float64Array = new Float64Array(1 << 14);
  private df: Int32Array = new Int32Array(1 << 14);
  private last: Int32Array = new Int32Array(1 << 14).fill(-1);
  private nDocs = 0;

  constructor(options: Partial<TfidfOptions> = {}, keepTokens: boolean | number = false) {
    this.o = resolveTfidfOptions(options);
    this.table = new TermTable(stopSet(this.o.stopWords), 1 << 14);
    this.maxKept = keepTokens === true ? Infinity : keepTokens === false ? 0 : keepTokens;
    this.docStart = this.maxKept > 0 ? new Int32Array(1024) : null;
  }

  /** Documents seen so far. */
  get documents(): number {
    return this.nDocs;
  }

  add(docs: readonly string[]): void {
    const { table, o } = this;
    for (let i = 0; i < docs.length; i++) {
      const d = this.nDocs;
      const doc = docs[i];
      if (typeof doc !== 'string') throw invalidData(`tfidf: document ${d} is ${doc === null ? 'null' : typeof doc}; expected a string`, { row: d });
      const sb = this.sb;
      const keep = this.docStart !== null;
      const from = keep ? sb.n : 0;
      if (!keep) sb.n = 0;
      scanDocument(doc, table, true, o.lowercase, sb);
      if (table.size > this.tf.length) {
        let cap = this.tf.length;
        while (cap < table.size) cap *= 2;
        this.tf = growF64(this.tf, cap);
        this.df = growI32(this.df, cap, 0);
        this.last = growI32(this.last, cap, -1);
      }
      countDoc(sb.ids, from, sb.n, d, this.tf, this.df, this.last);
      if (this.docStart) {
        if (d + 2 > this.docStart.length) this.docStart = growI32(this.docStart, 2 * (d + 2), 0);
        this.docStart[d + 1] = sb.n;
        if (sb.n > this.maxKept) {
          // Over budget: drop the kept tokens (and their buffer), count from here on only.
          this.docStart = null;
          this.sb = new ScanBuffers();
        }
      }
      this.nDocs++;
    }
  }

  /**
   * Vocabulary and idf; `nnz` = the non-zeros of the documents' matrix (Σ df over the kept terms),
   * and the matrix itself when the tokens were kept.
   */
  finish(): { fitted: FittedTfidf; nnz: number; matrix: CsrMatrix | null } {
    const { table, tf, df, o, nDocs } = this;
    if (nDocs === 0) throw invalidData('tfidf: no documents to fit; expected at least one');
    const cols = selectVocabulary(table, tf, df, nDocs, o);
    const vocabulary = cols.map((id) => table.term(id));
    const idf = new Float64Array(cols.length);
    let nnz = 0;
    for (let j = 0; j < cols.length; j++) {
      const dfj = df[cols[j]];
      nnz += dfj;
      idf[j] = !o.useIdf ? 1 : o.smoothIdf ? Math.log((nDocs + 1) / (dfj + 1)) + 1 : Math.log(nDocs / dfj) + 1;
    }
    const fitted = new FittedTfidf(vocabulary, idf, o);
    const docStart = this.docStart;
    if (!docStart) return { fitted, nnz, matrix: null };
    const colOf = new Int32Array(table.size).fill(-1);
    for (let j = 0; j < cols.length; j++) colOf[cols[j]] = j;
    const builder = new CsrBuilder(nDocs, cols.length);
    const counts = new Float64Array(cols.length);
    const touched = new Int32Array(cols.length);
    for (let d = 0; d < nDocs; d++) builder.addRow(this.sb.ids, docStart[d], docStart[d + 1], colOf, counts, touched, idf, o);
    return { fitted, nnz, matrix: builder.finish() };
  }
}

function countDoc(ids: Int32Array, from: number, to: number, d: number, tf: Float64Array, df: Int32Array, last: Int32Array): void {
  for (let k = from; k < to; k++) {
    const id = ids[k];
    tf[id] += 1;
    if (last[id] !== d) {
      last[id] = d;
      df[id] += 1;
    }
  }
}

/** Term ids of the vocabulary in column (code-point) order, after df pruning and max_features. */
function selectVocabulary(table: TermTable, tf: Float64Array, df: Int32Array, nDocs: number, o: TfidfOptions): number[] {
  const high = o.maxDf <= 1 ? o.maxDf * nDocs : o.maxDf;
  const low = o.minDf >= 1 ? o.minDf : o.minDf * nDocs;
  if (high < low) throw invalidArgument(`tfidf: maxDf (${o.maxDf}) corresponds to fewer documents than minDf (${o.minDf}) over ${nDocs} documents`);
  let seen = 0;
  let cand: number[] = [];
  for (let id = 0; id < table.size; id++) {
    if (table.stop[id] !== 0 || df[id] === 0) continue;
    seen++;
    if (df[id] <= high && df[id] >= low) cand.push(id);
  }
  if (seen === 0) throw invalidData('tfidf: empty vocabulary; the documents contain no tokens or only stop words');
  if (cand.length === 0) throw invalidData(`tfidf: after pruning with minDf=${o.minDf} and maxDf=${o.maxDf}, no terms remain; lower minDf or raise maxDf`);
  const k = o.maxFeatures;
  if (k !== null && cand.length > k) {
    // sklearn: (-tfs[mask]).argsort()[:max_features] over the alphabetical columns, numpy's
    // unstable quicksort deciding among equal counts; the kept columns stay alphabetical.
    const vals = new Float64Array(cand.length);
    for (let i = 0; i < cand.length; i++) vals[i] = tf[cand[i]];
    vals.sort();
    const cut = vals[vals.length - k];
    if (vals[vals.length - k - 1] !== cut) {
      // No tie at the cut-off: the kept set is the top k whatever the order; sort only those.
      cand = cand.filter((id) => tf[id] >= cut);
    } else {
      cand = sortByCodePoint(cand, table);
      const neg = new Float64Array(cand.length);
      for (let i = 0; i < cand.length; i++) neg[i] = -tf[cand[i]];
      const order = numpyArgsort(neg);
      const keep = new Uint8Array(cand.length);
      for (let i = 0; i < k; i++) keep[order[i]] = 1;
      return cand.filter((_, i) => keep[i] === 1);
    }
  }
  return sortByCodePoint(cand, table);
}

/**
 * Term ids ordered by their terms in code-point order, compared as units in the term table's pool
 * (no strings). UTF-16 order differs from code-point order only between a surrogate and
 * U+E000..U+FFFF, so units are compared after fixUnit (an order-preserving remap by code point).
 * MSD radix style: one numeric sort on (two units, position) keys, then each run of terms sharing
 * those units is sorted the same way on the next two units; short runs by insertion sort.
 */
function sortByCodePoint(ids: number[], table: TermTable): number[] {
  if (ids.length >= RUN_POS) return sortByCodePointStrings(ids, table);
  const out = ids.slice();
  sortRun(out, 0, out.length, 0, table.pool, table.start, table.len);
  return out;
}

/** Positions per numeric key: (65537²) × 2^20 stays below 2^53. */
const RUN_POS = 1048576;

/** Unit `k` of a term (after fixUnit) + 1, or 0 past its end (a shorter term sorts first). */
function unitKey(pool: Uint16Array, o: number, l: number, k: number): number {
  return k < l ? fixUnit(pool[o + k]) + 1 : 0;
}

/**
 * Sorts ids[from..to), whose terms all share their first `depth` units. Each phase is a function of
 * its own, one loop each: with the loops inline, V8 entered its on-stack-replacement code of the
 * first hot loop on each call and threw it away at the next loop, ~1,300 times per corpus fit.
 */
function sortRun(ids: number[], from: number, to: number, depth: number, pool: Uint16Array, start: Int32Array, len: Int32Array): void {
  const n = to - from;
  if (n < 2) return;
  if (depth >= 64) {
    sortLongPrefix(ids, from, to, depth, pool, start, len);
    return;
  }
  if (n <= 12) {
    insertionSortRun(ids, from, to, depth, pool, start, len);
    return;
  }
  const keys = runKeys(ids, from, n, depth, pool, start, len);
  keys.sort();
  reorderByKeys(ids, from, keys);
  for (let i = 0; i < n; ) {
    const j = runEnd(keys, i);
    // A run longer than one continues past both units (distinct terms cannot both end there).
    if (j - i > 1) sortRun(ids, from + i, from + j, depth + 2, pool, start, len);
    i = j;
  }
}

/** Long shared prefixes (e.g. runs of encoded data): one comparison sort, no deeper recursion. */
function sortLongPrefix(ids: number[], from: number, to: number, depth: number, pool: Uint16Array, start: Int32Array, len: Int32Array): void {
  const part = ids.slice(from, to).sort((a, b) => compareTerms(pool, start, len, a, b, depth));
  for (let i = 0; i < part.length; i++) ids[from + i] = part[i];
}

function insertionSortRun(ids: number[], from: number, to: number, depth: number, pool: Uint16Array, start: Int32Array, len: Int32Array): void {
  for (let i = from + 1; i < to; i++) {
    const v = ids[i];
    let j = i - 1;
    while (j >= from && compareTerms(pool, start, len, ids[j], v, depth) > 0) {
      ids[j + 1] = ids[j];
      j--;
    }
    ids[j + 1] = v;
  }
}

/** Per id of the run: its next two units (depth, depth + 1) as one number, then its position. */
function runKeys(ids: number[], from: number, n: number, depth: number, pool: Uint16Array, start: Int32Array, len: Int32Array): Float64Array {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const id = ids[from + i];
    const o = start[id];
    const l = len[id];
    keys[i] = (unitKey(pool, o, l, depth) * 65537 + unitKey(pool, o, l, depth + 1)) * RUN_POS + i;
  }
  return keys;
}

/**
 * ids[from..) in the order of the sorted keys (whose low part is the position). One loop per
 * function: V8 reuses the on-stack-replacement code of a hot first loop on every call, and that
 * code, compiled before the second loop ever ran, was thrown away there on each call.
 */
function reorderByKeys(ids: number[], from: number, keys: Float64Array): void {
  copyInto(ids, from, gatherByKeys(ids, from, keys));
}

function gatherByKeys(ids: number[], from: number, keys: Float64Array): Int32Array {
  const sorted = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) sorted[i] = ids[from + (keys[i] % RUN_POS)];
  return sorted;
}

function copyInto(ids: number[], from: number, values: Int32Array): void {
  for (let i = 0; i < values.length; i++) ids[from + i] = values[i];
}

/** The end of the run of keys from i sharing its two units. */
function runEnd(keys: Float64Array, i: number): number {
  const p = Math.floor(keys[i] / RUN_POS);
  let j = i + 1;
  while (j < keys.length && Math.floor(keys[j] / RUN_POS) === p) j++;
  return j;
}

/** Code-point comparison of terms a and b from unit `from` on (earlier units equal). */
function compareTerms(pool: Uint16Array, start: Int32Array, len: Int32Array, a: number, b: number, from: number): number {
  const oa = start[a];
  const ob = start[b];
  const la = len[a];
  const lb = len[b];
  const m = Math.min(la, lb);
  for (let k = from; k < m; k++) {
    const x = pool[oa + k];
    const y = pool[ob + k];
    if (x !== y) return fixUnit(x) - fixUnit(y);
  }
  return la - lb;
}

/** sortByCodePoint through strings (for 2^20 terms or more). */
function sortByCodePointStrings(ids: number[], table: TermTable): number[] {
  const keys: string[] = new Array(ids.length);
  const idOf = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const t = table.term(ids[i]);
    let k = t;
    for (let j = 0; j < t.length; j++) {
      if (t.charCodeAt(j) >= 0xd800) {
        k = codePointKey(t);
        break;
      }
    }
    keys[i] = k;
    idOf.set(k, ids[i]);
  }
  keys.sort();
  return keys.map((k) => idOf.get(k) as number);
}

/** A string whose UTF-16 order equals the code-point order of `t` (units ≥ U+D800 remapped). */
function codePointKey(t: string): string {
  let k = '';
  for (let j = 0; j < t.length; j++) k += String.fromCharCode(fixUnit(t.charCodeAt(j)));
  return k;
}

/** Orders strings by Unicode code point, as Python compares str (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return fixUnit(x) - fixUnit(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

function fixUnit(u: number): number {
  if (u >= 0xe000) return u - 0x800;
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  return u;
}

function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

function growI32(a: Int32Array, cap: number, fill: number): Int32Array {
  const b = new Int32Array(cap);
  if (fill !== 0) b.fill(fill, a.length);
  b.set(a);
  return b;
}

/** Builds CSR rows from token-id streams: counts, tf weighting, idf, row norm. */
class CsrBuilder {
  private indptr: Int32Array;
  private indices: Int32Array;
  private data: Float64Array;
  private row = 0;
  private nnz = 0;

  constructor(private readonly rows: number, private readonly cols: number) {
    this.indptr = new Int32Array(rows + 1);
    const est = Math.max(16, rows * 16);
    this.indices = new Int32Array(est);
    this.data = new Float64Array(est);
  }

  /** ids[from..to) are term ids; `colOf` maps them to columns (null = already columns; -1 = dropped). */
  addRow(ids: Int32Array, from: number, to: number, colOf: Int32Array | null, counts: Float64Array, touched: Int32Array, idf: Float64Array, o: TfidfOptions): void {
    const k = gatherCounts(ids, from, to, colOf, counts, touched);
    if (this.nnz + k > this.indices.length) {
      let cap = this.indices.length * 2;
      while (cap < this.nnz + k) cap *= 2;
      const ind = new Int32Array(cap);
      ind.set(this.indices.subarray(0, this.nnz));
      const dat = new Float64Array(cap);
      dat.set(this.data.subarray(0, this.nnz));
      this.indices = ind;
      this.data = dat;
    }
    const t = touched.subarray(0, k);
    t.sort();
    writeRow(t, k, counts, idf, o.sublinearTf, o.norm === 'l2' ? 2 : o.norm === 'l1' ? 1 : 0, this.indices, this.data, this.nnz);
    this.nnz += k;
    this.indptr[++this.row] = this.nnz;
  }

  finish(): CsrMatrix {
    if (this.row !== this.rows) throw new TrainSpamError('INTERNAL', `tfidf: built ${this.row} rows, expected ${this.rows}`);
    return {
      rows: this.rows,
      cols: this.cols,
      indptr: this.indptr,
      indices: this.indices.slice(0, this.nnz),
      data: this.data.slice(0, this.nnz),
    };
  }
}

function gatherCounts(ids: Int32Array, from: number, to: number, colOf: Int32Array | null, counts: Float64Array, touched: Int32Array): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    const c = colOf === null ? ids[i] : colOf[ids[i]];
    if (c < 0) continue;
    if (counts[c] === 0) touched[k++] = c;
    counts[c] += 1;
  }
  return k;
}

function writeRow(cols: Int32Array, k: number, counts: Float64Array, idf: Float64Array, sublinear: boolean, norm: number, indices: Int32Array, data: Float64Array, at: number): void {
  let acc = 0;
  for (let i = 0; i < k; i++) {
    const c = cols[i];
    const tf = counts[c];
    counts[c] = 0;
    const v = (sublinear ? Math.log(tf) + 1 : tf) * idf[c];
    indices[at + i] = c;
    data[at + i] = v;
    acc += norm === 2 ? v * v : Math.abs(v);
  }
  if (norm === 0 || acc === 0) return;
  const div = norm === 2 ? Math.sqrt(acc) : acc;
  for (let i = 0; i < k; i++) data[at + i] /= div;
}
