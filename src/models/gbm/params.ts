/**
 * Hyperparameters of the histogram gradient-boosted trees (XGBoost's names and conventions where
 * one exists: gain without the ½ factor, `min_split_gain` = XGBoost's gamma, leaf weight
 * −G / (H + λ) times the learning rate, base_score 0.5 as in XGBoost 1.7).
 */
import type { ParamSpec, ParamsOf } from '../../core/params.js';

export const gbmParamSpec = {
  n_estimators: { type: 'int', description: 'maximum number of boosting rounds (trees)', default: 100, min: 1, max: 100000, search: { low: 50, high: 1000, log: true } },
  learning_rate: {
    type: 'float',
    description: 'shrinkage applied to every leaf value',
    default: 0.1,
    min: 0,
    minExclusive: true,
    max: 1,
    search: { low: 0.01, high: 0.3, log: true },
  },
  max_depth: { type: 'int', description: 'maximum tree depth (root = depth 0)', default: 6, min: 1, max: 30, search: { low: 2, high: 10 } },
  grow_policy: {
    type: 'enum',
    description: "'depthwise': split every node down to max_depth (XGBoost default); 'lossguide': always split the leaf with the largest gain, up to num_leaves (LightGBM)",
    values: ['depthwise', 'lossguide'],
    default: 'depthwise',
    search: ['depthwise', 'lossguide'],
  },
  num_leaves: {
    type: 'int',
    description: "maximum leaves per tree for grow_policy 'lossguide' (ignored by 'depthwise', which is bounded by max_depth)",
    default: 31,
    min: 2,
    max: 4096,
    search: { low: 8, high: 128, log: true },
  },
  max_bins: {
    type: 'int',
    description: 'maximum histogram bins per feature for non-zero values; zero has a bin of its own in addition',
    default: 255,
    min: 2,
    max: 255,
  },
  min_child_weight: {
    type: 'float',
    description: 'minimum sum of hessians in each child of a split',
    default: 1,
    min: 0,
    search: { low: 0.01, high: 20, log: true },
  },
  reg_lambda: { type: 'float', description: 'L2 regularisation of leaf values (λ)', default: 1, min: 0, search: { low: 1e-3, high: 10, log: true } },
  min_split_gain: {
    type: 'float',
    description: 'minimum loss reduction to make a split (XGBoost gamma; gain = GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ))',
    default: 0,
    min: 0,
    search: { low: 0, high: 5 },
  },
  subsample: {
    type: 'float',
    description: 'fraction of training rows drawn (without replacement, seeded) for each tree',
    default: 1,
    min: 0,
    minExclusive: true,
    max: 1,
    search: { low: 0.5, high: 1 },
  },
  colsample_bytree: {
    type: 'float',
    description: 'fraction of features drawn (seeded) for each tree',
    default: 1,
    min: 0,
    minExclusive: true,
    max: 1,
    search: { low: 0.3, high: 1 },
  },
  scale_pos_weight: {
    type: 'float',
    description: 'weight of positive (spam) rows in gradients and hessians',
    default: 1,
    min: 0,
    minExclusive: true,
    // unbounded, a weight near the largest double overflowed the gradient sums and every leaf came
    // out NaN (silently, as a model scoring NaN); no useful weight comes near this bound
    max: 1e12,
    search: { low: 0.5, high: 5, log: true },
  },
  base_score: {
    type: 'float',
    description: 'initial P(spam) of every row before the first tree (XGBoost 1.7 default 0.5)',
    default: 0.5,
    min: 0,
    minExclusive: true,
    max: 1,
    maxExclusive: true,
  },
  early_stopping_rounds: {
    type: 'int',
    description: 'stop when validation log loss has not improved for this many rounds and keep the best round (0 = off; needs validation data)',
    default: 0,
    min: 0,
    max: 100000,
  },
} as const satisfies ParamSpec;

export type GbmParams = ParamsOf<typeof gbmParamSpec>;
