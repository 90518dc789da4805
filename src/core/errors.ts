/**
 * One error type for the whole project. Errors are data: a stable `code`, a human message and
 * JSON-safe `details`, so they survive worker threads, journals and REST responses unchanged.
 */

/** Stable error codes. Add new codes here; never change the meaning of an existing one. */
export type ErrorCode =
  | 'INVALID_ARGUMENT' // a parameter is out of range or of the wrong type
  | 'INVALID_DATA' // input data is malformed (schema, NaN, shapes, ...)
  | 'SCHEMA_MISMATCH' // a file/table does not have the expected columns/types
  | 'NOT_FOUND' // a file, run, model, version ... does not exist
  | 'ALREADY_EXISTS'
  | 'IO_ERROR' // reading/writing a file failed
  | 'FORMAT_ERROR' // a serialized artifact has an unknown version or bad layout
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'REMOTE_ERROR' // a remote server (MLflow, KFP) answered with an error
  | 'NETWORK_ERROR'
  | 'GATE_FAILED'
  | 'CONFLICT' // what a decision was made on changed before it was carried out (another writer)
  | 'SANITY_FAILED'
  | 'OUT_OF_MEMORY'
  | 'INTERNAL';

export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export class TrainSpamError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainSpamError';
    this.code = code;
    this.details = details;
  }

  toJSON(): ErrorData {
    return { code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error that crossed a thread or process boundary as plain data. */
  static fromJSON(data: ErrorData): TrainSpamError {
    return new TrainSpamError(data.code, data.message, data.details ?? {});
  }
}

export function isTrainSpamError(e: unknown): e is TrainSpamError {
  return e instanceof TrainSpamError;
}

/** Converts anything thrown into plain error data (for journals, worker messages, reports). */
export function toErrorData(e: unknown): ErrorData {
  if (e instanceof TrainSpamError) return e.toJSON();
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && typeof (e as ErrorData).message === 'string') {
    const c = (e as { code: unknown }).code;
    if (typeof c === 'string' && KNOWN_CODES.has(c as ErrorCode)) {
      return { code: c as ErrorCode, message: (e as ErrorData).message, details: (e as ErrorData).details ?? {} };
    }
  }
  if (e instanceof RangeError && /allocation|memory/i.test(e.message)) {
    return { code: 'OUT_OF_MEMORY', message: e.message };
  }
  // A file-system error that no caller translated (Node's message names the call and the path,
  // e.g. "ENOTDIR: not a directory, mkdir '/x/y'"): an I/O error, not an internal one.
  if (e instanceof Error && isSystemFileError(e)) {
    const { code, syscall, path } = e as unknown as NodeFileError;
    return { code: code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', message: e.message, details: { errno: code, syscall, ...(path !== undefined ? { path } : {}) } };
  }
  if (e instanceof Error) return { code: 'INTERNAL', message: e.message, details: { name: e.name } };
  return { code: 'INTERNAL', message: String(e) };
}

interface NodeFileError {
  readonly code: string;
  readonly syscall: string;
  readonly path?: string;
}

const FILE_SYSCALLS = new Set([
  'open', 'close', 'read', 'write', 'mkdir', 'mkdtemp', 'rmdir', 'rm', 'unlink', 'rename', 'stat', 'lstat', 'fstat', 'access',
  'scandir', 'opendir', 'readlink', 'realpath', 'copyfile', 'fsync', 'fdatasync', 'ftruncate', 'truncate', 'chmod', 'link', 'symlink', 'utime',
]);

/** Node's errors of file-system calls carry an errno code (ENOENT, ENOTDIR, ...) and the syscall. */
function isSystemFileError(e: Error): boolean {
  const f = e as Partial<NodeFileError>;
  return typeof f.code === 'string' && /^E[A-Z]+$/.test(f.code) && typeof f.syscall === 'string' && FILE_SYSCALLS.has(f.syscall);
}

const KNOWN_CODES = new Set<ErrorCode>([
  'INVALID_ARGUMENT', 'INVALID_DATA', 'SCHEMA_MISMATCH', 'NOT_FOUND', 'ALREADY_EXISTS', 'IO_ERROR',
  'FORMAT_ERROR', 'TIMEOUT', 'CANCELLED', 'REMOTE_ERROR', 'NETWORK_ERROR', 'GATE_FAILED',
  'CONFLICT', 'SANITY_FAILED', 'OUT_OF_MEMORY', 'INTERNAL',
]);

/** Shorthands used across the code base. */
export const invalidArgument = (message: string, details?: Record<string, unknown>) =>
  new TrainSpamError('INVALID_ARGUMENT', message, details);
export const invalidData = (message: string, details?: Record<string, unknown>) =>
  new TrainSpamError('INVALID_DATA', message, details);
