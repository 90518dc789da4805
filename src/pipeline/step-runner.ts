/**
 * One pipeline step as a container runs it (`train-spam step <name>`): thin adapters from the
 * artifact paths Kubeflow hands the step to the SAME step functions the in-process runner calls
 * (steps/*.ts), and from their results back to files (codecs.ts).
 *
 * The caller (cli/commands/step.ts) parses the flags declared in definition.ts into a
 * `StepInvocation`, and turns the returned `StepOutcome` into output-parameter files and the KFP
 * ExecutorOutput. Each MLflow step opens tracking itself and records its work in its own run
 * (tagged with the step name and the KFP run id), since containers share no parent run.
 */
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { TrainSpamError, invalidArgument, isTrainSpamError, toErrorData } from '../core/errors.js';
import { numCols } from '../core/matrix.js';
import type { Clock, Logger } from '../core/ports.js';
import type { FittedFeaturePipeline } from '../features/pipeline.js';
import { journalFileName } from '../hpo/study.js';
import { jsonDifference, type JsonValue } from '../core/payload.js';
import { SHARD_FILE, journalHeader, mergeShardFiles, studyKey } from '../hpo/shards.js';
import { trialsCsv } from '../hpo/results.js';
import type { ProgressReporter } from '../hpo/progress.js';
import { ARTIFACT_JSON, artifactContentDigest } from '../io/model-artifact.js';
import { renderHtmlReport } from '../report/index.js';
import { SpamScorer, loadScorer, saveScorer } from '../serving/scorer.js';
import {
  evaluationDoc, evaluationFromDoc, featurePipelineSha256, loadComparison, loadEmailDataset, loadEvaluation, loadFeatureDataset, loadFeaturePipeline, loadGateReport,
  readJsonFile, replaceDirectories, saveComparison, saveEmailDatasets, saveEvaluation, saveFeatureDataset, saveFeaturePipeline, saveGateReport, writeJsonFile, writeTextFile,
  type ComparisonDoc, type EmailSplitInfo, type EvaluationDoc,
} from './codecs.js';
import type { GateReport } from './gates.js';
import { logStepMetrics, systemClock, type RunContext, type Tracking } from './context.js';
import { shardIndices, type ParamValue, type StepDef, type StepName } from './definition.js';
import { resolvePipelineParams, type PipelineParams } from './params.js';
import { buildReportData } from './report.js';
import type { LabelledMatrix } from './state.js';
import { dataPreparation } from './steps/data-preparation.js';
import { featureRetrieval } from './steps/feature-retrieval.js';
import { baselineTraining } from './steps/baseline-training.js';
import { bestTrialOf, logStudyOutcome, refitBest, refitParams, runHpoStudy, studyMetrics, studySummaryLine, type HpoStepOptions } from './steps/hpo-tuning.js';
import { latencySample, modelEvaluation } from './steps/model-evaluation.js';
import { modelValidation } from './steps/model-validation.js';
import { modelComparison } from './steps/model-comparison.js';
import { MODEL_ARTIFACT_PATH, modelPromotion } from './steps/model-promotion.js';
import { makeDirs, removeMadeDirs } from '../io/dirs.js';

/** A parsed `train-spam step <name>` command line. */
export interface StepInvocation {
  readonly step: StepDef;
  /** Input parameters by declared name, typed (`num_trials: 20`). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Input artifact paths by declared name. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Collected list inputs (from the ExecutorInput) by declared name. */
  readonly lists: Readonly<Record<string, readonly string[]>>;
  /** Output artifact paths by declared name. */
  readonly outputs: Readonly<Record<string, string>>;
}

/** Metadata of a metrics output, in plain terms (the CLI turns it into the KFP shape). */
export type MetricsMetadata =
  | { readonly kind: 'metrics'; readonly values: Readonly<Record<string, number>> }
  | {
      readonly kind: 'classification';
      readonly labels: readonly string[];
      readonly matrix: readonly (readonly number[])[];
      readonly roc: readonly { threshold: number; falsePositiveRate: number; recall: number }[];
    };

export interface StepOutcome {
  /** Output parameter values by declared name. */
  readonly parameters: Record<string, ParamValue>;
  /** Metadata of the system.Metrics / system.ClassificationMetrics outputs, by output name. */
  readonly metadata: Record<string, MetricsMetadata>;
  /** One line for the log. */
  readonly summary: string;
}

export interface OpenedTracking {
  readonly tracking: Tracking;
  close(): Promise<void>;
}

export interface StepDeps {
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  readonly workers: number;
  /** Opens tracking from `--mlflow-tracking-uri` (empty: the MLFLOW_* environment). */
  readonly openTracking: (uri: string) => OpenedTracking;
  /** KFP run id (env KFP_RUN_ID), recorded as a tag on the step's MLflow run. */
  readonly kfpRunId?: string;
  /** HPO overrides (tests: `{ study: { executor: 'inline' } }`). */
  readonly hpo?: HpoStepOptions;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Where scratch directories go (default: the OS temp dir). */
  readonly scratchRoot?: string;
}

