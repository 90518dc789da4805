/**
 * scikit-learn's default analyzer for `TfidfVectorizer`: lower-case, then take every match of the
 * token pattern `(?u)\b\w\w+\b`, i.e. every maximal run of two or more Unicode word characters
 * (Python's `\w`: letters, digits/numerics and `_`), then drop stop words.
 *
 * Fast path: a char-code scanner over ASCII text that lower-cases and hashes as it goes and looks
 * tokens up in a `TermTable` without building strings. A document holding any non-ASCII code unit
 * is re-scanned on the Unicode path: `String.prototype.toLowerCase` (the same full case mapping as
 * Python's `str.lower`, final sigma included) and a word-character table equal to Python's `\w`
 * (`[\p{L}\p{N}_]`; the two agree on every code point assigned in Unicode 14), counting token
 * length in code points as Python does.
 */
import { HASH_SEED, TermTable } from './term-table.js';

/** ASCII code → lower-cased code when the char is a word char ([A-Za-z0-9_]), else 0. */
const ASCII_WORD_LOWER: Uint16Array = buildAsciiTable(true);
/** ASCII code → the same code when the char is a word char, else 0 (lowercase: false). */
const ASCII_WORD_KEEP: Uint16Array = buildAsciiTable(false);
/** BMP code unit → 1 when it is a word char (Python `\w`); surrogates are 0. */
const BMP_WORD: Uint8Array = buildBmpTable();
const ASTRAL_WORD = /^[\p{L}\p{N}_]$/u;

function buildAsciiTable(lower: boolean): Uint16Array {
  const t = new Uint16Array(128);
  for (let c = 0; c < 128; c++) {
    if (c >= 65 && c <= 90) t[c] = lower ? c + 32 : c;
    else if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) t[c] = c;
  }
  return t;
}

function buildBmpTable(): Uint8Array {
  const t = new Uint8Array(65536);
  const chunk = 4096;
  const re = /[\p{L}\p{N}_]+/gu;
  for (let base = 0; base < 65536; base += chunk) {
    const units: number[] = new Array(chunk);
    for (let i = 0; i < chunk; i++) {
      const c = base + i;
      units[i] = c >= 0xd800 && c <= 0xdfff ? 32 : c;
    }
    const s = String.fromCharCode.apply(null, units);
    re.lastIndex = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) {
      for (let k = 0; k < m[0].length; k++) t[base + m.index + k] = 1;
    }
  }
  return t;
}

/** Reusable scratch space for scanning: a token buffer and a growing id stream. */
export class ScanBuffers {
  buf: Uint16Array = new Uint16Array(4096);
  ids: Int32Array = new Int32Array(1 << 16);
  n = 0;

  /** Makes room for a document of `len` code units (its token buffer and its worst-case token count). */
  reserve(len: number): void {
    if (this.buf.length < len + 2) {
      let cap = this.buf.length;
      while (cap < len + 2) cap *= 2;
      this.buf = new Uint16Array(cap);
    }
    const need = this.n + (len >> 1) + 2;
    if (need > this.ids.length) {
      let cap = this.ids.length;
      while (cap < need) cap *= 2;
      const ids = new Int32Array(cap);
      ids.set(this.ids.subarray(0, this.n));
      this.ids = ids;
    }
  }
}

/**
 * Appends the ids of the document's tokens to `sb.ids` (from `sb.n` on), skipping stop words
 * (terms flagged in `table.stop`). With `intern` new terms are added to the table; otherwise
 * tokens absent from the table are skipped (vocabulary lookup).
 */
export function scanDocument(doc: string, table: TermTable, intern: boolean, lowercase: boolean, sb: ScanBuffers): void {
  sb.reserve(doc.length);
  const ascii = lowercase ? ASCII_WORD_LOWER : ASCII_WORD_KEEP;
  const n = scanAscii(doc, ascii, sb.buf, table, intern, sb.ids, sb.n);
  if (n >= 0) {
    sb.n = n;
    return;
  }
  const text = lowercase ? doc.toLowerCase() : doc;
  sb.reserve(text.length);
  sb.n = scanUnicode(text, ascii, BMP_WORD, sb.buf, table, intern, sb.ids, sb.n);
}

