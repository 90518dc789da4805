/**
 * User search spaces from JSON or YAML (`--search-space file`), validated with errors that name
 * the path of the bad node and what was expected. Accepted shape:
 *
 * ```yaml
 * model:                      # root choice over families (any subset of gbm, logistic, mlp)
 *   gbm:
 *     learning_rate: { loguniform: [0.01, 0.3] }
 *     max_depth: { randint: [3, 9] }          # 3..8 (upper bound exclusive)
 *     n_estimators: { quniform: [50, 400, 50] }
 *     subsample: 0.8                          # a bare value is a constant
 *   logistic:
 *     C: { type: loguniform, low: 0.001, high: 100 }   # long form
 *     l1_ratio: { uniform: [0, 1], when: { penalty: [elasticnet] } }
 *     penalty: { choice: [l2, elasticnet] }
 * ```
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { TrainSpamError, invalidArgument } from '../core/errors.js';
import type { JsonValue } from '../core/payload.js';
import { describeRange, type ParamDef, type ParamSpec } from '../core/params.js';
import type { ModelKind } from '../models/contract.js';
import { MODEL_KINDS, type Domain, type ParamSpace, type SearchSpace } from './space.js';

const TYPES = ['uniform', 'loguniform', 'quniform', 'qloguniform', 'randint', 'choice', 'const'] as const;
type DomainType = (typeof TYPES)[number];
/** What each domain type reads in the long form `{type: ..., ...}` (besides type and when). */
const LONG_FORM_KEYS: Readonly<Record<DomainType, readonly string[]>> = {
  uniform: ['low', 'high'],
  loguniform: ['low', 'high'],
  quniform: ['low', 'high', 'q'],
  qloguniform: ['low', 'high', 'q'],
  randint: ['low', 'high'],
  choice: ['values'],
  const: ['value'],
};

function fail(path: string, expected: string, got: unknown, source: string): TrainSpamError {
  return invalidArgument(`search space ${source}: at '${path}': expected ${expected}, got ${show(got)}`, { source, path, expected });
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    // Non-finite numbers (YAML .inf, .nan) as themselves, not as JSON's null.
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? `@@${String(x)}@@` : x)).replace(/"@@(-?Infinity|NaN)@@"/g, '$1');
    return s.length > 80 ? s.slice(0, 77) + '...' : s;
  } catch {
    return String(v);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function isJson(v: unknown): v is JsonValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isObj(v)) return Object.values(v).every(isJson);
  return false;
}

function parseDomain(node: unknown, path: string, source: string): Domain {
  if (!isObj(node)) {
    if (!isJson(node)) throw fail(path, 'a domain object or a constant (number, string, boolean, list)', node, source);
    return { type: 'const', value: node };
  }
  let type: DomainType;
  let args: Record<string, unknown>;
  const keys = Object.keys(node).filter((k) => k !== 'when');
  if (typeof node.type === 'string') {
    if (!(TYPES as readonly string[]).includes(node.type)) throw fail(`${path}.type`, `one of ${TYPES.join(', ')}`, node.type, source);
    type = node.type as DomainType;
    args = node;
    // a key the type does not read (q on a uniform, a misspelt 'values') would be ignored silently
    const allowed = ['type', 'when', ...LONG_FORM_KEYS[type]];
    const stray = Object.keys(node).find((k) => !allowed.includes(k));
    if (stray !== undefined) throw fail(`${path}.${stray}`, `only the keys ${allowed.join(', ')} in a '${type}' domain`, stray, source);
  } else {
    const short = keys.filter((k) => (TYPES as readonly string[]).includes(k));
    if (short.length !== 1 || keys.length !== 1) {
      throw fail(path, `exactly one of ${TYPES.map((t) => `{${t}: ...}`).join(', ')} (optionally with 'when'), or {type: ..., ...}`, node, source);
    }
    type = short[0] as DomainType;
    const v = node[type];
    const p = `${path}.${type}`;
    if (type === 'choice') args = { values: v };
    else if (type === 'const') args = { value: v };
    else if (type === 'quniform' || type === 'qloguniform') {
      if (!Array.isArray(v) || v.length !== 3) throw fail(p, '[low, high, q]', v, source);
      args = { low: v[0], high: v[1], q: v[2] };
    } else {
      if (!Array.isArray(v) || v.length !== 2) throw fail(p, '[low, high]', v, source);
      args = { low: v[0], high: v[1] };
    }
  }
  const when = parseWhen(node.when, `${path}.when`, source);
  const base = when ? { when } : {};
  const p = typeof node.type === 'string' ? path : `${path}.${type}`;
  switch (type) {
    case 'const':
      if (!isJson(args.value)) throw fail(p, 'a JSON value', args.value, source);
      return { type, value: args.value, ...base };
    case 'choice': {
      const values = args.values;
      if (!Array.isArray(values) || values.length === 0 || !values.every(isJson)) throw fail(p, 'a non-empty list of values', values, source);
      return { type, values: values as JsonValue[], ...base };
    }
    default: {
      const { low, high } = args;
      if (!isNum(low) || !isNum(high) || !(low < high)) throw fail(p, 'numbers low < high', [low, high], source);
      if ((type === 'loguniform' || type === 'qloguniform') && low <= 0) throw fail(p, 'low > 0 for a log scale', low, source);
      if (type === 'randint') {
        if (!Number.isInteger(low) || !Number.isInteger(high)) throw fail(p, 'integers low < high (high exclusive)', [low, high], source);
        return { type, low, high, ...base };
      }
      if (type === 'quniform' || type === 'qloguniform') {
        const q = args.q;
        if (!isNum(q) || q <= 0) throw fail(p, 'a step q > 0', q, source);
        if (Math.floor(high / q + 1e-9) < Math.ceil(low / q - 1e-9)) throw fail(p, `a range holding at least one multiple of q=${q}`, [low, high], source);
        return { type, low, high, q, ...base };
      }
      return { type: type as 'uniform' | 'loguniform', low, high, ...base };
    }
  }
}

