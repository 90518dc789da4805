/**
 * The inference pass (network.ts `forwardProba`) in WebAssembly SIMD, whole rows at a time: for
 * each row, the first layer's inputs are gathered (the standardised dense block, then the CSR
 * entries, zeros skipped), every layer's units computed as out[o] = bias[o] + Σ_q val[q] · K[col[q], o]
 * (the (col, val) pairs in order, up to sixteen units per sweep in float64x2 accumulators; the
 * row-major kernel stays float32 in memory and each pair of weights is widened exactly as it is
 * loaded, which halves the bytes a row reads: the pass was bound by them), the hidden activations
 * applied two units at a time (relu, or tanh64.ts's tanh) and gathered as the next layer's inputs, and the output unit's value stored as the row's
 * margin. Float64x2 arithmetic is the IEEE arithmetic of the scalar code lane by lane, in the same
 * order, so the margins are bit-identical to the JavaScript pass (network.ts), which stays the
 * fallback and the path for small calls, where copying the weights in would cost more than it saves.
 */
import {
  ADD, BLOCK, END, F64, F64X2_ABS, F64X2_ADD, F64X2_DIV, F64X2_FLOOR, F64X2_LT, F64X2_MIN, F64X2_MUL, F64X2_NEG, F64X2_SPLAT,
  F64X2_SUB, FADD, FDIV, FMUL, FNE, FSUB, GE_S, GE_U, GT_S, I32, I32X4_TRUNC_SAT_F64X2_S_ZERO, I64X2_ADD, I64X2_EXTEND_LOW_I32X4_S,
  I64X2_SHL, I64X2_SPLAT, IF, LOOP, LT_U, MUL, SHL, V128, V128_BITSELECT,
  F64X2_PROMOTE_LOW_F32X4, F64_PROMOTE_F32, br, brIf, buildModule, call, compileModule, f32load, f64c, f64load, f64store, get, i32c, i32load, i32store, i64c, inc, set, v128load,
  v128load64zero, v128store, InstancePool, MemoryLayout,
} from '../wasm-asm.js';
import { EXPM1_TAYLOR, LN2_HI, LN2_LO, LOG2E, TANH_CLAMP } from './tanh64.js';

