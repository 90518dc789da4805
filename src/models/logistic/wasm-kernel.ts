/**
 * The two matrix passes of the logistic loss (margins X·θ + b and the transposed product Xᵀr) as a
 * small WebAssembly module, assembled here from its instructions (no binary blob, no code from
 * outside). V8 runs these gather/scatter loops about twice as fast as the same loops over typed
 * arrays (no bounds checks, pointer increments instead of index arithmetic).
 *
 * Both functions perform exactly the floating-point operations of the JavaScript kernels in
 * loss.ts (`margins`, `addTransposed`), in the same order — two accumulators, even/odd entries of
 * each row — so the WebAssembly and JavaScript paths give bit-identical results and a fit does not
 * depend on which one ran. The JavaScript path is the fallback when WebAssembly is unavailable or
 * the matrix does not fit a 32-bit memory.
 */

import {
  ADD, BLOCK, END, F64, FADD, FMUL, GE_S, GE_U, I32, IF, LOOP, LT_U, SHL, SUB,
  br, brIf, buildModule, compileModule, f64load, f64store, f64zero, get, i32c, i32load, inc, set,
  InstancePool, MemoryLayout, type PooledInstance,
} from '../wasm-asm.js';

/** `acc += p · q` with f64 locals/pointers given as instruction lists. */
const fmaInto = (acc: number, p: number[], q: number[]) => [...get(acc), ...p, ...q, FMUL, FADD, ...set(acc)];

// margins(n, dc, dense, ip, ix, v, th, b: f64, out)
function marginsBody(): number[] {
  const [n, dc, dense, ip, ix, v, th, b, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [i, dp, dend, tp, kv, ki, kend, ts, s0, s1] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const code = [
    // ts = th + dc·8; kv = v + ip[0]·8; ki = ix + ip[0]·4; dp = dense; i = 0
    ...get(th), ...get(dc), ...i32c(3), SHL, ADD, ...set(ts),
    ...get(v), ...get(ip), ...i32load(), ...i32c(3), SHL, ADD, ...set(kv),
    ...get(ix), ...get(ip), ...i32load(), ...i32c(2), SHL, ADD, ...set(ki),
    ...get(dense), ...set(dp),
    ...i32c(0), ...set(i),
    ...BLOCK, ...LOOP,
    ...get(i), ...get(n), GE_S, ...brIf(1),
    ...get(b), ...set(s0), ...f64zero, ...set(s1),
    ...get(th), ...set(tp),
    ...get(dp), ...get(dc), ...i32c(3), SHL, ADD, ...set(dend),
    // dense pairs while dp + 8 < dend
    ...BLOCK, ...LOOP,
    ...get(dp), ...i32c(8), ADD, ...get(dend), GE_U, ...brIf(1),
    ...fmaInto(s0, [...get(dp), ...f64load()], [...get(tp), ...f64load()]),
    ...fmaInto(s1, [...get(dp), ...f64load(8)], [...get(tp), ...f64load(8)]),
    ...inc(dp, 16), ...inc(tp, 16),
    ...br(0), END, END,
    ...get(dp), ...get(dend), LT_U, ...IF,
    ...fmaInto(s0, [...get(dp), ...f64load()], [...get(tp), ...f64load()]),
    ...inc(dp, 8),
    END,
    // kend = kv + (ip[i+1] − ip[i])·8
    ...get(kv),
    ...get(ip), ...get(i), ...i32c(2), SHL, ADD, ...set(tp), // tp reused as &ip[i]
    ...get(tp), ...i32load(4), ...get(tp), ...i32load(), SUB, ...i32c(3), SHL, ADD, ...set(kend),
    // sparse pairs while kv + 8 < kend
    ...BLOCK, ...LOOP,
    ...get(kv), ...i32c(8), ADD, ...get(kend), GE_U, ...brIf(1),
    ...fmaInto(s0, [...get(kv), ...f64load()], [...get(ts), ...get(ki), ...i32load(), ...i32c(3), SHL, ADD, ...f64load()]),
    ...fmaInto(s1, [...get(kv), ...f64load(8)], [...get(ts), ...get(ki), ...i32load(4), ...i32c(3), SHL, ADD, ...f64load()]),
    ...inc(kv, 16), ...inc(ki, 8),
    ...br(0), END, END,
    ...get(kv), ...get(kend), LT_U, ...IF,
    ...fmaInto(s0, [...get(kv), ...f64load()], [...get(ts), ...get(ki), ...i32load(), ...i32c(3), SHL, ADD, ...f64load()]),
    ...inc(kv, 8), ...inc(ki, 4),
    END,
    // out[i] = s0 + s1
    ...get(out), ...get(i), ...i32c(3), SHL, ADD, ...get(s0), ...get(s1), FADD, ...f64store(),
    ...inc(i, 1),
    ...br(0), END, END,
  ];
  return code;
}

// transposed(n, dc, dense, ip, ix, v, r, grad)
function transposedBody(): number[] {
  const [n, dc, dense, ip, ix, v, r, grad] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, dp, dend, tp, kv, ki, kend, gs, a, ri] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  /** mem[addr] += load(src) · ri, addr in local `at`. */
  const scatter = (at: number, src: number[]) => [...get(at), ...get(at), ...f64load(), ...src, ...get(ri), FMUL, FADD, ...f64store()];
  const code = [
    ...get(grad), ...get(dc), ...i32c(3), SHL, ADD, ...set(gs),
    ...get(v), ...get(ip), ...i32load(), ...i32c(3), SHL, ADD, ...set(kv),
    ...get(ix), ...get(ip), ...i32load(), ...i32c(2), SHL, ADD, ...set(ki),
    ...get(dense), ...set(dp),
    ...i32c(0), ...set(i),
    ...BLOCK, ...LOOP,
    ...get(i), ...get(n), GE_S, ...brIf(1),
    ...get(r), ...get(i), ...i32c(3), SHL, ADD, ...f64load(), ...set(ri),
    ...get(grad), ...set(tp),
    ...get(dp), ...get(dc), ...i32c(3), SHL, ADD, ...set(dend),
    ...BLOCK, ...LOOP,
    ...get(dp), ...get(dend), GE_U, ...brIf(1),
    ...scatter(tp, [...get(dp), ...f64load()]),
    ...inc(dp, 8), ...inc(tp, 8),
    ...br(0), END, END,
    ...get(kv),
    ...get(ip), ...get(i), ...i32c(2), SHL, ADD, ...set(a),
    ...get(a), ...i32load(4), ...get(a), ...i32load(), SUB, ...i32c(3), SHL, ADD, ...set(kend),
    ...BLOCK, ...LOOP,
    ...get(kv), ...get(kend), GE_U, ...brIf(1),
    ...get(gs), ...get(ki), ...i32load(), ...i32c(3), SHL, ADD, ...set(a),
    ...scatter(a, [...get(kv), ...f64load()]),
    ...inc(kv, 8), ...inc(ki, 4),
    ...br(0), END, END,
    ...inc(i, 1),
    ...br(0), END, END,
  ];
  return code;
}

