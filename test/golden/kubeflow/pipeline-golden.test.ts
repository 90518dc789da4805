/**
 * Golden files of the compiled pipeline and the HPO manifests. Regenerate ONLY on purpose:
 *   UPDATE_GOLDEN=1 npx vitest run test/golden/kubeflow
 * and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePipeline } from '../../../src/kubeflow/compiler.js';
import { emitPipelineYaml } from '../../../src/kubeflow/yaml-emitter.js';
import { validatePipelineYaml } from '../../../src/kubeflow/validator.js';
import { buildHpoManifests, checkManifest, manifestsToYaml } from '../../../src/kubeflow/k8s-job.js';
import { PIPELINE_DEFINITION } from '../../../src/pipeline/definition.js';
import { parseAllDocuments } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const GOLDEN_COMPILE_OPTIONS = {
  imageTag: '0.1.0',
  registry: 'registry.example.com/ml',
  mlflowTrackingUri: 'http://mlflow.mlflow.svc.cluster.local:5000',
};

function golden(name: string, actual: string): void {
  const file = join(here, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `${file} missing: run UPDATE_GOLDEN=1 npx vitest run test/golden/kubeflow`).toBe(true);
  const expected = readFileSync(file, 'utf8');
  // a readable diff on failure
  expect(actual.split('\n')).toEqual(expected.split('\n'));
  expect(actual).toBe(expected);
}

describe('golden: compiled pipeline', () => {
  it('matches spam_detection_pipeline.yaml byte for byte', () => {
    const yaml = emitPipelineYaml(compilePipeline(PIPELINE_DEFINITION, GOLDEN_COMPILE_OPTIONS));
    golden('spam_detection_pipeline.yaml', yaml);
  });
  it('the golden file itself validates', () => {
    expect(validatePipelineYaml(readFileSync(join(here, 'spam_detection_pipeline.yaml'), 'utf8'))).toEqual([]);
  });
});

describe('golden: HPO Kubernetes manifests', () => {
  const m = buildHpoManifests({ shards: 4, image: 'registry.example.com/ml/train-spam-hpo-train:0.1.0', namespace: 'ml' });
  it('matches hpo-job.yaml and hpo-job-merge.yaml', () => {
    golden('hpo-job.yaml', manifestsToYaml([m.pvc, m.shardJob], 'train-spam sharded HPO (golden)'));
    golden('hpo-job-merge.yaml', manifestsToYaml([m.mergeJob], 'train-spam HPO merge (golden)'));
  });
  it('every document of the golden files passes kubernetes-models and our checks', () => {
    for (const f of ['hpo-job.yaml', 'hpo-job-merge.yaml']) {
      const docs = parseAllDocuments(readFileSync(join(here, f), 'utf8'));
      expect(docs.length).toBeGreaterThan(0);
      for (const d of docs) {
        expect(d.errors).toEqual([]);
        expect(checkManifest(d.toJS())).toEqual([]);
      }
    }
  });
});
