/**
 * The MLP's first layer over the non-zeros of each row instead of a densified 524-wide batch.
 *
 * A batch row of the feature matrix has ~60 non-zeros out of 524 (24 standardised dense values +
 * ~40 TF-IDF weights), so x·W and the kernel gradient xᵀ·dY need ~8× fewer multiply-adds over the
 * non-zeros than as dense products. Both run in a small WebAssembly SIMD module (four float32 units
 * per instruction): for every non-zero (column c, value v) of a row, out_row += v · W[c, :] in the
 * forward pass and dW[c, :] += v · dY_row in the backward pass. The training matrix (standardised
 * dense block + CSR, float32 as the dense batch had it) is copied into the module's memory once per
 * fit; per batch only the row ids, the current kernel and dY go in and the products come out.
 *
 * Arithmetic: float32 multiply and add per non-zero, non-zeros of a row in ascending column order
 * (dense block first), rows in batch order. XNNPACK's GEMM on the wasm backend accumulates in the
 * same sequential order and the skipped terms are zeros, so with tfjs-backend-wasm 4.22 the trained
 * weights are bit-identical to the dense path's (tested in test/unit/models/mlp.test.ts). `create`
 * returns null when WebAssembly SIMD is unavailable; the trainer then uses the dense path.
 */
import type { FeatureMatrix } from '../../core/matrix.js';
import {
  ADD, BLOCK, END, F32, F64X2_ADD, F64X2_MUL, F64X2_PROMOTE_LOW_F32X4, F32X4_ABS, F32X4_ADD, F32X4_DIV, F32X4_GT, F32X4_MAX, F32X4_MIN, F32X4_MUL, F32X4_NEAREST, F32X4_NEG,
  F32X4_SPLAT, F32X4_SQRT, F32X4_SUB, GE_S, GE_U, GT_S, I32, I32X4_ADD, I32X4_SHL, I32X4_SPLAT, I32X4_TRUNC_SAT_F32X4_S, LOOP,
  MUL, SHL, V128, V128_AND, V128_OR,
  br, brIf, buildModule, compileModule, f32c, f32load, get, i32c, i32load, inc, set, v128load, v128load64zero, v128store, v128zero,
  InstancePool, MemoryLayout, type PooledInstance,
} from '../wasm-asm.js';
import type { DenseScaler } from './network.js';

/** Vectors (of four float32 units) a block of the two products keeps in registers. */
const BLOCK_VECTORS = 8;

/**
 * The two products walk each batch row's entries (column ix[k], value v[k]) once per block of
 * BLOCK_VECTORS vectors of the row's units (then once per remaining vector), with the block of the
 * batch row in locals acc0.. (v128):
 * - forward(bs, rows, ip, ix, v, W, stride, out): out[b, :] = Σ_k v[k] · W[ix[k], :]; the block's
 *   sums start at 0 in the locals and are stored once, so an entry costs one load, multiply and
 *   add per vector instead of also loading and storing the output;
 * - backward(bs, rows, ip, ix, v, dY, stride, dW): dW[ix[k], :] += v[k] · dY[b, :]; the block of
 *   dY's row is loaded once into the locals.
 * Every output sums its terms in the order of the unblocked loops (entries in order, rows in batch
 * order), so the float32 results are unchanged, and equal the dense product's.
 * Params: 0 bs, 1 rows, 2 ip, 3 ix, 4 v, 5 M (W or dY), 6 stride (bytes per row), 7 out (out or dW).
 */
