/** The machine a run is measured on (absolute times are only valid for it) and the result file name. */
import os from 'node:os';

export function machineInfo(now = new Date()) {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: now.toISOString(),
    loadavg: os.loadavg().map((x) => +x.toFixed(2)),
  };
}

/** `<machine>-<YYYY-MM-DD>[-quick].json`, the machine part reduced to [a-z0-9-]. */
export function resultFileName(machine, mode) {
  const host = String(machine.hostname).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'machine';
  const day = String(machine.date).slice(0, 10);
  return `${host}-${day}${mode === 'quick' ? '-quick' : ''}.json`;
}
