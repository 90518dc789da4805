/**
 * Backward rules for the TensorFlow.js kernels that the MLP's training graph differentiates
 * through (trainer.ts: dense layers, relu / tanh, dropout masks, the logistic loss, the l2 term).
 *
 * We load `@tensorflow/tfjs-core` (tensors, autodiff, optimizers) rather than the `@tensorflow/tfjs`
 * bundle: importing the bundle costs ~460 ms and ~0.6 s of CPU in every worker thread that trains
 * an MLP (it also parses Layers, the converter, tf.data and the WebGL backend), the core ~140 ms.
 * The core's CommonJS build registers no gradients (the bundle and tfjs-node register the full
 * set), so the rules the graph needs are registered here, once per thread, and only for kernels
 * that have none yet: with tfjs-node or the bundle loaded, their rules stay.
 *
 * Each rule is the textbook derivative written with tfjs ops, with broadcasting undone by summing
 * over the broadcast axes (`unbroadcast`). Operations are ordered as in the bundle's rules, so the
 * gradients equal the bundle's bit for bit, except BatchMatMul's on the wasm backend, whose
 * transposed products are made differently (`productOf`) and agree to float32 rounding.
 */
import type * as TfModule from '@tensorflow/tfjs-core';

type Tf = typeof TfModule;
type Tensor = TfModule.Tensor;
type GradConfig = TfModule.GradConfig;
type MatMulAttrs = { transposeA?: boolean; transposeB?: boolean };
type SumAttrs = { axis?: number | number[] };

/** Kernels the MLP's graph differentiates through (tfjs kernel names). */
export const MLP_GRADIENT_KERNELS = [
  'Add', 'Sub', 'Multiply', 'RealDiv', 'BatchMatMul', 'Sum', 'Reshape', 'Neg', 'Abs', 'Square', 'Exp', 'Log1p', 'Relu', 'Tanh',
] as const;

/** Registers the rules for every kernel in MLP_GRADIENT_KERNELS that has none; returns the kernels registered. */
export function registerMlpGradients(tf: Tf): string[] {
  const rules = gradientRules(tf);
  const added: string[] = [];
  for (const name of MLP_GRADIENT_KERNELS) {
    if (tf.getGradient(name) !== undefined) continue;
    tf.registerGradient(rules[name]);
    added.push(name);
  }
  return added;
}

/**
 * op(x)·op(y) for the backward products. tfjs-backend-wasm hands a product with a transpose flag
 * to a plain loop and an unflagged one to XNNPACK: for the MLP's backward shapes (e.g. 70 × 128 by
 * 70 × 64, or 316 × 1 by 128 × 1) the flagged product took 0.4–1.0 ms, Transpose + the plain
 * product 0.08–0.15 ms (the same sums in another order: float32 results within a few ulps). On
 * wasm the operands are transposed first (last two axes); other backends get the flags.
 */
function productOf(tf: Tf): (x: Tensor, y: Tensor, tx: boolean, ty: boolean) => Tensor {
  if (tf.getBackend() !== 'wasm') return (x, y, tx, ty) => tf.matMul(x, y, tx, ty);
  const t = (v: Tensor): Tensor => {
    const perm = v.shape.map((_, i) => i);
    perm[perm.length - 2] = perm.length - 1;
    perm[perm.length - 1] = perm.length - 2;
    return tf.transpose(v, perm);
  };
  return (x, y, tx, ty) => tf.matMul(tx ? t(x) : x, ty ? t(y) : y);
}