function productBody(kind: 'forward' | 'backward'): number[] {
  const [bs, rows, ip, ix, v, M, stride, out] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [b, q, kb, ke, k, off, w] = [8, 9, 10, 11, 12, 13, 14];
  const val = 16;
  const acc = (j: number) => 17 + j;
  const NB = BLOCK_VECTORS;
  const forward = kind === 'forward';
  // forward: q = &out[b, 0]; w = &W[ix[k], off]. backward: q = &dY[b, 0]; w = &dW[ix[k], off].
  const rowBase = forward ? out : M;
  const entryBase = forward ? M : out;
  const blockPass = (width: number): number[] => [
    ...Array.from({ length: width }, (_, j) => (forward ? [...v128zero] : [...get(q), ...get(off), ADD, ...v128load(16 * j)]).concat(set(acc(j)))).flat(),
    ...get(kb), ...set(k),
    ...BLOCK, ...LOOP,
    ...get(k), ...get(ke), GE_U, ...brIf(1),
    ...get(v), ...get(k), ADD, ...f32load(), ...F32X4_SPLAT, ...set(val),
    ...get(entryBase), ...get(ix), ...get(k), ADD, ...i32load(), ...get(stride), MUL, ADD, ...get(off), ADD, ...set(w),
    ...Array.from({ length: width }, (_, j) =>
      forward
        ? [...get(acc(j)), ...get(val), ...get(w), ...v128load(16 * j), ...F32X4_MUL, ...F32X4_ADD, ...set(acc(j))]
        : [...get(w), ...get(w), ...v128load(16 * j), ...get(val), ...get(acc(j)), ...F32X4_MUL, ...F32X4_ADD, ...v128store(16 * j)],
    ).flat(),
    ...inc(k, 4),
    ...br(0), END, END,
    ...(forward ? Array.from({ length: width }, (_, j) => [...get(q), ...get(off), ADD, ...get(acc(j)), ...v128store(16 * j)]).flat() : []),
    ...inc(off, 16 * width),
  ];
  return [
    ...i32c(0), ...set(b),
    ...BLOCK, ...LOOP,
    ...get(b), ...get(bs), GE_S, ...brIf(1),
    ...get(rowBase), ...get(b), ...get(stride), MUL, ADD, ...set(q),
    // kb, ke: byte offsets of the row's entries (4-byte ix and v)
    ...get(ip), ...get(rows), ...get(b), ...i32c(2), SHL, ADD, ...i32load(), ...i32c(2), SHL, ADD, ...set(w), // w = &ip[r]
    ...get(w), ...i32load(), ...i32c(2), SHL, ...set(kb),
    ...get(w), ...i32load(4), ...i32c(2), SHL, ...set(ke),
    ...i32c(0), ...set(off),
    // full blocks while at least NB vectors remain
    ...BLOCK, ...LOOP,
    ...get(off), ...i32c(16 * NB), ADD, ...get(stride), GT_S, ...brIf(1),
    ...blockPass(NB),
    ...br(0), END, END,
    // the remaining vectors, one at a time
    ...BLOCK, ...LOOP,
    ...get(off), ...get(stride), GE_S, ...brIf(1),
    ...blockPass(1),
    ...br(0), END, END,
    ...inc(b, 1),
    ...br(0), END, END,
  ];
}

