export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  /** CPU seconds per run, where measured. */
  readonly cpu?: Summary;
}
export function summarize(values: ArrayLike<number> | readonly number[]): Summary;
export function quantileSorted(sorted: ArrayLike<number>, q: number): number;
export function relativeSpread(s: Summary): number;
export function toRate(timeSummary: Summary, items: number): Summary;
export interface TimedSummary extends Summary {
  /** Process CPU seconds per run (user + system, all threads). */
  readonly cpu: Summary;
}
export function timeRuns<T>(fn: () => T | Promise<T>, options?: { reps?: number; warm?: number; now?: () => number; cpu?: () => number }): Promise<{ stats: TimedSummary; last: T }>;
