/**
 * Latency summary over a list of durations (milliseconds, one per e-mail or per batch).
 *
 * Percentile method: linear interpolation between closest ranks, the default of numpy.percentile
 * ("linear", Hyndman & Fan type 7): sort ascending, h = (n − 1)·q, result
 * x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). With one sample every percentile is that sample.
 */
import { TrainSpamError } from '../core/errors.js';

export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

function sortedDurations(durationsMs: Float64Array | readonly number[], what: string): Float64Array {
  if (durationsMs.length === 0) {
    throw new TrainSpamError('INVALID_DATA', `${what}: no durations; expected at least one measurement`);
  }
  const sorted = Float64Array.from(durationsMs);
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i];
    if (!Number.isFinite(v) || v < 0) {
      throw new TrainSpamError('INVALID_DATA', `${what}: duration at index ${i} is ${v}; expected a finite number ≥ 0`, {
        index: i,
        value: String(v),
      });
    }
  }
  sorted.sort();
  return sorted;
}

function percentileOfSorted(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** One percentile (q in [0, 100]) with numpy's default linear interpolation. */
export function percentile(values: Float64Array | readonly number[], q: number): number {
  if (!(q >= 0 && q <= 100)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `percentile: q is ${q}; expected a number in [0, 100]`, { q });
  }
  return percentileOfSorted(sortedDurations(values, 'percentile'), q / 100);
}

export function summarizeLatency(durationsMs: Float64Array | readonly number[]): LatencySummary {
  const sorted = sortedDurations(durationsMs, 'latency summary');
  let total = 0;
  for (let i = 0; i < sorted.length; i++) total += sorted[i];
  return {
    count: sorted.length,
    meanMs: total / sorted.length,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    p50Ms: percentileOfSorted(sorted, 0.5),
    p95Ms: percentileOfSorted(sorted, 0.95),
    p99Ms: percentileOfSorted(sorted, 0.99),
  };
}
