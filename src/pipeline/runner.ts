/**
 * The in-process pipeline: the eight steps in order on one RunContext, one parent tracking run,
 * the HTML report at the end. Exit status: 0 promoted, 2 gates/comparison failed, 1 error.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultTrialWorkerFile, TrialPool } from '../hpo/runner.js';
import { familiesOf, MODEL_KINDS } from '../hpo/space.js';
import { TrainSpamError, toErrorData } from '../core/errors.js';
import type { ExperimentId, RunId } from '../core/ids.js';
import type { Clock, Logger } from '../core/ports.js';
import type { ProgressReporter } from '../hpo/progress.js';
import { disposePlotRenderer, prewarmPlotRenderer, renderHtmlReport, writeHtmlFile } from '../report/index.js';
import { dataPreparation, type DataPreparationOptions } from './steps/data-preparation.js';
import { featureRetrieval } from './steps/feature-retrieval.js';
import { baselineTraining } from './steps/baseline-training.js';
import { hpoTuning, type HpoStepOptions } from './steps/hpo-tuning.js';
import { latencySample, modelEvaluation } from './steps/model-evaluation.js';
import { modelValidation } from './steps/model-validation.js';
import { modelComparison, scoreStagingModel } from './steps/model-comparison.js';
import { modelPromotion } from './steps/model-promotion.js';
import { systemClock, type RunContext, type Tracking } from './context.js';
import type { PipelineParams } from './params.js';
import type { EmailRecord } from '../data/schema.js';
import type { StagingInput } from './comparison.js';
import { buildReportData, decisionOf, shareableParams, type RunRecord } from './report.js';
import { makeDirsSync } from '../io/dirs.js';
import { ColumnCache } from '../io/column-cache.js';

export interface RunPipelineOptions {
  readonly params: PipelineParams;
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  readonly tracking: Tracking | null;
  /** Root for per-run output folders (default ./runs). */
  readonly outRoot?: string;
  readonly workers: number;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly data?: DataPreparationOptions;
  readonly hpo?: HpoStepOptions;
}

export interface PipelineRunResult {
  readonly exitCode: 0 | 1 | 2 | 130;
  readonly runId: string;
  readonly outDir: string;
  readonly reportPath: string | null;
  readonly record: RunRecord;
  /**
   * The tracking store failed where the outcome did not depend on it (a step's timing metric, the
   * tag naming the promoted version, closing the run): the outcome above stands (a promotion made
   * is made), the failures are listed here, and the exit code is 1.
   */
  readonly trackingError?: string;
  /** The HTML report could not be written (the outcome stands; the run ends with exit code 1). */
  readonly reportError?: string;
}

export const EXIT_PROMOTED = 0;
export const EXIT_ERROR = 1;
export const EXIT_REJECTED = 2;
export const EXIT_INTERRUPTED = 130;

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/**
 * The HPO step's trial threads, started with the run; null when the study runs inline or the
 * compiled worker is missing (then the study starts its own threads, as a standalone step does).
 */
function startTrialPool(o: RunPipelineOptions): TrialPool | null {
  const study = o.hpo?.study ?? {};
  if (study.executor === 'inline' || study.pool || o.workers < 1) return null;
  const workerFile = study.workerFile ?? defaultTrialWorkerFile();
  const path = typeof workerFile === 'string' && !workerFile.startsWith('file:') ? workerFile : fileURLToPath(workerFile);
  if (!existsSync(path)) return null;
  const kinds = study.space ? familiesOf(study.space) : MODEL_KINDS;
  try {
    return new TrialPool({
      workers: Math.min(o.workers, Math.max(1, o.params.num_hpo_trials)),
      workerFile,
      familiesModule: study.familiesModule,
      resourceLimits: study.workerMemoryMb ? { maxOldGenerationSizeMb: study.workerMemoryMb } : undefined,
      preload: kinds.filter((k) => k === 'mlp'),
    });
  } catch {
    return null;
  }
}

/** mkdir -p, or an IO_ERROR naming the folder and the option it comes from. */
function makeOutputDir(dir: string): void {
  try {
    makeDirsSync(dir);
  } catch (e) {
    throw outputDirError(dir, e);
  }
}

/** The IO_ERROR of an output folder that cannot be created, naming it and its option. */
function outputDirError(dir: string, e: unknown): TrainSpamError {
  return new TrainSpamError('IO_ERROR', `cannot create the output folder '${dir}' (--out-dir): ${(e as Error).message}`, { path: dir });
}

/**
 * The folder of a run without tracking: `<base>` (a stamp to the second), or `<base>-2`, `-3`, …
 * when a run started in the same second has it. Created exclusively, so two runs started at once
 * never share (and overwrite) one folder. Returns the folder's name.
 */
