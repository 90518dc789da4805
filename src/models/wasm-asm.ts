/**
 * A minimal WebAssembly assembler for the models' small numeric kernels (logistic/wasm-kernel.ts,
 * mlp/sparse-input.ts): instruction helpers that return their bytes, and `buildModule`, which wraps
 * function bodies into a module importing one memory (`env.memory`). Kernels are assembled from
 * their instructions in the source, so there is no binary blob and no code from outside.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const i32c = (v: number): number[] => [0x41, ...sleb(v)];
export const f64zero = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
export const i32load = (off = 0): number[] => [0x28, 2, ...uleb(off)];
export const f32load = (off = 0): number[] => [0x2a, 2, ...uleb(off)];
export const f64load = (off = 0): number[] => [0x2b, 3, ...uleb(off)];
export const f64store = (off = 0): number[] => [0x39, 3, ...uleb(off)];
export const i32store = (off = 0): number[] => [0x36, 2, ...uleb(off)];
export const f32store = (off = 0): number[] => [0x38, 2, ...uleb(off)];
export const v128load = (off = 0): number[] => [0xfd, 0x00, 4, ...uleb(off)];
export const v128store = (off = 0): number[] => [0xfd, 0x0b, 4, ...uleb(off)];
/** v128.load64_zero: 8 bytes into the low half, the high half zero. */
export const v128load64zero = (off = 0): number[] => [0xfd, 0x5d, 3, ...uleb(off)];
export const F64X2_PROMOTE_LOW_F32X4 = [0xfd, ...uleb(0x5f)];
export const v128zero = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
export const F32X4_SPLAT = [0xfd, 0x13];
export const F32X4_ADD = [0xfd, ...uleb(0xe4)];
export const F32X4_MUL = [0xfd, ...uleb(0xe6)];
export const F32X4_DIV = [0xfd, ...uleb(0xe7)];
export const F32X4_SQRT = [0xfd, ...uleb(0xe3)];
export const F32X4_SUB = [0xfd, ...uleb(0xe5)];
export const F32X4_ABS = [0xfd, ...uleb(0xe0)];
export const F32X4_NEG = [0xfd, ...uleb(0xe1)];
export const F32X4_MIN = [0xfd, ...uleb(0xe8)];
export const F32X4_MAX = [0xfd, ...uleb(0xe9)];
export const F32X4_GT = [0xfd, ...uleb(0x44)];
export const F32X4_NEAREST = [0xfd, ...uleb(0x6a)];
export const I32X4_SPLAT = [0xfd, 0x11];
export const I32X4_ADD = [0xfd, ...uleb(0xae)];
export const I32X4_SHL = [0xfd, ...uleb(0xab)];
export const I32X4_TRUNC_SAT_F32X4_S = [0xfd, ...uleb(0xf8)];
export const V128_AND = [0xfd, ...uleb(0x4e)];
export const V128_OR = [0xfd, ...uleb(0x50)];
/** f32.const v (rounded to float32). */
export function f32c(v: number): number[] {
  const b = new DataView(new ArrayBuffer(4));
  b.setFloat32(0, v, true);
  return [0x43, b.getUint8(0), b.getUint8(1), b.getUint8(2), b.getUint8(3)];
}
export const F64X2_SPLAT = [0xfd, 0x14];
export const F64X2_ADD = [0xfd, ...uleb(0xf0)];
export const F64X2_SUB = [0xfd, ...uleb(0xf1)];
export const F64X2_MUL = [0xfd, ...uleb(0xf2)];
export const F64X2_DIV = [0xfd, ...uleb(0xf3)];
export const F64X2_MIN = [0xfd, ...uleb(0xf4)];
export const F64X2_ABS = [0xfd, ...uleb(0xec)];
export const F64X2_NEG = [0xfd, ...uleb(0xed)];
export const F64X2_FLOOR = [0xfd, ...uleb(0x75)];
export const F64X2_LT = [0xfd, ...uleb(0x49)];
export const I32X4_TRUNC_SAT_F64X2_S_ZERO = [0xfd, ...uleb(0xfc)];
export const I64X2_EXTEND_LOW_I32X4_S = [0xfd, ...uleb(0xc7)];
export const I64X2_ADD = [0xfd, ...uleb(0xce)];
export const I64X2_SHL = [0xfd, ...uleb(0xcb)];
export const I64X2_SPLAT = [0xfd, 0x12];
export const V128_BITSELECT = [0xfd, ...uleb(0x52)];
/** f64.const v. */
export function f64c(v: number): number[] {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v, true);
  return [0x44, ...Array.from({ length: 8 }, (_, i) => b.getUint8(i))];
}
/** i64.const v (a safe integer). */
export const i64c = (v: number): number[] => [0x42, ...sleb(v)];
export const FSUB = 0xa1;
export const F64_PROMOTE_F32 = 0xbb;
export const FDIV = 0xa3;
export const FNE = 0x62;
/** call f (function index). */
export const call = (f: number): number[] => [0x10, ...uleb(f)];
export const ADD = 0x6a;
export const SUB = 0x6b;
export const MUL = 0x6c;
export const SHL = 0x74;
export const XOR = 0x73;
export const ROTL = 0x77;
export const SELECT = 0x1b;
export const GE_S = 0x4e;
export const GE_U = 0x4f;
export const GT_S = 0x4a;
export const LT_U = 0x49;
export const FADD = 0xa0;
export const FMUL = 0xa2;
export const BLOCK = [0x02, 0x40];
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const END = 0x0b;
export const br = (d: number): number[] => [0x0c, d];
export const brIf = (d: number): number[] => [0x0d, d];
/** local[i] += c (i32). */
export const inc = (i: number, c: number): number[] => [...get(i), ...i32c(c), ADD, ...set(i)];

