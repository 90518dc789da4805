/**
 * Worker-side half of the pool protocol. A worker entry file does
 *
 *   export default defineWorker<MyData, MyTask, MyResult, MyReport, MyReply>(async (task, ctx) => ...);
 *
 * `ctx.workerData` is the pool's workerData (cloned once per worker thread; typed arrays on
 * SharedArrayBuffers inside it are shared, not copied). `ctx.notify` posts a message to the main
 * thread; `ctx.ask` posts one and resolves with the main thread's reply. Whatever the handler
 * throws comes back as a `{ ok: false, error }` outcome.
 */
import type { MessagePort } from 'node:worker_threads';
import { toErrorData, type ErrorData } from '../core/errors.js';
import type { ReplyMessage, TaskEnvelope, TaskOutcome, WorkerMessage } from './protocol.js';

export interface WorkerContext<W, R, D> {
  readonly workerData: W;
  readonly taskId: number;
  notify(payload: R): void;
  ask(payload: R): Promise<D>;
}

export type WorkerHandler<W, T, Res, R, D> = (task: T, ctx: WorkerContext<W, R, D>) => Promise<Res> | Res;

function channel<R, D>(port: MessagePort): { notify(p: R): void; ask(p: R): Promise<D>; close(): void } {
  let seq = 0;
  const waiting = new Map<number, (d: D) => void>();
  port.on('message', (m: ReplyMessage<D>) => {
    const resolve = waiting.get(m.seq);
    if (resolve) {
      waiting.delete(m.seq);
      resolve(m.payload);
    }
  });
  return {
    notify(payload: R) {
      const msg: WorkerMessage<R> = { kind: 'notify', payload };
      port.postMessage(msg);
    },
    ask(payload: R) {
      const s = ++seq;
      return new Promise<D>((resolve) => {
        waiting.set(s, resolve);
        const msg: WorkerMessage<R> = { kind: 'ask', seq: s, payload };
        port.postMessage(msg);
      });
    },
    close() {
      const done: WorkerMessage<R> = { kind: 'done' };
      port.postMessage(done);
      port.close();
    },
  };
}

/**
 * Error data that survives postMessage. Details holding something structured clone refuses (a
 * function, a symbol) would make the outcome itself unsendable: the thread would crash and the
 * task come back as INTERNAL, its code and message lost. Such details keep their JSON form.
 */
function sendable(d: ErrorData): ErrorData {
  if (d.details === undefined) return d;
  try {
    structuredClone(d.details);
    return d;
  } catch {
    try {
      return { code: d.code, message: d.message, details: JSON.parse(JSON.stringify(d.details)) as Record<string, unknown> };
    } catch {
      return { code: d.code, message: d.message };
    }
  }
}

export interface WorkerOptions {
  /**
   * Settles when the thread has finished booting (modules it loads after its entry file, runtimes
   * it preloads). A task's `started` message, from which the pool's time limit runs, is posted
   * only then: booting a thread is not the task's time. Its rejection is ignored here (the handler
   * reports what failed to load).
   */
  readonly ready?: PromiseLike<unknown>;
}

function noop(): void {}

/** Wraps a handler into the function piscina calls with each TaskEnvelope. */
export function defineWorker<W, T, Res, R = never, D = never>(
  workerData: W,
  handler: WorkerHandler<W, T, Res, R, D>,
  options: WorkerOptions = {},
): (envelope: TaskEnvelope<T>) => Promise<TaskOutcome<Res>> {
  const ready = options.ready ? Promise.resolve(options.ready).then(noop, noop) : null;
  return async (envelope: TaskEnvelope<T>): Promise<TaskOutcome<Res>> => {
    const ch = channel<R, D>(envelope.port);
    if (ready) await ready;
    const started: WorkerMessage<R> = { kind: 'started' };
    envelope.port.postMessage(started);
    try {
      const value = await handler(envelope.task, { workerData, taskId: envelope.taskId, notify: ch.notify, ask: ch.ask });
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: sendable(toErrorData(e)) };
    } finally {
      ch.close();
    }
  };
}