export function claimLocalRunDir(outRoot: string, base: string): string {
  for (let n = 1; n <= 1000; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const dir = join(outRoot, name);
    try {
      mkdirSync(dir);
      return name;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw outputDirError(dir, e);
    }
  }
  throw new TrainSpamError('IO_ERROR', `cannot create an output folder in '${outRoot}' (--out-dir): '${base}' and 999 numbered folders beside it exist already`, { path: outRoot });
}

export async function runPipeline(o: RunPipelineOptions): Promise<PipelineRunResult> {
  const clock = o.clock ?? systemClock;
  const signal = o.signal ?? new AbortController().signal;
  const startedAt = new Date(clock.now());
  let runId: RunId | null = null;
  let experimentId: ExperimentId | null = null;
  // The output root first: an unusable --out-dir fails here, before a tracking run exists.
  const outRoot = resolve(o.outRoot ?? 'runs');
  makeOutputDir(outRoot);
  if (o.tracking) {
    const exp = await o.tracking.store.getOrCreateExperiment(o.params.mlflow_experiment_name);
    experimentId = exp.experimentId;
    const info = await o.tracking.store.createRun({
      experimentId,
      runName: `pipeline-${stamp(startedAt)}`,
      tags: { 'train-spam.pipeline': 'spam-detection', 'mlflow.source.name': 'train-spam run', 'mlflow.source.type': 'LOCAL' },
    });
    runId = info.runId;
  }
  let idText: string = runId ?? `local-${stamp(startedAt)}`;
  let outDir = join(outRoot, idText);
  try {
    if (o.tracking && runId) {
      const params: Record<string, string | number> = {};
      for (const [k, v] of Object.entries(shareableParams(o.params))) params[k] = v as string | number;
      params.workers = o.workers;
      await o.tracking.store.logParams(runId, params);
      makeOutputDir(outDir);
    } else {
      idText = claimLocalRunDir(outRoot, idText);
      outDir = join(outRoot, idText);
    }
  } catch (e) {
    // The run exists but nothing ran: close it as FAILED rather than leave it RUNNING.
    if (o.tracking && runId) await o.tracking.store.endRun(runId, 'FAILED').catch(() => undefined);
    throw e;
  }
  const ctx: RunContext = {
    params: o.params,
    logger: o.logger,
    clock,
    signal,
    outDir,
    tracking: o.tracking,
    runId,
    experimentId,
    progress: o.progress,
    workers: o.workers,
  };
  if (o.tracking) o.logger.log('info', `tracking: ${o.tracking.description}, run ${runId}`);
  if (o.params.hpo_shards > 1) {
    o.logger.log('warn', `hpo_shards = ${o.params.hpo_shards} applies to the Kubeflow pipeline (one pod per shard); this in-process run runs all ${o.params.num_hpo_trials} trials on its ${o.workers} worker(s)`);
  }
  const record: RunRecord = { runId: idText, startedAt: startedAt.toISOString(), params: o.params, timings: [] };
  // Store failures that did not change the outcome (a step's timing, a tag after the promotion):
  // reported with it, and the run ends with exit code 1.
  const trackingErrors: string[] = [];
  const trackingFailed = (what: string, e: unknown) => {
    const d = toErrorData(e);
    const message = `${what} (${d.code}: ${d.message})`;
    trackingErrors.push(message);
    o.logger.log('error', `tracking: ${message}`);
  };

  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw new TrainSpamError('CANCELLED', `interrupted before step ${name}`);
    const t0 = clock.monotonic();
    o.logger.log('info', `── ${name}`);
    let out: T;
    try {
      out = await fn();
    } catch (e) {
      record.timings.push({ step: name, durationMs: clock.monotonic() - t0, status: 'failed' });
      throw e;
    }
    const ms = clock.monotonic() - t0;
    record.timings.push({ step: name, durationMs: ms, status: 'ok' });
    if (o.tracking && runId) {
      await o.tracking.store.logMetric(runId, `step.${name}.seconds`, ms / 1000).catch((e: unknown) => trackingFailed(`could not log metric step.${name}.seconds`, e));
    }
    return out;
  };

  let exitCode: PipelineRunResult['exitCode'] = EXIT_ERROR;
  // The HPO step's trial threads load their modules, the native kernel and TensorFlow.js now, on
  // the core the data and feature steps leave idle. The evaluation's plot renderer thread starts
  // now too, at the lowest priority: it loads vega on what all the other threads leave.
  const pool = startTrialPool(o);
  prewarmPlotRenderer();
  // Started before the evaluation (see beforeRefit); settled before this function returns.
  let stagingScores: Promise<StagingInput> | undefined;
  try {
    // The table's decoded columns (when small) serve the three reads of these two steps, then go.
    const columnCache = new ColumnCache();
    const data = (record.data = await step('data-preparation', () => dataPreparation(ctx, { ...o.data, cache: columnCache })));
    const features = (record.features = await step('feature-retrieval', () => featureRetrieval(ctx, data, { cache: columnCache })));
    columnCache.clear();
    const baseline = (record.baseline = await step('baseline-training', () => baselineTraining(ctx, features.train)));
    // The evaluation's latency sample (test e-mails read back from the table, ~0.2 s here) and the
    // comparison's scores of the Staging model (~0.3 s) are made while the refit runs on a trial
    // thread and this thread only waits for it.
    let testRecords: Promise<EmailRecord[]> | null = null;
    const beforeRefit = () => {
      testRecords = latencySample(data.test);
      testRecords.catch(() => undefined); // awaited by the evaluation; a failure surfaces there
      // after the sample (both read the table on this thread); its own failures surface in the comparison
      stagingScores = testRecords.catch(() => undefined).then(() => scoreStagingModel(ctx, { test: data.test, testLabels: features.test.y }));
      stagingScores.catch(() => undefined); // awaited by the comparison
    };
    const hpoOptions: HpoStepOptions = { ...o.hpo, ...(pool ? { pool } : {}), beforeRefit };
    const tuned = (record.tuned = await step('hpo-tuning', () => hpoTuning(ctx, features, hpoOptions)));
    const evaluation = (record.evaluation = await step('model-evaluation', async () =>
      modelEvaluation(ctx, { model: tuned.model, baseline: baseline.model, test: features.test, testRecords: await (testRecords ?? latencySample(data.test)), artifactDir: tuned.artifactDir }),
    ));
    const gates = (record.gates = await step('model-validation', () => modelValidation(ctx, evaluation, data.trainTestOverlap)));
    const comparison = (record.comparison = await step('model-comparison', () =>
      modelComparison(
        ctx,
        { candidate: { f1: evaluation.candidate.f1, auc: evaluation.candidate.rocAuc }, candidateScores: evaluation.scores, test: data.test, testLabels: features.test.y },
        stagingScores,
      ),
    ));
    const promotion = (record.promotion = await step('model-promotion', () => modelPromotion(ctx, gates, comparison, { bestConfig: { model: tuned.kind, params: tuned.params } })));
    if (promotion.trackingError) trackingErrors.push(promotion.trackingError.message);
    exitCode = promotion.status === 'skipped' && (!gates.passed || !comparison.passed) ? EXIT_REJECTED : EXIT_PROMOTED;
  } catch (e) {
    const err = toErrorData(e);
    record.error = { code: err.code, message: err.message };
    exitCode = err.code === 'CANCELLED' ? EXIT_INTERRUPTED : EXIT_ERROR;
    o.logger.log('error', `${err.code}: ${err.message}`);
  } finally {
    await Promise.all([disposePlotRenderer(), pool?.close(), stagingScores?.catch(() => undefined)]);
  }

  let reportPath: string | null = null;
  let reportError: string | undefined;
  try {
    const html = renderHtmlReport(buildReportData(record, new Date(clock.now()).toISOString()));
    reportPath = await writeHtmlFile(join(outDir, 'report.html'), html);
  } catch (e) {
    // an output the run promised (a full disk, a folder gone): the outcome stands, said beside it, and the exit code is 1
    const d = toErrorData(e);
    reportError = `could not write the HTML report (${d.code}: ${d.message})`;
    o.logger.log('error', `report: ${reportError}`);
  }
  if (o.tracking && runId) {
    try {
      if (reportPath) await o.tracking.store.logArtifact(runId, reportPath, 'report');
      await o.tracking.store.setTag(runId, 'train-spam.decision', decisionOf(record).outcome);
    } catch (e) {
      o.logger.log('warn', `report: written to ${reportPath ?? '(nowhere)'} but not recorded in tracking: ${toErrorData(e).message}`);
    }
    // The outcome is decided (and a promotion made stays made): a store that fails now must not
    // hide it, so the failure is reported beside it and the run ends with exit code 1.
    const status = exitCode === EXIT_INTERRUPTED ? 'KILLED' : exitCode === EXIT_ERROR ? 'FAILED' : 'FINISHED';
    try {
      await o.tracking.store.endRun(runId, status);
    } catch (e) {
      const d = toErrorData(e);
      const message = `could not close the tracking run ${idText} as ${status} (${d.code}: ${d.message}); it stays RUNNING in the store`;
      trackingErrors.push(message);
      o.logger.log('error', `tracking: ${message}`);
    }
  }
  const trackingError = trackingErrors.length ? trackingErrors.join('; ') : undefined;
  if ((trackingError || reportError) && exitCode !== EXIT_INTERRUPTED) exitCode = EXIT_ERROR;
  return { exitCode, runId: idText, outDir, reportPath, record, ...(trackingError ? { trackingError } : {}), ...(reportError ? { reportError } : {}) };
}
