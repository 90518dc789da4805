/**
 * The declarative definition of the spam-detection pipeline: pure data and types (no `node:*`).
 *
 * Two readers, one source of truth:
 *  - the in-process runner (`train-spam run`) reads the steps, their inputs/outputs and the order;
 *  - the Kubeflow compiler (`src/kubeflow/`) turns the same data into a KFP v2 PipelineSpec.
 *
 * THE CONTAINER CLI CONVENTION (what `stepCommandLine(step)` returns, what `train-spam step <name>`
 * parses). Every containerised step runs
 *
 *     train-spam step <step-name> [flags...]
 *
 * with one flag per declared input/output, each flag followed by exactly one value (never `--x=v`):
 *
 * | declared as                        | flag                   | value in the KFP YAML                                |
 * | ---------------------------------- | ---------------------- | ---------------------------------------------------- |
 * | input parameter `num_trials`       | `--num-trials`         | `{{$.inputs.parameters['num_trials']}}`              |
 * | input artifact `train_features`    | `--in-train-features`  | `{{$.inputs.artifacts['train_features'].path}}`      |
 * | input artifact list `journals`     | (none)                 | read from `--executor-input` (see below)             |
 * | output artifact `model`            | `--out-model`          | `{{$.outputs.artifacts['model'].path}}`              |
 * | output parameter `passed`          | `--out-param-passed`   | `{{$.outputs.parameters['passed'].output_file}}`     |
 * | step needs the ExecutorInput       | `--executor-input`     | `{{$}}` (JSON; list-of-artifact inputs live there)   |
 * | step writes artifact metadata      | `--executor-output`    | `{{$.outputs.output_file}}`                          |
 *
 * Flag names are the snake_case names in kebab-case (`flagName`). Parameter values arrive as text:
 * strings raw, numbers in shortest form (`20`, `0.2`), booleans `true`/`false`, LIST/STRUCT as JSON.
 * An output parameter is written as text to the given file (BOOLEAN as `true`/`false`, numbers in
 * decimal, LIST/STRUCT as JSON); an output artifact is written at the given path (a file or a
 * directory the step creates; its parent may not exist yet: `mkdir -p` it). The HPO shard step gets
 * `--shard-index` (the ParallelFor item) and `--shard-count` (the `hpo_shards` parameter). Steps with
 * `system.Metrics` / `system.ClassificationMetrics` outputs also get `--executor-output`: the KFP
 * launcher reads that ExecutorOutput JSON to show scalar metrics, the confusion matrix and ROC curve
 * in the UI; values there win over the output-parameter files, so it must repeat them.
 *
 * Artifact outputs are always declared with `.path` (never `.uri`); list inputs are never passed as a
 * placeholder (`{{$.inputs.artifacts['x']}}` is not substituted by the open-source launcher).
 */
import { TrainSpamError } from '../core/errors.js';

/** KFP parameter types (names of the PipelineSpec `ParameterType` enum that we use). */
export type ParamType = 'STRING' | 'NUMBER_INTEGER' | 'NUMBER_DOUBLE' | 'BOOLEAN' | 'LIST' | 'STRUCT';

/** KFP built-in artifact schema titles that we use. */
export type ArtifactType =
  | 'system.Artifact'
  | 'system.Dataset'
  | 'system.Model'
  | 'system.Metrics'
  | 'system.ClassificationMetrics'
  | 'system.HTML';

/** The three container images (see docker/Dockerfile targets of the same names). */
export type ImageName = 'data-prep' | 'hpo-train' | 'mlflow-ops';
export const IMAGE_NAMES: readonly ImageName[] = ['data-prep', 'hpo-train', 'mlflow-ops'];

/** JSON value of a parameter default or constant. */
export type ParamValue = string | number | boolean | readonly ParamValue[] | { readonly [k: string]: ParamValue };

