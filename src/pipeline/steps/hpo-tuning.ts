/**
 * Step 4: the HPO study over logistic regression, GBM and MLP on the training split (validation
 * cut from it), each trial a nested tracking run; then the best configuration is refitted on the
 * whole training split and saved with the feature pipeline as one model artifact.
 */
import { encodeIdSet } from '../id-set.js';
import { join } from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { matrixBytes } from '../../core/matrix.js';
import { deriveSeed } from '../../core/random.js';
import type { RunId } from '../../core/ids.js';
import type { MetricInput } from '../../tracking/contract.js';
import type { JsonValue } from '../../core/payload.js';
import { nativeFitKernels } from '../../exec/native-gbm.js';
import type { Fitted, ModelKind, TrainingData } from '../../models/contract.js';
import { createEstimator, fittedFromPayload, paramSpecFor } from '../../models/registry.js';
import type { TrialPool } from '../../hpo/runner.js';
import { ITERATION_PARAM } from '../../hpo/families.js';
import { runStudy, type StudyHooks, type StudyOptions } from '../../hpo/study.js';
import type { StudyResult, TrialRow } from '../../hpo/results.js';
import { writeStudyArtifacts } from '../../hpo/results.js';
import { SpamScorer, saveScorer } from '../../serving/scorer.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { FeatureSet, TunedModel } from '../state.js';

export interface HpoStepOptions {
  /** Overrides for the study (search space, scheduler details, timeouts, executor). */
  readonly study?: Partial<StudyOptions>;
  /**
   * Trial threads started before this step (`runPipeline` starts them with the run): the study
   * runs on them and the best configuration is refitted on one of them. The caller closes them.
   */
  readonly pool?: TrialPool;
  /** Called when the study has finished, before the refit (the pipeline starts its plot renderer there). */
  readonly beforeRefit?: () => void;
}

/**
 * The refit runs on a pool thread (warm: it has loaded and run the family's code) when the
 * training matrix is at most this large; above it, sharing the matrix with the thread would add
 * a copy of it to the peak memory, so the refit runs in this thread.
 */
export const POOL_REFIT_MAX_BYTES = 256 * 1024 * 1024;


/** Trial reports are written to tracking at most this often per trial (and at the trial's end). */
export const REPORT_FLUSH_MS = 1000;

/**
 * Nested tracking runs, one per trial, under the pipeline run. A trial's iteration reports are
 * stamped when they arrive and written in batches (at most one write per trial per
 * REPORT_FLUSH_MS, the rest with the final metrics and tags in one batch at the trial's end):
 * one write per report made the main thread and the file system compete with the trials for the
 * cores. Writes of one trial are chained, so its metric lines keep their order.
 */
export interface TrackingHooks extends StudyHooks {
  /**
   * Ends the nested runs of trials whose end never reached the hooks (the study failed, e.g. its
   * journal could not be written) as FAILED with the study's error, so that no trial run stays
   * RUNNING after a failure the process survived.
   */
  closeOpen(error: unknown): Promise<void>;
}

export function trackingHooks(ctx: Pick<RunContext, 'tracking' | 'runId' | 'experimentId' | 'clock' | 'logger'>): TrackingHooks | undefined {
  const t = ctx.tracking;
  if (!t || !ctx.runId || !ctx.experimentId) return undefined;
  const parent = ctx.runId;
  const experimentId = ctx.experimentId;
  interface TrialLog {
    readonly run: Promise<RunId>;
    /** The trial's writes, in order; never rejects (failures go to onHookError). */
    chain: Promise<void>;
    pending: MetricInput[];
    lastFlush: number;
  }
  const trials = new Map<number, TrialLog>();
  const write = (log: TrialLog, op: (id: RunId) => Promise<void>): Promise<void> => {
    const next = log.chain.then(async () => op(await log.run));
    log.chain = next.catch(() => undefined);
    return next;
  };
  return {
    onTrialStart: async (e) => {
      const run = t.store
        .createRun({ experimentId, parentRunId: parent, runName: `trial-${String(e.trial).padStart(3, '0')}-${e.config.model}`, tags: { 'train-spam.trial': String(e.trial) } })
        .then(async (info) => {
          const params: Record<string, string | number | boolean> = { model: e.config.model, seed: e.seed, bracket: e.bracket };
          for (const [k, v] of Object.entries(e.config.params)) params[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean);
          await t.store.logParams(info.runId, params);
          return info.runId;
        });
      trials.set(e.trial, { run, chain: run.then(() => undefined, () => undefined), pending: [], lastFlush: ctx.clock.monotonic() });
      await run;
    },
    onTrialReport: async (e) => {
      const log = trials.get(e.trial);
      if (!log) return;
      const timestamp = ctx.clock.now();
      for (const [key, value] of Object.entries(e.metrics)) log.pending.push({ key, value, step: e.iteration, timestamp });
      const now = ctx.clock.monotonic();
      if (log.pending.length === 0 || now - log.lastFlush < REPORT_FLUSH_MS) return;
      log.lastFlush = now;
      const points = log.pending;
      log.pending = [];
      await write(log, (id) => t.store.logMetrics(id, points));
    },
    onTrialEnd: async (row: TrialRow) => {
      const log = trials.get(row.trial);
      if (!log) return;
      trials.delete(row.trial);
      const metrics: MetricInput[] = [...log.pending, ...Object.entries(row.metrics ?? {}).map(([key, value]) => ({ key: `final_${key}`, value }))];
      metrics.push({ key: 'iterations', value: row.iterations });
      const tags: Record<string, string> = { 'train-spam.trial_state': row.state };
      if (row.error) tags['train-spam.error'] = `${row.error.code}: ${row.error.message}`.slice(0, 4000);
      await write(log, async (id) => {
        await t.store.logBatch(id, { metrics, tags });
        await t.store.endRun(id, row.state === 'failed' ? 'FAILED' : row.state === 'cancelled' ? 'KILLED' : 'FINISHED');
      });
    },
    onHookError: (hook, error) => ctx.logger.log('warn', `hpo: tracking hook ${hook} failed: ${error.message}`),
    closeOpen: async (error: unknown) => {
      const why = error instanceof Error ? `${(error as { code?: string }).code ?? 'ERROR'}: ${error.message}` : String(error);
      const open = [...trials.values()];
      trials.clear();
      await Promise.all(
        open.map((log) =>
          write(log, async (id) => {
            await t.store.logBatch(id, { metrics: log.pending, tags: { 'train-spam.trial_state': 'failed', 'train-spam.error': `the study failed: ${why}`.slice(0, 4000) } });
            await t.store.endRun(id, 'FAILED');
          }).catch((e: unknown) => ctx.logger.log('warn', `hpo: could not close a trial run after the study failed: ${(e as Error)?.message ?? String(e)}`)),
        ),
      );
    },
  };
}

