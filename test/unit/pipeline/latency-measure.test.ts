/**
 * The evaluation's latency loop: a call's time is its wall time less the run-queue wait of its
 * thread meanwhile, so preemption by other work on the machine does not reach the p99, and what
 * the call itself costs (a pause on one call in twenty) does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunQueueClock, type RunQueueClock } from '../../../src/exec/run-queue-clock.js';
import { LATENCY_WARMUP, measureLatency } from '../../../src/pipeline/steps/model-evaluation.js';
import type { SpamScorer } from '../../../src/serving/scorer.js';
import { record } from '../features/records.js';

/**
 * A scorer on a virtual clock: timed call i costs `own(i)` ms of its own plus `waited(i)` ms in the
 * run queue, which the fake run-queue clock reports.
 */
function fakeScorer(n: number, own: (i: number) => number, waited: (i: number) => number = () => 0) {
  let now = 0;
  let queue = 0;
  let calls = 0;
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
      calls++;
      now += own(i) + waited(i);
      queue += waited(i);
      return 0.5;
    },
  } as unknown as SpamScorer;
  const runQueue: RunQueueClock = { waitedMs: () => queue, close: () => undefined };
  return { scorer, records, clock: () => now, runQueue, calls: () => calls };
}

describe('measureLatency', () => {
  it('takes the run-queue wait out of each call: preempted calls keep their own time', async () => {
    // 1 ms each; calls 10..29 (2 %) were preempted for 12 ms
    const f = fakeScorer(1000, () => 1, (i) => (i >= 10 && i < 30 ? 12 : 0));
    const l = await measureLatency(f.scorer, f.records, f.clock, f.runQueue);
    expect(f.calls()).toBe(1000); // each e-mail timed once
    expect(l).toMatchObject({ count: 1000, p99Ms: 1, maxMs: 1, preemptedCalls: 20, runQueueWaitMs: 240, excludesRunQueueWait: true });
    expect(l.wallP99Ms).toBe(13);
  });

  it('a model slow on one call in twenty (its own pause, no wait) has it in the p99: it was hidden when outliers were re-timed', async () => {
    const f = fakeScorer(1320, (i) => (i % 20 === 19 ? 15 : 0.1));
    const l = await measureLatency(f.scorer, f.records, f.clock, f.runQueue);
    expect(l.p99Ms).toBe(15);
    expect(l.preemptedCalls).toBe(0);
    expect(l.wallP99Ms).toBe(15);
  });

  it('an e-mail slow to score is slow in the p99 whether or not it was also preempted', async () => {
    const f = fakeScorer(100, (i) => (i === 7 || i === 8 ? 20 : 1), (i) => (i === 8 ? 5 : 0));
    const l = await measureLatency(f.scorer, f.records, f.clock, f.runQueue);
    expect(l.maxMs).toBe(20);
    expect(l.p99Ms).toBeGreaterThan(10);
  });

  it('without a run-queue clock (another OS) the figures are the wall times', async () => {
    const f = fakeScorer(1000, () => 1, (i) => (i >= 10 && i < 30 ? 12 : 0));
    const l = await measureLatency(f.scorer, f.records, f.clock, null);
    expect(l).toMatchObject({ p99Ms: 13, wallP99Ms: 13, preemptedCalls: 0, excludesRunQueueWait: false });
  });
});

describe('openRunQueueClock', () => {
  it("reads this thread's run-queue wait (Linux), never decreasing; null for a file it cannot read", () => {
    const c = openRunQueueClock();
    if (process.platform === 'linux') {
      expect(c).not.toBeNull();
      const a = c!.waitedMs();
      let x = 0;
      for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
      expect(x).toBeGreaterThan(0);
      const b = c!.waitedMs();
      expect(a).toBeGreaterThanOrEqual(0);
      expect(b).toBeGreaterThanOrEqual(a);
      c!.close();
    }
    expect(openRunQueueClock('/nonexistent/schedstat')).toBeNull();
    const bad = join(mkdtempSync(join(tmpdir(), 'schedstat-')), 'schedstat');
    writeFileSync(bad, 'garbage\n');
    expect(openRunQueueClock(bad)).toBeNull();
    const ok = join(mkdtempSync(join(tmpdir(), 'schedstat-')), 'schedstat');
    writeFileSync(ok, '123456789 2500000 17\n');
    const fake = openRunQueueClock(ok)!;
    expect(fake.waitedMs()).toBe(2.5);
    fake.close();
  });
});
