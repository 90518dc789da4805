/**
 * The message protocol between the main thread and pool workers: plain, structured-clone-safe
 * data only (principle 10). Nothing here knows what a task means.
 *
 * - main → worker: a `TaskEnvelope` (the task plus a fresh MessagePort for this task, transferred);
 * - worker → main, on that port: `notify` (fire and forget) or `ask` (the worker awaits a reply);
 * - main → worker, on that port: `reply` answering an `ask` by its sequence number;
 * - worker → main, last: `done`, so the main thread has every notify before it sees the result;
 * - the task's result: a `TaskOutcome` (the worker never throws across the boundary: errors
 *   travel as `{ code, message, details }`).
 */
import type { MessagePort } from 'node:worker_threads';
import type { ErrorData } from '../core/errors.js';

export interface TaskEnvelope<T> {
  readonly taskId: number;
  readonly task: T;
  readonly port: MessagePort;
}

export type WorkerMessage<R> =
  | { readonly kind: 'notify'; readonly payload: R }
  | { readonly kind: 'ask'; readonly seq: number; readonly payload: R }
  /** First message of a task: the worker thread is running it (the time limit starts here). */
  | { readonly kind: 'started' }
  /** Last message of a task: everything posted before it has arrived (ports keep order). */
  | { readonly kind: 'done' };

export interface ReplyMessage<D> {
  readonly kind: 'reply';
  readonly seq: number;
  readonly payload: D;
}

export type TaskOutcome<Res> = { readonly ok: true; readonly value: Res } | { readonly ok: false; readonly error: ErrorData };
