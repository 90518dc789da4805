/** Exit codes of the CLI (documented in the README). */
import { isTrainSpamError, toErrorData } from '../core/errors.js';
import { escapeControls } from '../core/terminal.js';

export const EXIT = {
  /** Success; for `run`: the model was promoted (or nothing needed promotion). */
  OK: 0,
  /** An error: bad input, I/O, a crashed step. Nothing half-written is left behind. */
  ERROR: 1,
  /** The pipeline ran, but a validation gate or the comparison against Staging failed: nothing registered. */
  GATES_FAILED: 2,
  /** Usage error (unknown flag, bad flag value). */
  USAGE: 64,
  /** Interrupted (Ctrl-C): the run was marked killed. */
  INTERRUPTED: 130,
} as const;

export function exitCodeFor(e: unknown): number {
  if (isTrainSpamError(e)) {
    if (e.code === 'GATE_FAILED') return EXIT.GATES_FAILED;
    if (e.code === 'CANCELLED') return EXIT.INTERRUPTED;
    if (e.code === 'INVALID_ARGUMENT' && e.details.usage === true) return EXIT.USAGE;
  }
  return EXIT.ERROR;
}

/** The line a failed command ends with; a JSON object under TRAIN_SPAM_LOG_FORMAT=json, as the log lines are. */
export function formatError(e: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const d = toErrorData(e);
  if (env.TRAIN_SPAM_LOG_FORMAT === 'json') {
    return JSON.stringify({ ts: new Date().toISOString(), level: 'error', code: d.code, message: d.message, details: d.details ?? {} });
  }
  return `train-spam: error [${d.code}]: ${escapeControls(d.message)}`;
}
