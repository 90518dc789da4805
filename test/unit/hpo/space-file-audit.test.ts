import { describe, expect, it } from 'vitest';
import { parseSearchSpace, searchSpaceFromJson } from '../../../src/hpo/space-file.js';
import { gbmParamSpec } from '../../../src/models/gbm/params.js';
import { logisticParamSpec } from '../../../src/models/logistic/params.js';
import { mlpParamSpec } from '../../../src/models/mlp/params.js';
import { thrown as err } from '../../helpers/caught.js';

const specs = { gbm: gbmParamSpec, logistic: logisticParamSpec, mlp: mlpParamSpec };

describe('search space files: checks the estimators need', () => {
  // gbm subsample is in (0, 1], mlp dropout in [0, 1), logistic tol in (0, 1]
  it.each([
    [{ model: { gbm: { subsample: 0 } } }, 'model.gbm.subsample', /\(0, 1\]/],
    [{ model: { gbm: { subsample: { choice: [0, 0.5] } } } }, 'model.gbm.subsample', /\(0, 1\]/],
    [{ model: { gbm: { subsample: { uniform: [0, 1] } } } }, 'model.gbm.subsample', /\(0, 1\]/],
    [{ model: { gbm: { subsample: { quniform: [0, 1, 0.25] } } } }, 'model.gbm.subsample', /\(0, 1\]/],
    [{ model: { mlp: { dropout: 1 } } }, 'model.mlp.dropout', /\[0, 1\)/],
    [{ model: { mlp: { dropout: { quniform: [0, 1, 0.5] } } } }, 'model.mlp.dropout', /\[0, 1\)/],
  ])('rejects %j, which can draw an excluded bound', (doc, path, expected) => {
    const e = err(() => searchSpaceFromJson(doc, 's.yaml', specs));
    expect(e.details.path).toBe(path);
    expect(e.message).toMatch(expected);
  });

  it('accepts domains that only approach an excluded bound', () => {
    expect(() => searchSpaceFromJson({ model: { mlp: { dropout: { uniform: [0, 1] } } } }, 's', specs)).not.toThrow(); // [0, 1): 1 never drawn
    expect(() => searchSpaceFromJson({ model: { mlp: { dropout: { quniform: [0, 1, 0.3] } } } }, 's', specs)).not.toThrow(); // grid tops at 0.9
    expect(() => searchSpaceFromJson({ model: { gbm: { subsample: { quniform: [0.25, 1, 0.25] } } } }, 's', specs)).not.toThrow();
    expect(() => searchSpaceFromJson({ model: { gbm: { subsample: 1, min_split_gain: 0 } } }, 's', specs)).not.toThrow(); // closed bounds
  });

  it('rejects conditions that form a cycle, naming the node', () => {
    const doc = {
      model: {
        gbm: {
          max_depth: { randint: [2, 5], when: { n_estimators: [10] } },
          n_estimators: { choice: [10, 20], when: { max_depth: [3] } },
        },
      },
    };
    const e = err(() => searchSpaceFromJson(doc, 's.yaml', specs));
    expect(e.details.path).toBe('model.gbm.max_depth.when.n_estimators');
    expect(e.message).toMatch(/do not form a cycle, got "max_depth -> n_estimators -> max_depth"/);
    const self = err(() => searchSpaceFromJson({ model: { gbm: { max_depth: { randint: [2, 5], when: { max_depth: [3] } } } } }, 's.yaml', specs));
    expect(self.details.path).toBe('model.gbm.max_depth.when.max_depth');
  });

  it('rejects a condition on a choice that can never hold (a misspelt value, YAML yes for true)', () => {
    const e = err(() =>
      parseSearchSpace(
        'model:\n  logistic:\n    penalty: { choice: [l2, elasticnet] }\n    l1_ratio: { uniform: [0, 1], when: { penalty: [elastcnet] } }\n',
        's.yaml',
        specs,
      ),
    );
    expect(e.details.path).toBe('model.logistic.l1_ratio.when.penalty');
    expect(e.message).toMatch(/at least one value the parameter can take \(\["l2","elasticnet"\]\), got \["elastcnet"\]/);
    // one reachable value among others is fine
    expect(() =>
      parseSearchSpace('model:\n  logistic:\n    penalty: { choice: [l2, elasticnet] }\n    l1_ratio: { uniform: [0, 1], when: { penalty: [l1, elasticnet] } }\n', 's.yaml', specs),
    ).not.toThrow();
  });

  it('rejects keys the long form does not read', () => {
    const e = err(() => searchSpaceFromJson({ model: { gbm: { subsample: { type: 'uniform', low: 0.5, high: 1, q: 0.1 } } } }, 's.yaml', specs));
    expect(e.details.path).toBe('model.gbm.subsample.q');
    expect(e.message).toMatch(/only the keys type, when, low, high in a 'uniform' domain/);
    expect(err(() => searchSpaceFromJson({ model: { gbm: { grow_policy: { type: 'choice', value: ['lossguide'] } } } }, 's', specs)).details.path).toBe('model.gbm.grow_policy.value');
    expect(() => searchSpaceFromJson({ model: { gbm: { subsample: { type: 'quniform', low: 0.5, high: 1, q: 0.1, when: { grow_policy: ['lossguide'] } }, grow_policy: 'lossguide' } } }, 's', specs)).not.toThrow();
  });

  it("names an unknown parameter that is also an Object property ('constructor') as unknown", () => {
    const e = err(() => searchSpaceFromJson({ model: { gbm: { constructor: 3 } } }, 's.yaml', specs));
    expect(e.details.path).toBe('model.gbm.constructor');
    expect(e.message).toMatch(/'gbm' has no parameter 'constructor'/);
  });
});
