/**
 * An open-addressing hash table from terms to dense ids (0, 1, 2, ... in insertion order). Keys are
 * compared as UTF-16 code units straight from the scanner's scratch buffer, so tokens that are
 * already known never become JavaScript strings; a term's string is built only when asked for
 * (`term(id)`: the vocabulary, the code-point sort), not when the term is inserted.
 *
 * Each slot is four int32 side by side — [id + 1 (0 = empty, negated for a stop word), hash, pool
 * start, length] — so a probe reads one cache line before it compares units in the pool. Stop words
 * are inserted up front (flagged), so a token is a stop word exactly when its probe finds a flagged
 * slot: no string and no Set lookup per new term.
 */

/** FNV-1a offset basis; the scanner folds each lower-cased code unit in with `fnvStep`. */
export const HASH_SEED = 0x811c9dc5 | 0;

/** `probe` result for a stop word (distinct from every id ≥ 0 and every -(slot + 1)). */
export const STOP_HIT = -0x40000000;

export function fnvStep(h: number, unit: number): number {
  return Math.imul(h ^ unit, 0x01000193);
}

export class TermTable {
  // The arrays below are read directly by the scanner's inlined probe (tokenizer.ts); only this
  // class writes them, and `insertAt` may replace them (callers re-read after inserting).
  /** 1 when the term is a stop word (given to the constructor). */
  stop: Uint8Array = new Uint8Array(64);
  /** Code units of all terms; term id's units are pool[start[id] .. start[id] + len[id]). */
  pool: Uint16Array = new Uint16Array(1 << 16);
  private poolUsed = 0;
  start: Int32Array = new Int32Array(64);
  len: Int32Array = new Int32Array(64);
  hash: Int32Array = new Int32Array(64);
  /** 4 int32 per slot: [id + 1 (0 = empty; negative = stop word), hash, start, len]. Slot count is a power of two, kept at most half full. */
  slots: Int32Array;
  /** Slot count - 1. */
  mask: number;
  private count = 0;
  private strings: (string | undefined)[] = [];

  constructor(stopWords: Iterable<string> | null = null, expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap <<= 1;
    this.slots = new Int32Array(cap * 4);
    this.mask = cap - 1;
    if (stopWords !== null) {
      for (const w of stopWords) {
        const id = this.add(w);
        if (this.stop[id] !== 0) continue;
        this.stop[id] = 1;
        const s = this.find(this.pool.subarray(this.start[id], this.start[id] + this.len[id]), this.len[id], this.hash[id]);
        this.slots[s << 2] = -(id + 1);
      }
    }
  }

  /** Number of terms (stop words included). */
  get size(): number {
    return this.count;
  }

  /** The string of term `id` (built on first request). */
  term(id: number): string {
    let s = this.strings[id];
    if (s === undefined) {
      s = unitsToString(this.pool, this.start[id], this.len[id]);
      this.strings[id] = s;
    }
    return s;
  }

  /** Id of the term held in buf[0..n) with hash h, or -1. */
  lookup(buf: Uint16Array, n: number, h: number): number {
    const s = this.find(buf, n, h);
    if (s < 0) return -1;
    const v = this.slots[s << 2];
    return (v < 0 ? -v : v) - 1;
  }

  /** Id of the term in buf[0..n), inserting it when new. */
  intern(buf: Uint16Array, n: number, h: number): number {
    const s = this.find(buf, n, h);
    if (s < 0) return this.insertAt(-s - 1, buf, n, h);
    const v = this.slots[s << 2];
    return (v < 0 ? -v : v) - 1;
  }

  /** Slot holding the term, or -(empty slot + 1). */
  private find(buf: Uint16Array, n: number, h: number): number {
    const slots = this.slots;
    const pool = this.pool;
    const mask = this.mask;
    let s = h & mask;
    for (;;) {
      const b = s << 2;
      if (slots[b] === 0) return -(s + 1);
      if (slots[b + 1] === h && slots[b + 3] === n) {
        const o = slots[b + 2];
        let k = 0;
        while (k < n && pool[o + k] === buf[k]) k++;
        if (k === n) return s;
      }
      s = (s + 1) & mask;
    }
  }

  /** Adds a term given as a string (used to build a vocabulary table). Returns its id. */
  add(term: string): number {
    const buf = unitsOf(term);
    return this.intern(buf, buf.length, hashUnits(buf));
  }

  /** Id of a term given as a string, or -1. */
  get(term: string): number {
    const buf = unitsOf(term);
    return this.lookup(buf, buf.length, hashUnits(buf));
  }

  /** Inserts a new (non-stop) term at the empty `slot` its probe ended on; returns its id. */
  insertAt(slot: number, buf: Uint16Array, n: number, h: number): number {
    const id = this.count;
    if (id === this.start.length) this.growIds();
    const at = this.poolUsed;
    if (at + n > this.pool.length) {
      let cap = this.pool.length * 2;
      while (cap < at + n) cap *= 2;
      const p = new Uint16Array(cap);
      p.set(this.pool.subarray(0, at));
      this.pool = p;
    }
    const pool = this.pool;
    for (let k = 0; k < n; k++) pool[at + k] = buf[k];
    this.start[id] = at;
    this.len[id] = n;
    this.hash[id] = h;
    this.poolUsed = at + n;
    this.count = id + 1;
    const b = slot << 2;
    const slots = this.slots;
    slots[b] = id + 1;
    slots[b + 1] = h;
    slots[b + 2] = at;
    slots[b + 3] = n;
    if ((id + 1) * 2 > this.mask + 1) this.rehash();
    return id;
  }

  private growIds(): void {
    const cap = this.start.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(cap);
      b.set(a);
      return b;
    };
    this.start = grow(this.start, Int32Array);
    this.len = grow(this.len, Int32Array);
    this.hash = grow(this.hash, Int32Array);
    this.stop = grow(this.stop, Uint8Array);
  }

  private rehash(): void {
    const cap = (this.mask + 1) * 2;
    const slots = new Int32Array(cap * 4);
    const mask = cap - 1;
    for (let id = 0; id < this.count; id++) {
      const h = this.hash[id];
      let s = h & mask;
      while (slots[s << 2] !== 0) s = (s + 1) & mask;
      const b = s << 2;
      slots[b] = this.stop[id] !== 0 ? -(id + 1) : id + 1;
      slots[b + 1] = h;
      slots[b + 2] = this.start[id];
      slots[b + 3] = this.len[id];
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function unitsToString(pool: Uint16Array, from: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i += 1024) {
    s += String.fromCharCode.apply(null, pool.subarray(from + i, from + Math.min(n, i + 1024)) as unknown as number[]);
  }
  return s;
}

/** The UTF-16 code units of a term, as the scanner hands them to the table. */
function unitsOf(term: string): Uint16Array {
  const buf = new Uint16Array(term.length);
  for (let i = 0; i < term.length; i++) buf[i] = term.charCodeAt(i);
  return buf;
}

/** The table's hash of a term's code units: the scanner's FNV-1a fold. */
function hashUnits(buf: Uint16Array): number {
  let h = HASH_SEED;
  for (let i = 0; i < buf.length; i++) h = fnvStep(h, buf[i]);
  return h;
}
