/** Adapters the commands share: logger, progress display, tracking from env + flags, Ctrl-C. */
import { availableParallelism } from 'node:os';
import { makeJsonLogger, makeLogger, type LogLevel, type Logger } from '../core/ports.js';
import { jsonProgress, ttyProgress, type ProgressReporter } from '../hpo/progress.js';
import { openTracking, type TrackingHandle } from '../tracking/factory.js';
import { MAX_TIMEOUT_MS, trackingConfigFromEnv } from '../tracking/config.js';
import type { Tracking } from '../pipeline/context.js';
import { invalidArgument, isTrainSpamError } from '../core/errors.js';
import { hasUriScheme } from '../core/uri.js';

/** Progress lines to stdout; warnings and errors to stderr (seen when stdout is redirected). */
export function cliLogger(verbose = false, env: NodeJS.ProcessEnv = process.env): Logger {
  const sink = (line: string, level: LogLevel) => void (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(line + '\n');
  const min: LogLevel = verbose ? 'debug' : 'info';
  // TRAIN_SPAM_LOG_FORMAT=json (the compiled pipeline sets it on every step container): JSON lines
  const format = env.TRAIN_SPAM_LOG_FORMAT ?? 'text';
  if (format === 'json') return makeJsonLogger(sink, min);
  const logger = makeLogger(sink, min);
  if (format !== 'text') logger.log('warn', `TRAIN_SPAM_LOG_FORMAT='${format}' is not 'text' or 'json'; logging text`);
  return logger;
}

/** On stderr: a rewritten progress line on a terminal, one JSON line per trial event otherwise (jsonProgress ends each line). */
export function cliProgress(): ProgressReporter {
  return process.stderr.isTTY ? ttyProgress((s) => process.stderr.write(s)) : jsonProgress((line) => process.stderr.write(line));
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** A worker count given as `name` (a flag or an environment variable): decimal, in [1, 1024]; the default cores when absent. */
export function parseWorkers(text: string | undefined, name = '--workers'): number {
  if (text === undefined) return defaultWorkers();
  // decimal digits only: Number() would also take '0x2', '1e0' and '0b1'
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw invalidArgument(`${name} '${text}' must be an integer in [1, 1024]`, { usage: true, parameter: name });
  return n;
}

/** Folders and files of a command that are local paths (an object store can be mounted as one): a URI would be taken for a folder named `s3:`. */
export function localPaths(paths: ReadonlyArray<readonly [string, string | undefined]>): void {
  for (const [flag, p] of paths) {
    if (p !== undefined && hasUriScheme(p)) {
      throw invalidArgument(`${flag} '${p}' is a URI; expected a local path (mount an object store as a folder to use one)`, { parameter: flag, usage: true });
    }
  }
}

/** The longest trial timeout in seconds: a longer one overflows Node's timer, which then fires at once and fails every trial. */
export const MAX_TRIAL_TIMEOUT_S = MAX_TIMEOUT_MS / 1000;

export interface CliTracking {
  readonly tracking: Tracking;
  readonly handle: TrackingHandle;
}

/** Tracking from MLFLOW_* env vars, with `--tracking-uri` winning; the local store by default. */
export function cliTracking(trackingUri: string | undefined, logger: Logger, uriSetting?: string): CliTracking {
  let handle: TrackingHandle;
  try {
    handle = openTracking(trackingConfigFromEnv(process.env, { trackingUri: trackingUri || undefined, uriSetting }), { logger });
  } catch (e) {
    // a bad MLFLOW_* variable or tracking URI is the user's setting, named in the message: a usage error (64)
    if (isTrainSpamError(e) && e.code === 'INVALID_ARGUMENT') throw invalidArgument(e.message, { ...e.details, usage: true });
    throw e;
  }
  return { handle, tracking: { store: handle.store, registry: handle.registry, description: handle.describe() } };
}

/**
 * First Ctrl-C (or SIGTERM) aborts the signal (steps stop cleanly); a second one exits at once.
 * `stopping` says what the command does on the way out.
 */
export function interruptSignal(stopping = 'stopping running trials and closing the run'): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  let hits = 0;
  const onSigint = () => {
    hits++;
    if (hits === 1) {
      process.stderr.write(`\ntrain-spam: interrupted; ${stopping} (Ctrl-C again to exit now)\n`);
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}
