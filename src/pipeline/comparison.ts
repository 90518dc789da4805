/**
 * Step 7 policy: compare the candidate with the model in Staging, both scored on the same test set.
 * Pure: the caller loads the staging artifact, scores it and passes the numbers (or the load error).
 *
 * - staging null                 → status 'first_model' (passes)
 * - staging { loadError }        → status 'failed' with the error in the reasons (never throws)
 * - staging metrics not finite   → status 'failed'
 * - otherwise pass unless a metric drops by more than its maximum regression:
 *     candidate − staging < −maxRegression − 1e-12
 *   (the 1e-12 slack makes an exact 0.05 drop pass despite binary rounding).
 */
import { formatAgreeing } from '../core/format.js';
import type { ErrorData } from '../core/errors.js';
import { TrainSpamError } from '../core/errors.js';

export interface ComparisonThresholds {
  /** max_f1_regression */
  readonly maxF1Regression: number;
  /** max_auc_regression */
  readonly maxAucRegression: number;
}

export const DEFAULT_COMPARISON_THRESHOLDS: Readonly<ComparisonThresholds> = Object.freeze({
  maxF1Regression: 0.05,
  maxAucRegression: 0.05,
});

export interface ModelScores {
  readonly f1: number;
  readonly auc: number;
}

export interface StagingScores extends ModelScores {
  /** registry version of the staging model */
  readonly version: string;
  /** anything else the caller wants recorded (run id, logged metrics, ...) */
  readonly [extra: string]: unknown;
}

export type StagingInput = null | StagingScores | { readonly loadError: ErrorData; readonly version?: string };

export interface ComparisonInput {
  readonly candidate: ModelScores;
  readonly staging: StagingInput;
  /**
   * false: the run has no model registry (no tracking), so `staging` is null without a registry
   * having been asked; the reason says so instead of "first model". Default true.
   */
  readonly registry?: boolean;
}

export type ComparisonStatus = 'first_model' | 'passed' | 'failed';

export interface ComparisonResult {
  readonly status: ComparisonStatus;
  /** status !== 'failed' */
  readonly passed: boolean;
  readonly reasons: string[];
  /** candidate − staging; null when there is no usable staging model */
  readonly deltas: { readonly f1: number | null; readonly auc: number | null };
  readonly candidate: ModelScores;
  readonly staging: {
    readonly version: string | null;
    readonly f1: number | null;
    readonly auc: number | null;
    /** Test e-mails left out because the Staging model was trained on them (both models are compared without them). */
    readonly excludedRows?: number;
    /** Test e-mails the Staging model was trained on but compared on anyway (too few would be left without them). */
    readonly seenRows?: number;
    /** Why the Staging model could not be loaded or scored (then the comparison failed without numbers). */
    readonly loadError?: ErrorData;
  } | null;
  readonly thresholds: ComparisonThresholds;
}

const SLACK = 1e-12;

/** Whether a change of a metric (candidate − Staging) stays within the allowed drop. */
export function withinRegressionLimit(delta: number, limit: number): boolean {
  return !(delta < -limit - SLACK);
}

/**
 * A change (candidate − Staging) with its sign, to 4 decimals or as many more as it takes for the
 * number shown to pass or fail the allowed drop `limit` as the exact change does.
 */
export function formatDelta(delta: number, limit: number): string {
  const shown = formatAgreeing(delta, withinRegressionLimit(delta, limit), (x) => x >= -limit, (x, d) => x.toFixed(d), 4);
  return delta >= 0 ? `+${shown}` : shown;
}

/** A drop (a positive number) with the digits that keep its verdict against `limit` as shown. */
function showDrop(drop: number, limit: number): string {
  return formatAgreeing(drop, drop <= limit + SLACK, (x) => x <= limit, (x, d) => x.toFixed(d), 4);
}