export type StepName =
  | 'data-preparation'
  | 'feature-retrieval'
  | 'baseline-training'
  | 'hpo-plan'
  | 'hpo-tuning'
  | 'hpo-merge'
  | 'model-evaluation'
  | 'model-validation'
  | 'model-comparison'
  | 'model-promotion';

/** A pipeline-level parameter (the KFP UI run form; `train-spam run` flags of the same names). */
export interface PipelineParamDef {
  readonly name: string;
  readonly type: ParamType;
  readonly default: ParamValue;
  readonly description: string;
}

/** Where a step's input parameter comes from. */
export type ParamSource =
  | { readonly kind: 'pipeline'; readonly param: string }
  | { readonly kind: 'step'; readonly step: StepName; readonly output: string }
  /** The ParallelFor item: the shard index of a `fanOut` step. */
  | { readonly kind: 'shard-index' };

/** Where a step's input artifact comes from. */
export type ArtifactSource =
  | { readonly kind: 'step'; readonly step: StepName; readonly output: string }
  /** Every shard's output of a `fanOut` step, as a list (KFP `dsl.Collected`). */
  | { readonly kind: 'collected'; readonly step: StepName; readonly output: string };

export interface ParamInputDef {
  readonly name: string;
  readonly type: ParamType;
  readonly source: ParamSource;
  readonly description: string;
}
export interface ArtifactInputDef {
  readonly name: string;
  readonly type: ArtifactType;
  /** true for a Collected list (read via `--executor-input`). */
  readonly list?: boolean;
  readonly source: ArtifactSource;
  readonly description: string;
}
export interface ParamOutputDef {
  readonly name: string;
  readonly type: ParamType;
  readonly description: string;
}
export interface ArtifactOutputDef {
  readonly name: string;
  readonly type: ArtifactType;
  readonly description: string;
}

