/**
 * Step 5: test-set metrics of the tuned model and the baseline, single-e-mail latency from raw
 * RFC-822 text to probability (through the saved artifact, as a server would load it), batch
 * throughput, and the plots.
 */
import { join } from 'node:path';
import { countNonFinite, evaluateBinary, unscoredEvaluation, type BinaryEvaluation } from '../../metrics/evaluation.js';
import { summarizeLatency, type LatencySummary } from '../../metrics/latency.js';
import { evaluationPlotSpecs, renderPlotSpecs, takePlotRenderer, writePlotFiles, type RenderedPlot } from '../../report/index.js';
import type { EmailRecord } from '../../data/schema.js';
import { readRowSet, type EmailRowSet } from '../../io/email-table.js';
import type { Fitted } from '../../models/contract.js';
import { openRunQueueClock, type RunQueueClock } from '../../exec/run-queue-clock.js';
import { loadScorer, recordToRfc822, type SpamScorer } from '../../serving/scorer.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { Evaluation, LabelledMatrix } from '../state.js';

export interface EvaluationInput {
  readonly model: Fitted;
  readonly baseline: Fitted;
  readonly test: LabelledMatrix;
  /** Test e-mails for the raw-text latency measurement (a bounded sample: latencySample). */
  readonly testRecords: readonly EmailRecord[];
  /** The saved model artifact (feature pipeline + model). */
  readonly artifactDir: string;
}

/** Test e-mails timed for the latency figure: the first ones of the test split, in file order. */
export const LATENCY_EMAILS = 2000;

/** The latency sample: the first LATENCY_EMAILS test e-mails, streamed from the table. */
export function latencySample(test: EmailRowSet): Promise<EmailRecord[]> {
  return readRowSet(test, { limit: LATENCY_EMAILS });
}

/** Warm-up e-mails scored before timing (JIT, caches). */
export const LATENCY_WARMUP = 200;

export interface MeasuredLatency extends LatencySummary {
  /**
   * p99 of the calls' wall-clock times. The summary itself (what the gate reads) is of the calls'
   * own times: each call's wall time less the time its thread waited in the run queue meanwhile
   * (preempted by other work on a busy machine), where the OS reports it; else the wall times.
   */
  readonly wallP99Ms: number;
  /** Calls during which the thread waited in the run queue. */
  readonly preemptedCalls: number;
  /** Run-queue wait taken out of the calls' times, in total (ms). */
  readonly runQueueWaitMs: number;
  /** false: no run-queue figures on this OS; the summary is of wall times. */
  readonly excludesRunQueueWait: boolean;
}

/**
 * Times the e-mails one at a time, from raw text to probability, after LATENCY_WARMUP untimed
 * calls. With a run-queue clock (Linux), a call's time is its wall time less its thread's run-queue
 * wait during it: a call the scheduler preempted on a shared machine took a whole time slice
 * longer (4–15 ms here), which is the machine's load, not the model's cost. What the call did or
 * waited for itself (a GC pause it caused, I/O) stays in its time, on every call it happens: a
 * model that is slow on one call in twenty has that in its p99. (Until session 22 an outlier call
 * was timed again and kept its fastest time, which also took such pauses out of the p99.)
 */
export async function measureLatency(scorer: SpamScorer, records: readonly EmailRecord[], clock: () => number, runQueue: RunQueueClock | null = null): Promise<MeasuredLatency> {
  const raws = records.map(recordToRfc822);
  for (let i = 0; i < Math.min(LATENCY_WARMUP, raws.length); i++) await scorer.scoreRaw(raws[i], records[i].email_id);
  const own = new Float64Array(raws.length);
  const wall = new Float64Array(raws.length);
  let preemptedCalls = 0;
  let runQueueWaitMs = 0;
  for (let i = 0; i < raws.length; i++) {
    const w0 = runQueue ? runQueue.waitedMs() : 0;
    const t0 = clock();
    await scorer.scoreRaw(raws[i], records[i].email_id);
    const d = clock() - t0;
    const w = runQueue ? runQueue.waitedMs() - w0 : 0;
    wall[i] = d;
    // the wait is read just outside the timed window: a preemption in that gap of ~0.1 µs is the
    // one case where it can exceed the call's time
    own[i] = Math.max(0, d - w);
    if (w > 0) {
      preemptedCalls++;
      runQueueWaitMs += w;
    }
  }
  const wallP99Ms = raws.length === 0 ? NaN : summarizeLatency(wall).p99Ms;
  return { ...summarizeLatency(own), wallP99Ms, preemptedCalls, runQueueWaitMs, excludesRunQueueWait: runQueue !== null };
}

/** The latency of a model that was not timed. */
const UNMEASURED: MeasuredLatency = { count: 0, meanMs: NaN, minMs: NaN, maxMs: NaN, p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, wallP99Ms: NaN, preemptedCalls: 0, runQueueWaitMs: 0, excludesRunQueueWait: false };

