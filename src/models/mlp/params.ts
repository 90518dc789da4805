/**
 * Hyperparameters of the MLP: one declarative spec drives validation (messages name the
 * parameter and its range), defaults, the HPO search space (`search`) and docs/models-mlp-artifact.md.
 */
import type { ParamSpec, ParamsOf } from '../../core/params.js';

export const mlpParamSpec = {
  hidden_layers: {
    type: 'intList',
    description: 'Units of each hidden layer, input side first (e.g. [64] or [128, 64]).',
    default: [64],
    minLength: 1,
    maxLength: 4,
    itemMin: 1,
    itemMax: 2048,
    search: [[32], [64], [128], [128, 64]],
  },
  activation: {
    type: 'enum',
    description: 'Hidden-layer activation (relu uses He-uniform initialisation, tanh Glorot-uniform).',
    values: ['relu', 'tanh'],
    default: 'relu',
    search: ['relu', 'tanh'],
  },
  dropout: {
    type: 'float',
    description: 'Inverted-dropout rate after each hidden layer during training (0 = off).',
    default: 0.1,
    min: 0,
    max: 1,
    maxExclusive: true,
    search: { low: 0, high: 0.5 },
  },
  learning_rate: {
    type: 'float',
    description: 'Adam step size.',
    default: 1e-3,
    min: 0,
    minExclusive: true,
    max: 10,
    search: { low: 1e-4, high: 1e-2, log: true },
  },
  epochs: {
    type: 'int',
    description: 'Passes over the training data (one iteration report per epoch).',
    default: 20,
    min: 1,
    max: 10000,
    search: { low: 5, high: 30 },
  },
  batch_size: {
    type: 'int',
    description: 'Rows per gradient step (rows are reshuffled every epoch with the seeded Rng).',
    default: 128,
    min: 1,
    max: 65536,
    search: { low: 64, high: 512, log: true },
  },
  l2: {
    type: 'float',
    description: 'L2 penalty on the weight matrices (not the biases): loss += l2 · Σ w².',
    default: 0,
    min: 0,
    // Adam runs in float32: above ~3.4e38 the penalty's weight became Infinity and every weight
    // NaN, without an error; any l2 far below this bound already drives the weights to zero
    max: 1e12,
    search: { low: 1e-7, high: 1e-3, log: true },
  },
  class_weight: {
    type: 'enum',
    description: "'balanced' weights each row by n / (2 · n_class) in the loss; 'none' weights all rows 1.",
    values: ['none', 'balanced'],
    default: 'none',
    search: ['none', 'balanced'],
  },
  early_stopping_rounds: {
    type: 'int',
    description: 'Stop when validation log loss has not improved for this many epochs and keep the best epoch (0 = off; needs validation data).',
    default: 0,
    min: 0,
    max: 10000,
  },
} as const satisfies ParamSpec;

export type MlpParams = ParamsOf<typeof mlpParamSpec>;