/** Best params with the iteration budget cut to what the best trial actually trained (early stop). */
export function refitParams(best: TrialRow): Record<string, unknown> {
  const params: Record<string, unknown> = { ...best.params };
  const iterParam = ITERATION_PARAM[best.model];
  const budget = params[iterParam];
  if (typeof budget === 'number' && best.iterations > 0 && best.iterations < budget) params[iterParam] = best.iterations;
  return params;
}

export async function runHpoStudy(ctx: RunContext, features: Pick<FeatureSet, 'train'>, options: HpoStepOptions = {}): Promise<StudyResult> {
  const p = ctx.params;
  const hooks = trackingHooks(ctx);
  try {
    return await runStudy({
      data: { X: features.train.X, y: features.train.y },
      groups: features.train.groups,
      families: { createEstimator, paramSpecFor },
      trials: p.num_hpo_trials,
      seed: p.seed,
      scheduler: p.hpo_scheduler === 'asha' ? { kind: 'asha' } : { kind: 'fifo' },
      workers: ctx.workers,
      journalDir: join(ctx.outDir, 'hpo'),
      journalSetting: '--out-dir',
      hooks,
      progress: ctx.progress,
      signal: ctx.signal,
      clock: ctx.clock,
      ...(options.pool ? { pool: options.pool } : {}),
      ...options.study,
    });
  } catch (e) {
    // the trials whose end the hooks never saw (the study failed) are closed, not left RUNNING
    await hooks?.closeOpen(e);
    throw e;
  }
}

/**
 * The best trial of a study. When no trial finished: the failures' own code when they all share
 * one (every trial timed out: TIMEOUT, the user's limit, not a bug), else INTERNAL; the message
 * names the first failure.
 */
export function bestTrialOf(study: StudyResult, signal?: AbortSignal): TrialRow {
  // an interrupted study ends the step as interrupted (exit 130), whether or not a trial finished
  if (signal?.aborted) {
    const done = study.trials.filter((t) => t.state !== 'cancelled' && t.state !== 'running').length;
    throw new TrainSpamError('CANCELLED', `hpo: interrupted after ${done} of ${study.plannedTrials} trials`);
  }
  const best = study.best;
  if (!best) {
    const failed = study.trials.filter((t) => t.state === 'failed');
    const first = failed[0]?.error;
    const why = first ? ` (first error: ${first.code}: ${first.message})` : '';
    const shared = first && failed.length === study.trials.length && failed.every((t) => t.error?.code === first.code) ? first.code : null;
    const hint = shared === 'TIMEOUT' ? '; every trial ran past the trial timeout (--trial-timeout): raise it' : '';
    throw new TrainSpamError(shared ?? 'INTERNAL', `hpo: no trial finished (${study.trials.length} trials, ${failed.length} failed)${why}${hint}`);
  }
  return best;
}

export interface RefittedModel {
  readonly model: Fitted;
  readonly kind: ModelKind;
  readonly params: Record<string, unknown>;
  readonly best: TrialRow;
}

/**
 * The final fit of `kind` with `params` on all training rows: on a warm trial thread of `pool`
 * when there is one and the matrix is at most `maxPoolBytes` (the model comes back as its payload,
 * which restores exactly), else, or when that thread fails for another reason than a cancel, in
 * this thread (the trial threads are idle by then, so it may use a second core; same model).
 */
