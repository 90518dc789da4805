/**
 * The MLP training loop on TensorFlow.js: tfjs differentiates the network's graph; Adam (ours, on
 * parameter arrays: adam.ts, and the sparse layer's) minimises a class-weighted logistic loss; rows reshuffled
 * each epoch with our seeded Rng, inverted-dropout masks drawn from our Rng (tfjs' own dropout
 * would reuse one mask when given a fixed seed). The first layer runs over the rows' non-zeros in a
 * WebAssembly SIMD kernel (sparse-input.ts: ~8× fewer multiply-adds than the densified 524-wide
 * batch, measured ~45% less CPU per fit than the dense batch through XNNPACK); where that kernel is
 * unavailable, or on the native TensorFlow backend, the batch is densified on the fly from the CSR
 * block (with its transpose, so the first kernel's gradient is a plain product). Every tensor is
 * created inside `tidy` or disposed in `finally`.
 *
 * Earlier measurement, superseded: the same sparse first layer in plain TypeScript (no SIMD) cost
 * ~50% more CPU per fit than the dense batch through XNNPACK (4.1 s vs 2.7 s, 10 epochs, 6k × 524).
 */
import { TrainSpamError } from '../../core/errors.js';
import type { FeatureMatrix } from '../../core/matrix.js';
import { rngFor, type Rng } from '../../core/random.js';
import { logLoss, rocAuc } from '../../metrics/index.js';
import type { FitOptions, IterationDecision, TrainingData } from '../contract.js';
import type { TfRuntime } from './backend.js';
import { forwardProba, initLayer, type DenseLayer, type DenseScaler, type MlpNetwork } from './network.js';
import type { MlpParams } from './params.js';
import { DropoutMasks } from './dropout.js';
import { SparseInputLayer } from './sparse-input.js';
import { ArrayAdam, type AdamParam } from './adam.js';

export interface TrainOutcome {
  readonly network: MlpNetwork;
  readonly iterations: number;
}

type Tensor = import('@tensorflow/tfjs-core').Tensor;

function cancelled(): TrainSpamError {
  return new TrainSpamError('CANCELLED', 'mlp fit was cancelled by its abort signal');
}

/**
 * Writes rows perm[start..start+bs) of X, standardised, into `out` (bs × cols, row-major) and
 * its transpose into `outT` (cols × bs): the kernel gradient Xᵀ·dY is then a plain product, which
 * the wasm backend runs several times faster than a transposed one.
 */
function fillBatch(X: FeatureMatrix, scaler: DenseScaler, perm: Int32Array, start: number, bs: number, out: Float32Array, outT: Float32Array): void {
  const dc = X.dense.cols;
  const cols = dc + X.sparse.cols;
  out.fill(0, 0, bs * cols);
  outT.fill(0, 0, bs * cols);
  const { indptr, indices, data } = X.sparse;
  for (let i = 0; i < bs; i++) {
    const r = perm[start + i];
    const o = i * cols;
    for (let c = 0; c < dc; c++) {
      const v = (X.dense.data[r * dc + c] - scaler.mean[c]) / scaler.scale[c];
      out[o + c] = v;
      outT[c * bs + i] = v;
    }
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      const c = dc + indices[p];
      out[o + c] = data[p];
      outT[c * bs + i] = data[p];
    }
  }
}

