/**
 * Trial schedulers: pure policies over a read-only snapshot of rung records.
 *
 * `decide(records, report) → { decision, newRecords }` never mutates anything; the study appends
 * `newRecords` to its TrialStore (memory or journal), so every process that replays the store sees
 * the same rung state.
 *
 * ASHA follows Ray Tune's AsyncHyperBandScheduler (ray/tune/schedulers/async_hyperband.py):
 * - bracket s (0 ≤ s < brackets) has milestones grace_period · rf^(k+s) for
 *   k < floor(ln(max_t / grace_period) / ln(rf) − s + 1), examined from the largest down;
 * - a report with time ≥ max_t stops the trial (stop_last_trials = true);
 * - otherwise, at the largest milestone ≤ time that the trial has not recorded yet, the cutoff is
 *   the (1 − 1/rf) percentile (linear interpolation, numpy's default) of the values recorded at
 *   that milestone; the trial stops when its value is worse than the cutoff, and its value is
 *   recorded either way. No records yet → continue. A report without the metric → continue.
 * - each trial gets a bracket with probability ∝ e^(rungs(s) − max rungs), drawn from
 *   deriveSeed(seed, 'bracket', trial) instead of Ray's global numpy generator.
 *
 * Deterministic mode: a decision for trial i only looks at records of trials with a lower index,
 * and the study waits until every lower trial of the same bracket has either recorded at that
 * milestone or ended. The decisions are then exactly those of a sequential run (one worker), for
 * any number of workers. Asynchronous mode uses every record present at decision time (Ray's
 * behaviour): higher throughput, but results may depend on timing.
 */
import { invalidArgument } from '../core/errors.js';
import { Rng, deriveSeed } from '../core/random.js';

export type Mode = 'max' | 'min';
export type Decision = 'continue' | 'stop';

/** One result recorded at a rung: trial `trial` reached `milestone` of `bracket` with `value`. */
export interface RungRecord {
  readonly trial: number;
  readonly bracket: number;
  /** Rung group (the model family with per-family rungs); absent = the one shared group. */
  readonly group?: string;
  readonly milestone: number;
  /** The metric as reported (not sign-adjusted). */
  readonly value: number;
}

/** What a running trial tells the scheduler. */
export interface SchedulerReport {
  readonly trial: number;
  readonly bracket: number;
  /** Rung group of the trial (see RungRecord.group). */
  readonly group?: string;
  /** Scheduler time (see `normalizedTime`). */
  readonly time: number;
  /** The rung metric, or undefined when the report does not carry it. */
  readonly value: number | undefined;
}

export interface SchedulerOutcome {
  readonly decision: Decision;
  readonly newRecords: readonly RungRecord[];
}

export interface Scheduler {
  readonly kind: 'fifo' | 'asha';
  /** True when decisions equal those of a sequential run (see the file comment). */
  readonly deterministic: boolean;
  /** Bracket of a trial (pure in the trial index). */
  bracketOf(trial: number): number;
  /** The milestone this report would be judged at, or null when no rung decision is due. */
  pendingMilestone(records: readonly RungRecord[], report: SchedulerReport): number | null;
  /** Pure decision over a snapshot of records. */
  decide(records: readonly RungRecord[], report: SchedulerReport): SchedulerOutcome;
}

/** FIFO: every trial runs to completion. */
export function fifoScheduler(): Scheduler {
  return {
    kind: 'fifo',
    deterministic: true,
    bracketOf: () => 0,
    pendingMilestone: () => null,
    decide: () => ({ decision: 'continue', newRecords: [] }),
  };
}

