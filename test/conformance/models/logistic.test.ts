import { describe, it } from 'vitest';
import { estimatorChecks } from '../../../src/models/conformance.js';
import { LogisticRegression, logisticFromPayload } from '../../../src/models/logistic/index.js';

describe('logistic regression conformance', () => {
  for (const check of estimatorChecks((p) => new LogisticRegression(p), { fromPayload: logisticFromPayload })) {
    it(check.name, () => check.run());
  }
});
