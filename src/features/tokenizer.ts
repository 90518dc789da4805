/**
 * scikit-learn's default analyzer for `TfidfVectorizer`: lower-case, then take every match of the
 * token pattern `(?u)\b\w\w+\b`, i.e. every maximal run of two or more Unicode word characters
 * (Python's `\w`: letters, digits/numerics and `_`), then drop stop words.
 *
 * Fast path: a char-code scanner that lower-cases, classifies and hashes each UTF-16 unit through
 * one 64K-entry table and looks tokens up in a `TermTable` without building strings. The table
 * holds, per BMP unit, its lower-case form when that is a word character (else 0); it is exact for
 * every unit whose full lower-case mapping is one context-free unit. The few that are not
 * (U+0130 'İ' → two units, U+03A3 'Σ' with its final-sigma rule) and surrogates (astral code points)
 * send the document to the full path: `String.prototype.toLowerCase` (the same full case mapping as
 * Python's `str.lower`) then a code-point scan. Word characters are Python's `\w` exactly, as a
 * range table read from CPython (word-ranges.ts; equal to `[\p{L}\p{N}_]` on Unicode 14), token
 * length counted in code points as Python does.
 */
import { HASH_SEED, STOP_HIT, TermTable } from './term-table.js';
import { PY_WORD_RANGES } from './word-ranges.js';

/** ASCII code → lower-cased code when the char is a word char ([A-Za-z0-9_]), else 0. */
const ASCII_WORD_LOWER: Uint16Array = buildAsciiTable(true);
/** ASCII code → the same code when the char is a word char, else 0 (lowercase: false). */
const ASCII_WORD_KEEP: Uint16Array = buildAsciiTable(false);
/** BMP code unit → 1 when it is a word char (Python `\w`, from PY_WORD_RANGES); surrogates are 0. */
const BMP_WORD: Uint8Array = buildBmpTable();
/** Fast-path tables: unit → lower-cased word unit, 0 = not a word char, BAIL = needs the full path. */
const BAIL = 1;
const FAST_LOWER: Uint16Array = buildFastTable(true);
const FAST_KEEP: Uint16Array = buildKeepTable();

/** lowercase: false — each word unit maps to itself; surrogates take the full path. */
function buildKeepTable(): Uint16Array {
  const t = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) t[c] = BMP_WORD[c] !== 0 ? c : 0;
  t.fill(BAIL, 0xd800, 0xe000);
  return t;
}

function buildFastTable(lower: boolean): Uint16Array {
  const t = new Uint16Array(65536);
  const chunk = 4096;
  for (let base = 0; base < 65536; base += chunk) {
    const units: number[] = new Array(chunk);
    for (let i = 0; i < chunk; i++) {
      const c = base + i;
      units[i] = c >= 0xd800 && c <= 0xdfff ? 32 : c;
    }
    const s = String.fromCharCode.apply(null, units);
    const l = lower ? s.toLowerCase() : s;
    const aligned = l.length === s.length;
    for (let i = 0; i < chunk; i++) {
      const c = base + i;
      if ((c >= 0xd800 && c <= 0xdfff) || (lower && c === 0x03a3)) {
        t[c] = BAIL;
        continue;
      }
      let lc: number;
      if (aligned) lc = l.charCodeAt(i);
      else {
        const x = lower ? String.fromCharCode(c).toLowerCase() : String.fromCharCode(c);
        if (x.length !== 1) {
          t[c] = BAIL;
          continue;
        }
        lc = x.charCodeAt(0);
      }
      t[c] = lc < 128 ? (isAsciiWord(lc) ? lc : 0) : BMP_WORD[lc] !== 0 ? lc : 0;
    }
  }
  return t;
}

function isAsciiWord(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

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
  const r = PY_WORD_RANGES;
  for (let k = 0; k < r.length && r[k] < 65536; k += 2) t.fill(1, r[k], Math.min(r[k + 1], 65535) + 1);
  return t;
}