function gradientRules(tf: Tf): Record<(typeof MLP_GRADIENT_KERNELS)[number], GradConfig> {
  /** dy summed over the axes along which an input of `shape` was broadcast to dy's shape. */
  const unbroadcast = (dy: Tensor, shape: number[]): Tensor => {
    const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
    return axes.length > 0 ? tf.reshape(tf.sum(dy, axes), shape) : dy;
  };
  const binary = (
    kernelName: string,
    da: (dy: Tensor, a: Tensor, b: Tensor) => Tensor,
    db: (dy: Tensor, a: Tensor, b: Tensor) => Tensor,
  ): GradConfig => ({
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const g = dy as Tensor;
      return { a: () => da(g, a, b), b: () => db(g, a, b) };
    },
  });
  const unaryOfInput = (kernelName: string, dx: (dy: Tensor, x: Tensor) => Tensor): GradConfig => ({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => dx(dy as Tensor, saved[0]) }),
  });
  const unaryOfOutput = (kernelName: string, dx: (dy: Tensor, y: Tensor) => Tensor): GradConfig => ({
    kernelName,
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => dx(dy as Tensor, saved[0]) }),
  });
  return {
    // d(a + b) = da + db; d(a − b) = da − db
    Add: binary('Add', (dy, a) => tf.reshape(unbroadcast(dy, a.shape), a.shape), (dy, _a, b) => tf.reshape(unbroadcast(dy, b.shape), b.shape)),
    Sub: binary('Sub', (dy, a) => tf.reshape(unbroadcast(dy, a.shape), a.shape), (dy, _a, b) => tf.reshape(tf.neg(unbroadcast(dy, b.shape)), b.shape)),
    // d(a·b) = b·da + a·db
    Multiply: binary('Multiply', (dy, a, b) => unbroadcast(tf.mul(dy, b), a.shape), (dy, a, b) => unbroadcast(tf.mul(dy, a), b.shape)),
    // d(a/b) = da/b − a·db/b²
    RealDiv: binary('RealDiv', (dy, a, b) => unbroadcast(tf.div(dy, b), a.shape), (dy, a, b) => tf.neg(tf.div(unbroadcast(tf.mul(dy, a), b.shape), tf.square(b)))),
    // C = op(A)·op(B): dA and dB from dC with the transposes of the forward product.
    BatchMatMul: {
      kernelName: 'BatchMatMul',
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved, attrs) => {
        const [a, b] = saved;
        const g = dy as Tensor;
        const { transposeA = false, transposeB = false } = attrs as MatMulAttrs;
        const mm = productOf(tf);
        if (!transposeA && !transposeB) return { a: () => mm(g, b, false, true), b: () => mm(a, g, true, false) };
        if (!transposeA) return { a: () => mm(g, b, false, false), b: () => mm(g, a, true, false) };
        if (!transposeB) return { a: () => mm(b, g, false, true), b: () => mm(a, g, false, false) };
        return { a: () => mm(b, g, true, true), b: () => mm(g, a, true, true) };
      },
    },
    // Each input element receives the gradient of the sum it went into.
    Sum: {
      kernelName: 'Sum',
      inputsToSave: ['x'],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const { axis } = attrs as SumAttrs;
        const axes = axis === undefined || axis === null ? x.shape.map((_, i) => i) : (Array.isArray(axis) ? axis : [axis]).map((d) => (d < 0 ? d + x.rank : d));
        const kept = x.shape.map((n, i) => (axes.includes(i) ? 1 : n));
        return { x: () => tf.mul(tf.reshape(dy as Tensor, kept), tf.ones(x.shape, 'float32')) };
      },
    },
    Reshape: unaryOfInput('Reshape', (dy, x) => tf.reshape(dy, x.shape)),
    Neg: { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy as Tensor) }) },
    // |x|' = sign(x), with −1 at 0 (as the bundle's rule)
    Abs: unaryOfInput('Abs', (dy, x) => tf.mul(dy, tf.step(x, -1))),
    Square: unaryOfInput('Square', (dy, x) => tf.mul(dy, tf.mul(x, 2))),
    Exp: unaryOfOutput('Exp', (dy, y) => tf.mul(dy, y)),
    Log1p: unaryOfInput('Log1p', (dy, x) => tf.div(dy, tf.add(x, 1))),
    // relu'(x) = 1 for x > 0, else 0
    Relu: unaryOfInput('Relu', (dy, x) => tf.mul(dy, tf.step(x))),
    // tanh' = 1 − tanh²
    Tanh: unaryOfOutput('Tanh', (dy, y) => tf.mul(tf.sub(tf.scalar(1), tf.square(y)), dy)),
  };
}
