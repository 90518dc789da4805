/**
 * Declarative hyperparameter specs. Each estimator exports a `ParamSpec`; the same spec drives
 * validation (with messages that name the parameter and its allowed range), defaults, the HPO
 * search-space bounds (`search`) and the docs.
 */
import { invalidArgument } from './errors.js';

interface Base {
  readonly description: string;
}
/** Default search range used by HPO (must lie inside the allowed range). */
export interface NumericSearch {
  readonly low: number;
  readonly high: number;
  readonly log?: boolean;
}
export interface FloatParam extends Base {
  readonly type: 'float';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  readonly search?: NumericSearch;
}
export interface IntParam extends Base {
  readonly type: 'int';
  readonly default: number;
  readonly min?: number;
  readonly max?: number;
  readonly search?: NumericSearch;
}
export interface BoolParam extends Base {
  readonly type: 'bool';
  readonly default: boolean;
  readonly search?: readonly boolean[];
}
export interface EnumParam<V extends string = string> extends Base {
  readonly type: 'enum';
  readonly values: readonly V[];
  readonly default: V;
  readonly search?: readonly V[];
}
export interface IntListParam extends Base {
  readonly type: 'intList';
  readonly default: readonly number[];
  readonly minLength: number;
  readonly maxLength: number;
  readonly itemMin: number;
  readonly itemMax: number;
  /** Candidate values offered to the HPO searcher (as choices). */
  readonly search?: readonly (readonly number[])[];
}
export type ParamDef = FloatParam | IntParam | BoolParam | EnumParam | IntListParam;
export type ParamSpec = Readonly<Record<string, ParamDef>>;

type ValueOf<D extends ParamDef> = D extends FloatParam | IntParam
  ? number
  : D extends BoolParam
    ? boolean
    : D extends EnumParam<infer V>
      ? V
      : D extends IntListParam
        ? number[]
        : never;

export type ParamsOf<S extends ParamSpec> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export function describeRange(def: ParamDef): string {
  switch (def.type) {
    case 'float':
    case 'int': {
      const lo = def.min === undefined ? '(-inf' : `${def.type === 'float' && def.minExclusive ? '(' : '['}${def.min}`;
      const hi = def.max === undefined ? 'inf)' : `${def.max}${def.type === 'float' && def.maxExclusive ? ')' : ']'}`;
      return `${def.type === 'int' ? 'an integer' : 'a number'} in ${lo}, ${hi}`;
    }
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${def.values.map((v) => `'${v}'`).join(', ')}`;
    case 'intList':
      return `a list of ${def.minLength}..${def.maxLength} integers in [${def.itemMin}, ${def.itemMax}]`;
  }
}

function checkOne(owner: string, name: string, def: ParamDef, value: unknown): unknown {
  const fail = () =>
    invalidArgument(`${owner}: parameter '${name}' = ${JSON.stringify(value)} is invalid; expected ${describeRange(def)}`, {
      owner,
      parameter: name,
      value: value as never,
      expected: describeRange(def),
    });
  switch (def.type) {
    case 'float':
    case 'int': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw fail();
      if (def.type === 'int' && !Number.isInteger(value)) throw fail();
      if (def.min !== undefined && (value < def.min || (def.type === 'float' && def.minExclusive && value === def.min))) throw fail();
      if (def.max !== undefined && (value > def.max || (def.type === 'float' && def.maxExclusive && value === def.max))) throw fail();
      return value;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw fail();
      return value;
    case 'enum':
      if (typeof value !== 'string' || !def.values.includes(value)) throw fail();
      return value;
    case 'intList': {
      if (!Array.isArray(value) || value.length < def.minLength || value.length > def.maxLength) throw fail();
      for (const v of value) if (typeof v !== 'number' || !Number.isInteger(v) || v < def.itemMin || v > def.itemMax) throw fail();
      return [...value];
    }
  }
}

/**
 * Validates user-supplied params against a spec and fills defaults. Unknown names are an error
 * (a typo must not be silently ignored).
 */
export function resolveParams<S extends ParamSpec>(owner: string, spec: S, given: Readonly<Record<string, unknown>> = {}): ParamsOf<S> {
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(spec, key)) {
      throw invalidArgument(`${owner}: unknown parameter '${key}'; known parameters: ${Object.keys(spec).sort().join(', ')}`, {
        owner,
        parameter: key,
      });
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(spec)) {
    const v = given[name] === undefined ? def.default : given[name];
    out[name] = checkOne(owner, name, def, Array.isArray(v) ? [...v] : v);
  }
  return out as ParamsOf<S>;
}

/** The defaults of a spec, validated. */
export function defaultParams<S extends ParamSpec>(owner: string, spec: S): ParamsOf<S> {
  return resolveParams(owner, spec, {});
}