type Adapter = (ctx: RunContext, inv: StepInvocation, deps: StepDeps) => Promise<StepOutcome>;

/**
 * The output artifacts each step writes as a directory (the others are single files): the CLI
 * checks before any work that nothing of the other kind is in the way.
 */
export const DIRECTORY_OUTPUTS: Readonly<Partial<Record<StepName, readonly string[]>>> = {
  'data-preparation': ['train_data', 'test_data'],
  'feature-retrieval': ['train_features', 'test_features', 'feature_pipeline'],
  'baseline-training': ['model'],
  'hpo-tuning': ['journal', 'shard_model'],
  'hpo-merge': ['best_model'],
};

/** Runs one step; throws a TrainSpamError on bad input or a failed step. */
export async function runStep(inv: StepInvocation, deps: StepDeps): Promise<StepOutcome> {
  const adapter = ADAPTERS[inv.step.name];
  const params = stepParams(inv);
  PRECHECKS[inv.step.name]?.(inv, params);
  const clock = deps.clock ?? systemClock;
  // Kubeflow hands paths whose parent directories may not exist yet; a step that fails takes
  // back the (still empty) ones it made
  const madeDirs: string[] = [];
  let scratch: string;
  try {
    for (const p of Object.values(inv.outputs)) madeDirs.push(...(await makeDirs(dirname(resolve(p)))));
    scratch = await mkdtemp(join(deps.scratchRoot ?? tmpdir(), `train-spam-${inv.step.name}-`));
  } catch (e) {
    await removeMadeDirs(madeDirs);
    throw e;
  }
  let opened: OpenedTracking | null = null;
  let runId: RunContext['runId'] = null;
  try {
    let experimentId: RunContext['experimentId'] = null;
    if (inv.step.mlflow) {
      opened = deps.openTracking(params.mlflow_tracking_uri);
      const store = opened.tracking.store;
      experimentId = (await store.getOrCreateExperiment(params.mlflow_experiment_name)).experimentId;
      const info = await store.createRun({
        experimentId,
        runName: `${inv.step.name}-${new Date(clock.now()).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`,
        tags: {
          'train-spam.pipeline': 'spam-detection',
          'train-spam.step': inv.step.name,
          'mlflow.source.name': `train-spam step ${inv.step.name}`,
          'mlflow.source.type': 'JOB',
          ...(deps.kfpRunId ? { 'train-spam.kfp_run_id': deps.kfpRunId } : {}),
        },
      });
      runId = info.runId;
      const logged: Record<string, string | number | boolean> = {};
      for (const [k, v] of Object.entries(inv.params)) if (k !== 'mlflow_tracking_uri') logged[k] = typeof v === 'object' ? JSON.stringify(v) : v;
      if (Object.keys(logged).length) await store.logParams(runId, logged);
      deps.logger.log('info', `tracking: ${opened.tracking.description}, run ${runId}`);
    }
    const ctx: RunContext = {
      params,
      logger: deps.logger,
      clock,
      signal: deps.signal ?? new AbortController().signal,
      outDir: scratch,
      tracking: opened?.tracking ?? null,
      runId,
      experimentId,
      progress: deps.progress,
      workers: deps.workers,
    };
    const outcome = await adapter(ctx, inv, deps);
    if (opened && runId) await opened.tracking.store.endRun(runId, 'FINISHED');
    deps.logger.log('info', `${inv.step.name}: ${outcome.summary}`);
    return outcome;
  } catch (e) {
    if (opened && runId) {
      const code = toErrorData(e).code;
      await opened.tracking.store.endRun(runId, code === 'CANCELLED' ? 'KILLED' : 'FAILED').catch(() => undefined);
    }
    await removeMadeDirs(madeDirs);
    throw e;
  } finally {
    await opened?.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The step's inputs this invocation was given that come from pipeline parameters: [input name, pipeline parameter]. */
function givenPipelineInputs(inv: StepInvocation): [string, string][] {
  const out: [string, string][] = [];
  for (const def of inv.step.inputs.parameters) if (def.source.kind === 'pipeline' && def.name in inv.params) out.push([def.name, def.source.param]);
  return out;
}

/** The pipeline parameters this step was given (its other params are defaults, not the run's). */
export function receivedParams(inv: StepInvocation): Set<string> {
  return new Set(givenPipelineInputs(inv).map(([, param]) => param));
}

/** The step's parameters mapped onto the pipeline parameters they come from, validated. */
export function stepParams(inv: StepInvocation): PipelineParams {
  const overrides: Record<string, unknown> = {};
  const flagOf = new Map<string, string>();
  for (const [name, param] of givenPipelineInputs(inv)) {
    overrides[param] = inv.params[name];
    flagOf.set(param, `--${name.replace(/_/g, '-')}`);
  }
  try {
    return resolvePipelineParams(overrides, { partial: true });
  } catch (e) {
    const flag = isTrainSpamError(e) ? flagOf.get(String(e.details.parameter)) : undefined;
    if (flag && isTrainSpamError(e)) throw new TrainSpamError(e.code, `${flag}: ${e.message}`, { ...e.details, flag, usage: true });
    throw e;
  }
}

function input(inv: StepInvocation, name: string): string {
  const p = inv.inputs[name];
  if (p === undefined) throw new TrainSpamError('INTERNAL', `step ${inv.step.name}: no path for input artifact '${name}'`);
  return p;
}
function output(inv: StepInvocation, name: string): string {
  const p = inv.outputs[name];
  if (p === undefined) throw new TrainSpamError('INTERNAL', `step ${inv.step.name}: no path for output artifact '${name}'`);
  return p;
}
function intParam(inv: StepInvocation, name: string): number {
  const v = inv.params[name];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgument(`--${name.replace(/_/g, '-')} must be an integer, got ${JSON.stringify(v)}`, { usage: true, flag: name });
  return v;
}

/** The matrix was made by this feature pipeline: same width, and the same pipeline when the matrix records which. */
function checkWidth(pipeline: FittedFeaturePipeline, m: LabelledMatrix, what: string): void {
  if (pipeline.numFeatures !== numCols(m.X)) {
    throw new TrainSpamError('INVALID_DATA', `${what} has ${numCols(m.X)} feature columns but the feature pipeline makes ${pipeline.numFeatures}: the artifacts come from different feature-retrieval runs`);
  }
  if (m.pipelineSha256 === undefined) return;
  const own = featurePipelineSha256(pipeline);
  if (own !== m.pipelineSha256) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `${what} was made by another feature pipeline (sha256 ${m.pipelineSha256.slice(0, 12)}…, this one ${own.slice(0, 12)}…): the artifacts come from different feature-retrieval runs`,
      { expected: own, got: m.pipelineSha256 },
    );
  }
}