export interface AshaOptions {
  /** Scheduler time at which a trial is complete (default 27). */
  readonly maxT?: number;
  /** First rung (default 1, as Ray: rungs at 1/27, 1/9 and 1/3 of a trial's budget when max_t is 27). */
  readonly gracePeriod?: number;
  /** Keep the top 1/rf at each rung (default 3). */
  readonly reductionFactor?: number;
  /** Number of brackets (default 1). */
  readonly brackets?: number;
  /** Direction of the rung metric (default 'max'). */
  readonly mode?: Mode;
  /** Seeds the bracket assignment. */
  readonly seed?: number;
  /** Deterministic (sequential-equivalent) decisions (default true). */
  readonly deterministic?: boolean;
  /**
   * What time maxT means (see `normalizedTime`): 'family' (default) = the largest iteration budget
   * of the trial's family in the search space, so rungs fall at fixed numbers of boosting rounds /
   * epochs / solver steps and a small-budget trial simply ends early (Ray Tune's time_attr);
   * 'trial' = the trial's own budget (rungs at fixed fractions of each trial).
   */
  readonly timeScale?: TimeScale;
  /**
   * 'family' (default): each model family has its own rungs, so a trial is compared only with
   * trials of its own family at the same milestone (their iterations count the same thing);
   * 'shared': one set of rungs for all families (Ray Tune with one scheduler over a mixed space).
   */
  readonly rungs?: RungGrouping;
}

export type TimeScale = 'family' | 'trial';
export type RungGrouping = 'family' | 'shared';

export interface AshaConfig {
  readonly maxT: number;
  readonly gracePeriod: number;
  readonly reductionFactor: number;
  readonly brackets: number;
  readonly mode: Mode;
  readonly seed: number;
  readonly deterministic: boolean;
  readonly timeScale: TimeScale;
  readonly rungs: RungGrouping;
}

export function resolveAshaOptions(o: AshaOptions = {}): AshaConfig {
  const c: AshaConfig = {
    maxT: o.maxT ?? 243,
    gracePeriod: o.gracePeriod ?? 1,
    reductionFactor: o.reductionFactor ?? 3,
    brackets: o.brackets ?? 1,
    mode: o.mode ?? 'max',
    seed: o.seed ?? 0,
    deterministic: o.deterministic ?? true,
    timeScale: o.timeScale ?? 'family',
    rungs: o.rungs ?? 'family',
  };
  const bad = (name: string, expected: string, v: unknown) =>
    invalidArgument(`asha: ${name} = ${JSON.stringify(v)} is invalid; expected ${expected}`, { parameter: name, expected });
  if (!(c.gracePeriod > 0) || !Number.isFinite(c.gracePeriod)) throw bad('grace_period', 'a number > 0', c.gracePeriod);
  if (!(c.maxT > c.gracePeriod) || !Number.isFinite(c.maxT)) throw bad('max_t', `a number > grace_period (${c.gracePeriod})`, c.maxT);
  if (!(c.reductionFactor > 1) || !Number.isFinite(c.reductionFactor)) throw bad('reduction_factor', 'a number > 1', c.reductionFactor);
  if (!Number.isInteger(c.brackets) || c.brackets < 1) throw bad('brackets', 'an integer ≥ 1', c.brackets);
  if (c.mode !== 'max' && c.mode !== 'min') throw bad('mode', "'max' or 'min'", c.mode);
  if (c.timeScale !== 'family' && c.timeScale !== 'trial') throw bad('time_scale', "'family' or 'trial'", c.timeScale);
  if (c.rungs !== 'family' && c.rungs !== 'shared') throw bad('rungs', "'family' or 'shared'", c.rungs);
  if (milestonesOf(c, c.brackets - 1).length === 0) {
    throw bad('brackets', `at most ${maxRungs(c, 0)} for max_t=${c.maxT}, grace_period=${c.gracePeriod}, reduction_factor=${c.reductionFactor}`, c.brackets);
  }
  return c;
}

function maxRungs(c: AshaConfig, s: number): number {
  return Math.trunc(Math.log(c.maxT / c.gracePeriod) / Math.log(c.reductionFactor) - s + 1);
}

/** Milestones of bracket s, largest first (Ray's `_Bracket._rungs`). */
export function milestonesOf(c: AshaConfig, s: number): number[] {
  const n = maxRungs(c, s);
  const out: number[] = [];
  for (let k = n - 1; k >= 0; k--) out.push(c.gracePeriod * Math.pow(c.reductionFactor, k + s));
  return out;
}

/** numpy.percentile with linear interpolation. */
export function percentile(values: readonly number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return v[lo] + (v[hi] - v[lo]) * (rank - lo);
}