function parseWhen(node: unknown, path: string, source: string): Record<string, JsonValue[]> | undefined {
  if (node === undefined) return undefined;
  if (!isObj(node) || Object.keys(node).length === 0) throw fail(path, 'an object {param: [values...]}', node, source);
  const out: Record<string, JsonValue[]> = {};
  for (const [k, v] of Object.entries(node)) {
    const list = Array.isArray(v) ? v : [v];
    if (!list.every(isJson) || list.length === 0) throw fail(`${path}.${k}`, 'a value or a non-empty list of values', v, source);
    out[k] = list as JsonValue[];
  }
  return out;
}

/**
 * A condition on a choice or constant must name at least one value that domain produces: one that
 * cannot hold (a misspelt value, YAML's `yes` for true) would leave its parameter never sampled.
 */
function checkReachable(dep: Domain, wanted: readonly JsonValue[], path: string, source: string): void {
  if (dep.type !== 'choice' && dep.type !== 'const') return;
  const produced = dep.type === 'choice' ? dep.values : [dep.value];
  const key = (v: JsonValue) => JSON.stringify(v);
  const keys = new Set(produced.map(key));
  if (!wanted.some((v) => keys.has(key(v)))) throw fail(path, `at least one value the parameter can take (${show(produced)})`, wanted, source);
}

/** Conditions must not form a cycle (a when b, b when a): such parameters could never be sampled. */
function checkAcyclic(params: Readonly<Record<string, Domain>>, path: string, source: string): void {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      throw fail(`${path}.${cycle[0]}.when.${cycle[1]}`, 'conditions that do not form a cycle', cycle.join(' -> '), source);
    }
    state.set(name, 'open');
    for (const dep of Object.keys(params[name].when ?? {}).sort()) visit(dep, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of Object.keys(params).sort()) visit(name, []);
}

/** Checks a domain against the estimator's declared parameter (name known, values allowed). */
function checkAgainstSpec(kind: ModelKind, name: string, d: Domain, def: ParamDef | undefined, spec: ParamSpec, path: string, source: string): void {
  if (!def) {
    throw invalidArgument(
      `search space ${source}: at '${path}': '${kind}' has no parameter '${name}'; known parameters: ${Object.keys(spec).sort().join(', ')}`,
      { source, path, expected: Object.keys(spec).sort() },
    );
  }
  const expected = describeRange(def);
  const bad = (got: unknown) => fail(path, `values allowed for ${kind}.${name}: ${expected}`, got, source);
  if (def.type === 'float' || def.type === 'int') {
    // `drawn`: the domain can produce x itself (an open bound of the spec must not be drawn)
    const minExclusive = def.type === 'float' && def.minExclusive === true;
    const maxExclusive = def.type === 'float' && def.maxExclusive === true;
    const aboveMin = (x: number, drawn: boolean) => def.min === undefined || x > def.min || (x === def.min && !(drawn && minExclusive));
    const belowMax = (x: number, drawn: boolean) => def.max === undefined || x < def.max || (x === def.max && !(drawn && maxExclusive));
    if (d.type === 'choice' || d.type === 'const') {
      for (const v of d.type === 'choice' ? d.values : [d.value]) {
        if (!isNum(v) || !aboveMin(v, true) || !belowMax(v, true) || (def.type === 'int' && !Number.isInteger(v))) throw bad(v);
      }
      return;
    }
    const hi = d.type === 'randint' ? d.high - 1 : d.high;
    // uniform and loguniform draw from [low, high); a quantized domain reaches a bound on its q-grid only
    const onGrid = (x: number) => d.type !== 'quniform' && d.type !== 'qloguniform' ? true : Math.abs(x / d.q - Math.round(x / d.q)) < 1e-9;
    const highDrawn = d.type !== 'uniform' && d.type !== 'loguniform' && onGrid(hi);
    if (!aboveMin(d.low, onGrid(d.low)) || !belowMax(hi, highDrawn)) throw bad([d.low, hi]);
    if (def.type === 'int' && (d.type === 'uniform' || d.type === 'loguniform')) {
      throw fail(path, `an integer domain (randint, quniform/qloguniform with integer q, choice) for ${kind}.${name}`, d.type, source);
    }
    if (def.type === 'int' && (d.type === 'quniform' || d.type === 'qloguniform') && !Number.isInteger(d.q)) throw bad({ q: d.q });
    return;
  }
  if (d.type !== 'choice' && d.type !== 'const') throw fail(path, `choice or a constant for ${kind}.${name} (${expected})`, d.type, source);
  for (const v of d.type === 'choice' ? d.values : [d.value]) {
    const ok =
      def.type === 'bool'
        ? typeof v === 'boolean'
        : def.type === 'enum'
          ? typeof v === 'string' && def.values.includes(v)
          : Array.isArray(v) &&
            v.length >= def.minLength &&
            v.length <= def.maxLength &&
            v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= def.itemMin && x <= def.itemMax);
    if (!ok) throw bad(v);
  }
}