// adam(n, W, dW, M, V, b1, omb1, b2, omb2, c1, c2, eps, negLr, l2): one Adam step over n float32
// weights (n a multiple of 4), tfjs' AdamOptimizer arithmetic: g = dW + l2·(2W); m = m·b1 + g·(1−b1);
// v = v·b2 + g²·(1−b2); W = (m/c1) / (√(v/c2) + eps) · (−lr) + W, with c = 1 − β^t.
function adamBody(): number[] {
  const [n, W, dW, M, V] = [0, 1, 2, 3, 4];
  const [b1, omb1, b2, omb2, c1, c2, eps, negLr, l2] = [5, 6, 7, 8, 9, 10, 11, 12, 13];
  const [q, end] = [14, 15];
  const [vb1, vomb1, vb2, vomb2, vc1, vc2, veps, vlr, vl2, vtwo, g, m, v] = [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
  const splat = (from: number, to: number) => [...get(from), ...F32X4_SPLAT, ...set(to)];
  const at = (base: number) => [...get(base), ...get(q), ADD];
  return [
    ...splat(b1, vb1), ...splat(omb1, vomb1), ...splat(b2, vb2), ...splat(omb2, vomb2),
    ...splat(c1, vc1), ...splat(c2, vc2), ...splat(eps, veps), ...splat(negLr, vlr), ...splat(l2, vl2),
    0x43, 0, 0, 0, 0x40, ...F32X4_SPLAT, ...set(vtwo), // f32.const 2.0
    ...get(n), ...i32c(2), SHL, ...set(end),
    ...i32c(0), ...set(q),
    ...BLOCK, ...LOOP,
    ...get(q), ...get(end), GE_U, ...brIf(1),
    // g = dW + l2 · (W · 2)
    ...at(dW), ...v128load(), ...get(vl2), ...at(W), ...v128load(), ...get(vtwo), ...F32X4_MUL, ...F32X4_MUL, ...F32X4_ADD, ...set(g),
    // m = m·b1 + g·(1−b1)
    ...at(M), ...v128load(), ...get(vb1), ...F32X4_MUL, ...get(g), ...get(vomb1), ...F32X4_MUL, ...F32X4_ADD, ...set(m),
    // v = v·b2 + (g·g)·(1−b2)
    ...at(V), ...v128load(), ...get(vb2), ...F32X4_MUL, ...get(g), ...get(g), ...F32X4_MUL, ...get(vomb2), ...F32X4_MUL, ...F32X4_ADD, ...set(v),
    ...at(M), ...get(m), ...v128store(),
    ...at(V), ...get(v), ...v128store(),
    // W = (m/c1) / (sqrt(v/c2) + eps) · (−lr) + W
    ...at(W),
    ...get(m), ...get(vc1), ...F32X4_DIV,
    ...get(v), ...get(vc2), ...F32X4_DIV, ...F32X4_SQRT, ...get(veps), ...F32X4_ADD,
    ...F32X4_DIV, ...get(vlr), ...F32X4_MUL,
    ...at(W), ...v128load(), ...F32X4_ADD,
    ...v128store(),
    ...inc(q, 16),
    ...br(0), END, END,
  ];
}


/** The first layer's activation (the output layer's, 'linear', when the network has no hidden layer). */
export type FirstLayerActivation = 'relu' | 'tanh' | 'linear';

/**
 * tanh of the v128 in local `x` onto the stack, float32, from expm1: with t = −2·min(|x|, 9),
 * tanh|x| = −expm1(t) / (2 + expm1(t)), and expm1(t) = 2ᵏ·expm1(r) + (2ᵏ − 1) for t = k·ln2 + r,
 * |r| ≤ ln2/2 (k = nearest(t·log₂e), ln 2 split in a 16-bit head and a tail so that k·head is
 * exact), expm1(r) by its Taylor polynomial to r⁷/7! (truncation < 6e-9 relative). Near 0 the
 * k = 0 branch is expm1(r) itself, so small |x| keep their relative precision (no 1 − e^t
 * cancellation). Error against float64 tanh: a few float32 ulps (tested). Beyond |x| = 9, tanh
 * rounds to ±1 in float32. The sign of x is put back with a bitwise or (±0 and NaN pass through).
 * Locals: x, then 5 scratch v128 from `tmp`, constants from `c` (see TANH_CONSTS).
 */
function tanhInto(x: number, tmp: number, c: number): number[] {
  const [ax, k, r, em1] = [tmp, tmp + 1, tmp + 2, tmp + 3];
  const C = (name: keyof typeof TANH_CONST_INDEX) => get(c + TANH_CONST_INDEX[name]);
  return [
    ...get(x), ...F32X4_ABS, ...C('nine'), ...F32X4_MIN, ...C('minusTwo'), ...F32X4_MUL, ...set(ax), // ax := t
    ...get(ax), ...C('log2e'), ...F32X4_MUL, ...F32X4_NEAREST, ...set(k),
    ...get(ax), ...get(k), ...C('ln2hi'), ...F32X4_MUL, ...F32X4_SUB, ...get(k), ...C('ln2lo'), ...F32X4_MUL, ...F32X4_SUB, ...set(r),
    // p = (((((r/5040 + 1/720)·r + 1/120)·r + 1/24)·r + 1/6)·r + 1/2)·r·r + r
    ...get(r), ...C('inv5040'), ...F32X4_MUL, ...C('inv720'), ...F32X4_ADD,
    ...get(r), ...F32X4_MUL, ...C('inv120'), ...F32X4_ADD,
    ...get(r), ...F32X4_MUL, ...C('inv24'), ...F32X4_ADD,
    ...get(r), ...F32X4_MUL, ...C('inv6'), ...F32X4_ADD,
    ...get(r), ...F32X4_MUL, ...C('half'), ...F32X4_ADD,
    ...get(r), ...F32X4_MUL, ...get(r), ...F32X4_MUL, ...get(r), ...F32X4_ADD, ...set(em1),
    // s = 2^k from the exponent bits; em1 = s·p + (s − 1)
    ...get(k), ...I32X4_TRUNC_SAT_F32X4_S, ...C('bias127'), ...I32X4_ADD, ...i32c(23), ...I32X4_SHL, ...set(k),
    ...get(k), ...get(em1), ...F32X4_MUL, ...get(k), ...C('one'), ...F32X4_SUB, ...F32X4_ADD, ...set(em1),
    // |−em1 / (2 + em1)| (at x = ±0 the quotient is −0), then x's sign
    ...get(em1), ...F32X4_NEG, ...C('two'), ...get(em1), ...F32X4_ADD, ...F32X4_DIV, ...F32X4_ABS,
    ...get(x), ...C('signMask'), ...V128_AND, ...V128_OR,
  ];
}

const TANH_CONST_INDEX = { nine: 0, minusTwo: 1, log2e: 2, ln2hi: 3, ln2lo: 4, inv5040: 5, inv720: 6, inv120: 7, inv24: 8, inv6: 9, half: 10, one: 11, two: 12, bias127: 13, signMask: 14, zero: 15 } as const;
const TANH_CONSTS = Object.keys(TANH_CONST_INDEX).length;

/** Splats the constants into locals c.. */
function tanhConsts(c: number): number[] {
  const f = (name: keyof typeof TANH_CONST_INDEX, v: number) => [...f32c(v), ...F32X4_SPLAT, ...set(c + TANH_CONST_INDEX[name])];
  const i = (name: keyof typeof TANH_CONST_INDEX, v: number) => [...i32c(v), ...I32X4_SPLAT, ...set(c + TANH_CONST_INDEX[name])];
  return [
    ...f('nine', 9), ...f('minusTwo', -2), ...f('log2e', Math.LOG2E),
    ...f('ln2hi', 0.693145751953125), ...f('ln2lo', Math.LN2 - 0.693145751953125),
    ...f('inv5040', 1 / 5040), ...f('inv720', 1 / 720), ...f('inv120', 1 / 120), ...f('inv24', 1 / 24), ...f('inv6', 1 / 6),
    ...f('half', 0.5), ...f('one', 1), ...f('two', 2), ...i('bias127', 127), ...i('signMask', -2147483648),
    ...v128zero, ...set(c + TANH_CONST_INDEX.zero),
  ];
}

/**
 * Row-and-vector loop over a [bs × stride-bytes] batch: `body(q)` runs with local q = the byte
 * offset of the vector (row part) and local `off` = its byte offset within the row.
 * Locals used: b (row), q, off. Param `bs` and `stride`.
 */
function batchLoop(bs: number, stride: number, b: number, q: number, off: number, body: number[]): number[] {
  return [
    ...i32c(0), ...set(b),
    ...BLOCK, ...LOOP,
    ...get(b), ...get(bs), GE_S, ...brIf(1),
    ...i32c(0), ...set(off),
    ...BLOCK, ...LOOP,
    ...get(off), ...get(stride), GE_S, ...brIf(1),
    ...get(b), ...get(stride), MUL, ...get(off), ADD, ...set(q),
    ...body,
    ...inc(off, 16),
    ...br(0), END, END,
    ...inc(b, 1),
    ...br(0), END, END,
  ];
}

/**
 * act(bs, stride, out, bias, h, mask): z = out + bias (per unit); h = act(z) (kept for the
 * gradient); out = h · mask (the dropout mask, or ones).
 */
function activationBody(act: FirstLayerActivation): number[] {
  const [bs, stride, out, bias, h, mask] = [0, 1, 2, 3, 4, 5];
  const [b, q, off] = [6, 7, 8];
  const [x, tmp] = [9, 10];
  const c = tmp + 4;
  const at = (base: number) => [...get(base), ...get(q), ADD];
  const activate = act === 'tanh' ? tanhInto(x, tmp, c) : act === 'relu' ? [...get(x), ...get(c + TANH_CONST_INDEX.zero), ...F32X4_MAX] : get(x);
  return [
    ...tanhConsts(c),
    ...batchLoop(bs, stride, b, q, off, [
      ...at(out), ...v128load(), ...get(bias), ...get(off), ADD, ...v128load(), ...F32X4_ADD, ...set(x),
      ...activate, ...set(x),
      ...at(h), ...get(x), ...v128store(),
      ...at(out), ...get(x), ...at(mask), ...v128load(), ...F32X4_MUL, ...v128store(),
    ]),
  ];
}

/**
 * actGrad(bs, stride, dy, h, mask, db): dy = dy · mask · act'(h) (in place: the gradient of the
 * pre-activation z, which `backward` then multiplies into xᵀ·dz) and db = Σ_rows dz (zeroed first,
 * rows in batch order). act' from the activation's output: tanh 1 − h², relu 1 where h > 0 else 0
 * (h > 0 ⇔ z > 0), linear 1.
 */
function activationGradBody(act: FirstLayerActivation): number[] {
  const [bs, stride, dy, h, mask, db] = [0, 1, 2, 3, 4, 5];
  const [b, q, off] = [6, 7, 8];
  const [g, hv, zero, one] = [9, 10, 11, 12];
  const at = (base: number) => [...get(base), ...get(q), ADD];
  const grad =
    act === 'tanh'
      ? [...get(g), ...get(one), ...get(hv), ...get(hv), ...F32X4_MUL, ...F32X4_SUB, ...F32X4_MUL, ...set(g)]
      : act === 'relu'
        ? [...get(g), ...get(hv), ...get(zero), ...F32X4_GT, ...V128_AND, ...set(g)]
        : [];
  return [
    ...v128zero, ...set(zero),
    ...f32c(1), ...F32X4_SPLAT, ...set(one),
    // db = 0
    ...i32c(0), ...set(off),
    ...BLOCK, ...LOOP,
    ...get(off), ...get(stride), GE_S, ...brIf(1),
    ...get(db), ...get(off), ADD, ...get(zero), ...v128store(),
    ...inc(off, 16),
    ...br(0), END, END,
    ...batchLoop(bs, stride, b, q, off, [
      ...at(dy), ...v128load(), ...at(mask), ...v128load(), ...F32X4_MUL, ...set(g),
      ...at(h), ...v128load(), ...set(hv),
      ...grad,
      ...at(dy), ...get(g), ...v128store(),
      ...get(db), ...get(off), ADD, ...get(db), ...get(off), ADD, ...v128load(), ...get(g), ...F32X4_ADD, ...v128store(),
    ]),
  ];
}

/** tanh(x) for float32 inputs through the kernel's tanh (tests; n a multiple of 4): x → out. */
function tanhVectorBody(): number[] {
  const [n, src, dst] = [0, 1, 2];
  const [q, x, tmp] = [3, 4, 5];
  const c = tmp + 4;
  return [
    ...tanhConsts(c),
    ...i32c(0), ...set(q),
    ...BLOCK, ...LOOP,
    ...get(q), ...get(n), ...i32c(2), SHL, GE_U, ...brIf(1),
    ...get(src), ...get(q), ADD, ...v128load(), ...set(x),
    ...get(dst), ...get(q), ADD, ...tanhInto(x, tmp, c), ...v128store(),
    ...inc(q, 16),
    ...br(0), END, END,
  ];
}

type AdamFn = (n: number, W: number, dW: number, M: number, V: number, ...consts: number[]) => void;
type SumSquaresFn = (n: number, W: number, out: number) => void;

type KernelFn = (bs: number, rows: number, ip: number, ix: number, v: number, src: number, stride: number, dst: number) => void;

/** act_*(bs, stride, out, bias, h, mask) and grad_*(bs, stride, dy, h, mask, db). */
type ActivationFn = (bs: number, stride: number, a: number, b: number, c: number, d: number) => void;

/**
 * tanh through the kernels' float32 approximation (for tests): element i of the result is the
 * first layer's tanh of x[i].
 */
export function kernelTanh(x: Float32Array): Float32Array | null {
  const n = Math.ceil(x.length / 4) * 4;
  const inst = instances?.acquire(16 + 8 * n);
  if (!inst) return null;
  try {
    const src = new Float32Array(inst.buffer, 16, n);
    src.set(x);
    (inst.exports as unknown as { tanh: (n: number, src: number, dst: number) => void }).tanh(n, 16, 16 + 4 * n);
    return new Float32Array(inst.buffer, 16 + 4 * n, x.length).slice();
  } finally {
    inst.release();
  }
}

/**
 * sumsq(n, W, out): Σ w² over n float32 weights (n a multiple of 4) as four float64 sums, lane j
 * of every group of four into sum j (out: s0, s1, s2, s3): each weight widened exactly, squared
 * and added in float64, two sums per float64x2 register, in the order of a scalar loop.
 */
function sumSquaresBody(): number[] {
  const [n, W, out] = [0, 1, 2];
  const [q, end] = [3, 4];
  const [a01, a23, x] = [5, 6, 7];
  const square = (acc: number, off: number) => [
    ...get(W), ...get(q), ADD, ...v128load64zero(off), ...F64X2_PROMOTE_LOW_F32X4, ...set(x),
    ...get(acc), ...get(x), ...get(x), ...F64X2_MUL, ...F64X2_ADD, ...set(acc),
  ];
  return [
    ...v128zero, ...set(a01),
    ...v128zero, ...set(a23),
    ...get(n), ...i32c(2), SHL, ...set(end),
    ...i32c(0), ...set(q),
    ...BLOCK, ...LOOP,
    ...get(q), ...get(end), GE_U, ...brIf(1),
    ...square(a01, 0), ...square(a23, 8),
    ...inc(q, 16),
    ...br(0), END, END,
    ...get(out), ...get(a01), ...v128store(0),
    ...get(out), ...get(a23), ...v128store(16),
  ];
}

/** Compiled once per process (immutable); null without WebAssembly SIMD. */
const compiled: object | null = compileModule(
  buildModule([
    { name: 'forward', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [[8, I32], [1 + BLOCK_VECTORS, V128]], code: productBody('forward') },
    { name: 'backward', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [[8, I32], [1 + BLOCK_VECTORS, V128]], code: productBody('backward') },
    { name: 'adam', params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32, F32], locals: [[2, I32], [13, V128]], code: adamBody() },
    ...(['relu', 'tanh', 'linear'] as const).flatMap((act) => [
      { name: `act_${act}`, params: [I32, I32, I32, I32, I32, I32], locals: [[3, I32], [1 + 4 + TANH_CONSTS, V128]] as Array<[number, number]>, code: activationBody(act) },
      { name: `grad_${act}`, params: [I32, I32, I32, I32, I32, I32], locals: [[3, I32], [4, V128]] as Array<[number, number]>, code: activationGradBody(act) },
    ]),
    { name: 'tanh', params: [I32, I32, I32], locals: [[1, I32], [1 + 4 + TANH_CONSTS, V128]], code: tanhVectorBody() },
    { name: 'sumsq', params: [I32, I32, I32], locals: [[2, I32], [3, V128]], code: sumSquaresBody() },
  ]),
);

