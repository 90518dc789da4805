/** Ports: what engine code may ask of the outside world, injected by adapters (cli, workers). */
import { escapeControls } from './terminal.js';

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

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function makeLogger(sink: (line: string, level: LogLevel) => void, minLevel: LogLevel = 'info'): Logger {
  return {
    log(level, message, fields) {
      if (LEVEL_ORDER[level] < LEVEL_ORDER[minLevel]) return;
      const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
      // text lines go to a terminal: control characters from the input are shown, not sent
      sink(escapeControls(`${level === 'info' ? '' : level.toUpperCase() + ': '}${message}${extra}`), level);
    },
  };
}

/** One JSON object per line ({ ts, level, message, ...fields }), for log collectors (a step's container). */
export function makeJsonLogger(sink: (line: string, level: LogLevel) => void, minLevel: LogLevel = 'info', now: () => number = Date.now): Logger {
  return {
    log(level, message, fields) {
      if (LEVEL_ORDER[level] < LEVEL_ORDER[minLevel]) return;
      // fields first: one named ts, level or message does not replace those
      sink(JSON.stringify({ ...(fields ?? {}), ts: new Date(now()).toISOString(), level, message }), level);
    },
  };
}
