/**
 * The search-space DSL (pure: no node:*, no randomness except through core/random).
 *
 * A `SearchSpace` is a root choice over model families; each family has its own `ParamSpace`, so
 * GBM parameters exist only in configs whose `model` is 'gbm' (a conditional space). Inside a
 * family a domain may carry `when: { otherParam: [values...] }`, making it conditional on another
 * parameter of the same family (sampled only when that parameter took one of the listed values).
 *
 * Domains (semantics follow Ray Tune / hyperopt):
 * - uniform(low, high)          float in [low, high)
 * - loguniform(low, high)       exp(uniform(ln low, ln high)), low > 0
 * - quniform(low, high, q)      round(uniform(low, high) / q) * q, clipped to the q-grid in [low, high]
 * - qloguniform(low, high, q)   round(loguniform(low, high) / q) * q, clipped likewise
 * - randint(low, high)          integer in [low, high)  (upper bound exclusive, as Ray's tune.randint)
 * - choice(values)              one of the values, uniformly
 * - const(value)                always value
 *
 * Sampling is a pure function of (space, seed): the model family uses the stream
 * `deriveSeed(seed, 'model')` and each parameter its own stream `deriveSeed(seed, 'param', name)`,
 * so adding or removing one parameter never changes the values drawn for the others.
 */
import { invalidArgument } from '../core/errors.js';
import type { JsonValue } from '../core/payload.js';
import { Rng, deriveSeed } from '../core/random.js';
import type { ParamDef, ParamSpec } from '../core/params.js';
import type { ModelKind } from '../models/contract.js';

export type Condition = Readonly<Record<string, readonly JsonValue[]>>;

interface DomainBase {
  /** Sample this parameter only when every listed parameter took one of the listed values. */
  readonly when?: Condition;
}
export interface UniformDomain extends DomainBase {
  readonly type: 'uniform' | 'loguniform';
  readonly low: number;
  readonly high: number;
}
export interface QuantizedDomain extends DomainBase {
  readonly type: 'quniform' | 'qloguniform';
  readonly low: number;
  readonly high: number;
  readonly q: number;
}
export interface RandintDomain extends DomainBase {
  readonly type: 'randint';
  /** inclusive */
  readonly low: number;
  /** exclusive */
  readonly high: number;
}
export interface ChoiceDomain extends DomainBase {
  readonly type: 'choice';
  readonly values: readonly JsonValue[];
}
export interface ConstDomain extends DomainBase {
  readonly type: 'const';
  readonly value: JsonValue;
}
export type Domain = UniformDomain | QuantizedDomain | RandintDomain | ChoiceDomain | ConstDomain;

export type ParamSpace = Readonly<Record<string, Domain>>;

export interface SearchSpace {
  /** The root `model` choice: one entry per family that may be sampled (uniform over families). */
  readonly families: Readonly<Partial<Record<ModelKind, ParamSpace>>>;
}

/** One sampled configuration. */
export interface TrialConfig {
  readonly model: ModelKind;
  readonly params: Readonly<Record<string, JsonValue>>;
}

export const MODEL_KINDS: readonly ModelKind[] = ['gbm', 'logistic', 'mlp'];

// ---------------------------------------------------------------------------------------------
// constructors
export const uniform = (low: number, high: number): UniformDomain => ({ type: 'uniform', low, high });
export const loguniform = (low: number, high: number): UniformDomain => ({ type: 'loguniform', low, high });
export const quniform = (low: number, high: number, q: number): QuantizedDomain => ({ type: 'quniform', low, high, q });
export const qloguniform = (low: number, high: number, q: number): QuantizedDomain => ({ type: 'qloguniform', low, high, q });
export const randint = (low: number, high: number): RandintDomain => ({ type: 'randint', low, high });
export const choice = (values: readonly JsonValue[]): ChoiceDomain => ({ type: 'choice', values });
export const constant = (value: JsonValue): ConstDomain => ({ type: 'const', value });
export function when<D extends Domain>(domain: D, condition: Condition): D {
  return { ...domain, when: condition };
}

// ---------------------------------------------------------------------------------------------
// sampling

