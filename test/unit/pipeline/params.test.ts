/** Pipeline parameters from flag text: decimal numbers only, ranges, and the shard/trial relation. */
import { describe, expect, it } from 'vitest';
import { isDecimalText, parseParamText, resolvePipelineParams } from '../../../src/pipeline/params.js';

describe('pipeline parameters', () => {
  it('reads numbers in decimal notation only', () => {
    for (const t of ['1', '-2', '+3', '0.5', '.5', '5.', '1e-3', '2E+2']) expect(isDecimalText(t)).toBe(true);
    for (const t of ['', ' ', '0x1', '0b11', '0o7', '1_000', 'Infinity', 'NaN', '1e', '.']) expect(isDecimalText(t)).toBe(false);
    expect(parseParamText('f1_threshold', '0.9')).toBe(0.9);
    expect(() => parseParamText('f1_threshold', '0x1')).toThrow(/parameter 'f1_threshold' = '0x1' is not a number/);
    expect(() => parseParamText('num_hpo_trials', '')).toThrow(/is not a number/);
  });

  it('a step\'s share of the parameters is checked against each other only when both are given', () => {
    // hpo-plan gets only the shard count: the default trial count must not be held against it
    expect(resolvePipelineParams({ hpo_shards: 30 }, { partial: true }).hpo_shards).toBe(30);
    expect(() => resolvePipelineParams({ hpo_shards: 30, num_hpo_trials: 4 }, { partial: true })).toThrow(/'hpo_shards' = 30 is more than 'num_hpo_trials' = 4/);
    expect(() => resolvePipelineParams({ hpo_shards: 30 })).toThrow(/'hpo_shards' = 30 is more than 'num_hpo_trials' = 20/);
  });

  it('refuses a model name that MLflow search filters cannot hold (both quote characters), before any work', () => {
    expect(resolvePipelineParams({ model_name: "o'brien" }).model_name).toBe("o'brien");
    expect(() => resolvePipelineParams({ model_name: `it's "x"` })).toThrow(/parameter 'model_name' = "it's \\"x\\"" holds both quote characters/);
    expect(() => resolvePipelineParams({ model_name: '.tmp-prod' })).toThrow(`parameter 'model_name' = ".tmp-prod" starts with '.tmp-', the local store's prefix for temporary folders`);
  });

  it('refuses an empty or blank experiment name as a usage error, before a tracking run is made', () => {
    for (const name of ['', '   ']) {
      expect(() => resolvePipelineParams({ mlflow_experiment_name: name })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`parameter 'mlflow_experiment_name' = ${JSON.stringify(name)} is not a valid experiment name`), details: expect.objectContaining({ parameter: 'mlflow_experiment_name', usage: true }) }),
      );
    }
    expect(resolvePipelineParams({ mlflow_experiment_name: 'spam 2' }).mlflow_experiment_name).toBe('spam 2');
  });

  it('refuses more HPO shards than trials, naming both', () => {
    expect(resolvePipelineParams({ num_hpo_trials: 4, hpo_shards: 4 }).hpo_shards).toBe(4);
    expect(() => resolvePipelineParams({ num_hpo_trials: '3', hpo_shards: '4' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: "parameter 'hpo_shards' = 4 is more than 'num_hpo_trials' = 3; every shard needs at least one trial", details: expect.objectContaining({ parameter: 'hpo_shards', usage: true }) }),
    );
  });

  it('refuses names that are not parameters, including those every object inherits', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'f1Threshold']) {
      const overrides = JSON.parse(`{${JSON.stringify(name)}: 5}`) as Record<string, unknown>;
      expect(() => resolvePipelineParams(overrides)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', message: `unknown pipeline parameter '${name}'`, details: expect.objectContaining({ parameter: name, usage: true }) }),
      );
    }
  });
});
