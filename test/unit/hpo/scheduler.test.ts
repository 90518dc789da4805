import { describe, expect, it } from 'vitest';
import {
  ashaScheduler, fifoScheduler, milestonesOf, normalizedTime, percentile, readyToDecide, resolveAshaOptions, type RungRecord,
} from '../../../src/hpo/scheduler.js';

const rec = (trial: number, milestone: number, value: number, bracket = 0): RungRecord => ({ trial, bracket, milestone, value });

describe('ASHA (Ray Tune semantics, pure)', () => {
  it('computes Ray\'s milestones per bracket', () => {
    const c = resolveAshaOptions({ maxT: 81, gracePeriod: 1, reductionFactor: 3, brackets: 3 });
    expect(milestonesOf(c, 0)).toEqual([81, 27, 9, 3, 1]);
    expect(milestonesOf(c, 1)).toEqual([81, 27, 9, 3]);
    expect(milestonesOf(c, 2)).toEqual([81, 27, 9]);
    expect(milestonesOf(resolveAshaOptions({ maxT: 100, gracePeriod: 10, reductionFactor: 2 }), 0)).toEqual([80, 40, 20, 10]);
  });

  it('matches numpy percentile with linear interpolation', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([3, 1, 2], (1 - 1 / 3) * 100)).toBeCloseTo(2.3333333333, 8);
    expect(percentile([5], 66)).toBe(5);
  });

  it('first trial at a rung continues and is recorded', () => {
    const s = ashaScheduler({ maxT: 27, gracePeriod: 1, reductionFactor: 3, deterministic: false });
    const o = s.decide([], { trial: 0, bracket: 0, time: 1, value: 0.5 });
    expect(o).toEqual({ decision: 'continue', newRecords: [rec(0, 1, 0.5)] });
  });

  it('stops a trial below the (1 - 1/rf) percentile of the rung and records it anyway', () => {
    const s = ashaScheduler({ maxT: 27, gracePeriod: 1, reductionFactor: 3, deterministic: false });
    const records = [rec(0, 1, 0.1), rec(1, 1, 0.2), rec(2, 1, 0.3)]; // cutoff = 0.2333...
    expect(s.decide(records, { trial: 3, bracket: 0, time: 1, value: 0.2 })).toEqual({ decision: 'stop', newRecords: [rec(3, 1, 0.2)] });
    expect(s.decide(records, { trial: 3, bracket: 0, time: 1, value: 0.25 }).decision).toBe('continue');
    // with one record, the cutoff is that record (Ray: a second trial must match the first)
    expect(s.decide([rec(0, 1, 0.5)], { trial: 1, bracket: 0, time: 1.5, value: 0.4 }).decision).toBe('stop');
    expect(s.decide([rec(0, 1, 0.5)], { trial: 1, bracket: 0, time: 1.5, value: 0.5 }).decision).toBe('continue');
  });

  it('mode min flips the comparison', () => {
    const s = ashaScheduler({ maxT: 27, gracePeriod: 1, mode: 'min', deterministic: false });
    const records = [rec(0, 1, 0.1), rec(1, 1, 0.2), rec(2, 1, 0.3)];
    expect(s.decide(records, { trial: 3, bracket: 0, time: 1, value: 0.12 }).decision).toBe('continue');
    expect(s.decide(records, { trial: 3, bracket: 0, time: 1, value: 0.29 }).decision).toBe('stop');
  });

  it('judges only the largest unrecorded milestone reached, once per milestone', () => {
    const s = ashaScheduler({ maxT: 27, gracePeriod: 1, deterministic: false });
    // time jumps to 4: milestone 3 is judged (1 is skipped, as in Ray)
    expect(s.decide([], { trial: 0, bracket: 0, time: 4, value: 1 }).newRecords).toEqual([rec(0, 3, 1)]);
    // already recorded at 3 and not yet at 9: nothing to decide
    expect(s.decide([rec(0, 3, 1), rec(1, 3, 5)], { trial: 0, bracket: 0, time: 5, value: 0 })).toEqual({ decision: 'continue', newRecords: [] });
    expect(s.pendingMilestone([rec(0, 3, 1)], { trial: 0, bracket: 0, time: 9, value: 0 })).toBe(9);
    expect(s.pendingMilestone([], { trial: 0, bracket: 0, time: 0.5, value: 0 })).toBeNull();
  });

  it('stops at max_t and continues on reports without the metric', () => {
    const s = ashaScheduler({ maxT: 27, gracePeriod: 1, deterministic: false });
    expect(s.decide([], { trial: 0, bracket: 0, time: 27, value: 1 })).toEqual({ decision: 'stop', newRecords: [] });
    expect(s.decide([rec(1, 1, 9)], { trial: 0, bracket: 0, time: 1, value: undefined })).toEqual({ decision: 'continue', newRecords: [] });
  });

  it('keeps brackets separate', () => {
    const s = ashaScheduler({ maxT: 27, gracePeriod: 1, brackets: 2, deterministic: false });
    expect(s.decide([rec(0, 3, 9, 0)], { trial: 1, bracket: 1, time: 3, value: 1 }).decision).toBe('continue');
    expect(s.decide([rec(0, 3, 9, 1)], { trial: 1, bracket: 1, time: 3, value: 1 }).decision).toBe('stop');
  });

  it('deterministic mode ignores records of higher-index trials', () => {
    const det = ashaScheduler({ maxT: 27, gracePeriod: 1, deterministic: true });
    const asy = ashaScheduler({ maxT: 27, gracePeriod: 1, deterministic: false });
    const records = [rec(5, 1, 0.9)];
    expect(det.decide(records, { trial: 2, bracket: 0, time: 1, value: 0.1 }).decision).toBe('continue');
    expect(asy.decide(records, { trial: 2, bracket: 0, time: 1, value: 0.1 }).decision).toBe('stop');
  });

  it('readyToDecide waits for every lower trial of the bracket to record or end', () => {
    const r = { trial: 3, bracket: 0, time: 1, value: 0.5 };
    const b = () => 0;
    expect(readyToDecide([rec(0, 1, 1), rec(1, 1, 1)], r, 1, [0, 1, 2, 3, 4], () => false, b)).toBe(false);
    expect(readyToDecide([rec(0, 1, 1), rec(1, 1, 1)], r, 1, [0, 1, 2, 3, 4], (j) => j === 2, b)).toBe(true);
    expect(readyToDecide([], r, 1, [0, 1, 2], () => false, (j) => (j === 3 ? 0 : 1))).toBe(true);
  });

  it('assigns brackets from the seed with Ray\'s probabilities, reproducibly', () => {
    const s = ashaScheduler({ maxT: 81, gracePeriod: 1, brackets: 3, seed: 11 });
    const t = ashaScheduler({ maxT: 81, gracePeriod: 1, brackets: 3, seed: 11 });
    const got = Array.from({ length: 3000 }, (_, i) => s.bracketOf(i));
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => t.bracketOf(i)));
    // sizes 5, 4, 3 → p ∝ 1, e^-1, e^-2 → 0.665, 0.245, 0.090
    const share = (k: number) => got.filter((x) => x === k).length / got.length;
    expect(share(0)).toBeGreaterThan(0.62);
    expect(share(0)).toBeLessThan(0.71);
    expect(share(2)).toBeGreaterThan(0.06);
    expect(share(2)).toBeLessThan(0.12);
  });

  it('validates its options with clear messages', () => {
    expect(() => resolveAshaOptions({ reductionFactor: 1 })).toThrow(/reduction_factor = 1 is invalid; expected a number > 1/);
    expect(() => resolveAshaOptions({ maxT: 1, gracePeriod: 1 })).toThrow(/max_t/);
    expect(() => resolveAshaOptions({ maxT: 9, gracePeriod: 1, reductionFactor: 3, brackets: 4 })).toThrow(/at most 3/);
  });

  it('normalises time by the trial budget', () => {
    expect(normalizedTime(50, 500, 27)).toBeCloseTo(2.7, 12);
    expect(normalizedTime(500, 500, 27)).toBe(27);
    expect(normalizedTime(7, undefined, 27)).toBe(7);
  });

  it('FIFO never stops', () => {
    expect(fifoScheduler().decide([rec(0, 1, 1)], { trial: 1, bracket: 0, time: 1, value: 0 })).toEqual({ decision: 'continue', newRecords: [] });
  });
});