/** Instances reused fit after fit (the same exported functions for the trainer's optimised code). */
const instances: InstancePool | null = compiled ? new InstancePool(compiled) : null;

/** tf.train.adam's defaults (ε: the float32 backends' epsilon). */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-7;

/**
 * The first layer's two products for one training matrix. Per batch: `setBatch` (row ids),
 * `setWeights` (the current kernel, [inputs × units] row-major), `forward` → x·W ([bs × units]),
 * `backward(dY)` → xᵀ·dY ([inputs × units]). Returned arrays are views/scratch reused by the next call.
 */
export class SparseInputLayer {
  private readonly rowsView: Int32Array;
  private readonly wView: Float32Array;
  private readonly dwView: Float32Array;
  private readonly outView: Float32Array;
  private readonly dyView: Float32Array;
  /** Unpadded scratch when units is not a multiple of 4 (null otherwise: views are returned). */
  private readonly outScratch: Float32Array | null;
  private readonly dwScratch: Float32Array | null;
  private readonly biasView: Float32Array;
  private readonly dbView: Float32Array;
  private readonly maskView: Float32Array;
  private readonly sumsView: Float64Array;
  private readonly dbScratch: Float32Array | null;
  /** True while the mask buffer holds ones (no dropout mask set since). */
  private maskIsOnes = false;
  private bs = 0;
  /** Adam state: β₁ᵗ and β₂ᵗ as float32 products, as tfjs' AdamOptimizer keeps them. */
  private accBeta1 = Math.fround(ADAM_BETA1);
  private accBeta2 = Math.fround(ADAM_BETA2);

