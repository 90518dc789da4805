/**
 * Study results: the trials table, the best trial, and the artifacts written from them
 * (best-config.json, trials.csv, trials.json). Pure except `writeStudyArtifacts`.
 */
import { join } from 'node:path';
import type { ErrorData } from '../core/errors.js';
import { writeTextFileSync } from '../io/output-file.js';
import type { JsonValue } from '../core/payload.js';
import type { ModelKind } from '../models/contract.js';
import type { TrialConfig } from './space.js';
import type { StudyHeader, StudyState, TrialEndState, TrialRecord } from './store/events.js';

export interface TrialRow {
  readonly trial: number;
  readonly seed: number;
  readonly model: ModelKind;
  readonly params: Readonly<Record<string, JsonValue>>;
  readonly bracket: number;
  readonly state: TrialEndState | 'running';
  readonly score: number | null;
  readonly tieBreak: number | null;
  readonly metrics: Readonly<Record<string, number>> | null;
  /** Iterations trained (from the result; the last reported iteration for failed trials). */
  readonly iterations: number;
  readonly reports: number;
  readonly durationMs: number | null;
  readonly error: ErrorData | null;
}

export interface StudyResult {
  /** 'incomplete': some trials did not finish (a merge of unfinished shards). */
  readonly state: 'completed' | 'killed' | 'incomplete';
  readonly seed: number;
  readonly plannedTrials: number;
  readonly metric: string;
  readonly mode: 'max' | 'min';
  readonly tieBreak: string | null;
  /** Scores within this of the top score count as tied (decided by the tie-break metric). */
  readonly tieTolerance: number;
  /** Shard indices covered by this result (all of 0..shardCount-1 after a full merge). */
  readonly shards: readonly number[];
  readonly shardCount: number;
  readonly best: TrialRow | null;
  readonly bestConfig: TrialConfig | null;
  readonly bestScore: number | null;
  /** Every trial, by index. */
  readonly trials: readonly TrialRow[];
  /** Sum of iterations trained over all trials (the compute spent). */
  readonly totalIterations: number;
}

export function toRow(t: TrialRecord): TrialRow {
  const result = t.state === 'completed' || t.state === 'stopped' ? t.result : t.state === 'failed' ? t.result : undefined;
  return {
    trial: t.trial,
    seed: t.seed,
    model: t.config.model,
    params: t.config.params,
    bracket: t.bracket,
    state: t.state,
    score: result ? result.score : null,
    tieBreak: result ? result.tieBreak : null,
    metrics: result ? result.metrics : null,
    iterations: result ? result.iterations : t.lastIteration,
    reports: t.reports,
    durationMs: t.state === 'running' ? null : t.durationMs,
    error: t.state === 'failed' ? t.error : null,
  };
}

/** True when a ranks above b (score, then tie-break, then lower index). */
export function better(a: TrialRow, b: TrialRow, mode: 'max' | 'min', tieMode: 'max' | 'min'): boolean {
  const s = mode === 'max' ? 1 : -1;
  const sa = s * (a.score as number);
  const sb = s * (b.score as number);
  if (sa !== sb) return sa > sb;
  const ta = a.tieBreak ?? -Infinity;
  const tb = b.tieBreak ?? -Infinity;
  const t = tieMode === 'max' ? 1 : -1;
  if (ta !== tb) return t * ta > t * tb;
  return a.trial < b.trial;
}

/**
 * The best trial. Among completed trials (trials stopped early by ASHA count only when no trial
 * completed: their configs were not trained to their full budget), the candidates are those whose
 * score is within `tolerance` of the top score (`tolerance` 0: the top score only); of these, the
 * highest (lowest, for a 'min' tie-break) tie-break metric wins, then the better score, then the
 * lower trial index. Without a tie-break metric this is the top score. The result depends on the
 * set of rows only, not on their order.
 */
export function pickBest(rows: readonly TrialRow[], mode: 'max' | 'min', tieMode: 'max' | 'min' = 'max', tolerance = 0): TrialRow | null {
  const scored = (state: string) => rows.filter((r) => r.state === state && r.score !== null && Number.isFinite(r.score));
  let pool = scored('completed');
  if (pool.length === 0) pool = scored('stopped');
  let top: TrialRow | null = null;
  for (const r of pool) if (top === null || better(r, top, mode, tieMode)) top = r;
  if (top === null || !(tolerance > 0)) return top;
  let best: TrialRow = top;
  for (const r of pool) if (r !== top && withinTolerance(r, top, mode, tolerance) && preferredInTie(r, best, mode, tieMode)) best = r;
  return best;
}

