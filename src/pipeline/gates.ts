/**
 * Step 6: validation gates. A pure function from plain inputs to a JSON-serialisable report; each
 * gate is evaluated independently (no short-circuit), so the report always lists all of them.
 *
 * Gates (name: rule):
 * - f1:                      test F1 ≥ f1Threshold (0.85)
 * - roc_auc:                 test ROC AUC ≥ minAucRoc (0.90)
 * - precision:               test precision ≥ minPrecision (0.80)
 * - recall:                  test recall ≥ minRecall (0.80)
 * - inference_time_p99_ms:   p99 single-e-mail latency ≤ maxInferenceTimeMs (10.0)
 * - no_nan_scores:           number of non-finite test scores ≤ 0
 * - predictions_not_constant: max − min of the (finite) test scores > MIN_SCORE_SPREAD (1e-6), so
 *                            near-constant outputs fail even when they straddle the threshold
 * - both_classes_predicted:  min(#predicted spam, #predicted ham) at the decision threshold > 0
 * - no_train_test_overlap:   number of test e-mails whose body duplicates a training body ≤ 0
 * - baseline_beaten:         candidate value of the baseline metric > baseline value (strict)
 * A metric that is NaN/undefined fails its gate with value null and says so; it never passes.
 * Binary rounding never decides a gate: F1 is 2·p·r / (p + r) as scikit-learn computes it, which
 * lands an ulp off an exact ratio (102/120 = 0.85 comes out as 0.8499999999999999). So ≥ and ≤
 * pass a value within ROUNDING_SLACK (1e-12) of the threshold, and > needs the value to exceed
 * it by more than that (a candidate whose F1 equals the baseline's does not beat it).
 */
import { TrainSpamError } from '../core/errors.js';
import { compareWith, formatAgreeing, formatThreshold } from '../core/format.js';

export interface GateThresholds {
  /** f1_threshold */
  readonly f1Threshold: number;
  /** min_auc_roc */
  readonly minAucRoc: number;
  /** min_precision */
  readonly minPrecision: number;
  /** min_recall */
  readonly minRecall: number;
  /** max_inference_time_ms: p99 latency per e-mail */
  readonly maxInferenceTimeMs: number;
}

export const DEFAULT_GATE_THRESHOLDS: Readonly<GateThresholds> = Object.freeze({
  f1Threshold: 0.85,
  minAucRoc: 0.9,
  minPrecision: 0.8,
  minRecall: 0.8,
  maxInferenceTimeMs: 10.0,
});

/** Pipeline parameter name (snake_case) of each threshold. */
export const GATE_PARAM_NAMES: Readonly<Record<keyof GateThresholds, string>> = Object.freeze({
  f1Threshold: 'f1_threshold',
  minAucRoc: 'min_auc_roc',
  minPrecision: 'min_precision',
  minRecall: 'min_recall',
  maxInferenceTimeMs: 'max_inference_time_ms',
});

/** Smallest max − min spread of test scores that counts as "not constant". */
export const MIN_SCORE_SPREAD = 1e-6;

export type GateComparator = '>=' | '<=' | '>';

/** Rounding the comparisons allow for (the comparison with Staging uses the same). */
export const ROUNDING_SLACK = 1e-12;

export interface GateResult {
  readonly name: string;
  /** null when the measured value is missing or not a finite number */
  readonly value: number | null;
  /** null only when the baseline value itself is unknown */
  readonly threshold: number | null;
  readonly comparator: GateComparator;
  readonly passed: boolean;
  readonly message: string;
}

export interface GateReport {
  readonly passed: boolean;
  readonly gates: GateResult[];
  readonly thresholds: GateThresholds;
}

export interface GateInput {
  /** test-set metrics at the decision threshold */
  readonly metrics: { readonly f1: number; readonly rocAuc: number; readonly precision: number; readonly recall: number };
  /** p99 of single-e-mail inference time, milliseconds */
  readonly latencyP99Ms: number;
  /** test-set spam probabilities */
  readonly scores: Float64Array | readonly number[];
  /** decision threshold used for "both classes predicted" (default 0.5) */
  readonly decisionThreshold?: number;
  /** test e-mails whose body duplicates a training body */
  readonly trainTestOverlap: number;
  /** the baseline to beat, on the same test set: metric name and both values */
  readonly baseline: { readonly metric: string; readonly baselineValue: number; readonly candidateValue: number };
}

/** Merges overrides onto the defaults and validates: ratios in [0, 1], latency > 0. */
export function resolveGateThresholds(overrides: Partial<GateThresholds> = {}): GateThresholds {
  const t: GateThresholds = { ...DEFAULT_GATE_THRESHOLDS, ...stripUndefined(overrides) };
  for (const key of ['f1Threshold', 'minAucRoc', 'minPrecision', 'minRecall'] as const) {
    const v = t[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new TrainSpamError('INVALID_ARGUMENT', `gate threshold ${GATE_PARAM_NAMES[key]} is ${String(v)}; expected a number in [0, 1]`, {
        parameter: GATE_PARAM_NAMES[key],
        value: String(v),
      });
    }
  }
  const ms = t.maxInferenceTimeMs;
  if (typeof ms !== 'number' || !(ms > 0) || !Number.isFinite(ms)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `gate threshold max_inference_time_ms is ${String(ms)}; expected a finite number > 0`, {
      parameter: 'max_inference_time_ms',
      value: String(ms),
    });
  }
  return t;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function compare(value: number, comparator: GateComparator, threshold: number): boolean {
  if (comparator === '>=') return value >= threshold - ROUNDING_SLACK;
  if (comparator === '<=') return value <= threshold + ROUNDING_SLACK;
  return value > threshold + ROUNDING_SLACK;
}