  private constructor(
    readonly inputs: number,
    readonly units: number,
    private readonly padded: number,
    private readonly ptr: {
      rows: number; ip: number; ix: number; v: number; w: number; dw: number; out: number; dy: number; m: number; s: number;
      bias: number; db: number; h: number; mask: number; sums: number;
    },
    private readonly fwd: KernelFn,
    private readonly bwd: KernelFn,
    private readonly adam: AdamFn,
    private readonly sumsq: SumSquaresFn,
    private readonly act: ActivationFn,
    private readonly actGrad: ActivationFn,
    private readonly instance: PooledInstance,
    bsMax: number,
  ) {
    const buffer = instance.buffer;
    this.rowsView = new Int32Array(buffer, ptr.rows, bsMax);
    this.wView = new Float32Array(buffer, ptr.w, inputs * padded);
    this.dwView = new Float32Array(buffer, ptr.dw, inputs * padded);
    this.outView = new Float32Array(buffer, ptr.out, bsMax * padded);
    this.dyView = new Float32Array(buffer, ptr.dy, bsMax * padded);
    this.biasView = new Float32Array(buffer, ptr.bias, padded);
    this.dbView = new Float32Array(buffer, ptr.db, padded);
    this.maskView = new Float32Array(buffer, ptr.mask, bsMax * padded);
    this.sumsView = new Float64Array(buffer, ptr.sums, 4);
    this.dbScratch = padded === units ? null : new Float32Array(units);
    this.outScratch = padded === units ? null : new Float32Array(bsMax * units);
    this.dwScratch = padded === units ? null : new Float32Array(inputs * units);
  }

