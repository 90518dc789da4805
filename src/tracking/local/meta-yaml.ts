/**
 * `meta.yaml` text as MLflow's FileStore writes and reads it: PyYAML safe-dump style (block style,
 * keys sorted) in the YAML 1.1 schema, so every string that PyYAML would read as a number, bool,
 * date or null (digit-only run ids, `yes`, `2024-01-01`, `1_000`) is quoted.
 */
import { parse, stringify } from 'yaml';
import { TrainSpamError } from '../../core/errors.js';

export type Meta = Record<string, unknown>;

export function dumpMeta(meta: Meta): string {
  return stringify(meta, { version: '1.1', sortMapEntries: true, lineWidth: 0, minContentWidth: 0 });
}

export function parseMeta(text: string, file: string): Meta {
  let v: unknown;
  try {
    v = parse(text, { version: '1.1' });
  } catch (e) {
    throw new TrainSpamError('FORMAT_ERROR', `tracking: '${file}' is not valid YAML: ${(e as Error).message}`, { file });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw new TrainSpamError('FORMAT_ERROR', `tracking: '${file}' must hold a YAML mapping`, { file });
  }
  return v as Meta;
}

/** Reads an id-like field that another writer may have left unquoted (a number). */
export function metaString(meta: Meta, key: string, fallback = ''): string {
  const v = meta[key];
  if (v === null || v === undefined) return fallback;
  return typeof v === 'string' ? v : String(v);
}

export function metaNumber(meta: Meta, key: string): number | null {
  const v = meta[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}
