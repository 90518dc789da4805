import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { emitYamlDocument, pythonFloat } from '../../../src/kubeflow/yaml-emitter.js';
import { int, json, list, map, num, obj, opt, req, str } from '../../../src/kubeflow/schema.js';

describe('pythonFloat', () => {
  it('writes numbers as PyYAML writes Python floats (values checked with python3 + PyYAML)', () => {
    const cases: [number, string][] = [
      [20, '20.0'], [0.85, '0.85'], [2.147483648, '2.147483648'], [1e-5, '1.0e-05'], [1e16, '1.0e+16'],
      [1.2345678901234567e20, '1.2345678901234567e+20'], [0.0001, '0.0001'], [-3.5, '-3.5'], [0.1 + 0.2, '0.30000000000000004'],
      [5e-324, '5.0e-324'], [123456789012345.6, '123456789012345.6'], [0.00012, '0.00012'], [1e22, '1.0e+22'], [-0, '-0.0'],
    ];
    for (const [x, want] of cases) expect(pythonFloat(x), String(x)).toBe(want);
  });
});

describe('emitYamlDocument', () => {
  const schema = obj({ n: req(int), d: req(num), v: opt(json), s: opt(list(str())), m: opt(map(num)) });
  it('sorts keys, types numbers by schema, quotes like the SDK and round-trips', () => {
    const value = { v: [1, { b: 2, a: 0.5 }], s: ["{{$.inputs.parameters['x']}}", 'a == \'b\'', '1', 'true', ''], n: 3, d: 3, m: { z: 1, a: 2 } };
    const text = emitYamlDocument(value, schema);
    expect(text).toBe([
      'd: 3.0',
      'm:',
      '  a: 2.0',
      '  z: 1.0',
      'n: 3',
      's:',
      "- '{{$.inputs.parameters[''x'']}}'",
      "- a == 'b'",
      "- '1'",
      "- 'true'",
      "- ''",
      'v:',
      '- 1.0',
      '- a: 0.5',
      '  b: 2.0',
      '',
    ].join('\n'));
    expect(parse(text)).toEqual(value);
  });
  it('folds long plain scalars at 80 columns and still round-trips', () => {
    const long = "inputs.parameter_values['pipelinechannel--model-comparison-decision'] == 'promote'";
    const text = emitYamlDocument({ s: [long] }, obj({ s: req(list(str())) }));
    expect(text.split('\n').every((l) => l.length <= 80)).toBe(true);
    expect(parse(text)).toEqual({ s: [long] });
  });
});
