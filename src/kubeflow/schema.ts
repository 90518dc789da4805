/**
 * A small declarative schema language: one description gives both the TypeScript type (`Infer`)
 * and the runtime check (`checkSchema`) that rejects unknown fields and wrong JSON types, the way
 * the KFP API server's strict protojson parse does. Used for the PipelineSpec subset we emit.
 */

export type Schema =
  | { readonly kind: 'string'; readonly pattern?: RegExp }
  | { readonly kind: 'number'; readonly int?: boolean }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'json' }
  | { readonly kind: 'list'; readonly of: Schema }
  | { readonly kind: 'map'; readonly of: Schema }
  | ObjectSchema;

export interface Field {
  readonly schema: Schema;
  readonly optional: boolean;
}
export interface ObjectSchema {
  readonly kind: 'object';
  readonly fields: Readonly<Record<string, Field>>;
  /** Groups of field names of which exactly one must be present (proto `oneof`). */
  readonly oneOf?: readonly (readonly string[])[];
  /** Groups of which at most one may be present. */
  readonly atMostOne?: readonly (readonly string[])[];
}

export const str = (pattern?: RegExp) => ({ kind: 'string', pattern }) as const;
export const num = { kind: 'number' } as const;
export const int = { kind: 'number', int: true } as const;
export const bool = { kind: 'boolean' } as const;
export const json = { kind: 'json' } as const;
export const enm = <const V extends readonly string[]>(values: V) => ({ kind: 'enum', values }) as const;
export const list = <S extends Schema>(of: S) => ({ kind: 'list', of }) as const;
export const map = <S extends Schema>(of: S) => ({ kind: 'map', of }) as const;
export const req = <S extends Schema>(schema: S) => ({ schema, optional: false }) as const;
export const opt = <S extends Schema>(schema: S) => ({ schema, optional: true }) as const;
export const obj = <const F extends Record<string, Field>>(
  fields: F,
  rules: { oneOf?: readonly (readonly (keyof F & string)[])[]; atMostOne?: readonly (readonly (keyof F & string)[])[] } = {},
) => ({ kind: 'object', fields, ...rules }) as const;

/** JSON value (`google.protobuf.Value`). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

type OptionalKeys<F> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];
type RequiredKeys<F> = Exclude<keyof F, OptionalKeys<F>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type Infer<S> = S extends { kind: 'string' }
  ? string
  : S extends { kind: 'number' }
    ? number
    : S extends { kind: 'boolean' }
      ? boolean
      : S extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : S extends { kind: 'json' }
          ? JsonValue
          : S extends { kind: 'list'; of: infer E }
            ? Infer<E>[]
            : S extends { kind: 'map'; of: infer E }
              ? { [k: string]: Infer<E> }
              : S extends { kind: 'object'; fields: infer F }
                ? Simplify<
                    { [K in RequiredKeys<F>]: F[K] extends { schema: infer X } ? Infer<X> : never } & {
                      [K in OptionalKeys<F>]?: F[K] extends { schema: infer X } ? Infer<X> : never;
                    }
                  >
                : never;

export interface SchemaIssue {
  /** JSON-pointer-like path, e.g. `/root/dag/tasks/hpo-merge/bogus`. */
  readonly path: string;
  readonly message: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks `value` against `schema`; returns every issue found (empty = valid). */
export function checkSchema(value: unknown, schema: Schema, path = ''): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const at = (m: string) => issues.push({ path: path || '/', message: m });
  switch (schema.kind) {
    case 'string':
      if (typeof value !== 'string') at(`expected a string, got ${describe(value)}`);
      else if (schema.pattern && !schema.pattern.test(value)) at(`'${value}' does not match ${schema.pattern}`);
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) at(`expected a number, got ${describe(value)}`);
      else if (schema.int && !Number.isInteger(value)) at(`expected an integer, got ${value}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') at(`expected a boolean, got ${describe(value)}`);
      break;
    case 'enum':
      if (typeof value !== 'string' || !schema.values.includes(value)) at(`expected one of ${schema.values.join(', ')}, got ${describe(value)}`);
      break;
    case 'json':
      if (!isJson(value)) at(`expected a JSON value, got ${describe(value)}`);
      break;
    case 'list':
      if (!Array.isArray(value)) at(`expected a list, got ${describe(value)}`);
      else value.forEach((v, i) => issues.push(...checkSchema(v, schema.of, `${path}/${i}`)));
      break;
    case 'map':
      if (!isPlainObject(value)) at(`expected a mapping, got ${describe(value)}`);
      else for (const k of Object.keys(value).sort()) issues.push(...checkSchema(value[k], schema.of, `${path}/${k}`));
      break;
    case 'object': {
      if (!isPlainObject(value)) {
        at(`expected a mapping, got ${describe(value)}`);
        break;
      }
      for (const k of Object.keys(value).sort()) {
        const f = schema.fields[k];
        if (!f) {
          issues.push({ path: `${path}/${k}`, message: `unknown field '${k}' (known: ${Object.keys(schema.fields).sort().join(', ')})` });
          continue;
        }
        issues.push(...checkSchema(value[k], f.schema, `${path}/${k}`));
      }
      for (const [k, f] of Object.entries(schema.fields)) {
        if (!f.optional && !(k in value)) issues.push({ path: `${path}/${k}`, message: `required field '${k}' is missing` });
      }
      for (const group of schema.oneOf ?? []) {
        const present = group.filter((k) => k in value);
        if (present.length !== 1) at(`exactly one of ${group.join(', ')} must be set, found ${present.length === 0 ? 'none' : present.join(', ')}`);
      }
      for (const group of schema.atMostOne ?? []) {
        const present = group.filter((k) => k in value);
        if (present.length > 1) at(`at most one of ${group.join(', ')} may be set, found ${present.join(', ')}`);
      }
      break;
    }
  }
  return issues;
}

function isJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isPlainObject(v)) return Object.values(v).every(isJson);
  return false;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