export async function trainMlp(
  rt: TfRuntime,
  data: TrainingData,
  params: MlpParams,
  scaler: DenseScaler,
  options: FitOptions,
  /** false: always the densified batch through tfjs' matMul (the fallback path; for tests and A/B). */
  allowSparseInput = true,
): Promise<TrainOutcome> {
  const { tf } = rt;
  const { X, y } = data;
  const n = X.rows;
  const cols = X.dense.cols + X.sparse.cols;
  const seed = options.seed;
  const reportEvery = options.reportEvery ?? 1;
  // The training loss is only reported; without a listener neither its value is read back from
  // the backend nor the sparse layer's l2 term summed (weights are the same either way).
  const reportsLoss = options.onIteration !== undefined;
  const signal = options.signal;

  // Class weights for the loss.
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i];
  const w1 = params.class_weight === 'balanced' ? n / (2 * nPos) : 1;
  const w0 = params.class_weight === 'balanced' ? n / (2 * (n - nPos)) : 1;

  // Seeded initialisation, one stream per layer.
  const sizes = [...params.hidden_layers, 1];
  const init: DenseLayer[] = [];
  let inputs = cols;
  sizes.forEach((units, i) => {
    const scheme = i < sizes.length - 1 && params.activation === 'relu' ? 'he' : 'glorot';
    init.push(initLayer(inputs, units, scheme, rngFor(seed, 'mlp', 'init', i)));
    inputs = units;
  });

  const shuffleRng = rngFor(seed, 'mlp', 'shuffle');
  const dropoutRng = rngFor(seed, 'mlp', 'dropout');
  const p = params.dropout;
  const keepScale = 1 / (1 - p);
  // A unit is dropped when a uniform 32-bit draw is below p·2³², i.e. with probability p (to 2⁻³²).
  const dropThreshold = p * 4294967296;
  const bsMax = Math.min(params.batch_size, n);
  // First layer over the rows' non-zeros (WebAssembly SIMD) unless unavailable or on the native
  // TensorFlow backend (its multi-threaded dense products are not measured here): then the
  // densified batch and its transpose go through tfjs' matMul.
  // The sparse layer also applies the first layer's bias, activation and dropout mask, and their
  // gradients (one custom op instead of ~10 tfjs ops per batch; tfjs-backend-wasm's Tanh alone took
  // ~20 % of a tanh fit's CPU). With no hidden layer, layer 0 is the output layer: linear.
  const firstHidden = sizes.length > 1;
  const sparseInput =
    !allowSparseInput || rt.backend === 'tensorflow' ? null : SparseInputLayer.create(X, scaler, sizes[0], bsMax, firstHidden ? params.activation : 'linear');
  const xBuf = new Float32Array(sparseInput ? 0 : bsMax * cols);
  const xtBuf = new Float32Array(sparseInput ? 0 : bsMax * cols);
  const yBuf = new Float32Array(bsMax);
  const wBuf = new Float32Array(bsMax);
  const dropout = DropoutMasks.create(p > 0 ? params.hidden_layers.map((u) => bsMax * u) : []);

  // Kernel 0 lives in the sparse layer's memory (updated there by the same Adam arithmetic) when
  // that layer is used. Every other kernel and every bias is an array of `adam` (adam.ts), made a
  // tensor for each batch: kernelAt[li] / biasAt[li] index its parameters (−1: kernel 0 in the
  // sparse layer).
  const kernelAt: number[] = [];
  const biasAt: number[] = [];
  const adamParams: AdamParam[] = [];
  init.forEach((l, li) => {
    if (li === 0 && sparseInput) {
      sparseInput.setWeights(l.kernel);
      kernelAt.push(-1);
    } else {
      kernelAt.push(adamParams.length);
      adamParams.push({ values: l.kernel, shape: [l.inputs, l.units], decay: true });
    }
    biasAt.push(adamParams.length);
    adamParams.push({ values: l.bias, shape: [l.units], decay: false });
  });
  const adam = new ArrayAdam(adamParams);
  const snapshot = (): MlpNetwork => ({
    layers: init.map((l, i) => ({
      inputs: l.inputs,
      units: l.units,
      kernel: kernelAt[i] < 0 && sparseInput ? sparseInput.kernel() : Float32Array.from(adam.values[kernelAt[i]]),
      bias: Float32Array.from(adam.values[biasAt[i]]),
    })),
    activation: params.activation,
    scaler,
    denseCols: X.dense.cols,
    sparseCols: X.sparse.cols,
  });

  try {
    // The class-weighted mean logistic loss of the batch's logits z as ONE op with its own gradient
    // (w·(σ(z) − y)/bs, computed here over the batch's rows): the same loss as an expression
    // of tfjs ops took ~11 ops forward and ~20 backward per batch, each with its dispatch cost.
    const lossState = { rows: 0 };
    const gradBuf = new Float32Array(bsMax);
    const weightedLogLoss = tf.customGrad((zt) => {
      const bs = lossState.rows;
      const sum = weightedLossGrad((zt as Tensor).dataSync() as Float32Array, bs, yBuf, wBuf, gradBuf, reportsLoss);
      return {
        // Only read when reported: without a listener the value is not computed (0).
        value: tf.scalar(sum / bs),
        gradFunc: (dy: Tensor) => [tf.mul(dy, tf.tensor1d(gradBuf.subarray(0, bs)))],
      };
    }) as (z: Tensor) => Tensor;
    const grads: Float32Array[] = adam.values.map((v) => new Float32Array(v.length));
    let epoch = 0;
    const early = params.early_stopping_rounds;
    let best: { loss: number; epoch: number; network: MlpNetwork } | null = null;
    let stopEarly = false;
    while (epoch < params.epochs) {
      if (signal?.aborted) throw cancelled();
      const perm = shuffleRng.permutation(n);
      // read by reports only
      const lossSum = trainEpoch(
        { tf, X, y, scaler, params, sizes, firstHidden, cols, bsMax, sparseInput, xBuf, xtBuf, yBuf, wBuf, w0, w1, dropout, dropoutRng, dropThreshold, keepScale, adam, grads, kernelAt, biasAt, weightedLogLoss, lossState, reportsLoss, signal },
        perm,
      );
      epoch++;
      let valMetrics: Record<string, number> | null = null;
      if (early > 0 && options.validation) {
        const net = snapshot();
        valMetrics = validationMetrics(net, options.validation);
        // a diverged epoch (NaN loss) is never the best one
        const loss = valMetrics.val_loss;
        if (Number.isFinite(loss) && (best === null || loss < best.loss)) best = { loss, epoch, network: net };
        else if (best !== null && epoch - best.epoch >= early) stopEarly = true;
      }
      // The last epoch (planned or early-stopped) is always reported.
      const due = options.onIteration !== undefined && (epoch % reportEvery === 0 || epoch === params.epochs || stopEarly);
      if (due && options.validation && valMetrics === null) valMetrics = validationMetrics(snapshot(), options.validation);
      if (due) {
        const metrics: Record<string, number> = { train_loss: lossSum / n, ...valMetrics };
        for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
        const decision: IterationDecision | void = await options.onIteration!({ iteration: epoch, metrics });
        if (decision === 'stop') break;
      }
      if (stopEarly) break;
    }
    // With early stopping the model is the best validation epoch seen.
    if (best !== null) return { network: best.network, iterations: best.epoch };
    return { network: snapshot(), iterations: epoch };
  } finally {
    sparseInput?.release();
    dropout.release();
  }
}

