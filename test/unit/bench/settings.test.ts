/**
 * The full benchmark repeats every figure at least five times after a warm-up (the rule);
 * --quick may do fewer, and --e2e-reps overrides the end-to-end count.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs, settings } from '../../../bench/run.mjs';

describe('bench settings', () => {
  it('a full run times every figure at least 5 times, after an untimed end-to-end run per side', () => {
    const s = settings(parseArgs([]));
    expect(s.reps).toBeGreaterThanOrEqual(5);
    expect(s.gbmReps).toBeGreaterThanOrEqual(5);
    expect(s.peerGbmReps).toBeGreaterThanOrEqual(5);
    expect(s.e2eReps).toBeGreaterThanOrEqual(5);
    expect(s.e2eWarmUp).toBe(1);
    expect(s.scaling.reps).toBeGreaterThanOrEqual(5);
    expect(s.scaling.counts).toEqual([1, 2]);
    expect(s.trials).toBe(20);
  });

  it('--quick runs fewer and no end-to-end warm-up; --e2e-reps sets the end-to-end count', () => {
    const q = settings(parseArgs(['--quick']));
    expect(q.e2eReps).toBe(1);
    expect(q.e2eWarmUp).toBe(0);
    expect(q.reps).toBeLessThan(5);
    expect(settings(parseArgs(['--e2e-reps', '2'])).e2eReps).toBe(2);
    expect(() => parseArgs(['--e2e-reps', '0'])).toThrow(/positive integer/);
  });
});
