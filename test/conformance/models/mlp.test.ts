import { describe, it } from 'vitest';
import { estimatorChecks } from '../../../src/models/conformance.js';
import { MlpClassifier, mlpFromPayload } from '../../../src/models/mlp/index.js';

// Small and fast: 400 rows x 36 columns, one hidden layer of 16 units, 6 epochs.
const fastParams = { hidden_layers: [16], epochs: 6, batch_size: 64, learning_rate: 0.01, dropout: 0.1 };

describe('MLP conformance', () => {
  for (const check of estimatorChecks((p) => new MlpClassifier(p), { fromPayload: mlpFromPayload, fastParams })) {
    it(check.name, () => check.run());
  }
});
