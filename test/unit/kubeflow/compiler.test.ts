import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compilePipeline, heapMiB, imageRef, parseQuantity } from '../../../src/kubeflow/compiler.js';
import type { PipelineSpec, PipelineTaskSpec } from '../../../src/kubeflow/pipeline-spec.js';
import { pipelineSpecSchema } from '../../../src/kubeflow/pipeline-spec.js';
import { emitPipelineYaml } from '../../../src/kubeflow/yaml-emitter.js';
import { validatePipelineSpec } from '../../../src/kubeflow/validator.js';
import { PIPELINE_DEFINITION, type PipelineDefinition, type StepDef } from '../../../src/pipeline/definition.js';
import type { Schema } from '../../../src/kubeflow/schema.js';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(here, '../../../../shared/fixtures/kfp');
const OPTS = { imageTag: '1.2.3', registry: 'reg.example/ns', mlflowTrackingUri: 'http://mlflow:5000' };
const spec = compilePipeline(PIPELINE_DEFINITION, OPTS);

const task = (path: string[]): PipelineTaskSpec => {
  let comp = spec.root;
  for (let i = 0; i < path.length - 1; i++) comp = spec.components[comp.dag!.tasks[path[i]].componentRef.name];
  const t = comp.dag!.tasks[path[path.length - 1]];
  expect(t, path.join('/')).toBeDefined();
  return t;
};