/** A training feature matrix (feature-retrieval's train_features): it carries the rows' duplicate-body groups, a test matrix does not. */
function requireTrainingMatrix(m: LabelledMatrix, inv: StepInvocation): void {
  if (!m.groups) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `train_features ${input(inv, 'train_features')} has no groups.json (the duplicate-body groups of the training rows): it is not a training feature matrix (test_features?); pass feature-retrieval's train_features`,
      { dir: input(inv, 'train_features') },
    );
  }
}

/** The train and test splits were written by one data-preparation run (same source, digest, seed and ratio). */
function sameSplitRun(train: EmailSplitInfo, test: EmailSplitInfo, inv: StepInvocation): void {
  const pick = (i: EmailSplitInfo) => JSON.parse(JSON.stringify({ digest: i.digest, source: i.source, split: i.split, trainTestOverlap: i.trainTestOverlap })) as JsonValue;
  const diff = jsonDifference(pick(train), pick(test));
  if (diff !== null) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `train_data ${input(inv, 'train_data')} and test_data ${input(inv, 'test_data')} come from different data-preparation runs (their split.json differ in ${diff}); pass the two outputs of one run`,
      { field: diff },
    );
  }
}

/**
 * The promotion's inputs describe one model: the one evaluated (by its artifact's sha256, where
 * the evaluation records it), and gate and comparison reports made from that evaluation (its F1
 * and AUC). Mixed in from other runs, they would register a model the gates never saw.
 */
function sameEvaluation(inv: StepInvocation, model: { sha: string; metadata: Record<string, unknown> }, evaluation: EvaluationDoc, gates: GateReport, comparison: ComparisonDoc): void {
  const fail = (what: string, why: string) =>
    new TrainSpamError('INVALID_DATA', `${what}: ${why}; the promotion's inputs come from different runs (pass the outputs of one pipeline run)`, { evaluation: input(inv, 'evaluation') });
  const sha = model.sha;
  if (evaluation.modelSha256 !== undefined && evaluation.modelSha256 !== sha) {
    throw fail(`model ${input(inv, 'model')}`, `its artifact.json has sha256 ${sha.slice(0, 12)}…, but evaluation ${input(inv, 'evaluation')} was made with ${evaluation.modelSha256.slice(0, 12)}…`);
  }
  if (evaluation.modelSha256 === undefined) {
    // an evaluation written before it recorded the sha256: the model's metadata (kind, params, trial) at least
    const own = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(model.metadata).filter(([k]) => k !== 'train_ids')))) as JsonValue;
    const diff = jsonDifference(own, JSON.parse(JSON.stringify(evaluation.model)) as JsonValue);
    if (diff !== null) throw fail(`model ${input(inv, 'model')}`, `its metadata differs from the evaluated model's in ${diff}`);
  }
  // JSON keeps a NaN metric (a model that scored NaN) as null in the gate and comparison reports
  const same = (a: unknown, b: number) => (typeof a === 'number' && Object.is(a, b)) || (a === null && !Number.isFinite(b));
  const c = evaluation.candidate;
  for (const [gate, value] of [['f1', c.f1], ['roc_auc', c.rocAuc]] as const) {
    const g = gates.gates.find((x) => x.name === gate);
    if (g && !same(g.value, value)) throw fail(`gate report ${input(inv, 'gate_report')}`, `gate '${gate}' has value ${String(g.value)}, the evaluation ${String(value)}`);
  }
  const cc = comparison.candidate as { f1?: unknown; auc?: unknown } | null | undefined;
  if (cc && (!same(cc.f1, c.f1) || !same(cc.auc, c.rocAuc))) {
    throw fail(`comparison report ${input(inv, 'comparison_report')}`, `candidate F1 ${String(cc.f1)} / AUC ${String(cc.auc)}, the evaluation ${String(c.f1)} / ${String(c.rocAuc)}`);
  }
}

