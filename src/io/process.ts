/**
 * Whether a process runs on this host: signal 0 delivers nothing, only checks. EPERM means it runs
 * under another user. (A pid of 0 or below names a process group, which counts as running: such a
 * pid never leads to clean-up or a lock taken over.) A pid from another host (or pid namespace) means nothing here: callers that
 * may see one guard against it themselves (the model lock records the host; the parquet writer's
 * clean-up also requires a stale file).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
