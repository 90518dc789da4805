/**
 * MLflow `error_code` → TrainSpamError code. Only the code is interpreted: the server's message
 * carries SQL and server paths and changes between versions, so it is kept (shortened) in
 * `details.serverMessage` for people, never parsed.
 */
import { TrainSpamError, type ErrorCode } from '../../core/errors.js';

const CODE_MAP: Record<string, ErrorCode> = {
  RESOURCE_DOES_NOT_EXIST: 'NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  RESOURCE_ALREADY_EXISTS: 'ALREADY_EXISTS',
  INVALID_PARAMETER_VALUE: 'INVALID_ARGUMENT',
  BAD_REQUEST: 'INVALID_ARGUMENT',
  MALFORMED_REQUEST: 'INVALID_ARGUMENT',
  INVALID_STATE: 'INVALID_ARGUMENT',
  INVALID_PARAMETER: 'INVALID_ARGUMENT',
  DEADLINE_EXCEEDED: 'TIMEOUT',
};

export interface HttpFailure {
  readonly method: string;
  /** Path without query string. */
  readonly endpoint: string;
  readonly status: number;
  readonly errorCode: string | null;
  readonly serverMessage: string | null;
  readonly attempts: number;
}

export function httpError(f: HttpFailure): TrainSpamError {
  const code: ErrorCode = f.errorCode ? (CODE_MAP[f.errorCode] ?? 'REMOTE_ERROR') : 'REMOTE_ERROR';
  const why = f.errorCode
    ? `${f.errorCode}`
    : f.status === 401 || f.status === 403
      ? 'authentication/authorization failed (check MLFLOW_TRACKING_TOKEN or USERNAME/PASSWORD)'
      : f.status === 404 || f.status === 405
        ? 'no such endpoint (is the URI an MLflow tracking server?)'
        : 'non-JSON error response';
  return new TrainSpamError(code, `MLflow ${f.method} ${f.endpoint} failed: HTTP ${f.status} ${why}`, {
    httpStatus: f.status,
    errorCode: f.errorCode,
    method: f.method,
    endpoint: f.endpoint,
    attempts: f.attempts,
    ...(f.serverMessage ? { serverMessage: f.serverMessage.slice(0, 500) } : {}),
  });
}