/** Batch throughput from the feature matrix: median of 5 passes. */
export function measureBatchThroughput(model: Fitted, test: LabelledMatrix, clock: () => number): number {
  const rates: number[] = [];
  model.predictProba(test.X);
  for (let i = 0; i < 5; i++) {
    const t0 = clock();
    model.predictProba(test.X);
    rates.push(test.X.rows / ((clock() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[2];
}

export async function modelEvaluation(ctx: RunContext, input: EvaluationInput): Promise<Evaluation> {
  const scores = input.model.predictProba(input.test.X);
  // A model that scores NaN (a diverged network) is the no_nan_scores gate's to reject, with the
  // gate table: its metrics and plots are left undefined instead of failing the run here.
  const nonFinite = countNonFinite(scores);
  if (nonFinite > 0) {
    ctx.logger.log('error', `evaluation: ${nonFinite} of ${scores.length} test scores of the tuned model are NaN or infinite; its metrics and plots are left out and the gates will reject it`);
  }
  const candidate: BinaryEvaluation = nonFinite > 0 ? unscoredEvaluation(input.test.y) : evaluateBinary(input.test.y, scores);
  const baseline: BinaryEvaluation = evaluateBinary(input.test.y, input.baseline.predictProba(input.test.X));
  // nor is it timed: its artifact holds the same NaN (a diverged network's weights), which the
  // artifact reader refuses, and the gates reject it anyway
  let latency = UNMEASURED;
  if (nonFinite === 0) {
    const scorer = await loadScorer(input.artifactDir);
    const runQueue = openRunQueueClock();
    try {
      latency = await measureLatency(scorer, input.testRecords, () => ctx.clock.monotonic(), runQueue);
    } finally {
      runQueue?.close();
    }
  }
  const batchPerSecond = nonFinite > 0 ? NaN : measureBatchThroughput(input.model, input.test, () => ctx.clock.monotonic());
  ctx.logger.log(
    'info',
    `evaluation: test F1 ${candidate.f1.toFixed(4)}, AUC ${candidate.rocAuc.toFixed(4)}, precision ${candidate.precision.toFixed(4)}, recall ${candidate.recall.toFixed(4)} ` +
      `(baseline F1 ${baseline.f1.toFixed(4)}, AUC ${baseline.rocAuc.toFixed(4)}); ` +
      (nonFinite > 0
        ? 'latency and batch prediction not measured (the model scores NaN)'
        : `latency raw→probability p50 ${latency.p50Ms.toFixed(3)} ms, p99 ${latency.p99Ms.toFixed(3)} ms ` +
          (latency.excludesRunQueueWait
            ? `(${latency.preemptedCalls} calls preempted, ${latency.runQueueWaitMs.toFixed(1)} ms of run-queue wait taken out; wall-clock p99 ${latency.wallP99Ms.toFixed(3)} ms)`
            : '(wall clock: this OS reports no run-queue wait)') +
          `; batch prediction from the feature matrix ${Math.round(batchPerSecond)} rows/s`),
  );
  // the metrics first: a plot that cannot be drawn must not take them with it
  await logStepMetrics(ctx, 'test', {
    f1: candidate.f1,
    roc_auc: candidate.rocAuc,
    precision: candidate.precision,
    recall: candidate.recall,
    accuracy: candidate.accuracy,
    average_precision: candidate.averagePrecision,
    log_loss: candidate.logLoss,
    brier: candidate.brier,
    baseline_f1: baseline.f1,
    baseline_roc_auc: baseline.rocAuc,
    latency_p50_ms: latency.p50Ms,
    latency_p95_ms: latency.p95Ms,
    latency_p99_ms: latency.p99Ms,
    latency_p99_wall_ms: latency.wallP99Ms,
    latency_preempted_calls: latency.preemptedCalls,
    batch_per_second: batchPerSecond,
  });
  const rendered = nonFinite > 0 ? await skipPlots() : await renderPlots(ctx, evaluationPlotSpecs(candidate, input.test.y, scores));
  let plotFiles: Awaited<ReturnType<typeof writePlotFiles>> = [];
  if (rendered.length) {
    const plotDir = join(ctx.outDir, 'plots');
    try {
      plotFiles = await writePlotFiles(plotDir, rendered);
    } catch (e) {
      ctx.logger.log('warn', `evaluation: the plot files could not be written (${(e as Error).message}); the report still shows them`);
    }
    if (plotFiles.length && ctx.tracking && ctx.runId) await ctx.tracking.store.logArtifacts(ctx.runId, plotDir, 'plots');
  }
  return {
    candidate,
    baseline,
    scores,
    latency,
    batchPerSecond,
    plotFiles: plotFiles.map((f) => ({ name: f.name, svg: f.svgPath, png: f.pngPath })),
    plots: rendered.map((r) => ({ name: r.name, title: r.title, svg: r.svg })),
  };
}

/**
 * The plots, after the timed loops (rendering beside them slowed the latency loop by ~25 % here):
 * on the renderer thread the pipeline started with the run when it has loaded vega by now (the
 * step then takes ~0.3 s less here), else in this thread. None, with a warning, when they cannot
 * be drawn (a missing font, a vega failure): the plots illustrate the metrics, the gates do not need them.
 */
async function renderPlots(ctx: RunContext, specs: ReturnType<typeof evaluationPlotSpecs>): Promise<RenderedPlot[]> {
  const renderer = takePlotRenderer();
  if (renderer && !renderer.ready) {
    // still loading at the lowest priority (a busy machine): this thread is quicker
    ctx.logger.log('debug', 'evaluation: the plot renderer thread has not loaded vega yet; rendering here');
    await renderer.close();
  } else if (renderer) {
    try {
      return await renderer.render(specs);
    } catch (e) {
      ctx.logger.log('warn', `evaluation: the plot renderer thread failed (${(e as Error).message}); rendering here`);
    } finally {
      await renderer.close();
    }
  }
  try {
    return await renderPlotSpecs(specs);
  } catch (e) {
    ctx.logger.log('warn', `evaluation: the plots could not be drawn (${(e as Error).message}); the run goes on without them`);
    return [];
  }
}

/** No plots: the renderer thread started for them is closed. */
async function skipPlots(): Promise<RenderedPlot[]> {
  await takePlotRenderer()?.close();
  return [];
}
