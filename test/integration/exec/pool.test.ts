import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { WorkerPool } from '../../../src/exec/pool.js';
import { ensureBuilt } from './ensure-build.js';

const WORKER = new URL('./echo-worker.mjs', import.meta.url);
const SLOW_BOOT_WORKER = new URL('./slow-boot-worker.mjs', import.meta.url);

describe('exec WorkerPool (piscina, real threads)', () => {
  const shared = new Int32Array(new SharedArrayBuffer(64));
  let pool: WorkerPool<{ shared: Int32Array }, Record<string, unknown>, unknown, unknown, unknown>;

  beforeAll(async () => {
    await ensureBuilt();
    pool = new WorkerPool({ workerFile: WORKER, workers: 2, workerData: { shared }, resourceLimits: { maxOldGenerationSizeMb: 64 } });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('runs tasks and returns their results', async () => {
    const out = await pool.run({ op: 'echo', value: [1, 'a'] });
    expect(out).toMatchObject({ ok: true, value: { echo: [1, 'a'] } });
    expect(pool.size).toBe(2);
  });

  it('shares workerData SharedArrayBuffers without copying: worker writes are visible here', async () => {
    const rs = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => pool.run({ op: 'write-shared', index: i, value: 100 + i })));
    for (const r of rs) expect(r).toMatchObject({ ok: true, value: { isShared: true } });
    expect([...shared.slice(0, 6)]).toEqual([100, 101, 102, 103, 104, 105]);
  });

  it('runs tasks on separate threads at the same time (a two-party barrier in shared memory)', async () => {
    const rs = await Promise.all([pool.run({ op: 'rendezvous', parties: 2 }), pool.run({ op: 'rendezvous', parties: 2 })]);
    expect(rs).toEqual([{ ok: true, value: { met: true } }, { ok: true, value: { met: true } }]);
  });

  it('relays ask/notify messages over the per-task port', async () => {
    const notes: unknown[] = [];
    const out = await pool.run({ op: 'ask', count: 3 }, { onMessage: (p, expectsReply) => (expectsReply ? `answer ${(p as { i: number }).i}` : void notes.push(p)) });
    expect(out).toEqual({ ok: true, value: ['answer 0', 'answer 1', 'answer 2'] });
    await new Promise((r) => setTimeout(r, 20));
    expect(notes).toEqual([{ done: true }]);
  });

  it('fails the task when a handler of a notification fails (a lost write must not pass unnoticed)', async () => {
    const out = await pool.run({ op: 'ask', count: 1 }, {
      onMessage: (_p, expectsReply) => {
        if (expectsReply) return 'answer';
        return Promise.reject(Object.assign(new Error('journal write failed: EFBIG'), { code: 'IO_ERROR' }));
      },
    });
    expect(out).toMatchObject({ ok: false, error: { code: 'IO_ERROR', message: 'journal write failed: EFBIG', details: { during: 'onMessage' } } });
  });

  it('returns thrown errors as data with their code', async () => {
    expect(await pool.run({ op: 'throw' })).toEqual({ ok: false, error: { code: 'INVALID_DATA', message: 'bad input row 3', details: { row: 3 } } });
  });

  it('keeps the code and message of an error whose details cannot be cloned (their JSON form crosses)', async () => {
    expect(await pool.run({ op: 'throw-unclonable' })).toEqual({ ok: false, error: { code: 'INVALID_DATA', message: 'bad input row 4', details: { row: 4 } } });
  });

  it('times out a hung task by terminating its thread; the pool keeps working', async () => {
    const out = await pool.run({ op: 'hang' }, { timeoutMs: 300 });
    expect(out).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(await pool.run({ op: 'echo', value: 1 })).toMatchObject({ ok: true });
  });

  it('reports a worker that runs out of memory as OUT_OF_MEMORY', async () => {
    const out = await pool.run({ op: 'oom' });
    expect(out).toMatchObject({ ok: false, error: { code: 'OUT_OF_MEMORY' } });
    expect(await pool.run({ op: 'echo', value: 2 })).toMatchObject({ ok: true, value: { echo: 2 } });
  });

  it('cancels a running task through an AbortSignal', async () => {
    const ac = new AbortController();
    const p = pool.run({ op: 'hang' }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    expect(await p).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    const pre = new AbortController();
    pre.abort();
    expect(await pool.run({ op: 'echo', value: 3 }, { signal: pre.signal })).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });
});

describe('exec WorkerPool: time limits and closing', () => {
  beforeAll(ensureBuilt, 240_000);

  it("starts a task's time limit when its thread is ready, not while the thread boots", async () => {
    const pool = new WorkerPool<{ bootMs: number }, { workMs: number }, unknown>({ workerFile: SLOW_BOOT_WORKER, workers: 1, workerData: { bootMs: 700 } });
    try {
      // 700 ms of booting, 10 ms of work, a 300 ms limit: the task is within its limit
      expect(await pool.run({ workMs: 10 }, { timeoutMs: 300 })).toEqual({ ok: true, value: { worked: 10 } });
      // the limit still applies to the work itself (the replacement thread boots first, uncounted)
      expect(await pool.run({ workMs: 1500 }, { timeoutMs: 300 })).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
      expect(await pool.run({ workMs: 10 }, { timeoutMs: 300 })).toEqual({ ok: true, value: { worked: 10 } });
    } finally {
      await pool.close();
    }
  });

  it('close() called while a task runs, which is then cancelled, waits for it and stops the threads', async () => {
    const pool = new WorkerPool<{ shared: Int32Array }, Record<string, unknown>, unknown>({
      workerFile: WORKER,
      workers: 2,
      workerData: { shared: new Int32Array(new SharedArrayBuffer(64)) },
    });
    const ac = new AbortController();
    expect(await pool.run({ op: 'echo', value: 1 })).toMatchObject({ ok: true });
    const running = pool.run({ op: 'hang' }, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 200));
    const closing = pool.close().then(() => 'closed');
    setTimeout(() => ac.abort(), 100);
    // piscina's own close would wait for its 30 s close timeout here (the cancelled task's thread
    // is removed without reporting the task done)
    const hung = new Promise((r) => setTimeout(() => r('still closing after 10 s'), 10_000).unref());
    expect(await Promise.race([closing, hung])).toBe('closed');
    expect(await running).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(await pool.run({ op: 'echo', value: 2 })).toMatchObject({ ok: false, error: { code: 'CANCELLED', message: 'worker pool is closed' } });
  }, 20_000);
});

