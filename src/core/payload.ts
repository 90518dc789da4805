/**
 * A serialisable learned object: JSON-safe metadata plus named typed arrays. Fitted feature
 * pipelines and fitted models both reduce to this; the artifact writer (io/) stores the metadata
 * as JSON and the arrays as one binary blob. Loading never evaluates code.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export type NumericArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array | Int8Array | Uint16Array | Int16Array;

export interface Payload {
  /** What kind of object this is, e.g. 'model/gbm' or 'features/pipeline'. */
  readonly kind: string;
  /** Version of this kind's payload layout; readers reject versions they do not know. */
  readonly version: number;
  readonly meta: { [k: string]: JsonValue };
  readonly arrays: Readonly<Record<string, NumericArray>>;
}

/**
 * The first place (dotted path of object keys; '(root)' for the values themselves) where two JSON
 * values differ, or null when they are equal. Object key order does not matter.
 */
export function jsonDifference(a: JsonValue, b: JsonValue, path = ''): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      const d = jsonDifference((a as Record<string, JsonValue>)[k] ?? null, (b as Record<string, JsonValue>)[k] ?? null, path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  return path || '(root)';
}

/** JSON text with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(v: JsonValue): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, JsonValue>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}