export interface FunctionDef {
  readonly name: string;
  readonly params: readonly number[];
  /** Declared locals, as [count, type] runs. */
  readonly locals: ReadonlyArray<readonly [number, number]>;
  /** Instructions, without the final `end`. */
  readonly code: readonly number[];
}

/** A module importing `env.memory` (min 1 page) and exporting the given functions (no results). */
export function buildModule(fns: readonly FunctionDef[]): Uint8Array {
  const types = fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]);
  const bodies = fns.map((f) => {
    const b = [...vec(f.locals.map(([n, t]) => [...uleb(n), t])), ...f.code, END];
    return [...uleb(b.length), ...b];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

/** The part of the WebAssembly JS API used here (the project's lib settings do not declare it). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
}

/** The global WebAssembly API, or null where there is none. */
export const wasmApi: WasmApi | null = (globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null;

/** Compiles a module; null when WebAssembly (or a feature it uses, e.g. SIMD) is unavailable. */
export function compileModule(bytes: Uint8Array): object | null {
  if (!wasmApi) return null;
  try {
    return new wasmApi.Module(bytes);
  } catch {
    return null;
  }
}

/**
 * The buffers of a kernel's memory, placed one after another, each at a multiple of `align` bytes
 * (the first at `align`: offset 0 stays free).
 */
export class MemoryLayout {
  private at: number;

  constructor(private readonly align: number) {
    this.at = align;
  }

  /** The offset of a new buffer of `bytes` bytes. */
  place(bytes: number): number {
    const p = this.at;
    this.at += Math.ceil(bytes / this.align) * this.align;
    return p;
  }

  /** The memory the buffers placed so far need, in bytes. */
  get size(): number {
    return this.at;
  }
}

/** Instances kept for reuse whose memory is at most this large (bigger ones are left to the GC). */
export const POOLED_MEMORY_MAX_BYTES = 64 * 1024 * 1024;

/** A reusable instance of a module (see InstancePool). */
export interface PooledInstance {
  readonly exports: Record<string, unknown>;
  /** The memory's buffer after the acquire (views made on it stay valid until the release). */
  readonly buffer: ArrayBuffer;
  /** Gives the instance back; its memory and functions may be handed to the next acquire. */
  release(): void;
}

/**
 * Released instances of one module, handed out again by later calls in the same thread. Each
 * instance has its own exported function objects, so a kernel that made a fresh instance per fit
 * or per call gave its JavaScript callers a new call target every time, and V8 threw their
 * optimised code away (in the HPO study, the MLP's inference pass was re-optimised 11 times per
 * worker). With the pool, sequential users get the same functions back. Memory is grown when a
 * user needs more; instances above POOLED_MEMORY_MAX_BYTES are not kept.
 */
export class InstancePool {
  private readonly free: Array<{ exports: Record<string, unknown>; memory: { buffer: ArrayBuffer; grow(pages: number): number } }> = [];

  constructor(private readonly module: object) {}

  /** An instance with at least `bytes` of memory, the first `bytes` of it zero; null on failure or above 2 GiB. */
  acquire(bytes: number): PooledInstance | null {
    if (!wasmApi) return null;
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    if (pages > 32768) return null;
    let got = this.free.pop() ?? null;
    try {
      if (got) {
        const have = got.memory.buffer.byteLength / 65536;
        if (have < pages) got.memory.grow(pages - have);
        // as in a fresh memory: users rely on zeros (e.g. the Adam moments of the MLP's first layer)
        new Uint8Array(got.memory.buffer, 0, Math.min(got.memory.buffer.byteLength, pages * 65536)).fill(0);
      } else {
        const memory = new wasmApi.Memory({ initial: pages });
        got = { exports: new wasmApi.Instance(this.module, { env: { memory } }).exports, memory };
      }
    } catch {
      return null;
    }
    const held = got;
    let released = false;
    return {
      exports: held.exports,
      buffer: held.memory.buffer,
      release: () => {
        if (released) return;
        released = true;
        if (held.memory.buffer.byteLength <= POOLED_MEMORY_MAX_BYTES) this.free.push(held);
      },
    };
  }
}