  /** Null when WebAssembly SIMD is unavailable or the data does not fit a 32-bit memory. */
  static create(X: FeatureMatrix, scaler: DenseScaler, units: number, bsMax: number, activation: FirstLayerActivation = 'linear'): SparseInputLayer | null {
    if (!compiled) return null;
    const n = X.rows;
    const dc = X.dense.cols;
    const inputs = dc + X.sparse.cols;
    const { indptr, indices, data } = X.sparse;
    const dense = X.dense.data;
    // Entry count: non-zero standardised dense values + non-zero sparse values.
    const nnz = countEntries(dense, dc, scaler.mean, scaler.scale, indptr, data, n);
    const padded = Math.ceil(units / 4) * 4;
    const stride = padded * 4;
    const layout = new MemoryLayout(16);
    const place = (bytes: number) => layout.place(bytes);
    const ptr = {
      rows: place(bsMax * 4),
      ip: place((n + 1) * 4),
      ix: place(nnz * 4),
      v: place(nnz * 4),
      w: place(inputs * stride),
      dw: place(inputs * stride),
      out: place(bsMax * stride),
      dy: place(bsMax * stride),
      m: place(inputs * stride),
      s: place(inputs * stride),
      bias: place(stride),
      db: place(stride),
      h: place(bsMax * stride),
      mask: place(bsMax * stride),
      sums: place(32),
    };
    const inst = instances?.acquire(layout.size);
    if (!inst) return null;
    const buf = inst.buffer;
    const ip = new Int32Array(buf, ptr.ip, n + 1);
    const ix = new Int32Array(buf, ptr.ix, nnz);
    const v = new Float32Array(buf, ptr.v, nnz);
    fillEntries(dense, dc, scaler.mean, scaler.scale, indptr, indices, data, n, ip, ix, v);
    const ex = inst.exports as unknown as { forward: KernelFn; backward: KernelFn; adam: AdamFn; sumsq: SumSquaresFn } & Record<string, ActivationFn>;
    return new SparseInputLayer(inputs, units, padded, ptr, ex.forward, ex.backward, ex.adam, ex.sumsq, ex[`act_${activation}`], ex[`grad_${activation}`], inst, bsMax);
  }

