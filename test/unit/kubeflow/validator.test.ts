import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../../src/kubeflow/compiler.js';
import type { PipelineSpec } from '../../../src/kubeflow/pipeline-spec.js';
import { emitPipelineYaml } from '../../../src/kubeflow/yaml-emitter.js';
import { parseYamlStrict, validatePipelineSpec, validatePipelineYaml } from '../../../src/kubeflow/validator.js';
import { PIPELINE_DEFINITION } from '../../../src/pipeline/definition.js';
import { SECRET_PLATFORM } from './platform-spec.fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(here, '../../../../shared/fixtures/kfp');
const good = compilePipeline(PIPELINE_DEFINITION, { imageTag: 't' });
const goodYaml = emitPipelineYaml(good);
/** A deep copy to break. */
const copy = (): PipelineSpec => JSON.parse(JSON.stringify(good)) as PipelineSpec;
const messages = (spec: unknown) => validatePipelineSpec(spec).map((i) => `${i.path}: ${i.message}`);

describe('validatePipelineYaml', () => {
  it('accepts the compiled pipeline', () => {
    expect(validatePipelineYaml(goodYaml)).toEqual([]);
  });

  it('accepts the SDK reference pipeline except its list placeholder, which the OSS launcher does not substitute', () => {
    const issues = validatePipelineYaml(readFileSync(resolve(FIXTURES, 'train_spam_reference.yaml'), 'utf8'));
    expect(issues.map((i) => i.message)).toEqual([expect.stringContaining("{{$.inputs.artifacts['shard_models']}}")]);
    expect(validatePipelineYaml(readFileSync(resolve(FIXTURES, 'component_only_optional_args.yaml'), 'utf8'))).toEqual([]);
  });

  it('rejects duplicate keys (as the API server YAML decoder does)', () => {
    const dup = goodYaml.replace('schemaVersion: 2.1.0\n', 'schemaVersion: 2.1.0\nschemaVersion: 2.1.0\n');
    const issues = validatePipelineYaml(dup);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].message).toMatch(/DUPLICATE_KEY|unique/i);
    expect(parseYamlStrict('a: 1\nb:\n  c: 1\n  c: 2\n').issues).toHaveLength(1);
  });

  it('rejects an unknown field anywhere', () => {
    const s = copy() as unknown as { root: { dag: { tasks: Record<string, Record<string, unknown>> } } };
    s.root.dag.tasks['data-preparation'].retries = 3;
    expect(messages(s)).toEqual([expect.stringMatching(/^\/root\/dag\/tasks\/data-preparation\/retries: unknown field 'retries'/)]);
    const y = goodYaml.replace('schemaVersion: 2.1.0\n', 'schemaVersion: 2.1.0\nsdkVersionn: x\n');
    expect(validatePipelineYaml(y)[0].message).toMatch(/unknown field 'sdkVersionn'/);
  });

  it('rejects a bad pipeline name, schemaVersion, enum value and wrong JSON types', () => {
    const s1 = copy(); s1.pipelineInfo.name = 'Spam_Detection';
    expect(messages(s1)[0]).toMatch(/^\/pipelineInfo\/name: 'Spam_Detection' does not match/);
    const s2 = copy(); (s2 as { schemaVersion: string }).schemaVersion = '2.0.0';
    expect(messages(s2)[0]).toMatch(/schemaVersion: expected one of 2\.1\.0/);
    const s3 = copy(); (s3.root.inputDefinitions!.parameters!.seed as { parameterType: string }).parameterType = 'INT';
    expect(messages(s3)[0]).toMatch(/parameterType: expected one of/);
    const s4 = copy(); (s4.root.dag!.tasks['for-loop-1'].iteratorPolicy as { parallelismLimit: unknown }).parallelismLimit = '4';
    expect(messages(s4)[0]).toMatch(/parallelismLimit: expected a number/);
    expect(validatePipelineYaml(goodYaml.replace(/name: spam-detection-pipeline\n/, 'name: -bad\n'))[0].message).toMatch(/does not match/);
  });

  it('rejects a dangling dependency, a missing producer and an undeclared dependency', () => {
    const s = copy();
    s.root.dag!.tasks['feature-retrieval'].dependentTasks = ['data-preparation', 'ghost'];
    expect(messages(s)).toEqual(["/root/dag/tasks/feature-retrieval/dependentTasks: 'ghost' is not a sibling task in this DAG"]);
    const s2 = copy();
    // hpo-tuning lives inside the loop: naming it from the root is not a sibling reference
    s2.root.dag!.tasks['hpo-merge'].dependentTasks = ['for-loop-1', 'hpo-tuning'];
    expect(messages(s2)).toContain("/root/dag/tasks/hpo-merge/dependentTasks: 'hpo-tuning' is not a sibling task in this DAG");
    const s3 = copy();
    s3.root.dag!.tasks['feature-retrieval'].dependentTasks = [];
    expect(messages(s3).join('\n')).toMatch(/reads 'data-preparation' but does not list it in dependentTasks/);
  });

  it('rejects a missing component, a missing executor and unused ones', () => {
    const s = copy();
    s.root.dag!.tasks['data-preparation'].componentRef.name = 'comp-nope';
    expect(messages(s)).toContain("/root/dag/tasks/data-preparation/componentRef/name: component 'comp-nope' does not exist");
    expect(messages(s)).toContain("/components/comp-data-preparation: component 'comp-data-preparation' is not used by any task");
    const s2 = copy();
    delete s2.deploymentSpec.executors['exec-hpo-plan'];
    expect(messages(s2)).toEqual(["/components/comp-hpo-plan/executorLabel: executor 'exec-hpo-plan' does not exist"]);
  });

  it('rejects an unwired input, an input fed from a wrong type, and an undeclared enclosing input', () => {
    const s = copy();
    delete s.root.dag!.tasks['data-preparation'].inputs!.parameters!.seed;
    expect(messages(s)).toEqual(["/root/dag/tasks/data-preparation/inputs/parameters/seed: required input parameter 'seed' of comp-data-preparation is not wired"]);
    const s2 = copy();
    s2.root.dag!.tasks['data-preparation'].inputs!.parameters!.seed = { componentInputParameter: 'model_name' };
    expect(messages(s2)).toEqual(['/root/dag/tasks/data-preparation/inputs/parameters/seed: type mismatch: input is NUMBER_INTEGER, source is STRING']);
    const s3 = copy();
    s3.components['comp-for-loop-1'].dag!.tasks['hpo-tuning'].inputs!.parameters!.seed = { componentInputParameter: 'seed' };
    expect(messages(s3)[0]).toMatch(/'seed' is not an input parameter of the enclosing component/);
    const s4 = copy();
    s4.root.dag!.tasks['hpo-merge'].inputs!.artifacts!.journals = { taskOutputArtifact: { producerTask: 'for-loop-1', outputArtifactKey: 'pipelinechannel--hpo-tuning-shard_model' } };
    expect(messages(s4)).toEqual([]); // Model into an Artifact list: compatible (system.Artifact accepts any)
    s4.root.dag!.tasks['hpo-merge'].inputs!.artifacts!.shard_models = { taskOutputArtifact: { producerTask: 'feature-retrieval', outputArtifactKey: 'train_features' } };
    s4.root.dag!.tasks['hpo-merge'].dependentTasks!.push('feature-retrieval');
    expect(messages(s4).join('\n')).toMatch(/type mismatch: input is system\.Model, source is system\.Dataset[\s\S]*list-ness mismatch/);
  });

  it('rejects placeholders that name no declared input/output, and list artifacts read with .path', () => {
    const s = copy();
    s.deploymentSpec.executors['exec-model-validation'].container!.args!.push('--x', "{{$.inputs.parameters['f1']}}");
    expect(messages(s)).toEqual([expect.stringContaining("{{$.inputs.parameters['f1']}}: no input parameter 'f1'")]);
    const s2 = copy();
    s2.deploymentSpec.executors['exec-hpo-merge'].container!.args!.push("{{$.inputs.artifacts['journals'].path}}", "{{$.outputs.parameters['nope'].output_file}}", '{{$.pipeline_root}}');
    const m = messages(s2).join('\n');
    expect(m).toMatch(/'journals' is a list/);
    expect(m).toMatch(/no output parameter 'nope'/);
    expect(m).toMatch(/pipeline_root.*not substituted/);
  });

  it('rejects a condition whose operand is not a task input, and a dependency cycle', () => {
    const s = copy();
    s.root.dag!.tasks['condition-2'].triggerPolicy = { condition: "inputs.parameter_values['pipelinechannel--nope'] == true" };
    expect(messages(s)).toEqual(["/root/dag/tasks/condition-2/triggerPolicy/condition: operand 'pipelinechannel--nope' is not an input of task 'condition-2'"]);
    const s2 = copy();
    s2.root.dag!.tasks['data-preparation'].dependentTasks = ['feature-retrieval'];
    expect(messages(s2).join("\n")).toMatch(/dependency cycle: (data-preparation -> feature-retrieval -> data-preparation|feature-retrieval -> data-preparation -> feature-retrieval)$/m);
  });

  it('rejects a ParallelFor whose iterator list is not a task input', () => {
    const s = copy();
    delete s.root.dag!.tasks['for-loop-1'].inputs!.parameters!['pipelinechannel--hpo-plan-shard_indices'];
    expect(messages(s).join('\n')).toMatch(/'pipelinechannel--hpo-plan-shard_indices' is not an input of the loop task/);
  });
});