/**
 * The batch's class-weighted logistic loss summed over its rows (0 unless `reportsLoss`), and its
 * gradient w·(σ(z) − y)/bs into gradBuf. A function of its own, not the body of trainMlp's
 * customGrad closure (made anew in each fit): V8 optimises it once per thread (docs/CONVENTIONS.md).
 */
function weightedLossGrad(z: Float32Array, bs: number, yBuf: Float32Array, wBuf: Float32Array, gradBuf: Float32Array, reportsLoss: boolean): number {
  let sum = 0;
  for (let i = 0; i < bs; i++) {
    const zi = z[i];
    // σ(z) and log(1 + e^(−|z|)) from one exp.
    const e = Math.exp(-Math.abs(zi));
    const sig = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
    gradBuf[i] = (wBuf[i] * (sig - yBuf[i])) / bs;
    if (reportsLoss) sum += wBuf[i] * (Math.max(zi, 0) - zi * yBuf[i] + Math.log1p(e));
  }
  return sum;
}

/** What one epoch's batches need (trainMlp's state; see there). */
interface EpochRun {
  readonly tf: TfRuntime['tf'];
  readonly X: FeatureMatrix;
  readonly y: Uint8Array;
  readonly scaler: DenseScaler;
  readonly params: MlpParams;
  readonly sizes: readonly number[];
  readonly firstHidden: boolean;
  readonly cols: number;
  readonly bsMax: number;
  readonly sparseInput: SparseInputLayer | null;
  readonly xBuf: Float32Array;
  readonly xtBuf: Float32Array;
  readonly yBuf: Float32Array;
  readonly wBuf: Float32Array;
  readonly w0: number;
  readonly w1: number;
  readonly dropout: DropoutMasks;
  readonly dropoutRng: Rng;
  readonly dropThreshold: number;
  readonly keepScale: number;
  readonly adam: ArrayAdam;
  readonly grads: Float32Array[];
  readonly kernelAt: readonly number[];
  readonly biasAt: readonly number[];
  readonly weightedLogLoss: (z: Tensor) => Tensor;
  readonly lossState: { rows: number };
  readonly reportsLoss: boolean;
  readonly signal: AbortSignal | undefined;
}