  /** Gives the memory back for the next fit; the layer and its views must not be used afterwards. */
  release(): void {
    this.instance.release();
  }

  /** The batch: rows perm[start..start+bs). */
  setBatch(perm: Int32Array, start: number, bs: number): void {
    this.rowsView.set(perm.subarray(start, start + bs));
    this.bs = bs;
  }

  /** Sets the kernel, [inputs × units] row-major (the initial weights; Adam state is not reset). */
  setWeights(kernel: Float32Array): void {
    const { units, padded, inputs } = this;
    if (padded === units) {
      this.wView.set(kernel.subarray(0, inputs * units));
      return;
    }
    const w = this.wView;
    for (let i = 0; i < inputs; i++) w.set(kernel.subarray(i * units, (i + 1) * units), i * padded);
  }

  /** x·W for the batch, [bs × units]. */
  forward(): Float32Array {
    const p = this.ptr;
    this.fwd(this.bs, p.rows, p.ip, p.ix, p.v, p.w, this.padded * 4, p.out);
    return this.batchOut();
  }

  /** The output rows of the batch, [bs × units] (a view, or the unpadded scratch). */
  private batchOut(): Float32Array {
    const { bs, units, padded } = this;
    if (!this.outScratch) return this.outView.subarray(0, bs * units);
    const o = this.outScratch;
    for (let b = 0; b < bs; b++) o.set(this.outView.subarray(b * padded, b * padded + units), b * units);
    return o.subarray(0, bs * units);
  }

  /** Copies [bs × units] rows into a view whose rows are `padded` wide. */
  private toPadded(src: Float32Array, view: Float32Array): void {
    const { bs, units, padded } = this;
    if (padded === units) view.set(src.subarray(0, bs * units));
    else for (let b = 0; b < bs; b++) view.set(src.subarray(b * units, (b + 1) * units), b * padded);
  }

  /** dW = xᵀ·dY of the batch from the dY already in the module's memory. */
  private productBackward(): void {
    const p = this.ptr;
    this.dwView.fill(0);
    this.bwd(this.bs, p.rows, p.ip, p.ix, p.v, p.dy, this.padded * 4, p.dw);
  }

  /**
   * The whole first layer for the batch: h = act(x·W + bias), returned as h · mask ([bs × units];
   * `mask` [bs × units] is the dropout mask with its keep scale, null for none). `backwardActivation`
   * takes the gradient at this output. The bias stays a tfjs variable: its values come in per batch.
   */
  forwardActivation(bias: Float32Array, mask: Float32Array | null): Float32Array {
    const { bs, units, padded } = this;
    const p = this.ptr;
    this.biasView.set(bias.subarray(0, units));
    if (mask) {
      this.toPadded(mask, this.maskView);
      this.maskIsOnes = false;
    } else if (!this.maskIsOnes) {
      this.maskView.fill(1);
      this.maskIsOnes = true;
    }
    this.fwd(bs, p.rows, p.ip, p.ix, p.v, p.w, padded * 4, p.out);
    this.act(bs, padded * 4, p.out, p.bias, p.h, p.mask);
    return this.batchOut();
  }

