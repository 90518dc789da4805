import { describe, expect, it } from 'vitest';
import { LogisticRegression } from '../../../src/models/logistic/index.js';
import { loadModelFixture } from './gbm-fixture.js';

describe('logistic regression reproduces scikit-learn 1.2.1 (lbfgs, L2) on the spam-pipeline matrix', () => {
  const fx = loadModelFixture();
  for (const ref of fx.logistic) {
    it(`C = ${ref.params.C}: coefficients to 1e-4, test probabilities to 1e-5`, async () => {
      const model = await new LogisticRegression({ C: ref.params.C, tol: 1e-6 }).fit(fx.train, { seed: 1 });
      let maxCoef = 0;
      for (let j = 0; j < ref.coef.length; j++) maxCoef = Math.max(maxCoef, Math.abs(model.coef[j] - ref.coef[j]));
      expect(maxCoef).toBeLessThan(1e-4);
      expect(Math.abs(model.intercept - ref.intercept)).toBeLessThan(1e-4);
      const p = model.predictProba(fx.test.X);
      let maxP = 0;
      for (let i = 0; i < p.length; i++) maxP = Math.max(maxP, Math.abs(p[i] - ref.test_proba[i]));
      expect(maxP).toBeLessThan(1e-5);
      expect(model.converged).toBe(true);
    });
  }
});