/** Kubernetes quantities as strings (`'2'`, `'500m'`, `'4Gi'`). */
export interface ResourceSpec {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

export interface RetryPolicyDef {
  readonly maxRetryCount: number;
  /** Seconds before the first retry. */
  readonly backoffSeconds: number;
  readonly backoffFactor: number;
  readonly backoffMaxSeconds: number;
}

/** A gate on an upstream output parameter; a step runs only when all its `when` gates hold. */
export interface ConditionDef {
  /** Display name of the KFP condition group. */
  readonly name: string;
  readonly step: StepName;
  readonly output: string;
  readonly op: '==' | '!=';
  readonly value: string | boolean;
}

export interface StepDef {
  readonly name: StepName;
  readonly description: string;
  readonly image: ImageName;
  readonly resources: ResourceSpec;
  readonly inputs: { readonly parameters: readonly ParamInputDef[]; readonly artifacts: readonly ArtifactInputDef[] };
  readonly outputs: { readonly parameters: readonly ParamOutputDef[]; readonly artifacts: readonly ArtifactOutputDef[] };
  /** Extra ordering (KFP `.after()`), beyond data dependencies. */
  readonly after: readonly StepName[];
  /** Nested gates, outermost first. Steps sharing a prefix share the condition groups. */
  readonly when: readonly ConditionDef[];
  /** 'shards': runs once per shard inside a ParallelFor over the output of `hpo-plan`. */
  readonly fanOut?: 'shards';
  readonly retry?: RetryPolicyDef;
  /** KFP result caching (false for steps with side effects such as registry writes, or whose result depends on the registry). */
  readonly caching: boolean;
  /** 'kfp': only the Kubeflow pipeline runs it (the in-process runner does the same thing inline). */
  readonly runsIn: 'both' | 'kfp';
  /** The step talks to MLflow: it gets the MLflow env and the `mlflow_*` parameters. */
  readonly mlflow: boolean;
}

export interface PipelineDefinition {
  /** KFP pipeline name: `^[a-z0-9][a-z0-9-]{0,127}$`. */
  readonly name: string;
  readonly description: string;
  readonly params: readonly PipelineParamDef[];
  /** In execution (topological) order. */
  readonly steps: readonly StepDef[];
  /** Maximum shards running at the same time (KFP `parallelismLimit`; 0 = unlimited). */
  readonly hpoParallelism: number;
}

const p = (name: string, type: ParamType, dflt: ParamValue, description: string): PipelineParamDef => ({
  name, type, default: dflt, description,
});

export const PIPELINE_PARAMS: readonly PipelineParamDef[] = [
  p('entity_data_path', 'STRING', 'datasets/processed/emails/all_emails.parquet', 'Parquet file of e-mails (the entity data).'),
  p('test_split_ratio', 'NUMBER_DOUBLE', 0.2, 'Fraction of e-mails held out for the test split (stratified).'),
  p('seed', 'NUMBER_INTEGER', 42, 'Master seed; every other seed derives from it.'),
  p('num_hpo_trials', 'NUMBER_INTEGER', 20, 'Total HPO trials over all shards.'),
  // 1 by default (one pod, its trials on every core): KFP's launcher gives hpo-merge only the first
  // item of a Collected artifact list; hpo-merge fetches the other shards' outputs from their MLflow
  // runs (see shardOutputs in step-runner.ts), a path not yet seen on a real cluster.
  p('hpo_shards', 'NUMBER_INTEGER', 1, 'Kubeflow only: number of HPO shards (pods) sharing the trials; the merge step reads the shards\' outputs from MLflow, as KFP passes it only the first. The in-process run runs every trial itself.'),
  p('hpo_scheduler', 'STRING', 'random', 'HPO strategy: random or asha.'),
  p('f1_threshold', 'NUMBER_DOUBLE', 0.85, 'Validation gate: minimum test F1.'),
  p('min_auc_roc', 'NUMBER_DOUBLE', 0.9, 'Validation gate: minimum test ROC AUC.'),
  p('min_precision', 'NUMBER_DOUBLE', 0.8, 'Validation gate: minimum test precision.'),
  p('min_recall', 'NUMBER_DOUBLE', 0.8, 'Validation gate: minimum test recall.'),
  p('max_inference_time_ms', 'NUMBER_DOUBLE', 10.0, 'Validation gate: maximum p99 time to score one e-mail from raw text (ms).'),
  p('max_f1_regression', 'NUMBER_DOUBLE', 0.05, 'Comparison: maximum F1 drop allowed against the Staging model.'),
  p('max_auc_regression', 'NUMBER_DOUBLE', 0.05, 'Comparison: maximum AUC drop allowed against the Staging model.'),
  p('model_name', 'STRING', 'spam-detector', 'Registered model name in the MLflow registry.'),
  p('mlflow_tracking_uri', 'STRING', '', 'MLflow tracking URI; empty: the MLFLOW_TRACKING_URI env of the image.'),
  p('mlflow_experiment_name', 'STRING', 'spam-detection', 'MLflow experiment for the runs of this pipeline.'),
  p('image_tag', 'STRING', 'dev', 'Tag of the images this pipeline was compiled for; recorded on the registered model version.'),
];

const res = (cpuRequest: string, cpuLimit: string, memoryRequest: string, memoryLimit: string): ResourceSpec => ({
  cpuRequest, cpuLimit, memoryRequest, memoryLimit,
});
const fromParam = (name: string, type: ParamType, param: string, description: string): ParamInputDef => ({
  name, type, source: { kind: 'pipeline', param }, description,
});
const samePipelineParam = (name: string): ParamInputDef => {
  const def = PIPELINE_PARAMS.find((x) => x.name === name);
  if (!def) throw new TrainSpamError('INTERNAL', `pipeline definition: unknown pipeline parameter ${name}`);
  return fromParam(name, def.type, name, def.description);
};
const fromStep = (name: string, type: ArtifactType, step: StepName, output: string, description: string): ArtifactInputDef => ({
  name, type, source: { kind: 'step', step, output }, description,
});
const outA = (name: string, type: ArtifactType, description: string): ArtifactOutputDef => ({ name, type, description });
const outP = (name: string, type: ParamType, description: string): ParamOutputDef => ({ name, type, description });
const MLFLOW_INPUTS: readonly ParamInputDef[] = [samePipelineParam('mlflow_tracking_uri'), samePipelineParam('mlflow_experiment_name')];

const VALIDATION_PASSED: ConditionDef = {
  name: 'validation-passed', step: 'model-validation', output: 'passed', op: '==', value: true,
};
const COMPARISON_PROMOTE: ConditionDef = {
  name: 'comparison-promote', step: 'model-comparison', output: 'decision', op: '==', value: 'promote',
};

const base = { after: [], when: [], caching: true, runsIn: 'both', mlflow: false } as const;

export const PIPELINE_STEPS: readonly StepDef[] = [
  {
    ...base,
    name: 'data-preparation',
    description: 'Read, clean and deduplicate e-mails; seeded stratified train/test split.',
    image: 'data-prep',
    resources: res('1', '2', '2Gi', '4Gi'),
    inputs: { parameters: [samePipelineParam('entity_data_path'), samePipelineParam('test_split_ratio'), samePipelineParam('seed')], artifacts: [] },
    outputs: {
      parameters: [],
      artifacts: [outA('train_data', 'system.Dataset', 'Training split (parquet).'), outA('test_data', 'system.Dataset', 'Test split (parquet).')],
    },
  },
  {
    ...base,
    name: 'feature-retrieval',
    description: 'Fit the feature views (TF-IDF, numeric) on the training split and transform both splits.',
    image: 'data-prep',
    resources: res('1', '2', '2Gi', '4Gi'),
    inputs: {
      parameters: [],
      artifacts: [
        fromStep('train_data', 'system.Dataset', 'data-preparation', 'train_data', 'Training split.'),
        fromStep('test_data', 'system.Dataset', 'data-preparation', 'test_data', 'Test split.'),
      ],
    },
    outputs: {
      parameters: [],
      artifacts: [
        outA('train_features', 'system.Dataset', 'Training feature matrix and labels.'),
        outA('test_features', 'system.Dataset', 'Test feature matrix and labels.'),
        outA('feature_pipeline', 'system.Artifact', 'The fitted feature views (vocabulary, idf, scalers).'),
      ],
    },
  },
  {
    ...base,
    name: 'baseline-training',
    description: 'Train the baseline model (logistic regression, default parameters).',
    image: 'hpo-train',
    mlflow: true,
    resources: res('2', '2', '4Gi', '8Gi'),
    inputs: {
      parameters: [samePipelineParam('seed'), ...MLFLOW_INPUTS],
      artifacts: [
        fromStep('train_features', 'system.Dataset', 'feature-retrieval', 'train_features', 'Training features.'),
        fromStep('feature_pipeline', 'system.Artifact', 'feature-retrieval', 'feature_pipeline', 'Fitted feature views, saved with the model so the model artifact scores raw e-mails.'),
      ],
    },
    outputs: {
      parameters: [],
      artifacts: [outA('model', 'system.Model', 'Baseline model (feature pipeline + model).'), outA('metrics', 'system.Metrics', 'Baseline validation metrics.')],
    },
  },
  {
    ...base,
    name: 'hpo-plan',
    description: 'List the shard indices 0..hpo_shards-1 for the HPO fan-out.',
    image: 'hpo-train',
    runsIn: 'kfp',
    resources: res('100m', '500m', '256Mi', '512Mi'),
    // the trial count too, so that more shards than trials fails here, once, not in every shard
    inputs: {
      parameters: [fromParam('shard_count', 'NUMBER_INTEGER', 'hpo_shards', 'Number of shards.'), fromParam('num_trials', 'NUMBER_INTEGER', 'num_hpo_trials', 'Total trials over all shards.')],
      artifacts: [],
    },
    outputs: { parameters: [outP('shard_indices', 'LIST', 'JSON list [0, 1, ..., shard_count - 1].')], artifacts: [] },
  },
  {
    ...base,
    name: 'hpo-tuning',
    description: 'Run this shard\'s share of the HPO trials; write the shard\'s trial journal.',
    image: 'hpo-train',
    mlflow: true,
    fanOut: 'shards',
    retry: { maxRetryCount: 2, backoffSeconds: 30, backoffFactor: 2, backoffMaxSeconds: 3600 },
    resources: res('2', '2', '4Gi', '8Gi'),
    inputs: {
      parameters: [
        { name: 'shard_index', type: 'NUMBER_INTEGER', source: { kind: 'shard-index' }, description: 'This shard (0-based).' },
        fromParam('shard_count', 'NUMBER_INTEGER', 'hpo_shards', 'Number of shards.'),
        fromParam('num_trials', 'NUMBER_INTEGER', 'num_hpo_trials', 'Total trials over all shards.'),
        fromParam('scheduler', 'STRING', 'hpo_scheduler', 'random or asha.'),
        samePipelineParam('seed'),
        ...MLFLOW_INPUTS,
      ],
      artifacts: [
        fromStep('train_features', 'system.Dataset', 'feature-retrieval', 'train_features', 'Training features.'),
        fromStep('feature_pipeline', 'system.Artifact', 'feature-retrieval', 'feature_pipeline', 'Fitted feature views, saved with the model so the model artifact scores raw e-mails.'),
      ],
    },
    outputs: {
      parameters: [outP('best_score', 'NUMBER_DOUBLE', 'Best validation score of this shard.')],
      artifacts: [
        outA('journal', 'system.Artifact', 'Append-only trial journal of this shard.'),
        outA('shard_model', 'system.Model', 'Best configuration of this shard refitted on the whole training split (feature pipeline + model).'),
        outA('shard_metrics', 'system.Metrics', 'Shard summary: trials done/failed/stopped, best score.'),
      ],
    },
  },
  {
    ...base,
    name: 'hpo-merge',
    description: 'Merge the shard journals; pick the best configuration and its model.',
    image: 'hpo-train',
    mlflow: true,
    resources: res('1', '2', '2Gi', '4Gi'),
    inputs: {
      parameters: [...MLFLOW_INPUTS],
      artifacts: [
        { name: 'journals', type: 'system.Artifact', list: true, source: { kind: 'collected', step: 'hpo-tuning', output: 'journal' }, description: 'All shard journals.' },
        { name: 'shard_models', type: 'system.Model', list: true, source: { kind: 'collected', step: 'hpo-tuning', output: 'shard_model' }, description: 'All shard models.' },
      ],
    },
    outputs: {
      parameters: [outP('best_params', 'STRING', 'JSON of the best configuration.')],
      artifacts: [
        outA('best_model', 'system.Model', 'Best model over all shards.'),
        outA('trials', 'system.Dataset', 'Trials table (CSV).'),
        outA('hpo_metrics', 'system.Metrics', 'Study summary.'),
      ],
    },
  },
  {
    ...base,
    name: 'model-evaluation',
    description: 'Evaluate the tuned model (and the baseline) on the test split; write the HTML report.',
    image: 'mlflow-ops',
    mlflow: true,
    resources: res('1', '2', '2Gi', '4Gi'),
    inputs: {
      parameters: [...MLFLOW_INPUTS],
      artifacts: [
        fromStep('model', 'system.Model', 'hpo-merge', 'best_model', 'Model to evaluate.'),
        fromStep('baseline_model', 'system.Model', 'baseline-training', 'model', 'Baseline for the report.'),
        fromStep('test_features', 'system.Dataset', 'feature-retrieval', 'test_features', 'Test features.'),
        fromStep('test_data', 'system.Dataset', 'data-preparation', 'test_data', 'Test e-mails: raw-e-mail latency and the train/test overlap.'),
      ],
    },
    outputs: {
      parameters: [outP('f1_score', 'NUMBER_DOUBLE', 'Test F1.'), outP('auc_roc', 'NUMBER_DOUBLE', 'Test ROC AUC.')],
      artifacts: [
        outA('metrics', 'system.Metrics', 'Scalar test metrics.'),
        outA('classification_metrics', 'system.ClassificationMetrics', 'Confusion matrix and ROC curve.'),
        outA('report', 'system.HTML', 'HTML evaluation report.'),
        outA('evaluation', 'system.Artifact', 'Full evaluation as JSON (read by the gates).'),
      ],
    },
  },
  {
    ...base,
    name: 'model-validation',
    description: 'Check the validation gates (F1, AUC, precision, recall, inference time).',
    image: 'mlflow-ops',
    resources: res('500m', '1', '1Gi', '2Gi'),
    inputs: {
      parameters: ['f1_threshold', 'min_auc_roc', 'min_precision', 'min_recall', 'max_inference_time_ms'].map(samePipelineParam),
      artifacts: [fromStep('evaluation', 'system.Artifact', 'model-evaluation', 'evaluation', 'Evaluation JSON.')],
    },
    outputs: {
      parameters: [outP('passed', 'BOOLEAN', 'true when every gate passed.')],
      artifacts: [outA('gate_report', 'system.Artifact', 'Each gate with value, threshold and verdict (JSON).')],
    },
  },
  {
    ...base,
    name: 'model-comparison',
    description: 'Compare against the Staging model of the registry; decide promote or reject.',
    image: 'mlflow-ops',
    mlflow: true,
    // its answer depends on the registry, not only on its inputs: a cached decision may be about a
    // Staging model that has been replaced since
    caching: false,
    when: [VALIDATION_PASSED],
    resources: res('500m', '1', '1Gi', '2Gi'),
    inputs: {
      parameters: [samePipelineParam('model_name'), samePipelineParam('max_f1_regression'), samePipelineParam('max_auc_regression'), ...MLFLOW_INPUTS],
      artifacts: [
        fromStep('evaluation', 'system.Artifact', 'model-evaluation', 'evaluation', 'Evaluation JSON.'),
        fromStep('test_data', 'system.Dataset', 'data-preparation', 'test_data', 'Test e-mails, to score the Staging model with its own feature pipeline.'),
      ],
    },
    outputs: {
      parameters: [outP('decision', 'STRING', "'promote' or 'reject'.")],
      artifacts: [outA('comparison_report', 'system.Artifact', 'Candidate vs Staging metrics and the decision (JSON).')],
    },
  },
  {
    ...base,
    name: 'model-promotion',
    description: 'Register the model version, move the staging alias, record gate results as tags.',
    image: 'mlflow-ops',
    mlflow: true,
    caching: false,
    when: [VALIDATION_PASSED, COMPARISON_PROMOTE],
    resources: res('500m', '1', '1Gi', '2Gi'),
    inputs: {
      parameters: [samePipelineParam('model_name'), samePipelineParam('image_tag'), ...MLFLOW_INPUTS,
        { name: 'best_params', type: 'STRING', source: { kind: 'step', step: 'hpo-merge', output: 'best_params' }, description: 'Best configuration (JSON).' }],
      artifacts: [
        fromStep('model', 'system.Model', 'hpo-merge', 'best_model', 'Model to register.'),
        fromStep('evaluation', 'system.Artifact', 'model-evaluation', 'evaluation', 'Evaluation JSON.'),
        fromStep('gate_report', 'system.Artifact', 'model-validation', 'gate_report', 'Gate results.'),
        fromStep('comparison_report', 'system.Artifact', 'model-comparison', 'comparison_report', 'Comparison result.'),
      ],
    },
    outputs: { parameters: [outP('model_version', 'STRING', 'The registered model version.')], artifacts: [] },
  },
];

export const PIPELINE_DEFINITION: PipelineDefinition = {
  name: 'spam-detection-pipeline',
  description: 'Spam detector training: data preparation, features, baseline, sharded HPO, evaluation, validation gates, comparison with Staging, promotion.',
  params: PIPELINE_PARAMS,
  steps: PIPELINE_STEPS,
  hpoParallelism: 4,
};

/** snake_case → kebab-case flag stem (`num_trials` → `num-trials`). */
export function flagName(name: string): string {
  return name.replace(/_/g, '-');
}

export function getStep(def: PipelineDefinition, name: string): StepDef | undefined {
  return def.steps.find((s) => s.name === name);
}

/** The shard indices the `hpo-plan` step emits: [0, 1, ..., count - 1]. */
export function shardIndices(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** Steps with outputs a KFP UI renders from artifact metadata get `--executor-output`. */
export function needsExecutorOutput(step: StepDef): boolean {
  return step.outputs.artifacts.some((a) => a.type === 'system.Metrics' || a.type === 'system.ClassificationMetrics');
}

/** Steps with a list-of-artifacts input get `--executor-input`. */
export function needsExecutorInput(step: StepDef): boolean {
  return step.inputs.artifacts.some((a) => a.list === true);
}

export interface StepFlag {
  /** The flag, e.g. `--in-train-features`. */
  readonly flag: string;
  /** What it carries. */
  readonly role: 'param' | 'in-artifact' | 'out-artifact' | 'out-param' | 'executor-input' | 'executor-output';
  /** The declared input/output name (`''` for the executor flags). */
  readonly name: string;
  /** Parameter type (params/out-params) or artifact type. */
  readonly type: ParamType | ArtifactType | 'JSON' | 'PATH';
  /** The KFP placeholder that the compiler puts after the flag. */
  readonly placeholder: string;
}

/**
 * The flags of `train-spam step <name>` in order (inputs params, input artifacts, output artifacts,
 * output params, executor flags). The compiler emits `[flag, placeholder]` pairs from this list; the
 * step CLI parses exactly these flags (all required, one value each).
 */
export function stepFlags(step: StepDef): StepFlag[] {
  const flags: StepFlag[] = [];
  for (const i of step.inputs.parameters) {
    flags.push({ flag: `--${flagName(i.name)}`, role: 'param', name: i.name, type: i.type, placeholder: `{{$.inputs.parameters['${i.name}']}}` });
  }
  for (const a of step.inputs.artifacts) {
    if (a.list) continue;
    flags.push({ flag: `--in-${flagName(a.name)}`, role: 'in-artifact', name: a.name, type: a.type, placeholder: `{{$.inputs.artifacts['${a.name}'].path}}` });
  }
  for (const a of step.outputs.artifacts) {
    flags.push({ flag: `--out-${flagName(a.name)}`, role: 'out-artifact', name: a.name, type: a.type, placeholder: `{{$.outputs.artifacts['${a.name}'].path}}` });
  }
  for (const o of step.outputs.parameters) {
    flags.push({ flag: `--out-param-${flagName(o.name)}`, role: 'out-param', name: o.name, type: o.type, placeholder: `{{$.outputs.parameters['${o.name}'].output_file}}` });
  }
  if (needsExecutorInput(step)) flags.push({ flag: '--executor-input', role: 'executor-input', name: '', type: 'JSON', placeholder: '{{$}}' });
  if (needsExecutorOutput(step)) flags.push({ flag: '--executor-output', role: 'executor-output', name: '', type: 'PATH', placeholder: '{{$.outputs.output_file}}' });
  return flags;
}

/** The container entry: `command` = ['train-spam', 'step', name], `args` = flag/placeholder pairs. */
export function stepCommandLine(step: StepDef): { command: string[]; args: string[] } {
  const args: string[] = [];
  for (const f of stepFlags(step)) args.push(f.flag, f.placeholder);
  return { command: ['train-spam', 'step', step.name], args };
}
