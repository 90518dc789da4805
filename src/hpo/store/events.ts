/**
 * Study events (what a TrialStore records) and the pure reducer that rebuilds study state from
 * them. The journal is exactly this list, one JSON object per line.
 */
import type { ErrorData } from '../../core/errors.js';
import { jsonDifference, type JsonValue } from '../../core/payload.js';
import type { RungRecord } from '../scheduler.js';
import { MODEL_KINDS, type TrialConfig } from '../space.js';
import type { DataSummary } from '../data-digest.js';

/**
 * 2: the header records the training data (`data`); 3: and the validation cut's row groups
 * (`validation.groups`); 4: and the tie tolerance of the best-trial choice (`tieTolerance`).
 */
export const JOURNAL_VERSION = 4;

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
  /** Scores within this of the top score are ties, decided by `tieBreak` (results.ts pickBest). */
  readonly tieTolerance: number;
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

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v: unknown, min = 0): boolean => Number.isInteger(v) && (v as number) >= min;
const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
/** A metric value: JSON writes NaN as null. */
const isMetric = (v: unknown): boolean => v === null || typeof v === 'number';
const metricsMap = (v: unknown): boolean => isObj(v) && Object.values(v).every(isMetric);
const TRIAL_END_STATES: readonly string[] = ['completed', 'stopped', 'failed', 'cancelled'];

function resultError(v: unknown): string | null {
  if (!isObj(v)) return "'result' must be an object";
  if (!isMetric(v.score)) return "'result.score' must be a number";
  if (!(v.tieBreak === undefined || isMetric(v.tieBreak))) return "'result.tieBreak' must be a number or null";
  if (!metricsMap(v.metrics)) return "'result.metrics' must map metric names to numbers";
  if (!isInt(v.iterations)) return "'result.iterations' must be an integer ≥ 0";
  return null;
}

/**
 * What is wrong with a parsed journal line as a study event (null: nothing): the fields the
 * reducer and the readers of a journal rely on, per event type. An unknown type (a newer
 * train-spam's journal) is an error too.
 */
export function eventShapeError(e: unknown): string | null {
  if (!isObj(e) || typeof e.type !== 'string') return "expected a JSON object with a string 'type'";
  if (!isNum(e.at)) return `'${e.type}' event: 'at' must be a number (a time in ms)`;
  const bad = (what: string) => `'${e.type}' event: ${what}`;
  switch (e.type) {
    case 'study': {
      const h = e.header;
      if (!isObj(h)) return bad("'header' must be an object");
      if (!isInt(h.version)) return bad("'header.version' must be an integer ≥ 0");
      // another format version is refused by its version where it is resumed or merged, by name
      if (h.version !== JOURNAL_VERSION) return null;
      for (const k of ['seed', 'shardIndex'] as const) if (!isInt(h[k])) return bad(`'header.${k}' must be an integer ≥ 0`);
      for (const k of ['trials', 'shardCount'] as const) if (!isInt(h[k], 1)) return bad(`'header.${k}' must be an integer ≥ 1`);
      if (typeof h.metric !== 'string') return bad("'header.metric' must be a string");
      if (h.mode !== 'max' && h.mode !== 'min') return bad("'header.mode' must be 'max' or 'min'");
      if (!(h.tieBreak === null || typeof h.tieBreak === 'string')) return bad("'header.tieBreak' must be a string or null");
      if (!isNum(h.tieTolerance) || (h.tieTolerance as number) < 0) return bad("'header.tieTolerance' must be a number ≥ 0");
      if (!isObj(h.data)) return bad("'header.data' must be an object");
      return null;
    }
    case 'trial_start': {
      if (!isInt(e.trial)) return bad("'trial' must be an integer ≥ 0");
      if (!isInt(e.seed)) return bad("'seed' must be an integer ≥ 0");
      if (!isInt(e.bracket)) return bad("'bracket' must be an integer ≥ 0");
      const c = e.config;
      if (!isObj(c) || typeof c.model !== 'string' || !(MODEL_KINDS as readonly string[]).includes(c.model)) return bad(`'config.model' must be one of ${MODEL_KINDS.join(', ')}`);
      if (!isObj(c.params)) return bad("'config.params' must be an object");
      return null;
    }
    case 'report':
      if (!isInt(e.trial)) return bad("'trial' must be an integer ≥ 0");
      if (!isNum(e.iteration) || !isNum(e.time)) return bad("'iteration' and 'time' must be numbers");
      if (!metricsMap(e.metrics)) return bad("'metrics' must map metric names to numbers");
      if (e.decision !== 'continue' && e.decision !== 'stop') return bad("'decision' must be 'continue' or 'stop'");
      return null;
    case 'rung':
      if (!isInt(e.trial) || !isInt(e.bracket)) return bad("'trial' and 'bracket' must be integers ≥ 0");
      if (!isNum(e.milestone) || !isNum(e.value)) return bad("'milestone' and 'value' must be numbers");
      if (!(e.group === undefined || typeof e.group === 'string')) return bad("'group' must be a string");
      return null;
    case 'trial_end': {
      if (!isInt(e.trial)) return bad("'trial' must be an integer ≥ 0");
      if (typeof e.state !== 'string' || !TRIAL_END_STATES.includes(e.state)) return bad(`'state' must be one of ${TRIAL_END_STATES.join(', ')}`);
      if (!isNum(e.durationMs)) return bad("'durationMs' must be a number");
      // completed and stopped trials carry their result; a failed one may
      const needsResult = e.state === 'completed' || e.state === 'stopped';
      const wrongResult = needsResult || e.result !== undefined ? resultError(e.result) : null;
      if (wrongResult) return bad(wrongResult);
      if (e.state === 'failed' && e.error !== undefined && !(isObj(e.error) && typeof e.error.code === 'string' && typeof e.error.message === 'string')) {
        return bad("'error' must be an object with a string 'code' and 'message'");
      }
      return null;
    }
    case 'study_end':
      if (e.state !== 'completed' && e.state !== 'killed') return bad("'state' must be 'completed' or 'killed'");
      return null;
    default:
      return `unknown event type '${e.type}' (a journal of another train-spam version?)`;
  }
}

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

/** The training data's fields, most telling first: a shape that differs is named before the digest. */
const DATA_FIELDS = ['rows', 'denseCols', 'sparseCols', 'nonZeros', 'digest'] as const;

/**
 * The first header field (dotted path) that differs between two study headers, or null. Fields
 * outside `data` come in key order; within `data`, the shape before the digest (other data of
 * another row count says 'data.rows', not 'data.digest').
 */
export function headerDifference(a: StudyHeader, b: StudyHeader): string | null {
  const d = jsonDifference(a as unknown as JsonValue, b as unknown as JsonValue);
  if (d === null || !d.startsWith('data.')) return d;
  const field = DATA_FIELDS.find((k) => a.data?.[k] !== b.data?.[k]);
  return field ? `data.${field}` : d;
}

/** `'<path>' differs: <a> in <aName>, <b> in <bName>` for a path from headerDifference (values cut at 60 characters). */
export function describeHeaderDifference(path: string, a: StudyHeader, aName: string, b: StudyHeader, bName: string): string {
  const at = (h: StudyHeader): string => {
    let v: unknown = h;
    for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
    const text = v === undefined ? 'nothing' : JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  return `'${path}' differs: ${at(a)} in ${aName}, ${at(b)} in ${bName}`;
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