export async function fitFinalModel(
  ctx: Pick<RunContext, 'signal' | 'logger'>,
  kind: ModelKind,
  params: Record<string, unknown>,
  seed: number,
  data: TrainingData,
  pool: Pick<TrialPool, 'refit'> | null,
  maxPoolBytes = POOL_REFIT_MAX_BYTES,
): Promise<Fitted> {
  if (pool && matrixBytes(data.X) <= maxPoolBytes) {
    const out = await pool.refit(kind, JSON.parse(JSON.stringify(params)) as Record<string, JsonValue>, seed, data, { signal: ctx.signal });
    if (out.ok) return fittedFromPayload(out.value);
    if (out.error.code === 'CANCELLED' || ctx.signal.aborted) throw TrainSpamError.fromJSON(out.error);
    ctx.logger.log('warn', `hpo: the refit on a trial thread failed (${out.error.code}: ${out.error.message}); refitting in the main thread`);
  }
  return createEstimator(kind, params).fit(data, { seed, signal: ctx.signal, kernels: nativeFitKernels({ logger: ctx.logger, threads: 'auto' }) });
}

/**
 * Refits the study's best configuration on the whole training split and saves it with the feature
 * pipeline as one model artifact at `artifactDir` (`extraMetadata` is added to its metadata).
 */
export async function refitBest(
  ctx: RunContext,
  features: Pick<FeatureSet, 'pipeline' | 'train'>,
  study: StudyResult,
  artifactDir: string,
  extraMetadata: { [k: string]: JsonValue } = {},
  pool: TrialPool | null = null,
): Promise<RefittedModel> {
  const best = bestTrialOf(study);
  const params = refitParams(best);
  const kind: ModelKind = best.model;
  const seed = deriveSeed(ctx.params.seed, 'final-model');
  const model = await fitFinalModel(ctx, kind, params, seed, { X: features.train.X, y: features.train.y }, pool);
  await saveScorer(artifactDir, new SpamScorer(features.pipeline, model), {
    model_kind: kind,
    params: JSON.parse(JSON.stringify(params)),
    best_trial: best.trial,
    validation_score: best.score,
    metric: study.metric,
    seed: ctx.params.seed,
    // the e-mails it was trained on: a later comparison leaves them out of the rows it scores it on
    train_ids: encodeIdSet(features.train.ids),
    ...extraMetadata,
  });
  return { model, kind, params, best };
}

/** One log line for a finished study. */
export function studySummaryLine(study: StudyResult, best: TrialRow): string {
  return `hpo: ${study.trials.length} trials (${count(study, 'completed')} completed, ${count(study, 'stopped')} stopped early, ${count(study, 'failed')} failed); best trial ${best.trial}: ${best.model} ${study.metric}=${best.score?.toFixed(4)}`;
}

/** The study's scalar summary (what the step logs and what the KFP Metrics artifact shows). */
export function studyMetrics(study: StudyResult): Record<string, number> {
  return {
    trials: study.trials.length,
    completed: count(study, 'completed'),
    stopped: count(study, 'stopped'),
    failed: count(study, 'failed'),
    best_score: study.best?.score ?? NaN,
    total_iterations: study.totalIterations,
  };
}

/** Logs the study summary, the chosen configuration, the model artifact and the study files to the step's run. */
export async function logStudyOutcome(
  ctx: RunContext,
  study: StudyResult,
  chosen: { kind: string; params: Readonly<Record<string, unknown>> },
  artifactDir: string | null,
  studyFiles: readonly string[],
): Promise<void> {
  await logStepMetrics(ctx, 'hpo', studyMetrics(study));
  if (ctx.tracking && ctx.runId) {
    await ctx.tracking.store.logParams(ctx.runId, { best_model: chosen.kind, best_params: JSON.stringify(chosen.params) });
    if (artifactDir) await ctx.tracking.store.logArtifacts(ctx.runId, artifactDir, 'model');
    for (const f of studyFiles) await ctx.tracking.store.logArtifact(ctx.runId, f, 'hpo');
  }
}

export async function hpoTuning(ctx: RunContext, features: FeatureSet, options: HpoStepOptions = {}): Promise<TunedModel> {
  const study = await runHpoStudy(ctx, features, options);
  const best = bestTrialOf(study, ctx.signal);
  const artifacts = writeStudyArtifacts(study, join(ctx.outDir, 'hpo'));
  ctx.logger.log('info', studySummaryLine(study, best));
  const artifactDir = join(ctx.outDir, 'model');
  options.beforeRefit?.();
  const { model, kind, params } = await refitBest(ctx, features, study, artifactDir, {}, options.pool ?? null);
  await logStudyOutcome(ctx, study, { kind, params }, artifactDir, Object.values(artifacts));
  return { model, kind, params, study, artifactDir };
}

function count(s: StudyResult, state: string): number {
  return s.trials.filter((t) => t.state === state).length;
}
