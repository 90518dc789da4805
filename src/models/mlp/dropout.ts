/**
 * Inverted-dropout masks for the MLP trainer: one xoshiro128** draw per unit, 0 when the draw is
 * below p·2³², else the keep scale 1/(1 − p).
 *
 * `fillDropoutMask` is the JavaScript loop. `DropoutMasks` runs the same loop in WebAssembly with
 * the generator's four state words copied in and out, so the masks and the Rng's stream are
 * exactly those of the JavaScript loop. A 28-epoch fit of 128 units draws ~15 M masks: ~10 ns per
 * draw in JavaScript here (about a tenth of the fit). The masks live in the module's memory and
 * are handed out as views; without WebAssembly they are plain arrays filled by the JavaScript loop.
 */
import type { Rng } from '../../core/random.js';
import {
  ADD, BLOCK, END, F32, GE_U, I32, LOOP, LT_U, MUL, ROTL, SELECT, SHL, XOR,
  br, brIf, buildModule, compileModule, f32store, get, i32c, i32load, i32store, inc, set,
  InstancePool, MemoryLayout, type PooledInstance,
} from '../wasm-asm.js';

/**
 * Inverted-dropout mask of the first n entries of `mask`: 0 with probability threshold/2³², else
 * keepScale. One 32-bit draw per entry (two per entry, as Rng.next's 53-bit float, cost ~0.4 s of
 * a ~1.9 s fit here).
 */
export function fillDropoutMask(rng: Rng, mask: Float32Array, n: number, threshold: number, keepScale: number): void {
  for (let i = 0; i < n; i++) mask[i] = rng.nextUint32() < threshold ? 0 : keepScale;
}

// fill(state, out, n, threshold, keep): out[i] = draw_i <u threshold ? 0 : keep for i < n.
function fillBody(): number[] {
  const [state, out, n, thr, keep] = [0, 1, 2, 3, 4];
  const [a, b, c, d, t, r, q, end] = [5, 6, 7, 8, 9, 10, 11, 12];
  const zero = [0x43, 0, 0, 0, 0]; // f32.const 0
  return [
    ...get(state), ...i32load(0), ...set(a),
    ...get(state), ...i32load(4), ...set(b),
    ...get(state), ...i32load(8), ...set(c),
    ...get(state), ...i32load(12), ...set(d),
    ...get(out), ...set(q),
    ...get(out), ...get(n), ...i32c(2), SHL, ADD, ...set(end),
    ...BLOCK, ...LOOP,
    ...get(q), ...get(end), GE_U, ...brIf(1),
    // result = rotl(b·5, 7)·9
    ...get(b), ...i32c(5), MUL, ...i32c(7), ROTL, ...i32c(9), MUL, ...set(r),
    ...get(b), ...i32c(9), SHL, ...set(t),
    ...get(c), ...get(a), XOR, ...set(c),
    ...get(d), ...get(b), XOR, ...set(d),
    ...get(b), ...get(c), XOR, ...set(b),
    ...get(a), ...get(d), XOR, ...set(a),
    ...get(c), ...get(t), XOR, ...set(c),
    ...get(d), ...i32c(11), ROTL, ...set(d),
    // out[q] = r <u thr ? 0 : keep
    ...get(q), ...zero, ...get(keep), ...get(r), ...get(thr), LT_U, SELECT, ...f32store(),
    ...inc(q, 4),
    ...br(0), END, END,
    ...get(state), ...get(a), ...i32store(0),
    ...get(state), ...get(b), ...i32store(4),
    ...get(state), ...get(c), ...i32store(8),
    ...get(state), ...get(d), ...i32store(12),
  ];
}

type FillFn = (state: number, out: number, n: number, threshold: number, keep: number) => void;

/** Compiled once per process (immutable); null without WebAssembly. */
const compiled: object | null = compileModule(
  buildModule([{ name: 'fill', params: [I32, I32, I32, I32, F32], locals: [[8, I32]], code: fillBody() }]),
);

/** Instances reused fit after fit (the same exported function for the trainer's optimised code). */
const instances: InstancePool | null = compiled ? new InstancePool(compiled) : null;

/** One mask buffer per hidden layer, filled from an Rng's stream (in WebAssembly where available). */
export class DropoutMasks {
  private constructor(
    /** The mask buffers, one per requested length (views into the module's memory when in WebAssembly). */
    readonly masks: readonly Float32Array[],
    private readonly wasm: { fn: FillFn; ptrs: readonly number[]; state: Int32Array; instance: PooledInstance } | null,
  ) {}

  /** Buffers of the given float32 lengths; `allowWasm` false: the JavaScript loop (tests, A/B). */
  static create(lengths: readonly number[], allowWasm = true): DropoutMasks {
    const inst = (() => {
      if (!instances || !allowWasm || lengths.length === 0) return null;
      const layout = new MemoryLayout(16);
      const ptrs = lengths.map((len) => layout.place(len * 4));
      const made = instances.acquire(layout.size);
      return made ? { made, ptrs } : null;
    })();
    if (!inst) return new DropoutMasks(lengths.map((len) => new Float32Array(len)), null);
    const { made, ptrs } = inst;
    const fn = (made.exports as unknown as { fill: FillFn }).fill;
    return new DropoutMasks(
      lengths.map((len, i) => new Float32Array(made.buffer, ptrs[i], len)),
      { fn, ptrs, state: new Int32Array(made.buffer, 0, 4), instance: made },
    );
  }

  /** Gives the memory back for the next fit; the masks must not be used afterwards. */
  release(): void {
    this.wasm?.instance.release();
  }

  /** True when the masks are drawn in WebAssembly. */
  get inWasm(): boolean {
    return this.wasm !== null;
  }

  /**
   * Mask i's first n entries from `rng` (n draws), exactly `fillDropoutMask(rng, masks[i], n,
   * threshold, keepScale)`; `rng` continues after the n draws.
   */
  fill(rng: Rng, i: number, n: number, threshold: number, keepScale: number): void {
    const mask = this.masks[i];
    if (!(n >= 0 && n <= mask.length)) throw new RangeError(`dropout mask ${i}: ${n} entries requested, ${mask.length} available`);
    // draw < threshold ⇔ draw < ⌈threshold⌉ for integer draws; the kernel compares with a uint32,
    // so a threshold above 2³² − 1 (every draw below it) takes the JavaScript loop.
    const t = Math.ceil(threshold);
    const w = this.wasm;
    if (!w || !(t >= 0 && t <= 4294967295)) {
      fillDropoutMask(rng, mask, n, threshold, keepScale);
      return;
    }
    rng.getState(w.state);
    w.fn(w.state.byteOffset, w.ptrs[i], n, t | 0, keepScale);
    rng.setState(w.state);
  }
}