/**
 * One epoch's batches over the rows in `perm` order (forward, backward, Adam steps); returns the
 * sum over rows of the reported loss (0 when not reported). A function of its own, not a loop in
 * trainMlp: trainMlp runs once per fit, so V8 compiled its batch loop on stack anew in every HPO
 * trial (~50 ms of compiler time each); this function is called every epoch, optimised once per
 * thread and reused by the next fits.
 */
function trainEpoch(s: EpochRun, perm: Int32Array): number {
  const { tf, X, y, scaler, params, sizes, firstHidden, cols, bsMax, sparseInput, xBuf, xtBuf, yBuf, wBuf, w0, w1, dropout, dropoutRng } = s;
  const { dropThreshold, keepScale, adam, grads, kernelAt, biasAt, weightedLogLoss, lossState, reportsLoss, signal } = s;
  const n = X.rows;
  const p = params.dropout;
  const maskBufs = dropout.masks;
  let lossSum = 0;
  for (let start = 0; start < n; start += bsMax) {
    const bs = Math.min(bsMax, n - start);
    if (sparseInput) {
      sparseInput.setBatch(perm, start, bs);
    } else {
      fillBatch(X, scaler, perm, start, bs, xBuf, xtBuf);
    }
    for (let i = 0; i < bs; i++) {
      const lab = y[perm[start + i]];
      yBuf[i] = lab;
      wBuf[i] = lab === 1 ? w1 : w0;
    }
    if (p > 0) {
      for (let li = 0; li < maskBufs.length; li++) dropout.fill(dropoutRng, li, bs * params.hidden_layers[li], dropThreshold, keepScale);
    }
    lossState.rows = bs;
    let dataLoss = 0;
    tf.tidy(() => {
      // This batch's tensors of the tfjs-side parameters (adam.ts), in `adam.values` order.
      const ps = adam.values.map((v, j) => tf.tensor(v, adam.shapes[j] as number[]));
      const units0 = sizes[0];
      // First layer x·W + b. Sparse: act(x·W + b) · mask over the non-zeros in one op whose
      // only tfjs input is the bias b; its gradient (Σ_rows dz) comes back from the kernel,
      // and dW = xᵀ·dz stays in the sparse layer for its Adam step. Dense: x·W with
      // dW = xᵀ·dy from the pre-transposed batch (x needs no gradient), then + b, the
      // activation and mask as tfjs ops below. The dense batch tensors are made here, outside
      // the differentiated function, so the tape keeps them for the backward pass.
      const denseLayer = sparseInput ? null : denseInputLayer(tf, xBuf, xtBuf, bs, cols);
      const mask0 = firstHidden && p > 0 ? maskBufs[0].subarray(0, bs * units0) : null;
      const firstLayer: (xs: Tensor[]) => Tensor = sparseInput
        ? (xs) =>
            (
              tf.customGrad((b) => ({
                value: tf.tensor2d(sparseInput.forwardActivation((b as Tensor).dataSync() as Float32Array, mask0), [bs, units0]),
                gradFunc: (dy: Tensor) => [tf.tensor1d(sparseInput.backwardActivation(dy.dataSync() as Float32Array))],
              })) as (b: Tensor) => Tensor
            )(xs[biasAt[0]])
        : (xs) => tf.add((denseLayer as (w: Tensor) => Tensor)(xs[kernelAt[0]]), xs[biasAt[0]]);
      // (mask 0 is applied inside the sparse op)
      const masks = p > 0 ? params.hidden_layers.map((u, i) => (sparseInput && i === 0 ? null : tf.tensor2d(maskBufs[i].subarray(0, bs * u), [bs, u]))) : [];
      // The data loss only: the l2 penalty's gradient is added by the Adam steps.
      const lossOf = (...xs: Tensor[]): Tensor => {
        let h: Tensor = firstLayer(xs);
        for (let li = 0; li < sizes.length; li++) {
          if (li > 0) h = tf.add(tf.matMul(h, xs[kernelAt[li]]), xs[biasAt[li]]);
          if (li < sizes.length - 1 && !(li === 0 && sparseInput)) {
            h = params.activation === 'relu' ? tf.relu(h) : tf.tanh(h);
            if (p > 0) h = tf.mul(h, masks[li] as Tensor);
          }
        }
        return weightedLogLoss(tf.reshape(h, [bs]));
      };
      const { value, grads: g } = tf.valueAndGrads(lossOf)(ps);
      for (let j = 0; j < g.length; j++) grads[j].set(g[j].dataSync() as Float32Array);
      if (reportsLoss) dataLoss = value.dataSync()[0] as number;
    });
    if (reportsLoss) {
      // The reported loss includes the l2 penalty of the weights this batch was computed with.
      const penalty = params.l2 > 0 ? params.l2 * (adam.sumSquaresOfDecayed() + (sparseInput ? sparseInput.sumSquares() : 0)) : 0;
      lossSum += (dataLoss + penalty) * bs;
    }
    adam.step(grads, params.learning_rate, params.l2);
    if (sparseInput) sparseInput.adamStep(params.learning_rate, params.l2);
    if (signal?.aborted) throw cancelled();
  }
  return lossSum;
}

