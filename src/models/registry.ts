/**
 * The model registry: one table maps each `ModelKind` to its estimator constructor, its
 * `paramSpec` and its payload reader, so the CLI, HPO and pipeline steps create and restore any
 * model by name. Adding a model = one new row here (and a `ModelKind` in contract.ts).
 */
import { TrainSpamError, invalidArgument } from '../core/errors.js';
import type { ParamSpec } from '../core/params.js';
import type { Payload } from '../core/payload.js';
import type { Estimator, Fitted, ModelKind } from './contract.js';
import { GBM_PAYLOAD_KIND, GradientBoosting, gbmFromPayload, gbmParamSpec } from './gbm/index.js';
import { LOGISTIC_PAYLOAD_KIND, LogisticRegression, logisticFromPayload, logisticParamSpec } from './logistic/index.js';
import { MLP_PAYLOAD_KIND, MlpClassifier, mlpFromPayload, mlpParamSpec, preloadMlp } from './mlp/index.js';

export interface ModelEntry {
  readonly kind: ModelKind;
  /** `Payload.kind` written by this model's `toPayload`. */
  readonly payloadKind: string;
  readonly paramSpec: ParamSpec;
  create(params: Readonly<Record<string, unknown>>): Estimator;
  fromPayload(payload: Payload): Fitted;
  /** Loads what this family's first fit would load (a thread started ahead of its work calls it). */
  preload?(): Promise<void>;
}

const ENTRIES: Readonly<Record<ModelKind, ModelEntry>> = Object.freeze({
  gbm: { kind: 'gbm', payloadKind: GBM_PAYLOAD_KIND, paramSpec: gbmParamSpec, create: (p) => new GradientBoosting(p), fromPayload: gbmFromPayload },
  logistic: { kind: 'logistic', payloadKind: LOGISTIC_PAYLOAD_KIND, paramSpec: logisticParamSpec, create: (p) => new LogisticRegression(p), fromPayload: logisticFromPayload },
  mlp: { kind: 'mlp', payloadKind: MLP_PAYLOAD_KIND, paramSpec: mlpParamSpec, create: (p) => new MlpClassifier(p), fromPayload: mlpFromPayload, preload: preloadMlp },
});

/** Every model kind, sorted. */
export const MODEL_KINDS: readonly ModelKind[] = Object.freeze((Object.keys(ENTRIES) as ModelKind[]).sort());

export function isModelKind(value: unknown): value is ModelKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ENTRIES, value);
}

function entry(kind: string): ModelEntry {
  if (!isModelKind(kind)) {
    throw invalidArgument(`unknown model kind '${kind}'; expected one of ${MODEL_KINDS.join(', ')}`, { parameter: 'kind', value: kind });
  }
  return ENTRIES[kind];
}

export function modelEntry(kind: ModelKind): ModelEntry {
  return entry(kind);
}

/** A new estimator of `kind`; params are validated against its spec (INVALID_ARGUMENT names the parameter). */
export function createEstimator(kind: ModelKind, params: Readonly<Record<string, unknown>> = {}): Estimator {
  return entry(kind).create(params);
}

/** Loads the runtime `kind`'s fits need (TensorFlow.js and its backend for 'mlp'; nothing for the others). */
export async function preload(kind: ModelKind): Promise<void> {
  await entry(kind).preload?.();
}

export function paramSpecFor(kind: ModelKind): ParamSpec {
  return entry(kind).paramSpec;
}

/** Restores a fitted model from its payload, dispatching on `payload.kind` ('model/logistic', 'model/gbm', 'model/mlp'). */
export function fittedFromPayload(payload: Payload): Fitted {
  for (const kind of MODEL_KINDS) {
    if (ENTRIES[kind].payloadKind === payload.kind) return ENTRIES[kind].fromPayload(payload);
  }
  throw new TrainSpamError(
    'FORMAT_ERROR',
    `model payload kind '${payload.kind}' is not known; expected one of ${MODEL_KINDS.map((k) => `'${ENTRIES[k].payloadKind}'`).join(', ')}`,
    { kind: payload.kind },
  );
}