/** A dense layer's shape and weights (network.ts DenseLayer; declared here to keep imports one-way). */
interface LayerWeights {
  readonly inputs: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/** The rows of a feature matrix the pass reads (network.ts passes a FeatureMatrix). */
interface RowsInput {
  readonly rows: number;
  readonly dense: { readonly cols: number; readonly data: Float64Array };
  readonly sparse: { readonly indptr: Int32Array; readonly indices: Int32Array; readonly data: Float64Array };
}

const UNITS_FN = 0;
const ACT_FN = 1;

// units(nz, col, val, k, units, bias, out). Turns col[q] into the byte offset of its kernel row
// (col[q] · units · 8) in place first, so the sweeps add only the sweep's own offset.
function unitsBody(): number[] {
  const [nz, col, val, k, units, bias, out] = [0, 1, 2, 3, 4, 5, 6];
  const [o, pc, pv, pend, stride, base] = [7, 8, 9, 10, 11, 12];
  const acc = [13, 14, 15, 16, 17, 18, 19, 20];
  const vv = 21;
  const s = 22;
  const oBytes = (ptr: number) => [...get(ptr), ...get(o), ...i32c(3), SHL, ADD];
  const oBytes32 = (ptr: number) => [...get(ptr), ...get(o), ...i32c(2), SHL, ADD];
  /** One sweep of `lanes` float64x2 accumulators (2·lanes units) over the inputs, from unit o on. */
  const sweep = (lanes: number) => [
    ...acc.slice(0, lanes).flatMap((a, i) => [...oBytes(bias), ...v128load(16 * i), ...set(a)]),
    ...oBytes32(k), ...set(base),
    ...get(col), ...set(pc),
    ...get(val), ...set(pv),
    ...BLOCK, ...LOOP,
    ...get(pc), ...get(pend), GE_U, ...brIf(1),
    ...get(pv), ...f64load(), ...F64X2_SPLAT, ...set(vv),
    ...get(pc), ...i32load(), ...get(base), ADD, ...set(s),
    ...acc.slice(0, lanes).flatMap((a, i) => [...get(a), ...get(vv), ...get(s), ...v128load64zero(8 * i), ...F64X2_PROMOTE_LOW_F32X4, ...F64X2_MUL, ...F64X2_ADD, ...set(a)]),
    ...inc(pc, 4), ...inc(pv, 8),
    ...br(0), END, END,
    ...acc.slice(0, lanes).flatMap((a, i) => [...oBytes(out), ...get(a), ...v128store(16 * i)]),
    ...inc(o, 2 * lanes),
  ];
  const whileFits = (lanes: number) => [
    ...BLOCK, ...LOOP,
    ...get(o), ...i32c(2 * lanes), ADD, ...get(units), GT_S, ...brIf(1),
    ...sweep(lanes),
    ...br(0), END, END,
  ];
  return [
    ...get(units), ...i32c(2), SHL, ...set(stride),
    ...get(col), ...get(nz), ...i32c(2), SHL, ADD, ...set(pend),
    ...get(col), ...set(pc),
    ...BLOCK, ...LOOP,
    ...get(pc), ...get(pend), GE_U, ...brIf(1),
    ...get(pc), ...get(pc), ...i32load(), ...get(stride), MUL, ...i32store(),
    ...inc(pc, 4),
    ...br(0), END, END,
    ...i32c(0), ...set(o),
    ...whileFits(8), // sixteen units per sweep
    ...whileFits(4),
    ...whileFits(1), // two
    // the last unit of an odd count
    ...get(o), ...get(units), LT_U, ...IF,
    ...oBytes(bias), ...f64load(), ...set(s + 1),
    ...oBytes32(k), ...set(base),
    ...get(col), ...set(pc),
    ...get(val), ...set(pv),
    ...BLOCK, ...LOOP,
    ...get(pc), ...get(pend), GE_U, ...brIf(1),
    ...get(s + 1), ...get(pv), ...f64load(), ...get(pc), ...i32load(), ...get(base), ADD, ...f32load(), F64_PROMOTE_F32, FMUL, FADD, ...set(s + 1),
    ...inc(pc, 4), ...inc(pv, 8),
    ...br(0), END, END,
    ...oBytes(out), ...get(s + 1), ...f64store(),
    END,
  ];
}

/**
 * act(ptr, n, kind): the n float64 values at ptr, two at a time (the buffer has room for an odd
 * count's extra lane), through relu (kind 0: x < 0 ? 0 : x) or tanh64 (kind 1).
 */
function actBody(): number[] {
  const [ptr, n, kind] = [0, 1, 2];
  const [j, addr] = [3, 4];
  const [x, a, k, r, r2, r4, r8, sc, e] = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const c0 = 14;
  const names = ['clamp', 'two', 'log2e', 'half', 'ln2hi', 'ln2lo', 'one', 'zero', 'bias'] as const;
  const at = (name: (typeof names)[number]) => get(c0 + names.indexOf(name));
  const coef = (n1: number) => get(c0 + names.length + n1 - 1); // 1/n1!
  const splat = (v: number) => [...f64c(v), ...F64X2_SPLAT];
  const consts = [
    ...splat(TANH_CLAMP), ...set(c0), ...splat(2), ...set(c0 + 1), ...splat(LOG2E), ...set(c0 + 2), ...splat(0.5), ...set(c0 + 3),
    ...splat(LN2_HI), ...set(c0 + 4), ...splat(LN2_LO), ...set(c0 + 5), ...splat(1), ...set(c0 + 6), ...splat(0), ...set(c0 + 7),
    ...i64c(1023), ...I64X2_SPLAT, ...set(c0 + 8),
    ...EXPM1_TAYLOR.flatMap((v, i) => [...splat(v), ...set(c0 + names.length + i)]),
  ];
  const pair = (lo: number, hi: number, rr: number) => [...coef(lo), ...coef(hi), ...get(rr), ...F64X2_MUL, ...F64X2_ADD]; // c_lo + c_hi·r
  const tanh = [
    // a = min(|x|, 22)·2; k = floor(a·log2e + 0.5); r = (a − k·ln2hi) − k·ln2lo
    ...get(x), ...F64X2_ABS, ...at('clamp'), ...F64X2_MIN, ...at('two'), ...F64X2_MUL, ...set(a),
    ...get(a), ...at('log2e'), ...F64X2_MUL, ...at('half'), ...F64X2_ADD, ...F64X2_FLOOR, ...set(k),
    ...get(a), ...get(k), ...at('ln2hi'), ...F64X2_MUL, ...F64X2_SUB, ...get(k), ...at('ln2lo'), ...F64X2_MUL, ...F64X2_SUB, ...set(r),
    ...get(r), ...get(r), ...F64X2_MUL, ...set(r2),
    ...get(r2), ...get(r2), ...F64X2_MUL, ...set(r4),
    ...get(r4), ...get(r4), ...F64X2_MUL, ...set(r8),
    // q = (b0 + b1·r4) + (b2 + c13·r4)·r8, b_i = (c + c·r) + (c + c·r)·r2 (tanh64.ts expm1Reduced)
    ...pair(1, 2, r), ...pair(3, 4, r), ...get(r2), ...F64X2_MUL, ...F64X2_ADD,
    ...pair(5, 6, r), ...pair(7, 8, r), ...get(r2), ...F64X2_MUL, ...F64X2_ADD, ...get(r4), ...F64X2_MUL, ...F64X2_ADD,
    ...pair(9, 10, r), ...pair(11, 12, r), ...get(r2), ...F64X2_MUL, ...F64X2_ADD, ...coef(13), ...get(r4), ...F64X2_MUL, ...F64X2_ADD,
    ...get(r8), ...F64X2_MUL, ...F64X2_ADD,
    ...get(r), ...F64X2_MUL, ...set(e), // expm1(r)
    // s = 2^k from the exponent bits; e = s·expm1(r) + (s − 1); t = e / (e + 2)
    ...get(k), ...I32X4_TRUNC_SAT_F64X2_S_ZERO, ...I64X2_EXTEND_LOW_I32X4_S, ...at('bias'), ...I64X2_ADD, ...i32c(52), ...I64X2_SHL, ...set(sc),
    ...get(sc), ...get(e), ...F64X2_MUL, ...get(sc), ...at('one'), ...F64X2_SUB, ...F64X2_ADD, ...set(e),
    ...get(e), ...get(e), ...at('two'), ...F64X2_ADD, ...F64X2_DIV, ...set(e),
    // x < 0 ? −t : t
    ...get(e), ...F64X2_NEG, ...get(e), ...get(x), ...at('zero'), ...F64X2_LT, ...V128_BITSELECT,
  ];
  const relu = [...at('zero'), ...get(x), ...get(x), ...at('zero'), ...F64X2_LT, ...V128_BITSELECT];
  const sweep = (activate: number[]) => [
    ...i32c(0), ...set(j),
    ...BLOCK, ...LOOP,
    ...get(j), ...get(n), GE_S, ...brIf(1),
    ...get(ptr), ...get(j), ...i32c(3), SHL, ADD, ...set(addr),
    ...get(addr), ...v128load(), ...set(x),
    ...get(addr), ...activate, ...v128store(),
    ...inc(j, 2),
    ...br(0), END, END,
  ];
  return [
    ...consts,
    ...get(kind), ...i32c(1), 0x46 /* i32.eq */, ...IF, ...sweep(tanh), 0x05 /* else */, ...sweep(relu), END,
  ];
}

/**
 * rows(n, dc, layers, kind, table, mean, scale, dense, ip, ix, v, col, val, cur, next, out): the
 * margin of each of n rows into out (float64). table: per layer (units, kernel offset, bias offset)
 * as int32; dense: the rows' dense block [n × dc]; ip: n + 1 offsets into ix / v (the rows' CSR
 * entries); col / val: the gather buffers; cur / next: two unit buffers.
 */
function rowsBody(): number[] {
  const [n, dc, nLayers, kind, table, mean, scale, dense, ip, ix, v, col, val, cur, next, out] = Array.from({ length: 16 }, (_, i) => i);
  const [r, c, nz, p, pEnd, li, width, i, swap, ent, rowBase] = Array.from({ length: 11 }, (_, q) => 16 + q);
  const x = 27;
  const keep = (colExpr: number[]) => [
    ...get(x), ...f64c(0), FNE, ...IF,
    ...get(col), ...get(nz), ...i32c(2), SHL, ADD, ...colExpr, ...i32store(),
    ...get(val), ...get(nz), ...i32c(3), SHL, ADD, ...get(x), ...f64store(),
    ...inc(nz, 1),
    END,
  ];
  const layerCall = (entry: number[], dst: number) => [
    ...get(nz), ...get(col), ...get(val),
    ...entry, ...i32load(4), ...entry, ...i32load(0), ...entry, ...i32load(8),
    ...get(dst), ...call(UNITS_FN),
  ];
  return [
    ...i32c(0), ...set(r),
    ...BLOCK, ...LOOP,
    ...get(r), ...get(n), GE_S, ...brIf(1),
    ...i32c(0), ...set(nz),
    // the standardised dense block
    ...get(dense), ...get(r), ...get(dc), MUL, ...i32c(3), SHL, ADD, ...set(rowBase),
    ...i32c(0), ...set(c),
    ...BLOCK, ...LOOP,
    ...get(c), ...get(dc), GE_S, ...brIf(1),
    ...get(rowBase), ...get(c), ...i32c(3), SHL, ADD, ...f64load(),
    ...get(mean), ...get(c), ...i32c(3), SHL, ADD, ...f64load(), FSUB,
    ...get(scale), ...get(c), ...i32c(3), SHL, ADD, ...f64load(), FDIV, ...set(x),
    ...keep(get(c)),
    ...inc(c, 1),
    ...br(0), END, END,
    // the CSR entries
    ...get(ip), ...get(r), ...i32c(2), SHL, ADD, ...i32load(0), ...set(p),
    ...get(ip), ...get(r), ...i32c(2), SHL, ADD, ...i32load(4), ...set(pEnd),
    ...BLOCK, ...LOOP,
    ...get(p), ...get(pEnd), GE_S, ...brIf(1),
    ...get(v), ...get(p), ...i32c(3), SHL, ADD, ...f64load(), ...set(x),
    ...keep([...get(dc), ...get(ix), ...get(p), ...i32c(2), SHL, ADD, ...i32load(), ADD]),
    ...inc(p, 1),
    ...br(0), END, END,
    // the first layer, then activation → gather → next layer
    ...layerCall(get(table), cur),
    ...get(table), ...i32load(0), ...set(width),
    ...i32c(1), ...set(li),
    ...BLOCK, ...LOOP,
    ...get(li), ...get(nLayers), GE_S, ...brIf(1),
    ...get(cur), ...get(width), ...get(kind), ...call(ACT_FN),
    ...i32c(0), ...set(nz),
    ...i32c(0), ...set(i),
    ...BLOCK, ...LOOP,
    ...get(i), ...get(width), GE_S, ...brIf(1),
    ...get(cur), ...get(i), ...i32c(3), SHL, ADD, ...f64load(), ...set(x),
    ...keep(get(i)),
    ...inc(i, 1),
    ...br(0), END, END,
    ...get(table), ...get(li), ...i32c(12), MUL, ADD, ...set(ent),
    ...layerCall(get(ent), next),
    ...get(ent), ...i32load(0), ...set(width),
    ...get(cur), ...set(swap), ...get(next), ...set(cur), ...get(swap), ...set(next),
    ...inc(li, 1),
    ...br(0), END, END,
    ...get(out), ...get(r), ...i32c(3), SHL, ADD, ...get(cur), ...f64load(), ...f64store(),
    ...inc(r, 1),
    ...br(0), END, END,
  ];
}

type RowsFn = (n: number, dc: number, layers: number, kind: number, table: number, mean: number, scale: number, dense: number, ip: number, ix: number, v: number, col: number, val: number, cur: number, next: number, out: number) => void;

/** Compiled once per process (immutable); null without WebAssembly SIMD. */
const compiled: object | null = compileModule(
  buildModule([
    { name: 'units', params: [I32, I32, I32, I32, I32, I32, I32], locals: [[6, I32], [9, V128], [1, I32], [1, F64]], code: unitsBody() },
    { name: 'act', params: [I32, I32, I32], locals: [[2, I32], [9 + 9 + EXPM1_TAYLOR.length, V128]], code: actBody() },
    { name: 'rows', params: new Array<number>(16).fill(I32), locals: [[11, I32], [1, F64]], code: rowsBody() },
  ]),
);

/** Instances of the module, reused call after call (one at a time per forwardProba call). */
const instances: InstancePool | null = compiled ? new InstancePool(compiled) : null;

/** Whether the WebAssembly pass can run here (WebAssembly with SIMD). */
export const wasmForwardAvailable = instances !== null;

/** Rows per call of the kernel (their dense block, CSR entries and margins are copied in and out). */
const CHUNK_ROWS = 256;

/**
 * The margins (output-layer values before the sigmoid) of every row of X into `out`, through the
 * WebAssembly kernel; false (nothing written) where it is unavailable or memory cannot be had.
 * `kind`: 0 relu, 1 tanh (hidden layers).
 */
export function wasmMargins(
  layers: readonly LayerWeights[],
  kind: 0 | 1,
  scaler: { readonly mean: Float64Array; readonly scale: Float64Array },
  X: RowsInput,
  out: Float64Array,
): boolean {
  if (!instances) return false;
  const dc = X.dense.cols;
  const { indptr, indices, data } = X.sparse;
  let maxEntries = 0;
  for (let r0 = 0; r0 < X.rows; r0 += CHUNK_ROWS) {
    const r1 = Math.min(X.rows, r0 + CHUNK_ROWS);
    maxEntries = Math.max(maxEntries, indptr[r1] - indptr[r0]);
  }
  const layout = new MemoryLayout(16);
  const place = (bytes: number) => layout.place(bytes);
  const table = place(layers.length * 12);
  const k = layers.map((l) => place(l.inputs * l.units * 4));
  const bias = layers.map((l) => place(l.units * 8 + 8));
  let maxInputs = 0;
  let maxUnits = 0;
  for (const l of layers) {
    maxInputs = Math.max(maxInputs, l.inputs);
    maxUnits = Math.max(maxUnits, l.units);
  }
  const mean = place(dc * 8);
  const scale = place(dc * 8);
  const col = place(maxInputs * 4);
  const val = place(maxInputs * 8);
  // an odd unit count's activation reads and writes one lane past the last unit
  const cur = place((maxUnits + 2) * 8);
  const next = place((maxUnits + 2) * 8);
  const dense = place(CHUNK_ROWS * dc * 8);
  const ip = place((CHUNK_ROWS + 1) * 4);
  const ix = place(maxEntries * 4);
  const v = place(maxEntries * 8);
  const margins = place(CHUNK_ROWS * 8);
  const inst = instances.acquire(layout.size);
  if (!inst) return false;
  try {
    const buf = inst.buffer;
    const tableView = new Int32Array(buf, table, layers.length * 3);
    layers.forEach((l, li) => {
      new Float32Array(buf, k[li], l.inputs * l.units).set(l.kernel);
      new Float64Array(buf, bias[li], l.units).set(l.bias);
      tableView[li * 3] = l.units;
      tableView[li * 3 + 1] = k[li];
      tableView[li * 3 + 2] = bias[li];
    });
    new Float64Array(buf, mean, dc).set(scaler.mean);
    new Float64Array(buf, scale, dc).set(scaler.scale);
    const denseView = new Float64Array(buf, dense, CHUNK_ROWS * dc);
    const ipView = new Int32Array(buf, ip, CHUNK_ROWS + 1);
    const ixView = new Int32Array(buf, ix, maxEntries);
    const vView = new Float64Array(buf, v, maxEntries);
    const marginView = new Float64Array(buf, margins, CHUNK_ROWS);
    const rows = (inst.exports as unknown as { rows: RowsFn }).rows;
    for (let r0 = 0; r0 < X.rows; r0 += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, X.rows - r0);
      const e0 = indptr[r0];
      const e1 = indptr[r0 + n];
      denseView.set(X.dense.data.subarray(r0 * dc, (r0 + n) * dc));
      for (let i = 0; i <= n; i++) ipView[i] = indptr[r0 + i] - e0;
      ixView.set(indices.subarray(e0, e1));
      vView.set(data.subarray(e0, e1));
      rows(n, dc, layers.length, kind, table, mean, scale, dense, ip, ix, v, col, val, cur, next, margins);
      out.set(marginView.subarray(0, n), r0);
    }
  } finally {
    inst.release();
  }
  return true;
}

/**
 * The kernel's activation applied to a copy of `values` (kind 0 relu, 1 tanh), or null where the
 * kernel is unavailable: lets tests compare it with tanh64 value by value.
 */
export function wasmActivation(values: Float64Array, kind: 0 | 1): Float64Array | null {
  if (!instances) return null;
  const inst = instances.acquire(16 + (values.length + 2) * 8);
  if (!inst) return null;
  try {
    const view = new Float64Array(inst.buffer, 16, values.length + 2);
    view.set(values);
    (inst.exports as unknown as { act: (ptr: number, n: number, kind: number) => void }).act(16, values.length, kind);
    return view.slice(0, values.length);
  } finally {
    inst.release();
  }
}
