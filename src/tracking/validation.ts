/**
 * Boundary checks shared by every tracking implementation: metric/param/tag keys, artifact paths,
 * registry names and aliases. Bad input is an `INVALID_ARGUMENT` error before anything is written
 * or sent, so the local store and the REST client reject the same things.
 */
import { TrainSpamError } from '../core/errors.js';
import { MODEL_STAGES, type ModelStage } from './contract.js';

export const MAX_KEY_LENGTH = 250;
const KEY_CHARS = /^[\w\-. /]+$/;

function bad(message: string, details: Record<string, unknown>): TrainSpamError {
  return new TrainSpamError('INVALID_ARGUMENT', message, details);
}

/** Splits a relative `/`-path and rejects `..`, `.`-only traversal, absolute paths, NUL, `\`. */
function checkRelativePath(what: string, p: string, allowEmpty: boolean): string[] {
  if (typeof p !== 'string') throw bad(`${what} must be a string`, { value: String(p) });
  if (p.includes('\0')) throw bad(`${what} contains a NUL character`, { value: p.replace(/\0/g, '\\0') });
  if (p.includes('\\')) throw bad(`${what} '${p}' contains a backslash; use '/' separators`, { value: p });
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) throw bad(`${what} '${p}' must be relative, not absolute`, { value: p });
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) throw bad(`${what} '${p}' must not contain '..'`, { value: p });
  if (!allowEmpty && parts.length === 0) throw bad(`${what} must not be empty`, { value: p });
  return parts;
}

/** Metric, param and tag keys: MLflow's rules (≤ 250 chars of `[\w\-. /]`, no `..`, relative). */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw bad(`${kind} key must be a non-empty string`, { kind });
  if (key.length > MAX_KEY_LENGTH) {
    throw bad(`${kind} key '${key.slice(0, 40)}…' is ${key.length} chars; the limit is ${MAX_KEY_LENGTH}`, { kind, length: key.length });
  }
  checkRelativePath(`${kind} key`, key, false);
  if (!KEY_CHARS.test(key)) {
    throw bad(`${kind} key '${key}' may only contain letters, digits, '_', '-', '.', ' ' and '/'`, { kind, key });
  }
  if (key.split('/').some((s) => s === '')) throw bad(`${kind} key '${key}' has an empty path component`, { kind, key });
}

/** Normalises an artifact path (relative, `/`-separated); '' means the artifact root. */
export function normalizeArtifactPath(p: string | undefined, allowEmpty = true): string {
  if (p === undefined) return '';
  return checkRelativePath('artifact path', p, allowEmpty).join('/');
}

/** Registered model names end up as directory names (local) and URL query values (REST). */
export function validateModelName(name: string): void {
  if (typeof name !== 'string' || name.trim().length === 0) throw bad('registered model name must be a non-empty string', {});
  if (name.length > 256) throw bad(`registered model name is ${name.length} chars; the limit is 256`, {});
  if (/[\0/\\]/.test(name) || name === '.' || name === '..') {
    throw bad(`registered model name '${name.replace(/\0/g, '\\0')}' must not contain '/', '\\', NUL or be '.'/'..'`, { name });
  }
}

export function validateExperimentName(name: string): void {
  if (typeof name !== 'string' || name.trim().length === 0) throw bad('experiment name must be a non-empty string', {});
  if (name.includes('\0')) throw bad('experiment name contains a NUL character', {});
}

/** MLflow alias rules: `[\w-]{1,255}`, not `latest` (any case), not `v<digits>`. */
export function validateAlias(alias: string): void {
  if (typeof alias !== 'string' || !/^[\w-]{1,255}$/.test(alias)) {
    throw bad(`alias '${String(alias)}' must match [A-Za-z0-9_-]{1,255}`, { alias: String(alias) });
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) throw bad(`alias '${alias}' is reserved`, { alias });
}

export function validateVersion(version: string): void {
  if (typeof version !== 'string' || !/^[1-9]\d{0,17}$/.test(version)) {
    throw bad(`model version '${String(version)}' must be a positive integer string`, { version: String(version) });
  }
}

/** Ids that become directory names: `[A-Za-z0-9][\w-]{0,255}` (MLflow's FileStore rule). */
export function validateId(kind: 'run' | 'experiment', id: string): void {
  const max = kind === 'run' ? 255 : 63;
  if (typeof id !== 'string' || !new RegExp(`^[A-Za-z0-9][\\w-]{0,${max}}$`).test(id)) {
    throw bad(`${kind} id '${String(id).replace(/\0/g, '\\0')}' is not a valid id`, { kind });
  }
}

export function validateStep(step: number, key: string): void {
  if (!Number.isSafeInteger(step)) throw bad(`metric '${key}': step ${step} must be an integer`, { key, step });
}

/** Stage names are case-insensitive on input (`staging` → `Staging`), like the server's. */
export function normalizeStage(stage: string): ModelStage {
  const s = MODEL_STAGES.find((x) => x.toLowerCase() === String(stage).toLowerCase());
  if (!s) throw bad(`invalid model stage '${stage}'; expected one of ${MODEL_STAGES.join(', ')}`, { stage });
  return s;
}

/**
 * A string as a literal of an MLflow search filter: in single quotes, or in double quotes when it
 * holds a single quote (the filter grammar has no escapes); one holding both cannot be searched for.
 */
export function filterLiteral(value: string, what: string): string {
  if (!isFilterQuotable(value)) {
    throw bad(`${what} '${value}' holds both quote characters and cannot be written in an MLflow search filter`, { value });
  }
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

/** Whether filterLiteral can write the value (it does not hold both quote characters). */
export function isFilterQuotable(value: string): boolean {
  return !(value.includes("'") && value.includes('"'));
}
