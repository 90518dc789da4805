/**
 * Adam for the MLP's parameters that pass through the TensorFlow.js graph (every kernel but the
 * sparse first layer's, every bias). They live here as float32 arrays; each batch turns them into
 * tensors, tfjs differentiates the graph, and the gradients come back as arrays for `step`.
 *
 * tf.train.adam spent ~10 tfjs ops per variable per batch (moments, bias correction, assign): for a
 * [128, 64] network 0.64 ms per batch on the wasm backend against ~0.05 ms to read the gradients
 * and upload the new values, which is all this adds. The update is the sparse layer's WebAssembly
 * Adam (sparse-input.ts) element by element: the same constants, the same float32 rounding after
 * every operation, the l2 penalty's gradient l2·2W added to kernels only.
 */
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON } from './sparse-input.js';

export interface AdamParam {
  /** Initial values (copied). */
  readonly values: Float32Array;
  readonly shape: readonly number[];
  /** true for kernels: the l2 penalty applies. */
  readonly decay: boolean;
}

export class ArrayAdam {
  /** Current values, one array per parameter (updated in place by `step`). */
  readonly values: Float32Array[];
  readonly shapes: ReadonlyArray<readonly number[]>;
  private readonly decay: boolean[];
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  /** β₁ᵗ and β₂ᵗ as float32 products, as tfjs' AdamOptimizer keeps them. */
  private accBeta1 = Math.fround(ADAM_BETA1);
  private accBeta2 = Math.fround(ADAM_BETA2);

  constructor(params: readonly AdamParam[]) {
    this.values = params.map((p) => Float32Array.from(p.values));
    this.shapes = params.map((p) => [...p.shape]);
    this.decay = params.map((p) => p.decay);
    this.m = params.map((p) => new Float32Array(p.values.length));
    this.v = params.map((p) => new Float32Array(p.values.length));
  }

  /** One Adam step of every parameter from its gradient (same order and lengths as `values`). */
  step(grads: ReadonlyArray<ArrayLike<number>>, learningRate: number, l2: number): void {
    const f = Math.fround;
    const b1 = f(ADAM_BETA1);
    const omb1 = f(1 - ADAM_BETA1);
    const b2 = f(ADAM_BETA2);
    const omb2 = f(1 - ADAM_BETA2);
    const c1 = f(1 - this.accBeta1);
    const c2 = f(1 - this.accBeta2);
    const eps = f(ADAM_EPSILON);
    const negLr = f(-learningRate);
    for (let j = 0; j < this.values.length; j++) {
      const w = this.values[j];
      const g = grads[j];
      if (g.length !== w.length) throw new RangeError(`adam: gradient ${j} has ${g.length} values, the parameter ${w.length}`);
      const lam = this.decay[j] ? f(l2) : 0;
      const m = this.m[j];
      const v = this.v[j];
      for (let i = 0; i < w.length; i++) {
        const gi = lam === 0 ? f(g[i]) : f(g[i] + f(lam * f(w[i] * 2)));
        const mi = f(f(m[i] * b1) + f(gi * omb1));
        const vi = f(f(v[i] * b2) + f(f(gi * gi) * omb2));
        m[i] = mi;
        v[i] = vi;
        w[i] = f(f(f(f(mi / c1) / f(f(Math.sqrt(f(vi / c2))) + eps)) * negLr) + w[i]);
      }
    }
    this.accBeta1 = f(this.accBeta1 * b1);
    this.accBeta2 = f(this.accBeta2 * b2);
  }

  /** Σ w² over the parameters the l2 penalty applies to (for the reported loss). */
  sumSquaresOfDecayed(): number {
    let s = 0;
    for (let j = 0; j < this.values.length; j++) {
      if (!this.decay[j]) continue;
      for (const x of this.values[j]) s += x * x;
    }
    return s;
  }
}