/**
 * Validates a parsed document (JSON/YAML value) into a SearchSpace. With `specs`, parameter names
 * and ranges are checked against each family's paramSpec.
 */
export function searchSpaceFromJson(doc: unknown, source = '<inline>', specs?: Readonly<Partial<Record<ModelKind, ParamSpec>>>): SearchSpace {
  if (!isObj(doc)) throw fail('(root)', "an object with a 'model' key", doc, source);
  const extra = Object.keys(doc).filter((k) => k !== 'model');
  if (extra.length) throw fail(extra[0], "only the key 'model' at the root", extra[0], source);
  const model = doc.model;
  if (!isObj(model) || Object.keys(model).length === 0) {
    throw fail('model', `an object with at least one family among ${MODEL_KINDS.join(', ')}`, model, source);
  }
  const families: Partial<Record<ModelKind, ParamSpace>> = {};
  for (const kind of Object.keys(model).sort()) {
    if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw fail(`model.${kind}`, `a family among ${MODEL_KINDS.join(', ')}`, kind, source);
    const fam = model[kind] ?? {};
    if (!isObj(fam)) throw fail(`model.${kind}`, 'an object {param: domain}', fam, source);
    const params: Record<string, Domain> = {};
    for (const name of Object.keys(fam).sort()) {
      const path = `model.${kind}.${name}`;
      const d = parseDomain(fam[name], path, source);
      const spec = specs?.[kind as ModelKind];
      if (spec) checkAgainstSpec(kind as ModelKind, name, d, Object.hasOwn(spec, name) ? spec[name] : undefined, spec, path, source);
      params[name] = d;
    }
    for (const name of Object.keys(params)) {
      for (const dep of Object.keys(params[name].when ?? {})) {
        if (!Object.hasOwn(params, dep)) throw fail(`model.${kind}.${name}.when.${dep}`, `a parameter of '${kind}' in this space`, dep, source);
        checkReachable(params[dep], params[name].when![dep], `model.${kind}.${name}.when.${dep}`, source);
      }
    }
    checkAcyclic(params, `model.${kind}`, source);
    families[kind as ModelKind] = params;
  }
  return { families };
}

/** Parses JSON or YAML text (YAML is a superset of JSON; the format is chosen by the file name). */
export function parseSearchSpace(text: string, source = '<inline>', specs?: Readonly<Partial<Record<ModelKind, ParamSpec>>>): SearchSpace {
  let doc: unknown;
  try {
    doc = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new TrainSpamError('INVALID_ARGUMENT', `search space ${source}: not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`, { source });
  }
  return searchSpaceFromJson(doc, source, specs);
}

export function loadSearchSpace(file: string, specs?: Readonly<Partial<Record<ModelKind, ParamSpec>>>): SearchSpace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `search space file '${file}' cannot be read: ${(e as Error).message}`, { file });
  }
  return parseSearchSpace(text, file, specs);
}

/** The JSON form of a space (the inverse of searchSpaceFromJson, long form), for artifacts/journals. */
export function searchSpaceToJson(space: SearchSpace): { model: Record<string, Record<string, JsonValue>> } {
  const model: Record<string, Record<string, JsonValue>> = {};
  for (const kind of Object.keys(space.families).sort() as ModelKind[]) {
    const fam = space.families[kind];
    if (!fam) continue;
    const out: Record<string, JsonValue> = {};
    for (const name of Object.keys(fam).sort()) out[name] = JSON.parse(JSON.stringify(fam[name])) as JsonValue;
    model[kind] = out;
  }
  return { model };
}
