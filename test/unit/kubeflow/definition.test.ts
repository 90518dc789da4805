import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  IMAGE_NAMES, PIPELINE_DEFINITION, flagName, getStep, shardIndices, stepCommandLine, stepFlags,
} from '../../../src/pipeline/definition.js';

const here = dirname(fileURLToPath(import.meta.url));
const def = PIPELINE_DEFINITION;

describe('pipeline definition', () => {
  it('has the 8 steps in order, plus hpo-plan and hpo-merge around the sharded HPO', () => {
    expect(def.steps.map((s) => s.name)).toEqual([
      'data-preparation', 'feature-retrieval', 'baseline-training', 'hpo-plan', 'hpo-tuning', 'hpo-merge',
      'model-evaluation', 'model-validation', 'model-comparison', 'model-promotion',
    ]);
    expect(def.steps.filter((s) => s.runsIn === 'kfp').map((s) => s.name)).toEqual(['hpo-plan']);
  });

  it('declares the pipeline parameters with the specified types and defaults', () => {
    const p = Object.fromEntries(def.params.map((x) => [x.name, [x.type, x.default]]));
    expect(p).toMatchObject({
      entity_data_path: ['STRING', 'datasets/processed/emails/all_emails.parquet'],
      test_split_ratio: ['NUMBER_DOUBLE', 0.2], num_hpo_trials: ['NUMBER_INTEGER', 20], f1_threshold: ['NUMBER_DOUBLE', 0.85],
      min_auc_roc: ['NUMBER_DOUBLE', 0.9], min_precision: ['NUMBER_DOUBLE', 0.8], min_recall: ['NUMBER_DOUBLE', 0.8],
      max_inference_time_ms: ['NUMBER_DOUBLE', 10], max_f1_regression: ['NUMBER_DOUBLE', 0.05], max_auc_regression: ['NUMBER_DOUBLE', 0.05],
      model_name: ['STRING', 'spam-detector'], seed: ['NUMBER_INTEGER', 42], hpo_shards: ['NUMBER_INTEGER', 1],
      mlflow_tracking_uri: ['STRING', ''], image_tag: ['STRING', 'dev'],
    });
    expect(new Set(def.params.map((x) => x.name)).size).toBe(def.params.length);
  });

  it('every input reads a pipeline parameter or an output of an earlier step, with matching types', () => {
    const seen = new Map<string, (typeof def.steps)[number]>();
    for (const s of def.steps) {
      for (const i of s.inputs.parameters) {
        if (i.source.kind === 'pipeline') {
          const src = i.source;
          expect(def.params.find((x) => x.name === src.param)?.type, `${s.name}.${i.name}`).toBe(i.type);
        } else if (i.source.kind === 'step') {
          const src = i.source;
          expect(seen.get(src.step)?.outputs.parameters.find((o) => o.name === src.output)?.type, `${s.name}.${i.name}`).toBe(i.type);
        } else expect(s.fanOut).toBe('shards');
      }
      for (const a of s.inputs.artifacts) {
        const out = seen.get(a.source.step)?.outputs.artifacts.find((o) => o.name === a.source.output);
        expect(out, `${s.name}.${a.name}`).toBeDefined();
        expect(a.source.kind === 'collected').toBe(a.list === true);
      }
      for (const c of s.when) expect(seen.get(c.step)?.outputs.parameters.find((o) => o.name === c.output), `${s.name} when ${c.name}`).toBeDefined();
      expect(IMAGE_NAMES).toContain(s.image);
      seen.set(s.name, s);
    }
  });

  it('gates: comparison after validation passed; promotion after validation passed and decision == promote', () => {
    expect(getStep(def, 'model-comparison')!.when.map((c) => [c.step, c.output, c.op, c.value])).toEqual([['model-validation', 'passed', '==', true]]);
    expect(getStep(def, 'model-promotion')!.when.map((c) => [c.step, c.output, c.op, c.value])).toEqual([
      ['model-validation', 'passed', '==', true], ['model-comparison', 'decision', '==', 'promote'],
    ]);
    expect(getStep(def, 'model-validation')!.outputs.parameters).toContainEqual(expect.objectContaining({ name: 'passed', type: 'BOOLEAN' }));
    expect(getStep(def, 'hpo-tuning')!.retry).toMatchObject({ maxRetryCount: 2 });
  });

  it('the container CLI convention', () => {
    expect(flagName('num_hpo_trials')).toBe('num-hpo-trials');
    const v = stepCommandLine(getStep(def, 'model-validation')!);
    expect(v.command).toEqual(['train-spam', 'step', 'model-validation']);
    expect(v.args.slice(0, 2)).toEqual(['--f1-threshold', "{{$.inputs.parameters['f1_threshold']}}"]);
    expect(v.args).toEqual(expect.arrayContaining(['--in-evaluation', "{{$.inputs.artifacts['evaluation'].path}}"]));
    expect(v.args).toEqual(expect.arrayContaining(['--out-gate-report', "{{$.outputs.artifacts['gate_report'].path}}"]));
    expect(v.args).toEqual(expect.arrayContaining(['--out-param-passed', "{{$.outputs.parameters['passed'].output_file}}"]));
    const hpo = stepFlags(getStep(def, 'hpo-tuning')!).map((f) => f.flag);
    expect(hpo).toEqual(expect.arrayContaining(['--shard-index', '--shard-count', '--num-trials', '--executor-output']));
    const merge = stepFlags(getStep(def, 'hpo-merge')!);
    expect(merge.map((f) => f.flag)).toContain('--executor-input');
    expect(merge.map((f) => f.flag)).not.toContain('--in-journals');
    expect(stepFlags(getStep(def, 'model-evaluation')!).map((f) => f.flag)).toContain('--executor-output');
    expect(stepFlags(getStep(def, 'data-preparation')!).map((f) => f.flag)).not.toContain('--executor-output');
    for (const s of def.steps) {
      const flags = stepFlags(s).map((f) => f.flag);
      expect(new Set(flags).size, s.name).toBe(flags.length);
      const args = stepCommandLine(s).args;
      expect(args.length).toBe(2 * flags.length);
      for (let i = 0; i < args.length; i += 2) {
        expect(args[i]).toMatch(/^--[a-z][a-z0-9-]*$/);
        expect(args[i + 1]).toMatch(/^\{\{\$.*\}\}$/);
      }
    }
  });

  it('shardIndices and purity (no node:* imports)', () => {
    expect(shardIndices(3)).toEqual([0, 1, 2]);
    expect(shardIndices(0)).toEqual([]);
    const src = readFileSync(resolve(here, '../../../src/pipeline/definition.ts'), 'utf8');
    expect(src).not.toMatch(/from ['"](node:|fs|path)/);
  });
});
