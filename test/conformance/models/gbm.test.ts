import { describe, it } from 'vitest';
import { estimatorChecks } from '../../../src/models/conformance.js';
import { GradientBoosting, gbmFromPayload } from '../../../src/models/gbm/index.js';

// Few shallow trees keep the suite fast; subsampling on so the determinism check has seeded work to check.
const fastParams = { n_estimators: 20, max_depth: 3, subsample: 0.8, colsample_bytree: 0.8 };

describe('GBM conformance', () => {
  for (const check of estimatorChecks((p) => new GradientBoosting(p), { fromPayload: gbmFromPayload, fastParams })) {
    it(check.name, () => check.run());
  }
});