function sameIds(a: readonly string[], b: readonly string[], what: string): void {
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    throw new TrainSpamError('INVALID_DATA', `${what}: the e-mail ids differ (${a.length} vs ${b.length} rows); the artifacts come from different data-preparation runs`);
  }
}

async function writeMetricsFile(path: string, values: Record<string, number>): Promise<MetricsMetadata> {
  await writeJsonFile(path, values);
  return { kind: 'metrics', values };
}

async function logModelDir(ctx: RunContext, dir: string): Promise<void> {
  if (ctx.tracking && ctx.runId) await ctx.tracking.store.logArtifacts(ctx.runId, dir, MODEL_ARTIFACT_PATH);
}

/** At most `max` points of a curve, evenly spaced by index, first and last kept. */
export function thinCurve<T>(points: readonly T[], max = 201): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round((k * (points.length - 1)) / (max - 1))]);
  return out;
}

// ---------------------------------------------------------------- adapters

const dataPreparationStep: Adapter = async (ctx, inv) => {
  const data = await dataPreparation(ctx);
  const info = { split: data.split, source: data.source, digest: data.digest, trainTestOverlap: data.trainTestOverlap };
  await saveEmailDatasets([
    { dir: output(inv, 'train_data'), rows: data.train, info: { role: 'train', ...info }, groups: data.trainGroups },
    { dir: output(inv, 'test_data'), rows: data.test, info: { role: 'test', ...info } },
  ]);
  return { parameters: {}, metadata: {}, summary: `${data.train.ids.length} train / ${data.test.ids.length} test e-mails written` };
};

const featureRetrievalStep: Adapter = async (ctx, inv) => {
  const train = await loadEmailDataset(input(inv, 'train_data'), 'train');
  const test = await loadEmailDataset(input(inv, 'test_data'), 'test');
  sameSplitRun(train.info, test.info, inv);
  if (!train.groups) throw new TrainSpamError('NOT_FOUND', `train_data ${input(inv, 'train_data')} has no groups.json (duplicate-body groups); rerun data-preparation`);
  const f = await featureRetrieval(ctx, { train: train.rows, test: test.rows, trainGroups: train.groups });
  const sha = featurePipelineSha256(f.pipeline);
  await saveFeatureDataset(output(inv, 'train_features'), f.train, sha);
  await saveFeatureDataset(output(inv, 'test_features'), f.test, sha);
  await saveFeaturePipeline(output(inv, 'feature_pipeline'), f.pipeline);
  return { parameters: {}, metadata: {}, summary: `${f.pipeline.numFeatures} features for ${f.train.X.rows} train / ${f.test.X.rows} test e-mails` };
};

const baselineTrainingStep: Adapter = async (ctx, inv) => {
  const train = await loadFeatureDataset(input(inv, 'train_features'));
  requireTrainingMatrix(train, inv);
  const pipeline = await loadFeaturePipeline(input(inv, 'feature_pipeline'));
  checkWidth(pipeline, train, 'train_features');
  const r = await baselineTraining(ctx, train);
  const v = r.validation;
  const modelDir = output(inv, 'model');
  await saveScorer(modelDir, new SpamScorer(pipeline, r.model), { model_kind: 'logistic', params: {}, role: 'baseline', seed: ctx.params.seed });
  await logModelDir(ctx, modelDir);
  const metrics = await writeMetricsFile(output(inv, 'metrics'), { val_f1: v.f1, val_auc: v.auc, val_precision: v.precision, val_recall: v.recall });
  return { parameters: {}, metadata: { metrics }, summary: `baseline validation F1 ${v.f1.toFixed(4)}, AUC ${v.auc.toFixed(4)}` };
};

const hpoPlanStep: Adapter = async (ctx) => {
  const list = shardIndices(ctx.params.hpo_shards);
  return { parameters: { shard_indices: list }, metadata: {}, summary: `shards ${JSON.stringify(list)}` };
};

