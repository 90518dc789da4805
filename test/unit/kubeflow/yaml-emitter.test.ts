import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { commentHeader, emitPipelineYaml, emitYamlDocument, pythonFloat } from '../../../src/kubeflow/yaml-emitter.js';
import { compilePipeline } from '../../../src/kubeflow/compiler.js';
import { PIPELINE_DEFINITION } from '../../../src/pipeline/definition.js';
import type { PipelineSpec } from '../../../src/kubeflow/pipeline-spec.js';
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

describe('strings a YAML 1.1 reader would take for another type', () => {
  // PyYAML (the KFP SDK, `kfp` clients) reads YAML 1.1; the API server's Go yaml.v3 reads `1_000`
  // and `0b101` as ints. The SDK's dumper quotes all of these.
  const tricky = [
    'yes', 'no', 'Yes', 'NO', 'on', 'Off', '1_000', '0b101', '017', '0x1F', '0o17', '1e3', '1.0', '20', '+1', '.5', '1_0.5',
    '2024-01-01', '2001-12-14t21:59:43.10-05:00', '12:30:45', '1:20', '=', '<<', 'null', 'Null', '~', '', '.inf', '.NaN', 'true', 'False',
  ];
  const plainOk = ['0.1.0', 'dev', 'v1.2', 'yes-please', 'no_way', '1.0.0-rc1', 'unicode é ✓', 'a:b'];
  it('quotes them (values and keys) so YAML 1.1 and 1.2 readers get the same strings back', () => {
    const value = Object.fromEntries([...tricky, ...plainOk].map((s, i) => [`k${String(i).padStart(2, '0')}`, s]));
    const text = emitYamlDocument(value, map(str()));
    expect(parse(text)).toEqual(value);
    expect(parse(text, { version: '1.1' })).toEqual(value);
    for (const s of ['yes', '1_000', '0b101', '2024-01-01', 'on', '=']) expect(text).toContain(`: '${s}'\n`);
    for (const s of plainOk) expect(text).toContain(`: ${s}\n`);
    const keys = Object.fromEntries(tricky.filter((s) => !['Yes', 'NO', 'Off', 'Null', 'False'].includes(s)).map((s) => [s, 1]));
    const keyText = emitYamlDocument(keys, map(int));
    expect(parse(keyText, { version: '1.1' })).toEqual(keys);
  });
  it('an image tag like `1_000` or `yes` stays a string default of image_tag', () => {
    for (const tag of ['1_000', 'yes', '2024-01-01', '0b101']) {
      const text = emitPipelineYaml(compilePipeline(PIPELINE_DEFINITION, { imageTag: tag }));
      const back = parse(text, { version: '1.1' }) as PipelineSpec;
      expect(back.root.inputDefinitions!.parameters!.image_tag.defaultValue, tag).toBe(tag);
    }
  });
});

describe('commentHeader', () => {
  it('escapes defaults like Python repr: a line break cannot end the comment and inject YAML', () => {
    const spec = compilePipeline(PIPELINE_DEFINITION, { imageTag: '1', mlflowTrackingUri: 'http://mlflow:5000\nfoo: 1\r\u2028x' });
    const header = commentHeader(spec);
    expect(header.split('\n').filter(Boolean).every((l) => l.startsWith('#'))).toBe(true);
    expect(header).toContain("#    mlflow_tracking_uri: str [Default: 'http://mlflow:5000\\nfoo: 1\\r\\u2028x']\n");
    const text = emitPipelineYaml(spec);
    expect((parse(text) as PipelineSpec).root.inputDefinitions!.parameters!.mlflow_tracking_uri.defaultValue).toBe('http://mlflow:5000\nfoo: 1\r\u2028x');
  });
  it("quotes as Python does: \"it's\" in double quotes, backslashes doubled", () => {
    const spec = compilePipeline(PIPELINE_DEFINITION, { imageTag: '1', mlflowTrackingUri: "http://h/it's\\x" });
    expect(commentHeader(spec)).toContain(`#    mlflow_tracking_uri: str [Default: "http://h/it's\\\\x"]\n`);
  });
});
