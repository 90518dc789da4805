/**
 * What hpo needs to know about model families, behind one small port so that tests can pass fake
 * estimators and the worker can load the real ones:
 * - `createEstimator(kind, params)` and `paramSpecFor(kind)` (the models registry);
 * - which parameter is a family's iteration budget (the ASHA time axis);
 * - default conditions between parameters (a conditional default space).
 */
import type { ParamSpec } from '../core/params.js';
import type { Estimator, ModelKind } from '../models/contract.js';
import { MODEL_KINDS, defaultSearchSpace, type Condition, type Domain, type ParamSpace, type SearchSpace } from './space.js';

export interface ModelFamilies {
  createEstimator(kind: ModelKind, params: Readonly<Record<string, unknown>>): Estimator;
  paramSpecFor(kind: ModelKind): ParamSpec;
}

/** Parameter holding the number of training iterations of each family (ASHA's time budget). */
export const ITERATION_PARAM: Readonly<Record<ModelKind, string>> = {
  gbm: 'n_estimators',
  logistic: 'max_iter',
  mlp: 'epochs',
};

/** Conditions added to the default space when both parameters are present in it. */
export const DEFAULT_CONDITIONS: Readonly<Partial<Record<ModelKind, Readonly<Record<string, Condition>>>>> = {
  gbm: { num_leaves: { grow_policy: ['lossguide'] } },
  logistic: { l1_ratio: { penalty: ['elasticnet'] } },
};

/** Iteration budget of a trial from the estimator's resolved params, or undefined. */
export function iterationBudget(kind: ModelKind, resolvedParams: Readonly<Record<string, unknown>>): number | undefined {
  const v = resolvedParams[ITERATION_PARAM[kind]];
  return typeof v === 'number' && v > 0 ? v : undefined;
}

export function paramSpecs(families: Pick<ModelFamilies, 'paramSpecFor'>): Partial<Record<ModelKind, ParamSpec>> {
  const out: Partial<Record<ModelKind, ParamSpec>> = {};
  for (const k of MODEL_KINDS) out[k] = families.paramSpecFor(k);
  return out;
}

/**
 * The default space: logistic, gbm and mlp, ranges from each paramSpec's `search` entries, with
 * DEFAULT_CONDITIONS applied (e.g. num_leaves only when grow_policy = lossguide).
 */
export function defaultSpace(families: Pick<ModelFamilies, 'paramSpecFor'>, kinds: readonly ModelKind[] = MODEL_KINDS): SearchSpace {
  const specs: Partial<Record<ModelKind, ParamSpec>> = {};
  for (const k of kinds) specs[k] = families.paramSpecFor(k);
  const base = defaultSearchSpace(specs);
  const out: Partial<Record<ModelKind, ParamSpace>> = {};
  for (const kind of Object.keys(base.families) as ModelKind[]) {
    const fam: Record<string, Domain> = { ...base.families[kind]! };
    for (const [name, cond] of Object.entries(DEFAULT_CONDITIONS[kind] ?? {})) {
      const deps = Object.keys(cond);
      if (fam[name] && deps.every((d) => fam[d] && (fam[d].type === 'choice' || fam[d].type === 'const'))) {
        // only condition on a value the space can actually produce; otherwise drop the dead param
        const reachable = deps.every((d) => {
          const dom = fam[d];
          const vals = dom.type === 'choice' ? dom.values : dom.type === 'const' ? [dom.value] : [];
          return cond[d].some((v) => vals.some((x) => JSON.stringify(x) === JSON.stringify(v)));
        });
        if (reachable) fam[name] = { ...fam[name], when: cond };
        else delete fam[name];
      }
    }
    out[kind] = fam;
  }
  return { families: out };
}

/** Largest value a domain can produce, when it is numeric (else undefined). */
function domainMax(d: Domain): number | undefined {
  switch (d.type) {
    case 'uniform':
    case 'loguniform':
      return d.high;
    case 'quniform':
    case 'qloguniform':
      return Math.floor(d.high / d.q + 1e-9) * d.q;
    case 'randint':
      return d.high - 1;
    case 'choice': {
      const nums = d.values.filter((v): v is number => typeof v === 'number');
      return nums.length === d.values.length && nums.length > 0 ? Math.max(...nums) : undefined;
    }
    case 'const':
      return typeof d.value === 'number' ? d.value : undefined;
  }
}

/**
 * The largest iteration budget each family of a space can get: the upper end of its
 * ITERATION_PARAM domain, or the estimator's default when the space does not search it (with a
 * conditional domain, the larger of its top and the default). This is the family's `max_t` on
 * ASHA's time axis: rungs fall at fixed numbers of boosting rounds, epochs or solver steps (as in
 * Ray Tune, where time_attr counts iterations), not at fractions of each trial's own budget.
 * Families without a known budget are left out.
 */
export function iterationCeilings(space: SearchSpace, families: Pick<ModelFamilies, 'paramSpecFor'>): Partial<Record<ModelKind, number>> {
  const out: Partial<Record<ModelKind, number>> = {};
  for (const kind of Object.keys(space.families).sort() as ModelKind[]) {
    const name = ITERATION_PARAM[kind];
    const dom = space.families[kind]?.[name];
    let max = dom ? domainMax(dom) : undefined;
    // no (numeric) domain, or a conditional one: trials may also train the estimator's default
    if (max === undefined || dom?.when) {
      const def = (families.paramSpecFor(kind) as Readonly<Record<string, { readonly default?: unknown }>>)[name]?.default;
      if (typeof def === 'number') max = max === undefined ? def : Math.max(max, def);
    }
    if (max !== undefined && Number.isFinite(max) && max > 0) out[kind] = max;
  }
  return out;
}

const num = (v: unknown, dflt: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : dflt);

/**
 * A rough relative cost of a trial (about ms of one core on the 4837 × 524 SpamAssassin matrix,
 * measured with bench/workers.mjs: ~2.7 ms per tree and depth level, ~1.25 ms per epoch and
 * hidden unit, ~2 ms per solver step). Used only to launch long trials first when several run at
 * once (fewer idle workers at the end of a study); results never depend on it. Parameters the
 * model does not have fall back to the estimators' defaults.
 */
export function expectedTrialCost(config: { readonly model: ModelKind; readonly params: Readonly<Record<string, unknown>> }): number {
  const p = config.params;
  switch (config.model) {
    case 'gbm': {
      const depth = p.grow_policy === 'lossguide' ? Math.log2(num(p.num_leaves, 31)) : num(p.max_depth, 6);
      return 2.7 * num(p.n_estimators, 100) * Math.max(1, depth);
    }
    case 'mlp': {
      const layers = Array.isArray(p.hidden_layers) ? p.hidden_layers.filter((x): x is number => typeof x === 'number') : [64];
      return 1.25 * num(p.epochs, 10) * Math.max(1, layers.reduce((a, b) => a + b, 0));
    }
    case 'logistic':
      return 2 * num(p.max_iter, 100);
    default:
      return 1;
  }
}

/**
 * The trials in launch order, longest expected first (ties: lower index first): how a study on
 * several workers starts a random search, and the order the benchmark's Python peer is given so
 * both sides schedule the same work the same way.
 */
export function longestFirstOrder(trials: readonly number[], configOf: (trial: number) => { readonly model: ModelKind; readonly params: Readonly<Record<string, unknown>> }): number[] {
  return trials
    .map((i) => ({ i, cost: expectedTrialCost(configOf(i)) }))
    .sort((a, b) => b.cost - a.cost || a.i - b.i)
    .map((x) => x.i);
}

