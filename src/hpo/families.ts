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