const hpoTuningStep: Adapter = async (ctx, inv, deps) => {
  const index = intParam(inv, 'shard_index'); // in range: PRECHECKS
  const count = ctx.params.hpo_shards;
  const train = await loadFeatureDataset(input(inv, 'train_features'));
  requireTrainingMatrix(train, inv);
  const pipeline = await loadFeaturePipeline(input(inv, 'feature_pipeline'));
  checkWidth(pipeline, train, 'train_features');
  const journalDir = output(inv, 'journal');
  await makeDirs(journalDir);
  // a retried attempt at the same path continues its journal (finished trials are kept)
  const resume = existsSync(join(journalDir, journalFileName(index, count)));
  const study = await runHpoStudy(ctx, { train }, { study: { ...deps.hpo?.study, shard: { index, count }, journalDir, journalSetting: '--out-journal', resume } });
  const best = bestTrialOf(study, ctx.signal);
  ctx.logger.log('info', `shard ${index}/${count}: ${studySummaryLine(study, best)}`);
  const modelDir = output(inv, 'shard_model');
  const refit = await refitBest(ctx, { pipeline, train }, study, modelDir, { shard_index: index, shard_count: count });
  await logStudyOutcome(ctx, study, refit, modelDir, []);
  if (ctx.tracking && ctx.runId) {
    // what hpo-merge fetches when KFP's launcher did not download this shard's outputs (its model
    // is logged under model/ above), found by the study's key and the shard
    const journalFile = join(journalDir, journalFileName(index, count));
    await ctx.tracking.store.logArtifact(ctx.runId, journalFile, SHARD_JOURNAL_PATH);
    await ctx.tracking.store.logBatch(ctx.runId, { tags: { [STUDY_TAG]: studyKey(journalHeader(journalFile)), [SHARD_TAG]: `${index}/${count}` } });
  }
  const metrics = await writeMetricsFile(output(inv, 'shard_metrics'), { ...studyMetrics(study), best_trial: best.trial, shard_index: index });
  return {
    parameters: { best_score: best.score ?? NaN },
    metadata: { shard_metrics: metrics },
    summary: `shard ${index} of ${count}: best trial ${best.trial} (${best.model}) ${study.metric}=${best.score?.toFixed(4)}`,
  };
};

/**
 * KFP's launcher downloads only the first artifact of each input list (launcher_v2.go,
 * downloadArtifacts: `artifactList.Artifacts[0]`), so with several shards the other items of a
 * Collected list are named in the ExecutorInput but absent from the container.
 */
export const LIST_DOWNLOAD_LIMIT =
  "the Kubeflow launcher downloads only the first artifact of a Collected list (kubeflow/pipelines launcher_v2.go, downloadArtifacts), and the other shards' MLflow runs (tagged with the study, holding their journal and model) were not found: " +
  'check that every hpo-tuning step records to the same MLflow server and experiment, or run with hpo_shards=1 (the trials still use every core of the pod), or shard with `train-spam hpo k8s-manifest` (pods sharing a volume)';

/** The shard journal files of list inputs (files, or directories holding them), where they are. */
async function gatherJournals(paths: readonly string[]): Promise<string[]> {
  const pattern = SHARD_FILE;
  const files: string[] = [];
  for (const [i, p] of paths.entries()) {
    let info;
    try {
      info = await stat(p);
    } catch {
      const launcher = i > 0 && existsSync(paths[0]); // KFP gave only the first item, and no MLflow run held this one
      throw new TrainSpamError('NOT_FOUND', `shard journal ${p} does not exist${launcher ? `: ${LIST_DOWNLOAD_LIMIT}` : ''}`, { path: p });
    }
    const found = info.isDirectory() ? (await readdir(p)).filter((n) => pattern.test(n)).map((n) => join(p, n)) : [p];
    if (found.length === 0) throw new TrainSpamError('NOT_FOUND', `shard journal directory ${p} holds no journal-shard-<i>-of-<n>.jsonl`, { path: p });
    files.push(...found);
  }
  return files;
}

async function artifactMetadata(dir: string): Promise<Record<string, unknown>> {
  const doc = await readJsonFile(join(dir, ARTIFACT_JSON), 'model artifact');
  const meta = (doc as { metadata?: unknown }).metadata;
  return meta && typeof meta === 'object' ? (meta as Record<string, unknown>) : {};
}

/** Tags of an HPO shard's MLflow run: its study (studyKey: shared by the study's shards) and `<index>/<count>`. */
export const STUDY_TAG = 'train-spam.hpo_study';
export const SHARD_TAG = 'train-spam.hpo_shard';
/** Where a shard's MLflow run holds its journal. */
const SHARD_JOURNAL_PATH = 'hpo';

/**
 * The shard outputs of the Collected lists that are in the container, plus those of the other
 * shards of the same study fetched from their MLflow runs (KFP's launcher downloads only the first
 * item of a list: LIST_DOWNLOAD_LIMIT). The study is known from the journals at hand (studyKey), so
 * a shard that KFP took from its cache, whose run belongs to an earlier KFP run, is found too; the
 * same study gives the same trials and models. Shards are told apart by journal name, not list order.
 */
