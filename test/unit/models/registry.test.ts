import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import type { ModelKind } from '../../../src/models/contract.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { GradientBoosting, gbmParamSpec } from '../../../src/models/gbm/index.js';
import { LogisticRegression, logisticParamSpec } from '../../../src/models/logistic/index.js';
import { MlpClassifier, mlpParamSpec } from '../../../src/models/mlp/index.js';
import { MODEL_KINDS, createEstimator, fittedFromPayload, isModelKind, paramSpecFor } from '../../../src/models/registry.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof TrainSpamError ? e.code : 'other';
  }
  return 'none';
}

const fast: Record<ModelKind, Record<string, unknown>> = {
  gbm: { n_estimators: 5, max_depth: 2 },
  logistic: {},
  mlp: { hidden_layers: [4], epochs: 2 },
};

describe('model registry', () => {
  it('lists the kinds and recognises only them', () => {
    expect(MODEL_KINDS).toEqual(['gbm', 'logistic', 'mlp']);
    expect(isModelKind('mlp')).toBe(true);
    expect(isModelKind('svm')).toBe(false);
    expect(isModelKind('toString')).toBe(false);
  });

  it('creates the right estimator class with its spec', () => {
    expect(createEstimator('gbm')).toBeInstanceOf(GradientBoosting);
    expect(createEstimator('logistic')).toBeInstanceOf(LogisticRegression);
    expect(createEstimator('mlp', { hidden_layers: [8] })).toBeInstanceOf(MlpClassifier);
    expect(createEstimator('mlp', { hidden_layers: [8] }).params.hidden_layers).toEqual([8]);
    expect(paramSpecFor('gbm')).toBe(gbmParamSpec);
    expect(paramSpecFor('logistic')).toBe(logisticParamSpec);
    expect(paramSpecFor('mlp')).toBe(mlpParamSpec);
    for (const kind of MODEL_KINDS) expect(createEstimator(kind).kind).toBe(kind);
  });

  it('rejects unknown kinds and invalid params with INVALID_ARGUMENT', () => {
    expect(codeOf(() => createEstimator('svm' as ModelKind))).toBe('INVALID_ARGUMENT');
    expect(() => paramSpecFor('svm' as ModelKind)).toThrow(/unknown model kind 'svm'; expected one of gbm, logistic, mlp/);
    expect(codeOf(() => createEstimator('mlp', { dropout: 1 }))).toBe('INVALID_ARGUMENT');
  });

  it('restores every kind from its payload, dispatching on payload.kind', async () => {
    const data = syntheticData({ rows: 150, seed: 4 });
    for (const kind of MODEL_KINDS) {
      const fitted = await createEstimator(kind, fast[kind]).fit(data, { seed: 1 });
      const payload = fitted.toPayload();
      expect(payload.kind).toBe(`model/${kind}`);
      const back = fittedFromPayload(payload);
      expect(back.kind).toBe(kind);
      expect(back.predictProba(data.X)).toEqual(fitted.predictProba(data.X));
    }
  });

  it('unknown payload kinds are a FORMAT_ERROR', () => {
    expect(codeOf(() => fittedFromPayload({ kind: 'model/svm', version: 1, meta: {}, arrays: {} }))).toBe('FORMAT_ERROR');
  });
});