type MarginsFn = (n: number, dc: number, dense: number, ip: number, ix: number, v: number, th: number, b: number, out: number) => void;
type TransposedFn = (n: number, dc: number, dense: number, ip: number, ix: number, v: number, r: number, grad: number) => void;

/** Compiled once per process (immutable); null when WebAssembly is unavailable. */
const compiled: object | null = compileModule(
  buildModule([
    { name: 'margins', params: [I32, I32, I32, I32, I32, I32, I32, F64, I32], locals: [[8, I32], [2, F64]], code: marginsBody() },
    { name: 'transposed', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [[9, I32], [1, F64]], code: transposedBody() },
  ]),
);

/**
 * The training matrix copied once into WebAssembly memory, with room for θ, the gradient and the
 * per-row margins/residuals. `theta`, `grad` and `z` are views of that memory: write θ into `theta`,
 * call `margins`, read/overwrite `z`, fill `grad`, call `transposed`.
 */
/** Instances reused fit after fit (the same exported functions for the callers' optimised code). */
const instances: InstancePool | null = compiled ? new InstancePool(compiled) : null;

export class WasmLossKernel {
  readonly theta: Float64Array;
  readonly grad: Float64Array;
  readonly z: Float64Array;
  private constructor(
    private readonly rows: number,
    private readonly dc: number,
    private readonly ptr: { dense: number; ip: number; ix: number; v: number; th: number; g: number; z: number },
    private readonly marginsFn: MarginsFn,
    private readonly transposedFn: TransposedFn,
    private readonly instance: PooledInstance,
    thetaLength: number,
  ) {
    const buffer = instance.buffer;
    this.theta = new Float64Array(buffer, ptr.th, thetaLength);
    this.grad = new Float64Array(buffer, ptr.g, thetaLength);
    this.z = new Float64Array(buffer, ptr.z, rows);
  }

  /** Null when WebAssembly is unavailable or the matrix does not fit a 32-bit memory (use the JS kernel). */
  static create(
    rows: number,
    dense: Float64Array,
    dc: number,
    indptr: Int32Array,
    indices: Int32Array,
    values: Float64Array,
    thetaLength: number,
  ): WasmLossKernel | null {
    if (!compiled) return null;
    const layout = new MemoryLayout(8);
    const place = (bytes: number) => layout.place(bytes);
    const ptr = {
      dense: place(rows * dc * 8),
      ip: place((rows + 1) * 4),
      ix: place(indices.length * 4),
      v: place(values.length * 8),
      th: place(thetaLength * 8),
      g: place(thetaLength * 8),
      z: place(rows * 8),
    };
    const inst = instances?.acquire(layout.size);
    if (!inst) return null;
    const buf = inst.buffer;
    new Float64Array(buf, ptr.dense, rows * dc).set(dense.subarray(0, rows * dc));
    new Int32Array(buf, ptr.ip, rows + 1).set(indptr.subarray(0, rows + 1));
    new Int32Array(buf, ptr.ix, indices.length).set(indices);
    new Float64Array(buf, ptr.v, values.length).set(values);
    const ex = inst.exports as unknown as { margins: MarginsFn; transposed: TransposedFn };
    return new WasmLossKernel(rows, dc, ptr, ex.margins, ex.transposed, inst, thetaLength);
  }

  /** Gives the memory back for the next fit; the kernel and its views must not be used afterwards. */
  release(): void {
    this.instance.release();
  }

  /** z = X·theta[0..d) + b. */
  margins(b: number): void {
    const p = this.ptr;
    this.marginsFn(this.rows, this.dc, p.dense, p.ip, p.ix, p.v, p.th, b, p.z);
  }

  /** grad[0..d) += Xᵀ·z. */
  transposed(): void {
    const p = this.ptr;
    this.transposedFn(this.rows, this.dc, p.dense, p.ip, p.ix, p.v, p.z, p.g);
  }
}