async function shardOutputs(ctx: RunContext, inv: StepInvocation): Promise<{ journals: string[]; models: string[]; local: number; fetched: number; absent: number; study: string | null }> {
  const lists = { journals: [...(inv.lists.journals ?? [])], models: [...(inv.lists.shard_models ?? [])] };
  const here = lists.journals.map((j, i) => existsSync(j) && existsSync(lists.models[i] ?? ''));
  const local = here.filter(Boolean).length;
  if (here.every(Boolean) || local === 0 || !ctx.tracking || !ctx.experimentId) {
    // gatherJournals names a missing item (with the launcher's limit when it is not the first)
    return { journals: await gatherJournals(lists.journals), models: lists.models, local: lists.journals.length, fetched: 0, absent: 0, study: null };
  }
  const journals = await gatherJournals(lists.journals.filter((_, i) => here[i]));
  const models = lists.models.filter((_, i) => here[i]);
  const have = new Set<number>();
  for (const f of journals) have.add(Number(SHARD_FILE.exec(basename(f))![1]));
  const study = studyKey(journalHeader(journals[0]));
  const runs = await ctx.tracking.store.searchRuns({
    experimentIds: [ctx.experimentId],
    filter: `tags.\`${STUDY_TAG}\` = '${study}' and tags.\`train-spam.step\` = 'hpo-tuning' and attributes.status = 'FINISHED'`,
  });
  // per shard, its last finished attempt (a retried shard has several runs)
  const byShard = new Map<number, { count: number; run: (typeof runs)[number] }>();
  for (const r of runs) {
    const m = /^(\d+)\/(\d+)$/.exec(r.data.tags[SHARD_TAG] ?? '');
    if (!m) continue;
    const k = Number(m[1]);
    const seen = byShard.get(k);
    if (!seen || (r.info.endTime ?? 0) > (seen.run.info.endTime ?? 0)) byShard.set(k, { count: Number(m[2]), run: r });
  }
  let fetched = 0;
  for (const [k, { count, run }] of [...byShard].sort((a, b) => a[0] - b[0])) {
    if (have.has(k)) continue;
    const to = join(ctx.outDir, 'shards-from-mlflow', String(k));
    journals.push(await ctx.tracking.store.downloadArtifacts(run.info.runId, `${SHARD_JOURNAL_PATH}/${journalFileName(k, count)}`, join(to, 'journal')));
    models.push(await ctx.tracking.store.downloadArtifacts(run.info.runId, 'model', join(to, 'model')));
    ctx.logger.log('info', `hpo-merge: shard ${k}'s outputs were not downloaded by KFP; fetched them from its MLflow run ${run.info.runId}`);
    fetched++;
  }
  return { journals, models, local, fetched, absent: here.length - local - fetched, study };
}

const hpoMergeStep: Adapter = async (ctx, inv) => {
  const { journals, models, local, fetched, absent, study: key } = await shardOutputs(ctx, inv);
  const where =
    `the journals input (${local} item${local === 1 ? '' : 's'}${fetched ? `, ${fetched} fetched from MLflow` : ''}` +
    `${absent > 0 ? `; ${absent} neither in this container nor in MLflow (study ${key?.slice(0, 12)}…): ${LIST_DOWNLOAD_LIMIT}` : ''})`;
  const study = mergeShardFiles(journals, where, {
    unfinishedHint: 're-run their hpo-tuning step (it continues its journal) before merging',
  });
  const best = bestTrialOf(study);
  ctx.logger.log('info', studySummaryLine(study, best));
  // the shard model refitted from the best trial: same trial, family and refit parameters
  const want = JSON.parse(JSON.stringify(refitParams(best))) as JsonValue;
  let chosen: string | null = null;
  for (const m of models) {
    const meta = await artifactMetadata(m);
    if (meta.best_trial === best.trial && meta.model_kind === best.model && jsonDifference((meta.params ?? null) as JsonValue, want) === null) chosen = m;
  }
  if (!chosen) {
    throw new TrainSpamError(
      'NOT_FOUND',
      `none of the ${models.length} shard models was refitted from the best trial ${best.trial} (${best.model}, ${JSON.stringify(want)}); the shard models and journals come from different runs`,
      { bestTrial: best.trial, model: best.model },
    );
  }
  const outModel = resolve(output(inv, 'best_model'));
  await replaceDirectories([outModel], async ([tmp]) => cp(chosen, tmp, { recursive: true }));
  const scorer = await loadScorer(outModel); // validates the copy (checksums, feature count)
  const params = (scorer.metadata.params ?? {}) as Record<string, unknown>;
  const trialsFile = output(inv, 'trials');
  await writeTextFile(trialsFile, trialsCsv(study.trials));
  await logStudyOutcome(ctx, study, { kind: best.model, params }, outModel, [trialsFile]);
  const metrics = await writeMetricsFile(output(inv, 'hpo_metrics'), { ...studyMetrics(study), best_trial: best.trial, shards: study.shardCount });
  return {
    parameters: { best_params: JSON.stringify({ model: best.model, params }) },
    metadata: { hpo_metrics: metrics },
    summary: `best trial ${best.trial} (${best.model}) ${study.metric}=${best.score?.toFixed(4)} over ${study.trials.length} trials in ${study.shardCount} shards`,
  };
};

