/**
 * The inference pass's inner kernel (network.ts `unitsFromInputs`) in WebAssembly SIMD:
 * out[o] = bias[o] + Σ_q val[q] · K[col[q], o] for every unit o, the (col, val) pairs in the given
 * order, eight units per sweep as four float64x2 accumulators read from the row-major kernel.
 * Float64x2 multiply and add are the IEEE operations of the scalar code lane by lane, in the same
 * order, so the results are bit-identical to the JavaScript kernel (which stays the fallback and the
 * path for small calls, where copying the weights in would cost more than it saves).
 */
import {
  ADD, BLOCK, END, F64, F64X2_ADD, F64X2_MUL, F64X2_SPLAT, FADD, FMUL, GE_S, GT_S, I32, IF, LOOP, LT_U, MUL, SHL, V128,
  br, brIf, buildModule, compileModule, f64load, f64store, get, i32c, i32load, inc, set, v128load, v128store,
  InstancePool, type PooledInstance,
} from '../wasm-asm.js';

/** A dense layer's shape and weights (network.ts LayerWeights; declared here to keep imports one-way). */
interface LayerWeights {
  readonly inputs: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

// units(nz, col, val, k, units, bias, out)
function unitsBody(): number[] {
  const [nz, col, val, k, units, bias, out] = [0, 1, 2, 3, 4, 5, 6];
  const [o, q, addr, stride] = [7, 8, 9, 10];
  const [a0, a1, a2, a3, vv] = [11, 12, 13, 14, 15];
  const s = 16;
  /** addr = k + col[q]·stride + o·8 */
  const address = [...get(k), ...get(col), ...get(q), ...i32c(2), SHL, ADD, ...i32load(), ...get(stride), MUL, ADD, ...get(o), ...i32c(3), SHL, ADD, ...set(addr)];
  const splat = [...get(val), ...get(q), ...i32c(3), SHL, ADD, ...f64load(), ...F64X2_SPLAT, ...set(vv)];
  const acc = (a: number, off: number) => [...get(a), ...get(vv), ...get(addr), ...v128load(off), ...F64X2_MUL, ...F64X2_ADD, ...set(a)];
  const oBytes = (base: number) => [...get(base), ...get(o), ...i32c(3), SHL, ADD];
  return [
    ...get(units), ...i32c(3), SHL, ...set(stride),
    ...i32c(0), ...set(o),
    // eight units per sweep
    ...BLOCK, ...LOOP,
    ...get(o), ...i32c(8), ADD, ...get(units), GT_S, ...brIf(1),
    ...oBytes(bias), ...v128load(0), ...set(a0),
    ...oBytes(bias), ...v128load(16), ...set(a1),
    ...oBytes(bias), ...v128load(32), ...set(a2),
    ...oBytes(bias), ...v128load(48), ...set(a3),
    ...i32c(0), ...set(q),
    ...BLOCK, ...LOOP,
    ...get(q), ...get(nz), GE_S, ...brIf(1),
    ...splat, ...address,
    ...acc(a0, 0), ...acc(a1, 16), ...acc(a2, 32), ...acc(a3, 48),
    ...inc(q, 1),
    ...br(0), END, END,
    ...oBytes(out), ...get(a0), ...v128store(0),
    ...oBytes(out), ...get(a1), ...v128store(16),
    ...oBytes(out), ...get(a2), ...v128store(32),
    ...oBytes(out), ...get(a3), ...v128store(48),
    ...inc(o, 8),
    ...br(0), END, END,
    // two units per sweep
    ...BLOCK, ...LOOP,
    ...get(o), ...i32c(2), ADD, ...get(units), GT_S, ...brIf(1),
    ...oBytes(bias), ...v128load(0), ...set(a0),
    ...i32c(0), ...set(q),
    ...BLOCK, ...LOOP,
    ...get(q), ...get(nz), GE_S, ...brIf(1),
    ...splat, ...address,
    ...acc(a0, 0),
    ...inc(q, 1),
    ...br(0), END, END,
    ...oBytes(out), ...get(a0), ...v128store(0),
    ...inc(o, 2),
    ...br(0), END, END,
    // the last unit of an odd count
    ...get(o), ...get(units), LT_U, ...IF,
    ...oBytes(bias), ...f64load(), ...set(s),
    ...i32c(0), ...set(q),
    ...BLOCK, ...LOOP,
    ...get(q), ...get(nz), GE_S, ...brIf(1),
    ...address,
    ...get(s), ...get(val), ...get(q), ...i32c(3), SHL, ADD, ...f64load(), ...get(addr), ...f64load(), FMUL, FADD, ...set(s),
    ...inc(q, 1),
    ...br(0), END, END,
    ...oBytes(out), ...get(s), ...f64store(),
    END,
  ];
}

type UnitsFn = (nz: number, col: number, val: number, k: number, units: number, bias: number, out: number) => void;

/** Compiled once per process (immutable); null without WebAssembly SIMD. */
const compiled: object | null = compileModule(
  buildModule([{ name: 'units', params: [I32, I32, I32, I32, I32, I32, I32], locals: [[4, I32], [5, V128], [1, F64]], code: unitsBody() }]),
);

/** Instances of the module, reused call after call (one at a time per forwardProba call). */
const instances: InstancePool | null = compiled ? new InstancePool(compiled) : null;

/**
 * All layers' weights as float64 in WebAssembly memory, with (col, val) input buffers and an output
 * buffer. Taken from a pool of instances: `release` when done (the memory may be reused by the
 * next `create`).
 */
export class WasmUnits {
  /** Input columns / values of the current call (fill, then call `units`). */
  readonly col: Int32Array;
  readonly val: Float64Array;
  /** Output of the last `units` call. */
  readonly out: Float64Array;