/** Python `\w` for any code point (binary search over PY_WORD_RANGES). */
function isWordCodePoint(cp: number): boolean {
  const r = PY_WORD_RANGES;
  let lo = 0;
  let hi = r.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < r[2 * mid]) hi = mid - 1;
    else if (cp > r[2 * mid + 1]) lo = mid + 1;
    else return true;
  }
  return false;
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
 * (the table's stop words). With `intern` new terms are added to the table; otherwise
 * tokens absent from the table are skipped (vocabulary lookup).
 */
export function scanDocument(doc: string, table: TermTable, intern: boolean, lowercase: boolean, sb: ScanBuffers): void {
  sb.reserve(doc.length);
  const n = scanFast(doc, lowercase ? FAST_LOWER : FAST_KEEP, sb.buf, table, intern, sb.ids, sb.n);
  if (n >= 0) {
    sb.n = n;
    return;
  }
  const ascii = lowercase ? ASCII_WORD_LOWER : ASCII_WORD_KEEP;
  const text = lowercase ? doc.toLowerCase() : doc;
  sb.reserve(text.length);
  sb.n = scanUnicode(text, ascii, BMP_WORD, sb.buf, table, intern, sb.ids, sb.n);
}

/**
 * Looks buf[0..len) (hash h) up in the table's slots: the term id, STOP_HIT for a stop word, or
 * -(slot + 1) of the empty slot where it would be inserted. Small enough for V8 to inline.
 */
function probe(slots: Int32Array, mask: number, pool: Uint16Array, buf: Uint16Array, len: number, h: number): number {
  let s = h & mask;
  for (;;) {
    const b = s << 2;
    const v = slots[b];
    if (v === 0) return -(s + 1);
    if (slots[b + 1] === h && slots[b + 3] === len) {
      const o = slots[b + 2];
      let k = 0;
      while (k < len && pool[o + k] === buf[k]) k++;
      if (k === len) return v > 0 ? v - 1 : STOP_HIT;
    }
    s = (s + 1) & mask;
  }
}

/**
 * The id to emit for the token in buf[0..len) (hash h): its term id (inserted when new and
 * `intern`), or -1 for a stop word or (without `intern`) an unknown term.
 */
function tokenId(table: TermTable, buf: Uint16Array, len: number, h: number, intern: boolean): number {
  const id = probe(table.slots, table.mask, table.pool, buf, len, h);
  if (id >= 0) return id;
  if (id === STOP_HIT || !intern) return -1;
  return table.insertAt(-id - 1, buf, len, h);
}

/**
 * Table-driven scanner; returns the new stream length, or -1 at the first unit that needs the full
 * path.
 */
function scanFast(doc: string, fast: Uint16Array, buf: Uint16Array, table: TermTable, intern: boolean, out: Int32Array, n0: number): number {
  let n = n0;
  let len = 0;
  let h = HASH_SEED;
  const end = doc.length;
  // One pass past the end (w = 0) ends the last token; a separate flush after the loop had no type
  // feedback when the loop was optimized and kept deoptimizing it.
  for (let i = 0; i <= end; i++) {
    const w = i < end ? fast[doc.charCodeAt(i)] : 0;
    if (w > BAIL) {
      buf[len++] = w;
      h = Math.imul(h ^ w, 0x01000193);
      continue;
    }
    if (w === BAIL) return -1;
    if (len >= 2) {
      const id = tokenId(table, buf, len, h, intern);
      if (id >= 0) out[n++] = id;
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
        word = isWordCodePoint(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000);
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
        const id = tokenId(table, buf, len, h, intern);
        if (id >= 0) out[n++] = id;
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
export function tokenize(doc: string, options: { lowercase?: boolean; stopWords?: ReadonlySet<string> | readonly string[] | null } = {}): string[] {
  const table = new TermTable(options.stopWords ?? null);
  const sb = new ScanBuffers();
  scanDocument(doc, table, true, options.lowercase ?? true, sb);
  const out: string[] = new Array(sb.n);
  for (let i = 0; i < sb.n; i++) out[i] = table.term(sb.ids[i]);
  return out;
}