/** Number of decimals of q, so 0.1-steps print as 0.3 and not 0.30000000000000004. */
function decimalsOf(q: number): number {
  const s = String(q);
  if (s.includes('e-')) return Number(s.split('e-')[1]);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

function quantize(x: number, d: QuantizedDomain): number {
  const { low, high, q } = d;
  let k = Math.round(x / q);
  const kLow = Math.ceil(low / q - 1e-9);
  const kHigh = Math.floor(high / q + 1e-9);
  if (k < kLow) k = kLow;
  if (k > kHigh) k = kHigh;
  const dec = decimalsOf(q);
  return dec === 0 ? k * q : Number((k * q).toFixed(dec));
}

/** Draws one value of a domain with the given generator. */
export function sampleDomain(d: Domain, rng: Rng): JsonValue {
  switch (d.type) {
    case 'uniform':
      return rng.uniform(d.low, d.high);
    case 'loguniform':
      return Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high)));
    case 'quniform':
      return quantize(rng.uniform(d.low, d.high), d);
    case 'qloguniform':
      return quantize(Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high))), d);
    case 'randint':
      return rng.int(d.low, d.high - 1);
    case 'choice':
      return cloneJson(rng.choice(d.values));
    case 'const':
      return cloneJson(d.value);
  }
}

function cloneJson(v: JsonValue): JsonValue {
  return v !== null && typeof v === 'object' ? (JSON.parse(JSON.stringify(v)) as JsonValue) : v;
}

function sameJson(a: JsonValue, b: JsonValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Families present in the space, in sorted order (the order of the root choice). */
export function familiesOf(space: SearchSpace): ModelKind[] {
  return (Object.keys(space.families) as ModelKind[]).filter((k) => space.families[k] !== undefined).sort();
}

/** Samples the params of one family. Conditional params are resolved in dependency order. */
export function sampleParams(params: ParamSpace, seed: number): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  const names = Object.keys(params).sort();
  const pending = new Set(names);
  const skipped = new Set<string>();
  // Resolve params whose conditions only mention decided params; repeat until nothing changes.
  for (let guard = 0; pending.size > 0 && guard <= names.length; guard++) {
    for (const name of names) {
      if (!pending.has(name)) continue;
      const d = params[name];
      const deps = d.when ? Object.keys(d.when).sort() : [];
      if (deps.some((p) => pending.has(p))) continue;
      pending.delete(name);
      const active = deps.every((p) => !skipped.has(p) && p in out && d.when![p].some((v) => sameJson(v, out[p])));
      if (!active) {
        skipped.add(name);
        continue;
      }
      out[name] = sampleDomain(d, new Rng(deriveSeed(seed, 'param', name)));
    }
  }
  if (pending.size > 0) {
    throw invalidArgument(`search space: conditions form a cycle among ${[...pending].sort().join(', ')}`, { params: [...pending].sort() });
  }
  const sorted: Record<string, JsonValue> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k];
  return sorted;
}

/** Pure: the config of one trial from (space, seed). */
export function sampleConfig(space: SearchSpace, seed: number): TrialConfig {
  const families = familiesOf(space);
  if (families.length === 0) throw invalidArgument('search space has no model family; expected at least one of gbm, logistic, mlp');
  const model = families.length === 1 ? families[0] : new Rng(deriveSeed(seed, 'model')).choice(families);
  return { model, params: sampleParams(space.families[model]!, deriveSeed(seed, 'params', model)) };
}

// ---------------------------------------------------------------------------------------------
// default space from paramSpec `search` entries

/** Search domain of one declared parameter, or undefined when the spec gives no `search`. */
export function domainFromParamDef(def: ParamDef): Domain | undefined {
  switch (def.type) {
    case 'float':
      if (!def.search) return undefined;
      return def.search.log ? loguniform(def.search.low, def.search.high) : uniform(def.search.low, def.search.high);
    case 'int':
      if (!def.search) return undefined;
      return def.search.log ? qloguniform(def.search.low, def.search.high, 1) : randint(def.search.low, def.search.high + 1);
    case 'bool':
    case 'enum':
      return def.search && def.search.length > 0 ? choice([...def.search]) : undefined;
    case 'intList':
      return def.search && def.search.length > 0 ? choice(def.search.map((l) => [...l])) : undefined;
  }
}

/** The family space made of every parameter whose spec declares a `search` range. */
export function spaceFromParamSpec(spec: ParamSpec): ParamSpace {
  const out: Record<string, Domain> = {};
  for (const name of Object.keys(spec).sort()) {
    const d = domainFromParamDef(spec[name]);
    if (d) out[name] = d;
  }
  return out;
}

/** Default space: every given family, params from its spec's `search` entries. */
export function defaultSearchSpace(specs: Readonly<Partial<Record<ModelKind, ParamSpec>>>): SearchSpace {
  const families: Partial<Record<ModelKind, ParamSpace>> = {};
  for (const kind of MODEL_KINDS) {
    const spec = specs[kind];
    if (spec) families[kind] = spaceFromParamSpec(spec);
  }
  return { families };
}