/**
 * ASCII-only scanner; returns the new stream length, or -1 at the first non-ASCII code unit.
 * The hash-table probe is inlined over the table's arrays (held in locals, refreshed after an insert).
 */
function scanAscii(doc: string, ascii: Uint16Array, buf: Uint16Array, table: TermTable, intern: boolean, out: Int32Array, n0: number): number {
  let slots = table.slots;
  let mask = table.mask;
  let hashes = table.hash;
  let lens = table.len;
  let starts = table.start;
  let pool = table.pool;
  let stop = table.stop;
  let n = n0;
  let len = 0;
  let h = HASH_SEED;
  const end = doc.length;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? doc.charCodeAt(i) : 32;
    if (c >= 128) return -1;
    const w = ascii[c];
    if (w !== 0) {
      buf[len++] = w;
      h = Math.imul(h ^ w, 0x01000193);
      continue;
    }
    if (len >= 2) {
      let s = h & mask;
      let id = -1;
      for (;;) {
        const v = slots[s];
        if (v === 0) break;
        const j = v - 1;
        if (hashes[j] === h && lens[j] === len) {
          const o = starts[j];
          let k = 0;
          while (k < len && pool[o + k] === buf[k]) k++;
          if (k === len) {
            id = j;
            break;
          }
        }
        s = (s + 1) & mask;
      }
      if (id < 0 && intern) {
        id = table.insertAt(s, buf, len, h);
        slots = table.slots;
        mask = table.mask;
        hashes = table.hash;
        lens = table.len;
        starts = table.start;
        pool = table.pool;
        stop = table.stop;
      }
      if (id >= 0 && stop[id] === 0) out[n++] = id;
    }
    len = 0;
    h = HASH_SEED;
  }
  return n;
}

/** Unicode-aware scanner over already lower-cased text; token length counted in code points. */
function scanUnicode(text: string, ascii: Uint16Array, bmp: Uint8Array, buf: Uint16Array, table: TermTable, intern: boolean, out: Int32Array, n0: number): number {
  let n = n0;
  let len = 0;
  let cps = 0;
  let h = HASH_SEED;
  const end = text.length;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? text.charCodeAt(i) : 32;
    let word = false;
    let pair = false;
    if (c < 128) {
      word = ascii[c] !== 0;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pair = true;
        word = ASTRAL_WORD.test(text.slice(i, i + 2));
      }
    } else {
      word = bmp[c] !== 0;
    }
    if (word) {
      const u = c < 128 ? ascii[c] : c;
      buf[len++] = u;
      h = Math.imul(h ^ u, 0x01000193);
      if (pair) {
        const d = text.charCodeAt(++i);
        buf[len++] = d;
        h = Math.imul(h ^ d, 0x01000193);
      }
      cps++;
    } else {
      if (cps >= 2) {
        const id = intern ? table.intern(buf, len, h) : table.lookup(buf, len, h);
        if (id >= 0 && table.stop[id] === 0) out[n++] = id;
      }
      len = 0;
      cps = 0;
      h = HASH_SEED;
      if (pair) i++;
    }
  }
  return n;
}

/**
 * The analyzer as a plain function (for tests and debugging; the vectorizer never builds token
 * strings): the document's tokens in order, lower-cased, stop words removed.
 */
export function tokenize(doc: string, options: { lowercase?: boolean; stopWords?: ReadonlySet<string> | null } = {}): string[] {
  const table = new TermTable(options.stopWords ?? null);
  const sb = new ScanBuffers();
  scanDocument(doc, table, true, options.lowercase ?? true, sb);
  const out: string[] = new Array(sb.n);
  for (let i = 0; i < sb.n; i++) out[i] = table.terms[sb.ids[i]];
  return out;
}