function checkThresholds(t: ComparisonThresholds): void {
  for (const [key, name] of [
    ['maxF1Regression', 'max_f1_regression'],
    ['maxAucRegression', 'max_auc_regression'],
  ] as const) {
    const v = t[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new TrainSpamError('INVALID_ARGUMENT', `${name} is ${String(v)}; expected a number in [0, 1]`, { parameter: name, value: String(v) });
    }
  }
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function compareWithStaging(
  input: ComparisonInput,
  thresholds: ComparisonThresholds = DEFAULT_COMPARISON_THRESHOLDS,
): ComparisonResult {
  checkThresholds(thresholds);
  const { candidate, staging } = input;
  const base = { candidate: { f1: candidate.f1, auc: candidate.auc }, thresholds: { ...thresholds } };
  const reasons: string[] = [];
  for (const m of ['f1', 'auc'] as const) {
    if (!finite(candidate[m])) reasons.push(`candidate ${m} is ${String(candidate[m])}, not a finite number`);
  }

  if (staging === null) {
    if (reasons.length) return { status: 'failed', passed: false, reasons, deltas: { f1: null, auc: null }, staging: null, ...base };
    return {
      status: 'first_model',
      passed: true,
      reasons: [input.registry === false ? 'no model registry (run without tracking): not compared with a Staging model' : 'no model in Staging: this is the first model'],
      deltas: { f1: null, auc: null },
      staging: null,
      ...base,
    };
  }

  if ('loadError' in staging) {
    const raw = (staging as { loadError: unknown }).loadError as Partial<ErrorData> | null | undefined;
    const err = raw && typeof raw === 'object' ? raw : undefined;
    const version = typeof staging.version === 'string' ? staging.version : null;
    reasons.push(
      `the Staging model${version ? ` (version ${version})` : ''} could not be loaded or scored: [${err?.code ?? 'INTERNAL'}] ${err?.message ?? String(raw)}`,
    );
    const loadError: ErrorData = { code: err?.code ?? 'INTERNAL', message: err?.message ?? String(raw) };
    return { status: 'failed', passed: false, reasons, deltas: { f1: null, auc: null }, staging: { version, f1: null, auc: null, loadError }, ...base };
  }

  const limits = { f1: thresholds.maxF1Regression, auc: thresholds.maxAucRegression };
  const deltas: { f1: number | null; auc: number | null } = { f1: null, auc: null };
  for (const m of ['f1', 'auc'] as const) {
    const s = staging[m];
    if (!finite(s)) {
      reasons.push(`Staging model ${m} is ${String(s)}, not a finite number`);
      continue;
    }
    if (!finite(candidate[m])) continue;
    const d = candidate[m] - s;
    deltas[m] = d;
    if (!withinRegressionLimit(d, limits[m])) {
      reasons.push(`${m} drops by ${showDrop(-d, limits[m])} (candidate ${candidate[m].toFixed(4)} vs Staging ${s.toFixed(4)}); at most ${limits[m]} allowed`);
    }
  }
  const excluded = typeof staging.excludedRows === 'number' && staging.excludedRows > 0 ? staging.excludedRows : 0;
  const seen = typeof staging.seenRows === 'number' && staging.seenRows > 0 ? staging.seenRows : 0;
  const rows = excluded
    ? `, without the ${excluded} test e-mails the Staging model was trained on`
    : seen
      ? `, on every test e-mail although the Staging model was trained on ${seen} of them (too few would be left without them)`
      : '';
  const stagingSummary = {
    version: typeof staging.version === 'string' ? staging.version : null,
    f1: finite(staging.f1) ? staging.f1 : null,
    auc: finite(staging.auc) ? staging.auc : null,
    ...(excluded ? { excludedRows: excluded } : {}),
    ...(!excluded && seen ? { seenRows: seen } : {}),
  };
  if (reasons.length) {
    if (excluded) reasons.push(`compared without the ${excluded} test e-mails the Staging model was trained on`);
    else if (seen) reasons.push(`the Staging model was trained on ${seen} of the test e-mails it was scored on (too few would be left without them): its figures are flattered`);
    return { status: 'failed', passed: false, reasons, deltas, staging: stagingSummary, ...base };
  }
  return {
    status: 'passed',
    passed: true,
    reasons: [
      `F1 ${formatDelta(deltas.f1!, limits.f1)} and AUC ${formatDelta(deltas.auc!, limits.auc)} vs Staging version ${stagingSummary.version ?? '?'} (allowed drop ${limits.f1} / ${limits.auc})${rows}`,
    ],
    deltas,
    staging: stagingSummary,
    ...base,
  };
}