/**
 * Scheduler time of a report: `iteration / budget · maxT` (capped at maxT), where budget is the
 * iteration count that means "fully trained" (boosting rounds, epochs, solver steps): the
 * family's largest budget in the space (timeScale 'family') or the trial's own ('trial'). This
 * puts every family on one scale. Without a known budget, time is the raw iteration.
 */
export function normalizedTime(iteration: number, budget: number | undefined, maxT: number): number {
  if (!budget || !(budget > 0)) return iteration;
  return Math.min(maxT, (iteration / budget) * maxT);
}

export function ashaScheduler(options: AshaOptions = {}): Scheduler & { readonly config: AshaConfig } {
  const c = resolveAshaOptions(options);
  const rungs = Array.from({ length: c.brackets }, (_, s) => milestonesOf(c, s));
  const sizes = rungs.map((r) => r.length);
  const maxSize = Math.max(...sizes);
  const probs = sizes.map((n) => Math.exp(n - maxSize));
  const total = probs.reduce((a, b) => a + b, 0);
  const sign = c.mode === 'max' ? 1 : -1;

  function bracketOf(trial: number): number {
    if (c.brackets === 1) return 0;
    const u = new Rng(deriveSeed(c.seed, 'bracket', trial)).next() * total;
    let acc = 0;
    for (let s = 0; s < probs.length; s++) {
      acc += probs[s];
      if (u < acc) return s;
    }
    return probs.length - 1;
  }

  function pendingMilestone(records: readonly RungRecord[], r: SchedulerReport): number | null {
    if (r.time >= c.maxT || r.value === undefined || !Number.isFinite(r.value)) return null;
    for (const m of rungs[r.bracket] ?? []) {
      if (r.time < m) continue;
      const done = records.some((x) => x.trial === r.trial && x.bracket === r.bracket && x.milestone === m);
      return done ? null : m;
    }
    return null;
  }

  function decide(records: readonly RungRecord[], r: SchedulerReport): SchedulerOutcome {
    if (r.bracket < 0 || r.bracket >= c.brackets) throw invalidArgument(`asha: bracket ${r.bracket} out of range 0..${c.brackets - 1}`);
    if (r.time >= c.maxT) return { decision: 'stop', newRecords: [] };
    const m = pendingMilestone(records, r);
    if (m === null) return { decision: 'continue', newRecords: [] };
    const value = r.value as number;
    const group = r.group ?? '';
    const seen: number[] = [];
    for (const x of records) {
      if (x.bracket !== r.bracket || x.milestone !== m || x.trial === r.trial || (x.group ?? '') !== group) continue;
      if (c.deterministic && x.trial > r.trial) continue;
      seen.push(sign * x.value);
    }
    let decision: Decision = 'continue';
    if (seen.length > 0) {
      const cutoff = percentile(seen, (1 - 1 / c.reductionFactor) * 100);
      if (sign * value < cutoff) decision = 'stop';
    }
    const rec: RungRecord = r.group === undefined ? { trial: r.trial, bracket: r.bracket, milestone: m, value } : { trial: r.trial, bracket: r.bracket, group: r.group, milestone: m, value };
    return { decision, newRecords: [rec] };
  }

  return { kind: 'asha', deterministic: c.deterministic, config: c, bracketOf, pendingMilestone, decide };
}

/**
 * Deterministic mode: may trial `report.trial` be judged at `milestone` now? True when every
 * lower-index trial of the same bracket and rung group (among `trials`, the study's trials in
 * this shard) has either recorded at that milestone or ended.
 */
export function readyToDecide(
  records: readonly RungRecord[],
  report: SchedulerReport,
  milestone: number,
  lowerTrials: Iterable<number>,
  hasEnded: (trial: number) => boolean,
  bracketOf: (trial: number) => number,
  groupOf: (trial: number) => string | undefined = () => undefined,
): boolean {
  const group = report.group ?? '';
  for (const j of lowerTrials) {
    if (j >= report.trial || bracketOf(j) !== report.bracket || (groupOf(j) ?? '') !== group || hasEnded(j)) continue;
    if (!records.some((x) => x.trial === j && x.bracket === report.bracket && x.milestone === milestone)) return false;
  }
  return true;
}
