/**
 * Whether a failed create may still have created its object on the server: no answer came
 * (timeout, dropped connection) or the server failed (5xx) after perhaps doing the work. A refusal
 * (4xx) created nothing, nor did a 503 (the server refused the work: the transport retries it, for
 * creates too, so the two must agree). Callers look the object up instead of creating it twice.
 */
import { isTrainSpamError } from '../core/errors.js';

export function mayHaveCreated(e: unknown): boolean {
  if (!isTrainSpamError(e)) return false;
  if (e.code === 'TIMEOUT' || e.code === 'NETWORK_ERROR') return true;
  const status = e.details.httpStatus;
  return e.code === 'REMOTE_ERROR' && typeof status === 'number' && status >= 500 && status !== 503;
}
