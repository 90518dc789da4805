/**
 * Pipeline parameters: the definition's defaults (shared with the Kubeflow compiler), overridden by
 * flags, validated once at the boundary.
 */
import { invalidArgument } from '../core/errors.js';
import { isFilterQuotable, validateExperimentName, validateModelName } from '../tracking/validation.js';
import { PIPELINE_PARAMS, type ParamValue } from './definition.js';
import { MAX_SEED } from '../core/random.js';

export interface PipelineParams {
  entity_data_path: string;
  test_split_ratio: number;
  seed: number;
  num_hpo_trials: number;
  hpo_shards: number;
  hpo_scheduler: 'random' | 'asha';
  f1_threshold: number;
  min_auc_roc: number;
  min_precision: number;
  min_recall: number;
  max_inference_time_ms: number;
  max_f1_regression: number;
  max_auc_regression: number;
  model_name: string;
  mlflow_tracking_uri: string;
  mlflow_experiment_name: string;
  image_tag: string;
}

const UNIT = (v: number) => v >= 0 && v <= 1;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A number written in decimal notation (Number() also reads '0x1f', '0b11', '' and ' '). */
export function isDecimalText(text: string): boolean {
  return DECIMAL.test(text.trim());
}


/** Per-parameter range checks beyond the type (message names the parameter and the range). */
const RANGES: Partial<Record<keyof PipelineParams, { ok: (v: number) => boolean; expected: string }>> = {
  test_split_ratio: { ok: (v) => v > 0 && v < 1, expected: 'a number in (0, 1)' },
  seed: { ok: (v) => Number.isInteger(v) && v >= 0 && v <= MAX_SEED, expected: `an integer in [0, ${MAX_SEED}]` },
  num_hpo_trials: { ok: (v) => Number.isInteger(v) && v >= 1 && v <= 100000, expected: 'an integer in [1, 100000]' },
  hpo_shards: { ok: (v) => Number.isInteger(v) && v >= 1 && v <= 1024, expected: 'an integer in [1, 1024]' },
  f1_threshold: { ok: UNIT, expected: 'a number in [0, 1]' },
  min_auc_roc: { ok: UNIT, expected: 'a number in [0, 1]' },
  min_precision: { ok: UNIT, expected: 'a number in [0, 1]' },
  min_recall: { ok: UNIT, expected: 'a number in [0, 1]' },
  max_inference_time_ms: { ok: (v) => v > 0, expected: 'a positive number' },
  max_f1_regression: { ok: UNIT, expected: 'a number in [0, 1]' },
  max_auc_regression: { ok: UNIT, expected: 'a number in [0, 1]' },
};

export function defaultPipelineParams(): PipelineParams {
  const out: Record<string, ParamValue> = {};
  for (const p of PIPELINE_PARAMS) out[p.name] = p.default;
  return out as unknown as PipelineParams;
}

/** Parses a flag's text into the declared type of the parameter. */
export function parseParamText(name: string, text: string): ParamValue {
  const def = PIPELINE_PARAMS.find((p) => p.name === name);
  if (!def) throw invalidArgument(`unknown pipeline parameter '${name}'`, { usage: true });
  switch (def.type) {
    case 'STRING':
      return text;
    case 'NUMBER_INTEGER':
    case 'NUMBER_DOUBLE': {
      const v = Number(text);
      if (!isDecimalText(text) || !Number.isFinite(v)) {
        throw invalidArgument(`parameter '${name}' = '${text}' is not a number`, { usage: true, parameter: name });
      }
      if (def.type === 'NUMBER_INTEGER' && !Number.isInteger(v)) {
        throw invalidArgument(`parameter '${name}' = '${text}' is not an integer`, { usage: true, parameter: name });
      }
      return v;
    }
    case 'BOOLEAN':
      if (text === 'true' || text === 'false') return text === 'true';
      throw invalidArgument(`parameter '${name}' = '${text}' must be true or false`, { usage: true, parameter: name });
    default:
      return JSON.parse(text) as ParamValue;
  }
}

