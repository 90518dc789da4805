import { describe, expect, it } from 'vitest';
import { parseSearchSpace, searchSpaceFromJson, searchSpaceToJson } from '../../../src/hpo/space-file.js';
import { sampleConfig } from '../../../src/hpo/space.js';
import { gbmParamSpec } from '../../../src/models/gbm/params.js';
import { logisticParamSpec } from '../../../src/models/logistic/params.js';
import { mlpParamSpec } from '../../../src/models/mlp/params.js';
import { thrown as err } from '../../helpers/caught.js';

const specs = { gbm: gbmParamSpec, logistic: logisticParamSpec, mlp: mlpParamSpec };

const YAML = `
model:
  gbm:
    learning_rate: { loguniform: [0.01, 0.3] }
    max_depth: { randint: [3, 9] }
    n_estimators: { quniform: [50, 400, 50] }
    subsample: 0.8
  logistic:
    C: { type: loguniform, low: 0.001, high: 100 }
    penalty: { choice: [l2, elasticnet] }
    l1_ratio: { uniform: [0, 1], when: { penalty: [elasticnet] } }
`;

describe('user search space files', () => {
  it('parses YAML (short and long forms, constants, conditions) and checks it against the specs', () => {
    const s = parseSearchSpace(YAML, 'space.yaml', specs);
    expect(s.families.gbm!.max_depth).toEqual({ type: 'randint', low: 3, high: 9 });
    expect(s.families.gbm!.subsample).toEqual({ type: 'const', value: 0.8 });
    expect(s.families.logistic!.C).toEqual({ type: 'loguniform', low: 0.001, high: 100 });
    expect(s.families.logistic!.l1_ratio.when).toEqual({ penalty: ['elasticnet'] });
    const c = sampleConfig(s, 5);
    expect(['gbm', 'logistic']).toContain(c.model);
  });

  it('round-trips through JSON', () => {
    const s = parseSearchSpace(YAML, 'space.yaml', specs);
    const again = parseSearchSpace(JSON.stringify(searchSpaceToJson(s)), 'space.json', specs);
    expect(again).toEqual(s);
  });

  it.each([
    [{ model: { gbm: { max_depth: { randint: [9, 3] } } } }, 'model.gbm.max_depth.randint', /numbers low < high/],
    [{ model: { gbm: { learning_rate: { loguniform: [0, 0.3] } } } }, 'model.gbm.learning_rate.loguniform', /low > 0/],
    [{ model: { gbm: { n_estimators: { quniform: [50, 400] } } } }, 'model.gbm.n_estimators.quniform', /\[low, high, q\]/],
    [{ model: { gbm: { max_depth: { uniform: [1, 2], choice: [1] } } } }, 'model.gbm.max_depth', /exactly one of/],
    [{ model: { gbm: { max_depth: { type: 'normal', low: 1, high: 2 } } } }, 'model.gbm.max_depth.type', /one of uniform/],
    [{ model: { svm: {} } }, 'model.svm', /a family among/],
    [{ model: {} }, 'model', /at least one family/],
    [{ models: { gbm: {} } }, 'models', /only the key 'model'/],
    [{ model: { logistic: { penalty: { choice: [] } } } }, 'model.logistic.penalty.choice', /non-empty list/],
    [{ model: { logistic: { l1_ratio: { uniform: [0, 1], when: { penalty: ['elasticnet'] } } } } }, 'model.logistic.l1_ratio.when.penalty', /a parameter of 'logistic'/],
  ])('rejects %j naming the bad node', (doc, path, expected) => {
    const e = err(() => searchSpaceFromJson(doc, 'bad.yaml'));
    expect(e.details.path).toBe(path);
    expect(e.message).toContain(`'${path}'`);
    expect(e.message).toMatch(expected);
    expect(e.message).toContain('bad.yaml');
  });

  it('checks names and ranges against the paramSpec', () => {
    let e = err(() => searchSpaceFromJson({ model: { gbm: { max_dept: { randint: [2, 5] } } } }, 's.yaml', specs));
    expect(e.message).toMatch(/'gbm' has no parameter 'max_dept'; known parameters: .*max_depth/);
    e = err(() => searchSpaceFromJson({ model: { gbm: { max_depth: { randint: [0, 5] } } } }, 's.yaml', specs));
    expect(e.details.path).toBe('model.gbm.max_depth');
    expect(e.message).toMatch(/an integer in \[1, 30\]/);
    e = err(() => searchSpaceFromJson({ model: { gbm: { max_depth: { uniform: [2, 5] } } } }, 's.yaml', specs));
    expect(e.message).toMatch(/an integer domain/);
    e = err(() => searchSpaceFromJson({ model: { logistic: { penalty: { choice: ['l2', 'l3'] } } } }, 's.yaml', specs));
    expect(e.message).toMatch(/one of 'l2', 'l1', 'elasticnet'/);
    expect(e.message).toContain('"l3"');
  });

  it('shows non-finite bounds as written, not as null', () => {
    const e = err(() => parseSearchSpace('model:\n  gbm:\n    learning_rate: { uniform: [0.1, .inf] }\n', 'inf.yaml', specs));
    expect(e.message).toContain('got [0.1,Infinity]');
    expect(e.message).not.toContain('null');
  });

  it('reports malformed YAML and JSON with the file name', () => {
    expect(() => parseSearchSpace('model: [', 'x.yaml')).toThrow(/x\.yaml: not valid YAML/);
    expect(() => parseSearchSpace('{', 'x.json')).toThrow(/x\.json: not valid JSON/);
  });
});
