/**
 * Study events (what a TrialStore records) and the pure reducer that rebuilds study state from
 * them. The journal is exactly this list, one JSON object per line.
 */
import type { ErrorData } from '../../core/errors.js';
import { jsonDifference, type JsonValue } from '../../core/payload.js';
import type { RungRecord } from '../scheduler.js';
import type { TrialConfig } from '../space.js';
import type { DataSummary } from '../data-digest.js';

/** 2: the header records the training data (`data`); 3: and the validation cut's row groups (`validation.groups`). */
export const JOURNAL_VERSION = 3;

/** Everything that must match for a journal to be resumed or merged with another shard. */
export interface StudyHeader {
  readonly version: number;
  readonly seed: number;
  readonly trials: number;
  readonly shardIndex: number;
  readonly shardCount: number;
  readonly metric: string;
  readonly mode: 'max' | 'min';
  readonly tieBreak: string | null;
  /** Scheduler settings as JSON (kind + parameters). */
  readonly scheduler: JsonValue;
  /** Validation settings as JSON. */
  readonly validation: JsonValue;
  /** The search space, JSON long form. */
  readonly space: JsonValue;
  /** The training data's shape and digest (data-digest.ts): a journal resumes or merges only on the same data. */
  readonly data: DataSummary;
}

/** Final states of a trial. 'cancelled' (Ctrl-C) is re-run on resume like an unfinished trial. */
export type TrialEndState = 'completed' | 'stopped' | 'failed' | 'cancelled';

export interface TrialMetrics {
  readonly score: number;
  readonly tieBreak: number | null;
  /** All validation metrics (f1, auc, precision, recall, accuracy, log_loss). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly iterations: number;
}

export type StudyEvent =
  | { readonly type: 'study'; readonly header: StudyHeader; readonly at: number }
  | {
      readonly type: 'trial_start';
      readonly trial: number;
      readonly seed: number;
      readonly config: TrialConfig;
      readonly bracket: number;
      readonly at: number;
    }
  | {
      readonly type: 'report';
      readonly trial: number;
      readonly iteration: number;
      readonly time: number;
      readonly metrics: Readonly<Record<string, number>>;
      readonly decision: 'continue' | 'stop';
      readonly at: number;
    }
  | ({ readonly type: 'rung'; readonly at: number } & RungRecord)
  | {
      readonly type: 'trial_end';
      readonly trial: number;
      readonly state: TrialEndState;
      readonly result?: TrialMetrics;
      readonly error?: ErrorData;
      readonly durationMs: number;
      readonly at: number;
    }
  | { readonly type: 'study_end'; readonly state: 'completed' | 'killed'; readonly at: number };

/** Lifecycle of one trial as a discriminated union. */
export type TrialState =
  | { readonly state: 'running' }
  | { readonly state: 'completed' | 'stopped'; readonly result: TrialMetrics; readonly durationMs: number }
  | { readonly state: 'failed'; readonly error: ErrorData; readonly result?: TrialMetrics; readonly durationMs: number }
  | { readonly state: 'cancelled'; readonly durationMs: number };

export type TrialRecord = {
  readonly trial: number;
  readonly seed: number;
  readonly config: TrialConfig;
  readonly bracket: number;
  readonly reports: number;
  /** Scheduler time reached (sum over trials = compute spent, in scheduler units). */
  readonly time: number;
  /** Last iteration reported. */
  readonly lastIteration: number;
} & TrialState;

export interface StudyState {
  readonly header: StudyHeader | null;
  readonly trials: ReadonlyMap<number, TrialRecord>;
  readonly rungs: readonly RungRecord[];
  readonly ended: 'completed' | 'killed' | null;
}

export const emptyState = (): StudyState => ({ header: null, trials: new Map(), rungs: [], ended: null });

/** The first header field (dotted path) that differs between two study headers, or null. */
export function headerDifference(a: StudyHeader, b: StudyHeader): string | null {
  return jsonDifference(a as unknown as JsonValue, b as unknown as JsonValue);
}

/** A trial that ended for good (cancelled and running trials are re-run on resume). */
export function isFinished(t: TrialRecord): boolean {
  return t.state === 'completed' || t.state === 'stopped' || t.state === 'failed';
}

/** State as kept inside a store: the same shape, updated in place (O(1) per event). */
export interface MutableStudyState {
  header: StudyHeader | null;
  trials: Map<number, TrialRecord>;
  rungs: RungRecord[];
  ended: 'completed' | 'killed' | null;
}

/** Applies one event in place. */
export function applyEventInPlace(s: MutableStudyState, e: StudyEvent): void {
  switch (e.type) {
    case 'study':
      s.header = e.header;
      s.ended = null;
      return;
    case 'study_end':
      s.ended = e.state;
      return;
    case 'trial_start':
      s.trials.set(e.trial, { trial: e.trial, seed: e.seed, config: e.config, bracket: e.bracket, reports: 0, time: 0, lastIteration: 0, state: 'running' });
      // a re-run starts afresh: forget rung records from an earlier, unfinished attempt
      if (s.rungs.some((r) => r.trial === e.trial)) s.rungs = s.rungs.filter((r) => r.trial !== e.trial);
      return;
    case 'report': {
      const t = s.trials.get(e.trial);
      if (t) s.trials.set(e.trial, { ...t, reports: t.reports + 1, time: Math.max(t.time, e.time), lastIteration: e.iteration });
      return;
    }
    case 'rung': {
      const { type: _t, at: _a, ...rec } = e;
      s.rungs.push(rec);
      return;
    }
    case 'trial_end': {
      const t = s.trials.get(e.trial);
      if (!t) return;
      const base = { trial: t.trial, seed: t.seed, config: t.config, bracket: t.bracket, reports: t.reports, time: t.time, lastIteration: t.lastIteration };
      let next: TrialRecord;
      if (e.state === 'cancelled') next = { ...base, state: 'cancelled', durationMs: e.durationMs };
      else if (e.state === 'failed') {
        next = { ...base, state: 'failed', error: e.error ?? { code: 'INTERNAL', message: 'unknown error' }, durationMs: e.durationMs, ...(e.result ? { result: e.result } : {}) };
      } else next = { ...base, state: e.state, result: e.result as TrialMetrics, durationMs: e.durationMs };
      s.trials.set(e.trial, next);
      return;
    }
  }
}

/** Pure reducer: a new state (copies the collections; use stores for long event streams). */
export function applyEvent(s: StudyState, e: StudyEvent): StudyState {
  const m: MutableStudyState = { header: s.header, trials: new Map(s.trials), rungs: [...s.rungs], ended: s.ended };
  applyEventInPlace(m, e);
  return m;
}

export function replay(events: Iterable<StudyEvent>): StudyState {
  const s: MutableStudyState = { header: null, trials: new Map(), rungs: [], ended: null };
  for (const e of events) applyEventInPlace(s, e);
  return s;
}

/**
 * State to resume from: finished trials and their rung records are kept; running or cancelled
 * trials are forgotten (they will be re-run from scratch with the same seed and config).
 */
export function resumableState(s: StudyState): StudyState {
  const trials = new Map<number, TrialRecord>();
  for (const [i, t] of s.trials) if (isFinished(t)) trials.set(i, t);
  return { header: s.header, trials, rungs: s.rungs.filter((r) => trials.has(r.trial)), ended: null };
}