  private constructor(
    /** Per layer: units, kernel offset, bias offset (int32, so every call reads the same shapes). */
    private readonly unitCount: Int32Array,
    private readonly kPtr: Int32Array,
    private readonly biasPtr: Int32Array,
    private readonly io: { col: number; val: number; out: number },
    private readonly fn: UnitsFn,
    private readonly instance: PooledInstance,
    maxInputs: number,
    maxUnits: number,
  ) {
    const buf = instance.buffer;
    this.col = new Int32Array(buf, io.col, maxInputs);
    this.val = new Float64Array(buf, io.val, maxInputs);
    this.out = new Float64Array(buf, io.out, maxUnits);
  }

  static create(layers: readonly LayerWeights[]): WasmUnits | null {
    if (!instances) return null;
    let at = 16;
    const place = (bytes: number) => {
      const p = at;
      at += Math.ceil(bytes / 16) * 16;
      return p;
    };
    const k = Int32Array.from(layers, (l) => place(l.inputs * l.units * 8));
    const bias = Int32Array.from(layers, (l) => place(l.units * 8 + 8));
    let maxInputs = 0;
    let maxUnits = 0;
    for (const l of layers) {
      maxInputs = Math.max(maxInputs, l.inputs);
      maxUnits = Math.max(maxUnits, l.units);
    }
    const io = { col: place(maxInputs * 4), val: place(maxInputs * 8), out: place(maxUnits * 8 + 8) };
    const inst = instances.acquire(at);
    if (!inst) return null;
    const buf = inst.buffer;
    layers.forEach((l, i) => {
      new Float64Array(buf, k[i], l.inputs * l.units).set(l.kernel);
      new Float64Array(buf, bias[i], l.units).set(l.bias);
    });
    const units = Int32Array.from(layers, (l) => l.units);
    return new WasmUnits(units, k, bias, io, (inst.exports as unknown as { units: UnitsFn }).units, inst, maxInputs, maxUnits);
  }

  /** out[0..units) of layer `li` from the first `nz` entries of col/val. */
  units(li: number, nz: number): void {
    const io = this.io;
    this.fn(nz, io.col, io.val, this.kPtr[li], this.unitCount[li], this.biasPtr[li], io.out);
  }

  /** Gives the memory back to the pool; the views above must not be used afterwards. */
  release(): void {
    this.instance.release();
  }
}