/** Whether row `r` scores within `tolerance` of `top` (pickBest's candidates). */
export function withinTolerance(r: TrialRow, top: TrialRow, mode: 'max' | 'min', tolerance: number): boolean {
  const s = mode === 'max' ? 1 : -1;
  return s * (r.score as number) >= s * (top.score as number) - tolerance;
}

/** Among candidates within the tolerance: the better tie-break metric, then the better score, then the lower trial. */
export function preferredInTie(r: TrialRow, best: TrialRow, mode: 'max' | 'min', tieMode: 'max' | 'min'): boolean {
  const ta = r.tieBreak ?? -Infinity;
  const tb = best.tieBreak ?? -Infinity;
  const t = tieMode === 'max' ? 1 : -1;
  return t * ta > t * tb || (ta === tb && better(r, best, mode, tieMode));
}

export function summarize(
  header: StudyHeader,
  states: readonly StudyState[],
  shards: readonly number[],
  state: StudyResult['state'],
  tieMode: 'max' | 'min' = 'max',
): StudyResult {
  const rows: TrialRow[] = [];
  for (const s of states) for (const t of s.trials.values()) rows.push(toRow(t));
  rows.sort((a, b) => a.trial - b.trial);
  const best = pickBest(rows, header.mode, tieMode, header.tieTolerance);
  return {
    state,
    seed: header.seed,
    plannedTrials: header.trials,
    metric: header.metric,
    mode: header.mode,
    tieBreak: header.tieBreak,
    tieTolerance: header.tieTolerance,
    shards: [...shards].sort((a, b) => a - b),
    shardCount: header.shardCount,
    best,
    bestConfig: best ? { model: best.model, params: best.params } : null,
    bestScore: best ? best.score : null,
    trials: rows,
    totalIterations: rows.reduce((a, r) => a + r.iterations, 0),
  };
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The trials table as CSV: fixed columns, then one column per metric and per parameter (sorted). */
export function trialsCsv(rows: readonly TrialRow[]): string {
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))].sort();
  const paramNames = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
  const head = ['trial', 'seed', 'model', 'bracket', 'state', 'score', 'tie_break', 'iterations', 'reports', 'duration_ms', 'error_code', 'error_message', ...metricNames.map((m) => `metric.${m}`), ...paramNames.map((p) => `param.${p}`)];
  const lines = [head.join(',')];
  for (const r of rows) {
    lines.push(
      [r.trial, r.seed, r.model, r.bracket, r.state, r.score, r.tieBreak, r.iterations, r.reports, r.durationMs, r.error?.code, r.error?.message, ...metricNames.map((m) => r.metrics?.[m]), ...paramNames.map((p) => r.params[p])]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export interface ArtifactPaths {
  readonly bestConfig: string;
  readonly trialsCsv: string;
  readonly trialsJson: string;
}

/**
 * Writes trials.json, trials.csv and best-config.json into `dir`, each atomically (temporary
 * sibling + rename) and best-config.json last: a failure leaves each file old or whole, never
 * torn, and names the file.
 */
export function writeStudyArtifacts(result: StudyResult, dir: string): ArtifactPaths {
  const paths = { bestConfig: join(dir, 'best-config.json'), trialsCsv: join(dir, 'trials.csv'), trialsJson: join(dir, 'trials.json') };
  const best = {
    model: result.bestConfig?.model ?? null,
    params: result.bestConfig?.params ?? null,
    trial: result.best?.trial ?? null,
    seed: result.best?.seed ?? null,
    metric: result.metric,
    mode: result.mode,
    score: result.bestScore,
    tie_break: result.tieBreak,
    tie_break_score: result.best?.tieBreak ?? null,
    tie_tolerance: result.tieTolerance,
    study_seed: result.seed,
    state: result.state,
  };
  const { trials, ...summary } = result;
  writeTextFileSync(paths.trialsJson, JSON.stringify({ ...summary, trials }, null, 2) + '\n');
  writeTextFileSync(paths.trialsCsv, trialsCsv(result.trials));
  writeTextFileSync(paths.bestConfig, JSON.stringify(best, null, 2) + '\n');
  return paths;
}
