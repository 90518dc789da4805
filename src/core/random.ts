/**
 * The only source of randomness in train-spam. Every stream derives from one master seed:
 * `deriveSeed(master, 'trial', 7)` gives trial 7 its own seed, independent of how many other
 * streams were drawn before (no shared global generator, no Math.random).
 */

/** 32-bit FNV-1a over a string, used to fold labels into seeds. */
function fnv1a(str: string, h = 0x811c9dc5): number {
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** SplitMix32 finaliser: a good avalanche for combining integers. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The largest master seed: seeds are taken as uint32 (`>>> 0`), so a wider one would silently be
 * another seed (2^32 + 42 runs as 42). Every entry point that takes a seed refuses more.
 */
export const MAX_SEED = 0xffffffff;

/** Derives a child seed (uint32) from a master seed and any number of labels. Pure and stable. */
export function deriveSeed(master: number, ...labels: Array<string | number>): number {
  let h = mix32(master >>> 0);
  for (const label of labels) {
    h = mix32(h ^ fnv1a(typeof label === 'number' ? `#${label}` : label));
  }
  return h;
}

/**
 * xoshiro128** generator (32-bit state words, period 2^128 - 1). State is seeded through SplitMix32.
 * Instances are cheap; create one per component from a derived seed.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => (s = mix32(s));
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform uint32. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /**
   * The four state words into out[0..4) (as int32 bits), for a kernel that continues the same
   * uint32 stream elsewhere (mlp/dropout.ts); `setState` takes them back.
   */
  getState(out: Int32Array): void {
    out[0] = this.a;
    out[1] = this.b;
    out[2] = this.c;
    out[3] = this.d;
  }

  setState(src: Int32Array): void {
    if ((src[0] | src[1] | src[2] | src[3]) === 0) throw new RangeError('Rng.setState: the all-zero state is not a xoshiro128** state');
    this.a = src[0];
    this.b = src[1];
    this.c = src[2];
    this.d = src[3];
  }

  /** Uniform float in [0, 1) with 53 bits of randomness. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [lo, hi] (inclusive), unbiased. */
  int(lo: number, hi: number): number {
    const range = hi - lo + 1;
    if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`Rng.int: empty range [${lo}, ${hi}]`);
    if (range > 0xffffffff) return lo + Math.floor(this.next() * range);
    const limit = Math.floor(0x100000000 / range) * range;
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return lo + (x % range);
  }

  /** Standard normal (Box-Muller, caches the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(arr: T[] | Int32Array | Uint32Array | Float64Array): typeof arr {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t as never;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffle(p);
    return p;
  }

  /** Choose one element uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.choice: empty list');
    return items[this.int(0, items.length - 1)];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Convenience: a generator for a derived stream. */
export function rngFor(master: number, ...labels: Array<string | number>): Rng {
  return new Rng(deriveSeed(master, ...labels));
}

/** Stable 32-bit hash of a string (FNV-1a), exported for hashing ids deterministically. */
export function hashString(s: string): number {
  return fnv1a(s);
}

/** Multiplier of `hashStringB`'s per-code-unit step (odd; not FNV's prime, so its collisions are not FNV-1a's). */
export const HASH_B_MUL = 0x5bd1e995;
/** Start value of `hashStringB`. */
export const HASH_B_START = 0x2545f491;

/** One code unit into `hashStringB`'s running state (before `finishHashB`). */
export function stepHashB(h: number, c: number): number {
  return Math.imul(h ^ c, HASH_B_MUL);
}

/** The last step of `hashStringB`. */
export function finishHashB(h: number): number {
  return mix32(h);
}

/**
 * A second 32-bit string hash, independent of `hashString` (FNV-1a's shape with another start,
 * another multiplier and a final avalanche; one multiply per code unit like FNV-1a, so computing
 * both in one loop costs little more than one): the pair is a 64-bit content key.
 */
export function hashStringB(s: string): number {
  let h = HASH_B_START;
  for (let i = 0; i < s.length; i++) h = stepHashB(h, s.charCodeAt(i));
  return finishHashB(h);
}

/**
 * A seeded rank in [0, 2^53) for 64-bit content keys (a, b): the same key and seed give the same
 * rank whatever else is being ranked, so an order by rank does not depend on which other items
 * exist or where they come in the input. Distinct keys tie with probability ~2^-53.
 */
export function keyedRanker(seed: number): (a: number, b: number) => number {
  const s1 = deriveSeed(seed, 'rank', 1);
  const s2 = deriveSeed(seed, 'rank', 2);
  return (a, b) => {
    const hi = mix32((a ^ s1) >>> 0);
    const lo = mix32((b ^ s2 ^ Math.imul(hi, 0x9e3779b1)) >>> 0);
    return hi * 2097152 + (lo >>> 11);
  };
}
