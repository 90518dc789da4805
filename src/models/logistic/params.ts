/**
 * Hyperparameters of logistic regression, in scikit-learn's convention:
 *   minimise  C · Σ_i s_i · logloss_i  +  (1 − ρ)/2 · ‖w‖²  +  ρ · ‖w‖₁
 * with ρ = 0 for 'l2', 1 for 'l1' and `l1_ratio` for 'elasticnet'; the intercept is never penalised;
 * s_i is 1, or n / (2 · n_class) under class_weight 'balanced'.
 */
import type { ParamSpec, ParamsOf } from '../../core/params.js';

export const logisticParamSpec = {
  C: {
    type: 'float',
    description: 'inverse regularisation strength (larger = weaker penalty), as in scikit-learn',
    default: 1,
    // beyond these C · loss or 1 / C overflows and L-BFGS cannot take a first step (the fit came
    // back as the zero model, once even flagged converged)
    min: 1e-12,
    max: 1e12,
    search: { low: 1e-3, high: 1e3, log: true },
  },
  penalty: {
    type: 'enum',
    description: "penalty on the coefficients: 'l2' (L-BFGS), 'l1' or 'elasticnet' (OWL-QN)",
    values: ['l2', 'l1', 'elasticnet'],
    default: 'l2',
    search: ['l2'],
  },
  l1_ratio: {
    type: 'float',
    description: "share of the L1 term for penalty 'elasticnet' (0 = pure L2, 1 = pure L1); ignored otherwise",
    default: 0.5,
    min: 0,
    max: 1,
    search: { low: 0, high: 1 },
  },
  class_weight: {
    type: 'enum',
    description: "'balanced' weights each class by n / (2 · n_class); 'none' weighs all rows 1",
    values: ['none', 'balanced'],
    default: 'none',
    search: ['none', 'balanced'],
  },
  max_iter: {
    type: 'int',
    description: 'maximum number of solver iterations (quasi-Newton steps)',
    default: 100,
    min: 1,
    max: 100000,
  },
  tol: {
    type: 'float',
    description:
      "stop when the largest gradient component of objective / C is at most tol (scikit-learn 1.2's lbfgs gtol); " +
      'the solver also stops when an iteration lowers the objective by a relative 2.22e-9 or less (scipy ftol)',
    default: 1e-4,
    min: 0,
    minExclusive: true,
    max: 1,
  },
  scale_dense: {
    type: 'bool',
    description: 'standardise the dense columns for the solve (coefficients are mapped back to the raw features); the sparse TF-IDF block is never scaled',
    default: true,
  },
  fit_intercept: {
    type: 'bool',
    description: 'learn an (unpenalised) intercept',
    default: true,
  },
} as const satisfies ParamSpec;

export type LogisticParams = ParamsOf<typeof logisticParamSpec>;
