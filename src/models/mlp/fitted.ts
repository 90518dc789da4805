/**
 * A trained MLP: predicts with the plain-TypeScript forward pass (network.ts), serialises to a
 * `model/mlp` payload (weights as Float32Array, scaler as Float64Array) and back.
 */
import { TrainSpamError } from '../../core/errors.js';
import { assertFinite, type FeatureMatrix } from '../../core/matrix.js';
import { resolveParams } from '../../core/params.js';
import type { JsonValue, NumericArray, Payload } from '../../core/payload.js';
import type { Fitted } from '../contract.js';
import { checkFloat32Range, checkLayout, forwardProba, type Activation, type DenseLayer, type MlpNetwork } from './network.js';
import { mlpParamSpec, type MlpParams } from './params.js';

export const MLP_PAYLOAD_KIND = 'model/mlp';
export const MLP_PAYLOAD_VERSION = 1;

export class FittedMlp implements Fitted {
  readonly kind = 'mlp' as const;
  readonly numFeatures: number;

  constructor(
    readonly params: Readonly<MlpParams>,
    readonly network: MlpNetwork,
    readonly iterations: number,
  ) {
    this.numFeatures = network.denseCols + network.sparseCols;
  }

  predictProba(X: FeatureMatrix): Float64Array {
    checkLayout(this.network, X, 'mlp predictProba');
    assertFinite(X);
    checkFloat32Range(X, 'mlp predictProba: feature matrix');
    return forwardProba(this.network, X);
  }

  toPayload(): Payload {
    const net = this.network;
    const arrays: Record<string, NumericArray> = {
      'scaler.mean': net.scaler.mean.slice(),
      'scaler.scale': net.scaler.scale.slice(),
    };
    net.layers.forEach((l, i) => {
      arrays[`layer${i}.kernel`] = l.kernel.slice();
      arrays[`layer${i}.bias`] = l.bias.slice();
    });
    return {
      kind: MLP_PAYLOAD_KIND,
      version: MLP_PAYLOAD_VERSION,
      meta: {
        params: { ...this.params, hidden_layers: [...this.params.hidden_layers] } as { [k: string]: JsonValue },
        iterations: this.iterations,
        denseCols: net.denseCols,
        sparseCols: net.sparseCols,
        activation: net.activation,
        units: net.layers.map((l) => l.units),
      },
      arrays,
    };
  }

  /** Nothing to free: the fitted model holds plain typed arrays, no tensors. */
  dispose(): void {}
}

function formatError(message: string, details: Record<string, unknown> = {}): TrainSpamError {
  return new TrainSpamError('FORMAT_ERROR', `model/mlp payload: ${message}`, details);
}

function nonNegInt(meta: Payload['meta'], key: string): number {
  const v = meta[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw formatError(`meta.${key} is ${JSON.stringify(v)}; expected a non-negative integer`);
  return v;
}

function typed<T extends Float32Array | Float64Array>(p: Payload, name: string, ctor: { new (a: ArrayLike<number>): T; name: string }, length: number): T {
  const a = p.arrays[name];
  if (a === undefined) throw formatError(`array '${name}' is missing`, { array: name });
  if (!(a instanceof (ctor as unknown as typeof Float32Array))) throw formatError(`array '${name}' is ${a.constructor.name}; expected ${ctor.name}`, { array: name });
  if (a.length !== length) throw formatError(`array '${name}' has ${a.length} values; expected ${length}`, { array: name });
  // a diverged or damaged network would score every e-mail NaN without a word
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw formatError(`array '${name}' holds ${a[i]} at index ${i}; expected finite numbers`, { array: name, index: i });
  return new ctor(a);
}

/** Rebuilds a fitted MLP from its payload; FORMAT_ERROR names what is wrong. Never evaluates code. */
export function mlpFromPayload(p: Payload): FittedMlp {
  if (p.kind !== MLP_PAYLOAD_KIND) throw formatError(`kind is '${p.kind}'; expected '${MLP_PAYLOAD_KIND}'`);
  if (p.version !== MLP_PAYLOAD_VERSION) throw formatError(`version ${p.version} is not supported; this build reads version ${MLP_PAYLOAD_VERSION}`);
  const meta = p.meta;
  let params: MlpParams;
  try {
    params = resolveParams('mlp', mlpParamSpec, (meta.params ?? {}) as Record<string, unknown>);
  } catch (e) {
    throw formatError(`meta.params are invalid: ${e instanceof Error ? e.message : String(e)}`);
  }
  const denseCols = nonNegInt(meta, 'denseCols');
  const sparseCols = nonNegInt(meta, 'sparseCols');
  const iterations = nonNegInt(meta, 'iterations');
  const activation = meta.activation;
  if (activation !== 'relu' && activation !== 'tanh') throw formatError(`meta.activation is ${JSON.stringify(activation)}; expected 'relu' or 'tanh'`);
  const units = meta.units;
  if (!Array.isArray(units) || units.length < 2 || units.some((u) => typeof u !== 'number' || !Number.isInteger(u) || u < 1)) {
    throw formatError(`meta.units is ${JSON.stringify(units)}; expected at least two positive integers`);
  }
  if (units[units.length - 1] !== 1) throw formatError(`the output layer has ${String(units[units.length - 1])} units; expected 1`);
  if (JSON.stringify(units.slice(0, -1)) !== JSON.stringify(params.hidden_layers) || activation !== params.activation) {
    throw formatError(`meta.units ${JSON.stringify(units)} / activation '${activation}' disagree with params.hidden_layers ${JSON.stringify(params.hidden_layers)} / '${params.activation}'`);
  }
  const layers: DenseLayer[] = [];
  let inputs = denseCols + sparseCols;
  for (let i = 0; i < units.length; i++) {
    const u = units[i] as number;
    layers.push({
      inputs,
      units: u,
      kernel: typed(p, `layer${i}.kernel`, Float32Array, inputs * u),
      bias: typed(p, `layer${i}.bias`, Float32Array, u),
    });
    inputs = u;
  }
  const scaler = {
    mean: typed(p, 'scaler.mean', Float64Array, denseCols),
    scale: typed(p, 'scaler.scale', Float64Array, denseCols),
  };
  const zero = scaler.scale.findIndex((v) => !(v > 0));
  if (zero >= 0) throw formatError(`array 'scaler.scale' holds ${scaler.scale[zero]} at index ${zero}; expected positive standard deviations`, { array: 'scaler.scale', index: zero });
  const network: MlpNetwork = { layers, activation: activation as Activation, scaler, denseCols, sparseCols };
  return new FittedMlp(params, network, iterations);
}