describe('compilePipeline', () => {
  it('refuses a tracking URI with credentials (they would be stored in the spec) and names where they belong', () => {
    for (const uri of ['https://alice:S3CRET@mlflow.example', 'https://mlflow.example/?access_token=TOK123']) {
      let err: unknown;
      try {
        compilePipeline(PIPELINE_DEFINITION, { ...OPTS, mlflowTrackingUri: uri });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
      const msg = (err as Error).message;
      expect(msg).toContain('carries credentials');
      expect(msg).toContain('MLFLOW_TRACKING_TOKEN');
      expect(msg).not.toContain('S3CRET');
      expect(msg).not.toContain('TOK123');
    }
    expect(() => compilePipeline(PIPELINE_DEFINITION, { ...OPTS, mlflowTrackingUri: 'https://mlflow.example/?experiment=1' })).not.toThrow();
  });

  it('is deterministic: two compilations give byte-identical YAML', () => {
    const a = emitPipelineYaml(compilePipeline(PIPELINE_DEFINITION, OPTS));
    const b = emitPipelineYaml(compilePipeline(PIPELINE_DEFINITION, OPTS));
    expect(a).toBe(b);
    // and a different tag changes it
    expect(emitPipelineYaml(compilePipeline(PIPELINE_DEFINITION, { ...OPTS, imageTag: '1.2.4' }))).not.toBe(a);
  });

  it('validates structurally and against the schema', () => {
    expect(validatePipelineSpec(JSON.parse(JSON.stringify(spec)))).toEqual([]);
  });

  it('declares the pipeline parameters with types and SDK-style defaults', () => {
    const p = spec.root.inputDefinitions!.parameters!;
    expect(p.entity_data_path).toEqual({ defaultValue: 'datasets/processed/emails/all_emails.parquet', isOptional: true, parameterType: 'STRING' });
    expect(p.test_split_ratio.defaultValue).toBe(0.2);
    expect(p.num_hpo_trials).toMatchObject({ defaultValue: 20, parameterType: 'NUMBER_INTEGER' });
    expect(p.hpo_shards).toMatchObject({ defaultValue: 1, parameterType: 'NUMBER_INTEGER' });
    expect(p.f1_threshold.defaultValue).toBe(0.85);
    expect(p.model_name.defaultValue).toBe('spam-detector');
    expect(p.image_tag.defaultValue).toBe('1.2.3');
    expect(p.mlflow_tracking_uri.defaultValue).toBe('http://mlflow:5000');
    const text = emitPipelineYaml(spec);
    expect(text).toMatch(/num_hpo_trials:\n\s+defaultValue: 20\.0\n/);
    expect(text).toMatch(/max_inference_time_ms:\n\s+defaultValue: 10\.0\n/);
    expect(text).toContain('#    num_hpo_trials: int [Default: 20.0]');
    expect(text.startsWith('# PIPELINE DEFINITION\n# Name: spam-detection-pipeline\n')).toBe(true);
  });

  it('fans HPO out with ParallelFor over hpo-plan output, retry on shards, Collected into hpo-merge', () => {
    const loop = task(['for-loop-1']);
    expect(loop.taskInfo.name).toBe('hpo-shards');
    expect(loop.parameterIterator).toEqual({
      itemInput: 'pipelinechannel--hpo-plan-shard_indices-loop-item',
      items: { inputParameter: 'pipelinechannel--hpo-plan-shard_indices' },
    });
    expect(loop.iteratorPolicy).toEqual({ parallelismLimit: PIPELINE_DEFINITION.hpoParallelism });
    expect(loop.dependentTasks).toEqual(['feature-retrieval', 'hpo-plan']);
    const shard = task(['for-loop-1', 'hpo-tuning']);
    expect(shard.retryPolicy).toEqual({ backoffDuration: '30s', backoffFactor: 2, backoffMaxDuration: '3600s', maxRetryCount: 2 });
    expect(shard.inputs!.parameters!.shard_index).toEqual({ componentInputParameter: 'pipelinechannel--hpo-plan-shard_indices-loop-item' });
    expect(shard.inputs!.parameters!.shard_count).toEqual({ componentInputParameter: 'pipelinechannel--hpo_shards' });
    const loopComp = spec.components['comp-for-loop-1'];
    expect(loopComp.outputDefinitions!.artifacts!['pipelinechannel--hpo-tuning-journal']).toMatchObject({ isArtifactList: true });
    expect(loopComp.dag!.outputs!.artifacts!['pipelinechannel--hpo-tuning-shard_model']).toEqual({
      artifactSelectors: [{ outputArtifactKey: 'shard_model', producerSubtask: 'hpo-tuning' }],
    });
    const merge = task(['hpo-merge']);
    expect(merge.dependentTasks).toEqual(['for-loop-1']);
    expect(merge.inputs!.artifacts!.journals).toEqual({ taskOutputArtifact: { outputArtifactKey: 'pipelinechannel--hpo-tuning-journal', producerTask: 'for-loop-1' } });
    expect(spec.components['comp-hpo-merge'].inputDefinitions!.artifacts!.journals.isArtifactList).toBe(true);
    const args = spec.deploymentSpec.executors['exec-hpo-merge'].container!.args!;
    expect(args).toContain('{{$}}');
    expect(args.join(' ')).not.toContain("{{$.inputs.artifacts['journals']");
  });

  it('gates comparison on validation and promotion on both, as nested If groups', () => {
    const outer = task(['condition-2']);
    expect(outer.taskInfo.name).toBe('validation-passed');
    expect(outer.triggerPolicy).toEqual({ condition: "inputs.parameter_values['pipelinechannel--model-validation-passed'] == true" });
    expect(outer.dependentTasks).toContain('model-validation');
    const inner = task(['condition-2', 'condition-3']);
    expect(inner.triggerPolicy!.condition).toBe("inputs.parameter_values['pipelinechannel--model-comparison-decision'] == 'promote'");
    expect(inner.dependentTasks).toEqual(['model-comparison']);
    task(['condition-2', 'model-comparison']);
    const promo = task(['condition-2', 'condition-3', 'model-promotion']);
    expect(promo.cachingOptions).toEqual({});
    // promotion appears nowhere else
    const all = JSON.stringify(spec.root) + JSON.stringify(spec.components['comp-condition-2'].dag);
    expect(all).not.toContain('"model-promotion"');
  });

  it('sets images, resources, env and the step command line', () => {
    const ex = spec.deploymentSpec.executors['exec-baseline-training'].container!;
    expect(ex.image).toBe('reg.example/ns/train-spam-hpo-train:1.2.3');
    expect(ex.command).toEqual(['train-spam', 'step', 'baseline-training']);
    expect(ex.resources).toEqual({
      cpuLimit: 2, cpuRequest: 2, memoryLimit: 8.589934592, memoryRequest: 4.294967296,
      resourceCpuLimit: '2', resourceCpuRequest: '2', resourceMemoryLimit: '8Gi', resourceMemoryRequest: '4Gi',
    });
    expect(ex.env).toContainEqual({ name: 'MLFLOW_TRACKING_URI', value: 'http://mlflow:5000' });
    expect(ex.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=6144' });
    expect(spec.deploymentSpec.executors['exec-data-preparation'].container!.image).toBe('reg.example/ns/train-spam-data-prep:1.2.3');
    expect(spec.deploymentSpec.executors['exec-model-promotion'].container!.image).toBe('reg.example/ns/train-spam-mlflow-ops:1.2.3');
    // without a compile-time URI there is no MLflow env (the parameter still carries it)
    const bare = compilePipeline(PIPELINE_DEFINITION, { imageTag: 'x' });
    expect(bare.deploymentSpec.executors['exec-baseline-training'].container!.env!.map((e) => e.name)).not.toContain('MLFLOW_TRACKING_URI');
    expect(imageRef('data-prep', { imageTag: 't', registry: 'r/' })).toBe('r/train-spam-data-prep:t');
  });

  it('quantities and heap sizing', () => {
    expect(parseQuantity('500m')).toBeCloseTo(0.5);
    expect(parseQuantity('2Gi')).toBe(2 * 1024 ** 3);
    expect(parseQuantity('4G')).toBe(4e9);
    expect(() => parseQuantity('4 GB')).toThrow(/quantity/);
    // the rest of Kubernetes' grammar: exponents, P/E and Pi/Ei, "1." and ".5", a leading +
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('4E9')).toBe(4e9);
    expect(parseQuantity('25e-2')).toBe(0.25);
    expect(parseQuantity('1E')).toBe(1e18);
    expect(parseQuantity('2Pi')).toBe(2 * 1024 ** 5);
    expect(parseQuantity('.5')).toBe(0.5);
    expect(parseQuantity('1.')).toBe(1);
    expect(parseQuantity('+2')).toBe(2);
    for (const bad of ['-1', '1e', 'e3', '1.5.2', '1Ki3', '', '.', '1 e3', '1kB']) expect(() => parseQuantity(bad), bad).toThrow(/quantity/);
    expect(heapMiB('4Gi')).toBe(3072);
  });

  it('rejects definitions that cannot compile', () => {
    const bad = (mut: (steps: StepDef[]) => StepDef[], name = PIPELINE_DEFINITION.name): PipelineDefinition => ({
      ...PIPELINE_DEFINITION, name, steps: mut(PIPELINE_DEFINITION.steps.map((s) => ({ ...s }))),
    });
    expect(() => compilePipeline(bad((s) => s, 'Bad_Name'), OPTS)).toThrow(/does not match/);
    // a step reading an output of a step that comes later
    expect(() => compilePipeline(bad((s) => [s[1], s[0], ...s.slice(2)]), OPTS)).toThrow(/not an output artifact of an earlier step/);
    // an unknown pipeline parameter
    expect(() => compilePipeline(bad((s) => s.map((x) => x.name === 'data-preparation'
      ? { ...x, inputs: { ...x.inputs, parameters: [{ name: 'q', type: 'STRING' as const, source: { kind: 'pipeline' as const, param: 'nope' }, description: '' }] } } : x)), OPTS)).toThrow(/unknown pipeline parameter nope/);
    // after() naming a step in another group
    expect(() => compilePipeline(bad((s) => s.map((x) => x.name === 'model-promotion' ? { ...x, after: ['data-preparation' as const] } : x)), OPTS)).toThrow(/same group/);
    expect(() => compilePipeline(PIPELINE_DEFINITION, { imageTag: 'bad tag' })).toThrow(/Docker tag/);
  });

  it('a registry prefix that cannot make an image reference is a usage error naming --registry', () => {
    for (const registry of ['UPPER/Case reg', 'ghcr.io/Acme', 'host:port/x', '/leading', 'a//b']) {
      let err: unknown;
      try {
        compilePipeline(PIPELINE_DEFINITION, { imageTag: 'v1', registry });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'registry', usage: true } });
      expect((err as Error).message).toContain(`--registry '${registry}' is not an image prefix`);
    }
    for (const registry of ['', 'ghcr.io/acme', 'localhost:5000/team/ml-ops', 'registry.example.com/a_b/c__d/e.f', 'ghcr.io/acme/']) {
      expect(() => compilePipeline(PIPELINE_DEFINITION, { imageTag: 'v1', registry })).not.toThrow();
    }
    expect(imageRef('hpo-train', { imageTag: 'v1', registry: 'ghcr.io/acme/' })).toBe('ghcr.io/acme/train-spam-hpo-train:v1');
  });

  it('emits only field paths that KFP SDK 2.15 itself emits in the reference fixtures', () => {
    const paths = (v: unknown, s: Schema | undefined, prefix: string, out: Set<string>) => {
      if (v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) {
        for (const x of v) paths(x, s && s.kind === 'list' ? s.of : undefined, prefix + '[]', out);
        return;
      }
      for (const [k, x] of Object.entries(v)) {
        let child: Schema | undefined;
        let key = k;
        if (s?.kind === 'map') { child = s.of; key = '*'; } else if (s?.kind === 'object') child = s.fields[k]?.schema;
        if (s?.kind === 'json') continue;
        const p = `${prefix}/${key}`;
        out.add(p);
        paths(x, child, p, out);
      }
    };
    const ref = new Set<string>();
    for (const f of ['train_spam_reference.yaml', 'variants_loops_conditions.yaml']) {
      paths(parse(readFileSync(resolve(FIXTURES, f), 'utf8')), pipelineSpecSchema, '', ref);
    }
    const ours = new Set<string>();
    paths(spec as PipelineSpec, pipelineSpecSchema, '', ours);
    // root is a ComponentSpec like any other: compare it as one
    const norm = (set: Set<string>) => new Set([...set].map((p) => p.replace(/^\/root(?=\/|$)/, '/components/*')));
    const refN = norm(ref);
    const extra = [...norm(ours)].filter((p) => !refN.has(p));
    expect(ours.size).toBeGreaterThan(50);
    expect(extra).toEqual([]);
  });
});
