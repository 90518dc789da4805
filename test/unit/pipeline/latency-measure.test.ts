/**
 * The evaluation's latency loop times an outlier e-mail again and keeps its fastest time: a call
 * stretched by preemption does not reach the p99, an e-mail that is slow every time does.
 */
import { describe, expect, it } from 'vitest';
import { LATENCY_OUTLIER_FACTOR, LATENCY_RETIMES, LATENCY_WARMUP, measureLatency } from '../../../src/pipeline/steps/model-evaluation.js';
import type { SpamScorer } from '../../../src/serving/scorer.js';
import { record } from '../features/records.js';

/** A scorer on a virtual clock: the call's cost comes from `cost(email index, how many times it was timed before)`. */
function fakeScorer(n: number, cost: (i: number, seen: number) => number) {
  let now = 0;
  const seen = new Map<string, number>();
  const records = Array.from({ length: n }, (_, i) => record({ email_id: `e${i}`, subject: `s${i}`, body_text: `body ${i}` }));
  let warmUps = Math.min(LATENCY_WARMUP, n);
  const scorer = {
    scoreRaw: async (_raw: string, id?: string) => {
      if (id === undefined) throw new Error('scoreRaw without the e-mail id (errors would name "input")');
      if (warmUps > 0) {
        warmUps--;
        return 0.5; // the warm-up pass, untimed
      }
      const i = Number(id.slice(1));
      const k = seen.get(id) ?? 0;
      seen.set(id, k + 1);
      now += cost(i, k);
      return 0.5;
    },
  } as unknown as SpamScorer;
  return { scorer, records, clock: () => now, seen };
}

describe('measureLatency', () => {
  it('re-times e-mails whose first timing is an outlier and keeps the fastest time', async () => {
    // 1 ms each; e-mails 10..19 were preempted on their first timing (+12 ms)
    const f = fakeScorer(1000, (i, k) => 1 + (i >= 10 && i < 20 && k === 0 ? 12 : 0));
    const l = await measureLatency(f.scorer, f.records, f.clock);
    expect(l.retimed).toBe(10);
    expect(l.count).toBe(1000);
    expect(l.p99Ms).toBe(1);
    expect(l.maxMs).toBe(1);
    expect(f.seen.get('e10')).toBe(1 + LATENCY_RETIMES);
    expect(f.seen.get('e9')).toBe(1);
  });

  it('an e-mail that is slow on every timing keeps its time, and the p99 shows it', async () => {
    const f = fakeScorer(100, (i) => (i === 7 || i === 8 ? 20 : 1));
    const l = await measureLatency(f.scorer, f.records, f.clock);
    expect(l.retimed).toBe(2);
    expect(l.maxMs).toBe(20);
    expect(l.p99Ms).toBeGreaterThan(10);
  });

  it('a time at the limit is not an outlier; one just above is', async () => {
    const f = fakeScorer(101, (i, k) => (i === 0 && k === 0 ? LATENCY_OUTLIER_FACTOR : i === 1 && k === 0 ? LATENCY_OUTLIER_FACTOR + 0.5 : 1));
    const l = await measureLatency(f.scorer, f.records, f.clock);
    expect(l.retimed).toBe(1);
    expect(l.maxMs).toBe(LATENCY_OUTLIER_FACTOR);
  });
});