const modelEvaluationStep: Adapter = async (ctx, inv) => {
  const modelDir = input(inv, 'model');
  const scorer = await loadScorer(modelDir);
  const baseline = await loadScorer(input(inv, 'baseline_model'));
  const test = await loadFeatureDataset(input(inv, 'test_features'));
  const data = await loadEmailDataset(input(inv, 'test_data'), 'test');
  checkWidth(scorer.features, test, 'test_features');
  checkWidth(baseline.features, test, 'test_features (baseline model)');
  sameIds(test.ids, data.rows.ids, 'test_features vs test_data');
  const ev = await modelEvaluation(ctx, { model: scorer.model, baseline: baseline.model, test, testRecords: await latencySample(data.rows), artifactDir: modelDir });
  await saveEvaluation(output(inv, 'evaluation'), evaluationDoc(ev, test, data.info.trainTestOverlap, scorer.metadata, await artifactContentDigest(modelDir)));
  const c = ev.candidate;
  const values = {
    f1: c.f1, roc_auc: c.rocAuc, precision: c.precision, recall: c.recall, accuracy: c.accuracy, average_precision: c.averagePrecision,
    log_loss: c.logLoss, brier: c.brier, baseline_f1: ev.baseline.f1, baseline_roc_auc: ev.baseline.rocAuc,
    latency_p50_ms: ev.latency.p50Ms, latency_p99_ms: ev.latency.p99Ms, batch_per_second: ev.batchPerSecond,
  };
  const metrics = await writeMetricsFile(output(inv, 'metrics'), values);
  const roc = thinCurve(c.rocCurve.fpr.map((fpr, i) => ({
    // the first point ("nothing is spam") has a threshold above every score (ours: max + 1); KFP shows probabilities
    threshold: i === 0 ? nothingIsSpamThreshold(c.rocCurve.thresholds[1] ?? 0) : c.rocCurve.thresholds[i],
    falsePositiveRate: fpr,
    recall: c.rocCurve.tpr[i],
  })));
  const classification: MetricsMetadata = { kind: 'classification', labels: ['ham', 'spam'], matrix: c.confusionMatrix, roc };
  await writeJsonFile(output(inv, 'classification_metrics'), { labels: classification.labels, confusionMatrix: c.confusionMatrix, roc });
  const report = buildReportData({ runId: ctx.runId ?? 'kfp-step', startedAt: new Date(ctx.clock.now()).toISOString(), params: ctx.params, evaluation: ev, timings: [] }, new Date(ctx.clock.now()).toISOString());
  // Only what this step was given: its other pipeline parameters (seed, thresholds, model name,
  // ...) are defaults here, not the run's, and the report must not present them as the run's.
  const received = receivedParams(inv);
  const html = renderHtmlReport({
    ...report,
    title: `train-spam evaluation (${String(scorer.metadata.model_kind ?? 'model')})`,
    parameters: Object.fromEntries(Object.entries(report.parameters).filter(([k]) => received.has(k))),
    model: {
      ...report.model,
      name: received.has('model_name') ? report.model.name : null,
      kind: typeof scorer.metadata.model_kind === 'string' ? scorer.metadata.model_kind : null,
      params: JSON.stringify(scorer.metadata.params ?? null),
    },
    decision: { outcome: 'not_promoted', headline: 'Evaluation only: the validation gates, the comparison and the promotion run in the next steps', reasons: [], modelName: received.has('model_name') ? ctx.params.model_name : null },
  });
  const reportFile = output(inv, 'report');
  await writeTextFile(reportFile, html);
  if (ctx.tracking && ctx.runId) await ctx.tracking.store.logArtifact(ctx.runId, reportFile, 'report');
  return {
    parameters: { f1_score: c.f1, auc_roc: c.rocAuc },
    metadata: { metrics, classification_metrics: classification },
    summary: `test F1 ${c.f1.toFixed(4)}, AUC ${c.rocAuc.toFixed(4)}, p99 latency ${ev.latency.p99Ms.toFixed(3)} ms`,
  };
};

const modelValidationStep: Adapter = async (ctx, inv) => {
  const doc = await loadEvaluation(input(inv, 'evaluation'));
  const report = await modelValidation(ctx, evaluationFromDoc(doc), doc.trainTestOverlap);
  await saveGateReport(output(inv, 'gate_report'), report);
  const failed = report.gates.filter((g) => !g.passed).map((g) => g.name);
  return { parameters: { passed: report.passed }, metadata: {}, summary: report.passed ? 'every gate passed' : `gates failed: ${failed.join(', ')} (passed=false)` };
};

