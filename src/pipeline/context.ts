/**
 * RunContext: everything a step may use, passed explicitly (no global active run, no module state).
 */
import type { ExperimentId, RunId } from '../core/ids.js';
import type { ProgressReporter } from '../hpo/progress.js';
import type { Clock, Logger } from '../core/ports.js';
import type { ModelRegistry, TrackingStore } from '../tracking/contract.js';
import type { PipelineParams } from './params.js';

export interface Tracking {
  readonly store: TrackingStore;
  readonly registry: ModelRegistry;
  /** Human-readable target, credentials redacted. */
  readonly description: string;
}

export interface RunContext {
  readonly params: PipelineParams;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Aborted on Ctrl-C: long steps check it and stop with CANCELLED. */
  readonly signal: AbortSignal;
  /** Local directory for this run's outputs (model artifact, plots, report, journals). */
  readonly outDir: string;
  /** Tracking and registry; null when tracking is switched off (`--no-tracking`). */
  readonly tracking: Tracking | null;
  /** The parent tracking run of this pipeline run; null without tracking. */
  readonly runId: RunId | null;
  readonly experimentId: ExperimentId | null;
  /** HPO progress display (TTY line or JSON lines), chosen by the CLI. */
  readonly progress: ProgressReporter;
  /** Worker threads for HPO trials. */
  readonly workers: number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** Logs metrics to the parent run when tracking is on; a no-op otherwise. */
export async function logStepMetrics(ctx: RunContext, step: string, metrics: Readonly<Record<string, number>>): Promise<void> {
  if (!ctx.tracking || !ctx.runId) return;
  const points = Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => ({ key: `${step}.${k}`, value: v }));
  if (points.length) await ctx.tracking.store.logMetrics(ctx.runId, points);
}
