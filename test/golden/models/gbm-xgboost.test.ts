import { describe, expect, it } from 'vitest';
import { GradientBoosting } from '../../../src/models/gbm/index.js';
import { rocAuc } from '../../../src/models/gbm/evaluation.js';
import { loadModelFixture } from './gbm-fixture.js';

describe('GBM matches XGBoost 1.7.4 hist test AUC on the spam-pipeline matrix', () => {
  const fx = loadModelFixture();
  for (const ref of fx.xgboost) {
    const rp = ref.params;
    it(`depth ${rp.max_depth}, ${rp.n_estimators} trees: test AUC within 0.005 of ${ref.test_auc.toFixed(4)}`, async () => {
      const model = await new GradientBoosting({
        n_estimators: rp.n_estimators,
        max_depth: rp.max_depth,
        learning_rate: rp.learning_rate,
        reg_lambda: rp.reg_lambda,
        min_child_weight: rp.min_child_weight,
        max_bins: Math.min(255, Number(rp.max_bin) - 1),
      }).fit(fx.train, { seed: 7 });
      const p = model.predictProba(fx.test.X);
      const auc = rocAuc(fx.test.y, p);
      expect(Math.abs(auc - ref.test_auc)).toBeLessThan(0.005);
      // Probabilities themselves need not equal XGBoost's, but should be close on average.
      let mad = 0;
      for (let i = 0; i < p.length; i++) mad += Math.abs(p[i] - ref.test_proba[i]);
      expect(mad / p.length).toBeLessThan(0.05);
      console.log(`depth ${rp.max_depth}: ours ${auc.toFixed(5)} xgboost ${ref.test_auc.toFixed(5)} mean |dp| ${(mad / p.length).toExponential(2)}`);
    });
  }
});