export { formatThreshold } from '../core/format.js';

/** How a gate shows its value: decimals (fixed) or significant digits (precision), at least `digits`. */
interface Shown {
  readonly style: 'fixed' | 'precision' | 'integer';
  readonly digits: number;
}

const showFixed = (digits: number): Shown => ({ style: 'fixed', digits });

/** The value as the gate's message shows it: with the digits that keep its verdict against the threshold shown. */
function showValue(v: number, how: Shown, comparator: GateComparator, shownThreshold: number, passed: boolean): string {
  if (how.style === 'integer') return String(v);
  const format = how.style === 'fixed' ? (x: number, d: number) => x.toFixed(d) : (x: number, d: number) => x.toPrecision(d);
  return formatAgreeing(v, passed, (x) => compareWith(x, comparator, shownThreshold), format, how.digits, how.style === 'fixed' ? 20 : 21);
}

function gate(name: string, raw: unknown, comparator: GateComparator, threshold: number, describe: (shown: string) => string, how: Shown): GateResult {
  if (typeof raw !== 'number' || !Number.isFinite(raw)) {
    return {
      name,
      value: null,
      threshold,
      comparator,
      passed: false,
      message: `${name} is ${String(raw)}, not a finite number; required ${comparator} ${formatThreshold(threshold)}`,
    };
  }
  const passed = compare(raw, comparator, threshold);
  const t = formatThreshold(threshold);
  const shown = showValue(raw, how, comparator, Number(t), passed);
  return { name, value: raw, threshold, comparator, passed, message: `${describe(shown)} (required ${comparator} ${t})${passed ? '' : ': FAILED'}` };
}

interface ScoreStats {
  nonFinite: number;
  range: number;
  predictedPositive: number;
  predictedNegative: number;
}

function scoreStats(scores: Float64Array | readonly number[], threshold: number): ScoreStats {
  let nonFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      nonFinite++;
      continue;
    }
    if (s < min) min = s;
    if (s > max) max = s;
    if (s >= threshold) pos++;
    else neg++;
  }
  return { nonFinite, range: max >= min ? max - min : 0, predictedPositive: pos, predictedNegative: neg };
}

export function evaluateGates(input: GateInput, thresholds: GateThresholds = DEFAULT_GATE_THRESHOLDS): GateReport {
  const t = resolveGateThresholds(thresholds);
  const decision = input.decisionThreshold ?? 0.5;
  const stats = scoreStats(input.scores, decision);
  const m = input.metrics;
  const b = input.baseline;
  const gates: GateResult[] = [
    gate('f1', m.f1, '>=', t.f1Threshold, (v) => `test F1 ${v}`, showFixed(4)),
    gate('roc_auc', m.rocAuc, '>=', t.minAucRoc, (v) => `test ROC AUC ${v}`, showFixed(4)),
    gate('precision', m.precision, '>=', t.minPrecision, (v) => `test precision ${v}`, showFixed(4)),
    gate('recall', m.recall, '>=', t.minRecall, (v) => `test recall ${v}`, showFixed(4)),
    gate('inference_time_p99_ms', input.latencyP99Ms, '<=', t.maxInferenceTimeMs, (v) => `p99 inference time ${v} ms per e-mail`, showFixed(3)),
    gate('no_nan_scores', stats.nonFinite, '<=', 0, (v) => `${v} of ${input.scores.length} test scores are NaN or infinite`, { style: 'integer', digits: 0 }),
    gate('predictions_not_constant', input.scores.length === 0 ? NaN : stats.range, '>', MIN_SCORE_SPREAD, (v) => `test scores span a range of ${v}`, { style: 'precision', digits: 4 }),
    gate(
      'both_classes_predicted',
      input.scores.length === 0 ? NaN : Math.min(stats.predictedPositive, stats.predictedNegative),
      '>',
      0,
      () => `${stats.predictedPositive} predicted spam, ${stats.predictedNegative} predicted ham at threshold ${decision}`,
      { style: 'integer', digits: 0 },
    ),
    gate('no_train_test_overlap', input.trainTestOverlap, '<=', 0, (v) => `${v} test e-mails duplicate a training body`, { style: 'integer', digits: 0 }),
    baselineGate(b),
  ];
  return { passed: gates.every((g) => g.passed), gates, thresholds: t };
}

function baselineGate(b: GateInput['baseline']): GateResult {
  if (typeof b.baselineValue !== 'number' || !Number.isFinite(b.baselineValue)) {
    return {
      name: 'baseline_beaten',
      value: Number.isFinite(b.candidateValue) ? b.candidateValue : null,
      threshold: null,
      comparator: '>',
      passed: false,
      message: `baseline ${b.metric} is ${String(b.baselineValue)}, not a finite number; cannot show the baseline is beaten`,
    };
  }
  return gate(
    'baseline_beaten',
    b.candidateValue,
    '>',
    b.baselineValue,
    (v) => `candidate ${b.metric} ${v} vs baseline ${formatThreshold(b.baselineValue)}`,
    showFixed(4),
  );
}