const modelComparisonStep: Adapter = async (ctx, inv) => {
  const doc = await loadEvaluation(input(inv, 'evaluation'));
  const data = await loadEmailDataset(input(inv, 'test_data'), 'test');
  sameIds(doc.ids, data.rows.ids, 'evaluation vs test_data');
  const result = await modelComparison(ctx, {
    candidate: { f1: doc.candidate.f1, auc: doc.candidate.rocAuc }, candidateScores: doc.scores, test: data.rows, testLabels: Uint8Array.from(doc.labels),
  });
  const saved = await saveComparison(output(inv, 'comparison_report'), result);
  return { parameters: { decision: saved.decision }, metadata: {}, summary: `${result.status}: ${saved.decision}` };
};

const modelPromotionStep: Adapter = async (ctx, inv) => {
  const gates = await loadGateReport(input(inv, 'gate_report'));
  const comparison = await loadComparison(input(inv, 'comparison_report'));
  const evaluation = await loadEvaluation(input(inv, 'evaluation'));
  const modelDir = input(inv, 'model');
  const scorer = await loadScorer(modelDir); // a broken artifact is never registered
  const sha = await artifactContentDigest(modelDir);
  sameEvaluation(inv, { sha, metadata: scorer.metadata }, evaluation, gates, comparison);
  if (gates.passed && comparison.passed && ctx.tracking && ctx.runId) {
    // the registered source is runs:/<this run>/model; the test metrics let a later comparison read them
    await logModelDir(ctx, modelDir);
    await logStepMetrics(ctx, 'test', { f1: evaluation.candidate.f1, roc_auc: evaluation.candidate.rocAuc });
  }
  // --best-params (hpo-merge's {"model", "params"}, checked by the precheck) is tagged on a new version
  const best = parseBestParams(inv.params.best_params) as { model?: unknown; params?: unknown };
  const bestConfig = typeof best.model === 'string' && best.params !== null && typeof best.params === 'object' ? { model: best.model, params: best.params as Record<string, unknown> } : undefined;
  const r = await modelPromotion(ctx, gates, comparison, { artifactSha256: sha, ...(bestConfig ? { bestConfig } : {}) });
  // the step fails so that KFP retries it: the retry finds this version and sets the tag again
  if (r.trackingError) throw new TrainSpamError(r.trackingError.code, r.trackingError.message, { ...(r.trackingError.details ?? {}), version: r.version });
  return { parameters: { model_version: r.version ?? '' }, metadata: {}, summary: `${r.status}${r.version ? ` ${r.modelName} v${r.version}` : ''}: ${r.reason}` };
};

/** --best-params as given (a JSON string, or already an object); undefined when it is not JSON. */
function parseBestParams(v: unknown): unknown {
  try {
    return typeof v === 'string' ? JSON.parse(v) : v;
  } catch {
    return undefined;
  }
}

/**
 * Checks of a step's arguments that need none of its input files, made before anything else (no
 * tracking run, no output folder): a usage error then leaves nothing behind.
 */
const PRECHECKS: Partial<Record<StepName, (inv: StepInvocation, params: PipelineParams) => void>> = {
  'hpo-tuning': (inv, params) => {
    const index = intParam(inv, 'shard_index');
    const count = params.hpo_shards;
    if (index < 0 || index >= count) throw invalidArgument(`--shard-index ${index} must be in [0, ${count - 1}] for --shard-count ${count}`, { usage: true, flag: '--shard-index' });
  },
  'model-promotion': (inv) => {
    const v = inv.params.best_params;
    const parsed = parseBestParams(v);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidArgument(`--best-params must be the JSON object hpo-merge writes ({"model": ..., "params": {...}}); got ${JSON.stringify(v)}`, { usage: true, flag: '--best-params' });
    }
  },
};

const ADAPTERS: Record<StepName, Adapter> = {
  'data-preparation': dataPreparationStep,
  'feature-retrieval': featureRetrievalStep,
  'baseline-training': baselineTrainingStep,
  'hpo-plan': hpoPlanStep,
  'hpo-tuning': hpoTuningStep,
  'hpo-merge': hpoMergeStep,
  'model-evaluation': modelEvaluationStep,
  'model-validation': modelValidationStep,
  'model-comparison': modelComparisonStep,
  'model-promotion': modelPromotionStep,
};

/**
 * The threshold of a ROC curve's first point (no e-mail called spam, as `score >= threshold`) for
 * KFP's confidence metrics, which hold probabilities: 1 when every score is below 1, else the
 * smallest number above the top score (a score of exactly 1, which saturated logistic models
 * give, is called spam at threshold 1).
 */
export function nothingIsSpamThreshold(maxScore: number): number {
  if (maxScore < 1) return 1;
  const next = new Float64Array([maxScore]);
  const bits = new BigInt64Array(next.buffer);
  bits[0] += 1n;
  return next[0];
}
