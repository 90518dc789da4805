/**
 * A generic worker pool over piscina. It knows nothing about ML: it runs tasks of type T in
 * worker threads whose entry file was written with `defineWorker`, relays the worker's messages
 * (notify / ask) to `onMessage`, and turns every failure into a `TaskOutcome` with error data:
 *
 * - the handler threw            → the worker's own error data (code preserved)
 * - `timeoutMs` elapsed since the worker started the task → TIMEOUT (thread terminated, replaced)
 * - `signal` aborted              → CANCELLED (likewise)
 * - the thread ran out of memory  → OUT_OF_MEMORY (`resourceLimits` caps each worker's heap)
 * - the thread crashed otherwise  → INTERNAL
 *
 * `run` never rejects. One task at a time per worker (concurrentTasksPerWorker = 1); callers that
 * want a strict order keep at most `size` tasks in flight (piscina's queue is FIFO).
 *
 * `workerData` is cloned once per worker thread (when the thread starts, including replacement
 * threads); typed arrays backed by SharedArrayBuffers are shared, not copied, so a feature matrix
 * crosses to every worker once and without a copy.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { invalidArgument, toErrorData, type ErrorData } from '../core/errors.js';
import type { ReplyMessage, TaskEnvelope, TaskOutcome, WorkerMessage } from './protocol.js';

export interface PoolOptions<W> {
  /** Compiled JS entry file (absolute path or file: URL) whose default export comes from defineWorker. */
  readonly workerFile: string | URL;
  /** Number of worker threads (default: available cores). */
  readonly workers?: number;
  readonly workerData?: W;
  readonly resourceLimits?: ResourceLimits;
}

export interface RunOptions<R, D> {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /**
   * Called for each message the worker posts. For an `ask` (`expectsReply` true), the value
   * returned (or resolved) is sent back as the reply.
   */
  readonly onMessage?: (payload: R, expectsReply: boolean) => D | Promise<D> | void;
}

/** Upper bound on the wait for a task's `done` message after its result arrived. */
const DONE_GRACE_MS = 2000;
/** A task whose thread has not started it after this long fails with TIMEOUT (only with a time limit). */
const START_LIMIT_MS = 120_000;

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

function crashError(e: unknown): ErrorData {
  const err = e as { code?: unknown; message?: unknown };
  if (err && err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { code: 'OUT_OF_MEMORY', message: `worker ran out of memory: ${String(err.message)}`, details: { cause: 'ERR_WORKER_OUT_OF_MEMORY' } };
  }
  const d = toErrorData(e);
  return { ...d, details: { ...(d.details ?? {}), crashed: true } };
}

export class WorkerPool<W, T, Res, R = never, D = never> {
  private readonly piscina: Piscina;
  private nextId = 0;
  private closed = false;
  /** Tasks started by `run` and not yet settled. */
  private readonly inFlight = new Set<Promise<unknown>>();
  readonly size: number;

  constructor(options: PoolOptions<W>) {
    const n = options.workers ?? defaultWorkerCount();
    if (!Number.isInteger(n) || n < 1) throw invalidArgument(`worker pool: workers = ${n}; expected an integer ≥ 1`, { parameter: 'workers' });
    this.size = n;
    const filename = typeof options.workerFile === 'string' ? options.workerFile : options.workerFile.href;
    this.piscina = new Piscina({
      filename,
      minThreads: n,
      maxThreads: n,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
      // Workers may hold asynchronous work between report points; never park them in Atomics.wait.
      atomics: 'disabled',
      workerData: options.workerData,
      resourceLimits: options.resourceLimits,
      recordTiming: false,
    });
    // Uncaught errors of idle workers: the affected task (if any) is rejected, nothing else to do.
    this.piscina.on('error', () => undefined);
  }

  /** Runs one task; resolves with its outcome, never rejects. */
  run(task: T, options: RunOptions<R, D> = {}): Promise<TaskOutcome<Res>> {
    const p = this.runTask(task, options);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private async runTask(task: T, options: RunOptions<R, D>): Promise<TaskOutcome<Res>> {
    if (this.closed) return { ok: false, error: { code: 'CANCELLED', message: 'worker pool is closed' } };
    const taskId = ++this.nextId;
    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    let reason: ErrorData | null = null;
    const stop = (why: ErrorData) => {
      if (reason === null) reason = why;
      abort.abort();
    };
    const onAbort = () => stop({ code: 'CANCELLED', message: 'task cancelled' });
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // The time limit runs from the worker's `started` message, so waiting for a (replacement)
    // thread to boot does not count; a thread that never starts the task fails after START_LIMIT_MS.
    const limited = options.timeoutMs !== undefined && options.timeoutMs > 0;
    let timer: ReturnType<typeof setTimeout> | null = limited
      ? setTimeout(() => stop({ code: 'TIMEOUT', message: `worker did not start the task within ${START_LIMIT_MS} ms`, details: { timeoutMs: options.timeoutMs } }), START_LIMIT_MS)
      : null;
    const startClock = () => {
      if (!limited) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => stop({ code: 'TIMEOUT', message: `task exceeded its time limit of ${options.timeoutMs} ms`, details: { timeoutMs: options.timeoutMs } }), options.timeoutMs);
    };
    let markDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (markDone = resolve));
    port1.on('message', (m: WorkerMessage<R>) => {
      const handler = options.onMessage;
      if (m.kind === 'started') {
        startClock();
        return;
      }
      if (m.kind === 'done') {
        markDone();
        return;
      }
      // A handler that fails (e.g. its journal write) stops the task with that error, whether the
      // worker waits for a reply or not: a lost notification must not pass unnoticed.
      const failed = (e: unknown) => stop({ ...toErrorData(e), details: { ...(toErrorData(e).details ?? {}), during: 'onMessage' } });
      if (m.kind === 'notify') {
        if (handler) Promise.resolve().then(() => handler(m.payload, false)).then(undefined, failed);
        return;
      }
      Promise.resolve()
        .then(() => (handler ? handler(m.payload, true) : undefined))
        .then(
          (payload) => {
            const reply: ReplyMessage<D | undefined> = { kind: 'reply', seq: m.seq, payload: payload as D | undefined };
            try {
              port1.postMessage(reply);
            } catch {
              /* port closed: the task ended */
            }
          },
          failed,
        );
    });
    const envelope: TaskEnvelope<T> = { taskId, task, port: port2 };
    try {
      if (reason !== null) return { ok: false, error: reason };
      const out = (await this.piscina.run(envelope, { transferList: [port2] as never, signal: abort.signal })) as TaskOutcome<Res>;
      // the result travels on piscina's channel, the messages on ours: let the messages land first
      await Promise.race([done, new Promise((r) => setTimeout(r, DONE_GRACE_MS).unref())]);
      return reason !== null ? { ok: false, error: reason } : out;
    } catch (e) {
      return { ok: false, error: reason ?? crashError(e) };
    } finally {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  /** Number of tasks waiting for a free worker. */
  get queued(): number {
    return this.piscina.queueSize;
  }

  /**
   * Waits for running tasks, then stops every thread. The tasks are awaited here, not through
   * piscina's close: a thread removed under an aborted task never reports that task done, and
   * piscina then waits for its close timeout on an unreferenced timer, so a process with nothing
   * else to do would exit in the middle of `close` (with its caller's promise never settled). The
   * interval keeps the process alive until the threads are stopped.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      await Promise.allSettled([...this.inFlight]);
      await this.piscina.close();
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** Stops every thread now; running tasks resolve as failed. */
  async destroy(): Promise<void> {
    this.closed = true;
    await this.piscina.destroy();
  }
}
