/**
 * Per-thread scheduling priority. A thread whose work may wait for idle cores (the plot renderer
 * loading vega while the data, feature and HPO steps keep both cores busy) lowers its own priority
 * to the lowest (nice 19): it then runs on what the other threads leave, without slowing them.
 *
 * Linux only, where setpriority(2) applies to one thread when given its thread id (read from
 * /proc/thread-self). Elsewhere, or when /proc is not mounted, nothing changes. An unprivileged
 * thread cannot raise its priority again, so only threads that keep the low priority for good
 * call this.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The lowest priority (nice 19) for the calling thread; returns whether it was set. */
export function lowerThisThreadPriority(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, 19);
    return true;
  } catch {
    return false;
  }
}
