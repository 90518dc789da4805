/**
 * How long the calling thread has waited in the run queue (runnable but not running: preempted by
 * other threads or processes), from Linux's per-thread scheduler statistics. A timed call minus
 * the run-queue wait during it is the time the call itself took, whatever the machine's load:
 * what it ran, and what it blocked on (I/O, a GC it had to wait for), are kept.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface RunQueueClock {
  /** Run-queue wait of the thread that opened the clock, in ms since it started (read afresh each call). */
  waitedMs(): number;
  close(): void;
}

/**
 * A run-queue clock for the calling thread (/proc/thread-self/schedstat: on-CPU ns, run-queue wait
 * ns, time slices), read through one open descriptor (~2 µs a read here); null where the file
 * cannot be opened or read (another OS, a kernel without scheduler statistics).
 */
export function openRunQueueClock(path = '/proc/thread-self/schedstat'): RunQueueClock | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(128);
  const waitedMs = (): number => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    let i = 0;
    while (i < n && buf[i] !== 0x20) i++;
    let ns = 0;
    let digits = 0;
    for (i++; i < n && buf[i] >= 0x30 && buf[i] <= 0x39; i++, digits++) ns = ns * 10 + (buf[i] - 0x30);
    if (digits === 0) throw new Error(`${path}: no run-queue wait field`);
    return ns / 1e6;
  };
  try {
    waitedMs();
  } catch {
    closeSync(fd);
    return null;
  }
  return { waitedMs, close: () => closeSync(fd) };
}