const withPlatform = (platform: string, spec = goodYaml) => `${spec}---\n${platform}`;
const paths = (text: string) => validatePipelineYaml(text).map((i) => `${i.path}: ${i.message}`);

describe('validatePipelineYaml with a Kubernetes PlatformSpec (second document)', () => {
  it('accepts the SDK-compiled two-document fixture and the compiled pipeline with a Secret as env', () => {
    expect(validatePipelineYaml(readFileSync(resolve(FIXTURES, 'k8s_platform_example.yaml'), 'utf8'))).toEqual([]);
    expect(validatePipelineYaml(withPlatform(SECRET_PLATFORM))).toEqual([]);
    // an integer deadline (protojson takes int64 as a number too) and an empty kubernetes platform
    expect(validatePipelineYaml(withPlatform('platforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n        exec-hpo-tuning:\n          activeDeadlineSeconds: 3600\n'))).toEqual([]);
  });

  it('still validates the PipelineSpec in front of it', () => {
    const broken = goodYaml.replace('schemaVersion: 2.1.0\n', 'schemaVersion: 2.0.0\n');
    expect(paths(withPlatform(SECRET_PLATFORM, broken))).toEqual([expect.stringMatching(/^\/schemaVersion: expected one of 2\.1\.0/)]);
  });

  it('refuses an executor config for an executor the PipelineSpec does not have, naming it and the known ones', () => {
    expect(paths(withPlatform(SECRET_PLATFORM.replace('exec-baseline-training', 'exec-training')))).toEqual([
      expect.stringMatching(/^doc2:\/platforms\/kubernetes\/deploymentSpec\/executors\/exec-training: executor 'exec-training' is not in the PipelineSpec's deploymentSpec \(known: exec-baseline-training, exec-data-preparation, /),
    ]);
    // an inherited property name is no executor either
    expect(paths(withPlatform(SECRET_PLATFORM.replace('exec-baseline-training', 'constructor')))[0]).toMatch(/executor 'constructor' is not in the PipelineSpec/);
  });

  it('checks the shape of the executor configs: field names, the Secret mapping, the pull policy, the deadline', () => {
    const base = 'platforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n        exec-hpo-merge:\n';
    const at = '/platforms/kubernetes/deploymentSpec/executors/exec-hpo-merge';
    expect(paths(withPlatform(SECRET_PLATFORM.replace('secretAsEnv:', 'secretAsEnvs:')))).toEqual([
      expect.stringMatching(/^doc2:\/platforms\/kubernetes\/deploymentSpec\/executors\/exec-baseline-training\/secretAsEnvs: unknown field 'secretAsEnvs' \(known: .*secretAsEnv,/),
    ]);
    expect(paths(withPlatform(SECRET_PLATFORM.replace('envVar: MLFLOW_TRACKING_TOKEN', 'envVar: MLFLOW-TOKEN')))).toEqual([
      expect.stringMatching(/^doc2:.*\/secretAsEnv\/0\/keyToEnv\/0\/envVar: 'MLFLOW-TOKEN' does not match/),
    ]);
    expect(paths(withPlatform(SECRET_PLATFORM.replace('            - envVar: MLFLOW_TRACKING_TOKEN\n', '            - envVar: MLFLOW_TRACKING_TOKEN\n              secret_key: x\n')))[0]).toMatch(/unknown field 'secret_key'/);
    expect(paths(withPlatform(`${base}          imagePullPolicy: Sometimes\n`))).toEqual([`doc2:${at}/imagePullPolicy: expected one of Always, Never, IfNotPresent, got string "Sometimes"`]);
    expect(paths(withPlatform(`${base}          activeDeadlineSeconds: 1h\n`))).toEqual([
      `doc2:${at}/activeDeadlineSeconds: expected a whole number of seconds (the SDK writes a string, e.g. '3600'), got "1h"`,
    ]);
    expect(paths(withPlatform(`${base}          tolerations: {key: dedicated}\n`))).toEqual([`doc2:${at}/tolerations: expected a list, got a mapping`]);
  });

  it('refuses a second document that is not a PlatformSpec, a platform the OSS backend ignores, and the wrong order, naming what was found', () => {
    const secret = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: mlflow-creds\nstringData:\n  token: x\n';
    expect(paths(withPlatform(secret))).toEqual([
      "doc2:/: the second YAML document must be a Kubernetes PlatformSpec (platforms.kubernetes, as kfp-kubernetes writes it); found a Kubernetes Secret manifest, a mapping with keys apiVersion, kind, metadata, stringData",
    ]);
    expect(paths(withPlatform(''))).toEqual([expect.stringMatching(/^doc2:\/: .*; found an empty document$/)]);
    expect(paths(withPlatform('platforms:\n  google_cloud:\n    platform: google_cloud\n'))).toEqual([
      "doc2:/platforms/google_cloud: platform 'google_cloud' is not read by the open-source KFP backend (only 'kubernetes')",
      "doc2:/platforms: no 'kubernetes' platform: the KFP API server would ignore this document",
    ]);
    expect(paths(withPlatform('platforms:\n  kubernetes:\n    deploymentSpec:\n      executor: {}\n'))[0]).toMatch(/^doc2:\/platforms\/kubernetes\/deploymentSpec\/executor: unknown field 'executor'/);
    expect(paths(`${SECRET_PLATFORM}---\n${goodYaml}`)).toEqual([expect.stringMatching(/^\/: the first YAML document is a PlatformSpec .*; the PipelineSpec comes first/)]);
  });

  it('refuses more than two documents (and none), saying what each one is', () => {
    expect(paths(`${withPlatform(SECRET_PLATFORM)}---\n${SECRET_PLATFORM}`)).toEqual([
      '/: expected the PipelineSpec, optionally followed by a Kubernetes PlatformSpec, as one or two YAML documents; found 3 documents (a PipelineSpec; a PlatformSpec; a PlatformSpec)',
    ]);
    expect(paths('# nothing\n')).toEqual(['/: expected the PipelineSpec, optionally followed by a Kubernetes PlatformSpec, as one or two YAML documents; found no document']);
  });
});

describe('docs/kubeflow.md', () => {
  it('its PlatformSpec example is valid after the compiled pipeline', () => {
    const doc = readFileSync(resolve(here, '../../../docs/kubeflow.md'), 'utf8');
    const example = /\*\*Secrets and other Kubernetes settings\.\*\*[\s\S]*?```\n---\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example).toContain('secretAsEnv:');
    expect(validatePipelineYaml(withPlatform(example!))).toEqual([]);
  });
});