/** The first layer on the densified batch `x` ([bs × cols]) and its transpose `xT`, through tfjs' matMul. */
function denseInputLayer(tf: TfRuntime['tf'], x: Float32Array, xT: Float32Array, bs: number, cols: number): (w: Tensor) => Tensor {
  const xs = tf.tensor2d(x.subarray(0, bs * cols), [bs, cols]);
  const xsT = tf.tensor2d(xT.subarray(0, bs * cols), [cols, bs]);
  return tf.customGrad((w) => ({
    value: tf.matMul(xs, w as Tensor),
    gradFunc: (dy: Tensor) => [tf.matMul(xsT, dy)],
  })) as (w: Tensor) => Tensor;
}

function validationMetrics(net: MlpNetwork, val: TrainingData): Record<string, number> {
  const proba = forwardProba(net, val.X);
  // A diverged network (NaN weights) scores NaN, which logLoss refuses: the fit then failed with a
  // message about log_loss instead of returning the model as a fit without validation data does
  // (the evaluation's gates reject it). Its metrics are left out of the report instead.
  for (let i = 0; i < proba.length; i++) if (!Number.isFinite(proba[i])) return { val_loss: NaN };
  const out: Record<string, number> = { val_loss: logLoss(val.y, proba) };
  let pos = 0;
  for (let i = 0; i < val.y.length; i++) pos += val.y[i];
  if (pos > 0 && pos < val.y.length) out.val_auc = rocAuc(val.y, proba);
  return out;
}
