/**
 * An open-addressing hash table from terms to dense ids (0, 1, 2, ... in insertion order). Keys are
 * compared as UTF-16 code units straight from the scanner's scratch buffer, so tokens that are
 * already known never become JavaScript strings: only a new term allocates its string.
 */

/** FNV-1a offset basis; the scanner folds each lower-cased code unit in with `fnvStep`. */
export const HASH_SEED = 0x811c9dc5 | 0;

export function fnvStep(h: number, unit: number): number {
  return Math.imul(h ^ unit, 0x01000193);
}

export class TermTable {
  /** Term strings by id. */
  readonly terms: string[] = [];
  // The arrays below are read directly by the scanner's inlined probe (tokenizer.ts); only this
  // class writes them, and `insertAt` may replace them (callers re-read after inserting).
  /** 1 when the term is in the stop set given to the constructor. */
  stop: Uint8Array = new Uint8Array(64);
  /** Code units of all terms; term id's units are pool[start[id] .. start[id] + len[id]). */
  pool: Uint16Array = new Uint16Array(1 << 16);
  private poolUsed = 0;
  start: Int32Array = new Int32Array(64);
  len: Int32Array = new Int32Array(64);
  hash: Int32Array = new Int32Array(64);
  /** Slot → id + 1 (0 = empty). Capacity is a power of two, kept at most half full. */
  slots: Int32Array;
  mask: number;
  private readonly stopSet: ReadonlySet<string> | null;

  constructor(stopWords: ReadonlySet<string> | null = null, expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap <<= 1;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    this.stopSet = stopWords;
  }

  get size(): number {
    return this.terms.length;
  }

  /** Id of the term held in buf[0..n) with hash h, or -1. */
  lookup(buf: Uint16Array, n: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) return -1;
      const id = v - 1;
      if (this.hash[id] === h && this.len[id] === n && this.equals(id, buf, n)) return id;
      s = (s + 1) & mask;
    }
  }

  /** Id of the term in buf[0..n), inserting it when new. */
  intern(buf: Uint16Array, n: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) break;
      const id = v - 1;
      if (this.hash[id] === h && this.len[id] === n && this.equals(id, buf, n)) return id;
      s = (s + 1) & mask;
    }
    return this.insertAt(s, buf, n, h);
  }

  /** Adds a term given as a string (used to build a vocabulary table). Returns its id. */
  add(term: string): number {
    const n = term.length;
    const buf = new Uint16Array(n);
    let h = HASH_SEED;
    for (let i = 0; i < n; i++) {
      const c = term.charCodeAt(i);
      buf[i] = c;
      h = fnvStep(h, c);
    }
    return this.intern(buf, n, h);
  }

  /** Id of a term given as a string, or -1. */
  get(term: string): number {
    const n = term.length;
    const buf = new Uint16Array(n);
    let h = HASH_SEED;
    for (let i = 0; i < n; i++) {
      const c = term.charCodeAt(i);
      buf[i] = c;
      h = fnvStep(h, c);
    }
    return this.lookup(buf, n, h);
  }

  private equals(id: number, buf: Uint16Array, n: number): boolean {
    const pool = this.pool;
    const o = this.start[id];
    for (let i = 0; i < n; i++) if (pool[o + i] !== buf[i]) return false;
    return true;
  }

  /** Inserts a new term at the empty `slot` its probe ended on; returns its id. */
  insertAt(slot: number, buf: Uint16Array, n: number, h: number): number {
    const id = this.terms.length;
    if (id === this.start.length) this.growIds();
    if (this.poolUsed + n > this.pool.length) {
      let cap = this.pool.length * 2;
      while (cap < this.poolUsed + n) cap *= 2;
      const p = new Uint16Array(cap);
      p.set(this.pool.subarray(0, this.poolUsed));
      this.pool = p;
    }
    this.pool.set(buf.subarray(0, n), this.poolUsed);
    this.start[id] = this.poolUsed;
    this.len[id] = n;
    this.hash[id] = h;
    this.poolUsed += n;
    const term = unitsToString(buf, n);
    this.terms.push(term);
    this.stop[id] = this.stopSet !== null && this.stopSet.has(term) ? 1 : 0;
    this.slots[slot] = id + 1;
    if ((id + 1) * 2 > this.slots.length) this.rehash();
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
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let id = 0; id < this.terms.length; id++) {
      let s = this.hash[id] & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function unitsToString(buf: Uint16Array, n: number): string {
  if (n <= 1024) return String.fromCharCode.apply(null, buf.subarray(0, n) as unknown as number[]);
  let s = '';
  for (let i = 0; i < n; i += 1024) {
    s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(n, i + 1024)) as unknown as number[]);
  }
  return s;
}