  /**
   * Given the gradient at `forwardActivation`'s output ([bs × units]): dz = dy · mask · act'(h),
   * the kernel gradient xᵀ·dz (kept for `adamStep`) and the bias gradient Σ_rows dz, returned
   * ([units]; a view reused by the next call).
   */
  backwardActivation(dy: Float32Array): Float32Array {
    const p = this.ptr;
    this.toPadded(dy, this.dyView);
    this.actGrad(this.bs, this.padded * 4, p.dy, p.h, p.mask, p.db);
    this.productBackward();
    if (!this.dbScratch) return this.dbView;
    this.dbScratch.set(this.dbView.subarray(0, this.units));
    return this.dbScratch;
  }

  /** The kernel now, [inputs × units] row-major (a copy). */
  kernel(): Float32Array {
    const { units, padded, inputs } = this;
    if (padded === units) return this.wView.slice();
    const k = new Float32Array(inputs * units);
    for (let i = 0; i < inputs; i++) k.set(this.wView.subarray(i * padded, i * padded + units), i * units);
    return k;
  }

  /**
   * Σ w² over the kernel (float64), for the reported loss when an L2 penalty is on: four running
   * sums (lane j of each group of four weights into sum j; padding entries are zero) joined as
   * (s0 + s1) + (s2 + s3), in the kernel. In JavaScript this took ~54 µs per batch of a [128]
   * network (~1,400 calls in the default study), ~4× the kernel's time.
   */
  sumSquares(): number {
    this.sumsq(this.inputs * this.padded, this.ptr.w, this.ptr.sums);
    const s = this.sumsView;
    return s[0] + s[1] + (s[2] + s[3]);
  }

  /**
   * One Adam step on the kernel from the gradient of the last `backward` (plus l2 · 2W), with the
   * arithmetic of tfjs' AdamOptimizer (β₁ 0.9, β₂ 0.999, ε 1e-7, float32) — the same update the
   * optimizer would apply if the kernel were a tfjs variable, without moving it in and out of tfjs.
   */
  adamStep(learningRate: number, l2: number): void {
    const f = Math.fround;
    const c1 = f(1 - this.accBeta1);
    const c2 = f(1 - this.accBeta2);
    const p = this.ptr;
    const n = this.inputs * this.padded;
    this.adam(n, p.w, p.dw, p.m, p.s, f(ADAM_BETA1), f(1 - ADAM_BETA1), f(ADAM_BETA2), f(1 - ADAM_BETA2), c1, c2, f(ADAM_EPSILON), f(-learningRate), f(l2));
    this.accBeta1 = f(this.accBeta1 * f(ADAM_BETA1));
    this.accBeta2 = f(this.accBeta2 * f(ADAM_BETA2));
  }

  /** xᵀ·dY for the batch given dY [bs × units], as [inputs × units] (also kept for `adamStep`). */
  backward(dy: Float32Array): Float32Array {
    const { units, padded, inputs } = this;
    this.toPadded(dy, this.dyView);
    this.productBackward();
    if (!this.dwScratch) return this.dwView;
    const g = this.dwScratch;
    for (let i = 0; i < inputs; i++) g.set(this.dwView.subarray(i * padded, i * padded + units), i * units);
    return g;
  }
}

// SparseInputLayer.create's two passes over the rows, each a function of its own: V8 compiles each
// loop once per thread instead of create's loops on stack in every fit, deoptimising at the code
// between them (docs/CONVENTIONS.md).

/** Entries of the layer's CSR copy: non-zero standardised dense values and non-zero sparse values (as float32). */
function countEntries(dense: Float64Array, dc: number, mean: Float64Array, scale: Float64Array, indptr: Int32Array, data: Float64Array, n: number): number {
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dc; c++) if (Math.fround((dense[r * dc + c] - mean[c]) / scale[c]) !== 0) nnz++;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) if (Math.fround(data[p]) !== 0) nnz++;
  }
  return nnz;
}

/** Writes the CSR copy counted by countEntries into ip (n + 1), ix and v. */
function fillEntries(
  dense: Float64Array,
  dc: number,
  mean: Float64Array,
  scale: Float64Array,
  indptr: Int32Array,
  indices: Int32Array,
  data: Float64Array,
  n: number,
  ip: Int32Array,
  ix: Int32Array,
  v: Float32Array,
): void {
  let k = 0;
  for (let r = 0; r < n; r++) {
    ip[r] = k;
    for (let c = 0; c < dc; c++) {
      const x = Math.fround((dense[r * dc + c] - mean[c]) / scale[c]);
      if (x === 0) continue;
      ix[k] = c;
      v[k++] = x;
    }
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const x = Math.fround(data[p]);
      if (x === 0) continue;
      ix[k] = dc + indices[p];
      v[k++] = x;
    }
  }
  ip[n] = k;
}
