/** Ports: what engine code may ask of the outside world, injected by adapters (cli, workers). */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds (high resolution) for durations. */
  monotonic(): number;
}

export const silentLogger: Logger = { log: () => undefined };

export function makeLogger(sink: (line: string, level: LogLevel) => void, minLevel: LogLevel = 'info'): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    log(level, message, fields) {
      if (order[level] < order[minLevel]) return;
      const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
      sink(`${level === 'info' ? '' : level.toUpperCase() + ': '}${message}${extra}`, level);
    },
  };
}