/**
 * Defaults + overrides, validated. `partial`: the overrides are one step's share of the parameters
 * (a KFP step gets only its own), so a check relating two parameters runs only when both are given.
 */
export function resolvePipelineParams(overrides: Partial<Record<string, unknown>> = {}, options: { partial?: boolean } = {}): PipelineParams {
  const params = defaultPipelineParams() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    // own keys only: `in` would also take 'constructor', 'toString', '__proto__' for parameters
    if (!Object.hasOwn(params, k)) throw invalidArgument(`unknown pipeline parameter '${k}'`, { usage: true, parameter: k });
    params[k] = typeof v === 'string' && typeof params[k] !== 'string' ? parseParamText(k, v) : v;
  }
  for (const def of PIPELINE_PARAMS) {
    const v = params[def.name];
    const numeric = def.type === 'NUMBER_DOUBLE' || def.type === 'NUMBER_INTEGER';
    if (numeric && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw invalidArgument(`parameter '${def.name}' = ${JSON.stringify(v)} must be a finite number`, { usage: true, parameter: def.name });
    }
    if (def.type === 'STRING' && typeof v !== 'string') {
      throw invalidArgument(`parameter '${def.name}' must be a string`, { usage: true, parameter: def.name });
    }
    const range = RANGES[def.name as keyof PipelineParams];
    if (range && !range.ok(v as number)) {
      throw invalidArgument(`parameter '${def.name}' = ${v} is out of range; expected ${range.expected}`, { usage: true, parameter: def.name });
    }
  }
  if (String(params.entity_data_path).trim() === '') {
    throw invalidArgument(`parameter 'entity_data_path' is empty; expected the path of the e-mail parquet table`, { usage: true, parameter: 'entity_data_path' });
  }
  // the registry's own rules, checked before any work rather than at the promotion
  try {
    validateModelName(String(params.model_name));
  } catch (e) {
    throw invalidArgument(`parameter 'model_name' = ${JSON.stringify(params.model_name)} is not a valid registered model name: ${(e as Error).message}`, { usage: true, parameter: 'model_name' });
  }
  // the local store keeps its temporary folders under that prefix beside the models (and removes
  // them): refused for every store, so a pipeline runs against a server and a folder alike
  if (String(params.model_name).startsWith('.tmp-')) {
    throw invalidArgument(`parameter 'model_name' = ${JSON.stringify(params.model_name)} starts with '.tmp-', the local store's prefix for temporary folders; choose another name`, { usage: true, parameter: 'model_name' });
  }
  // checked here, not when the tracking run is created: a usage error naming the flag (or env var), exit 64
  try {
    validateExperimentName(String(params.mlflow_experiment_name));
  } catch (e) {
    throw invalidArgument(`parameter 'mlflow_experiment_name' = ${JSON.stringify(params.mlflow_experiment_name)} is not a valid experiment name: ${(e as Error).message}`, { usage: true, parameter: 'mlflow_experiment_name' });
  }
  const given = (k: string) => !options.partial || overrides[k] !== undefined;
  if (given('hpo_shards') && given('num_hpo_trials') && (params.hpo_shards as number) > (params.num_hpo_trials as number)) {
    throw invalidArgument(
      `parameter 'hpo_shards' = ${params.hpo_shards} is more than 'num_hpo_trials' = ${params.num_hpo_trials}; every shard needs at least one trial`,
      { usage: true, parameter: 'hpo_shards' },
    );
  }
  // promotion looks versions up by model name in MLflow search filters, which have no escapes
  if (!isFilterQuotable(String(params.model_name))) {
    throw invalidArgument(`parameter 'model_name' = ${JSON.stringify(params.model_name)} holds both quote characters; MLflow search filters cannot name it`, { usage: true, parameter: 'model_name' });
  }
  if (params.hpo_scheduler !== 'random' && params.hpo_scheduler !== 'asha') {
    throw invalidArgument(`parameter 'hpo_scheduler' = '${params.hpo_scheduler}'; expected 'random' or 'asha'`, { usage: true, parameter: 'hpo_scheduler' });
  }
  return params as unknown as PipelineParams;
}
