import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import {
  buildExecutorOutput, classificationMetricsMetadata, inputArtifactPaths, localPathOf, parseExecutorInput,
} from '../../../src/kubeflow/executor-io.js';

const input = parseExecutorInput(JSON.stringify({
  inputs: {
    artifacts: { journals: { artifacts: [{ name: 'a', uri: 'minio://mlpipeline/v2/artifacts/run/hpo-tuning/1/journal' }, { uri: 's3://b/k' }] } },
    parameterValues: { seed: 42 },
  },
  outputs: { artifacts: { hpo_metrics: { artifacts: [{ uri: 'minio://mlpipeline/x/hpo_metrics' }] } }, outputFile: '/tmp/kfp_outputs/output_metadata.json' },
}));

describe('executor input/output', () => {
  it('maps list-artifact URIs to the launcher mounts', () => {
    expect(inputArtifactPaths(input, 'journals')).toEqual(['/minio/mlpipeline/v2/artifacts/run/hpo-tuning/1/journal', '/s3/b/k']);
    expect(localPathOf('gs://b/o')).toBe('/gcs/b/o');
    expect(() => localPathOf('http://x/y')).toThrow(/no local mount/);
    expect(() => localPathOf('relative/dir')).toThrow("artifact URI 'relative/dir' has no local mount (expected gs://, s3://, minio://, oci:// or an absolute path)");
    expect(() => inputArtifactPaths(input, 'nope')).toThrow(/no artifact input 'nope'/);
    expect(() => parseExecutorInput('[1]')).toThrow(/JSON object/);
    expect(() => parseExecutorInput('{')).toThrow(/not JSON/);
  });
  it('builds an ExecutorOutput with metadata, URIs and the output parameters', () => {
    const out = JSON.parse(buildExecutorOutput({
      artifacts: { hpo_metrics: { best_f1: 0.93, trials: 20 } },
      parameterValues: { best_params: '{"model":"gbm"}' },
      executorInput: input,
    }));
    expect(out).toEqual({
      artifacts: { hpo_metrics: { artifacts: [{ name: 'hpo_metrics', uri: 'minio://mlpipeline/x/hpo_metrics', metadata: { best_f1: 0.93, trials: 20 } }] } },
      parameterValues: { best_params: '{"model":"gbm"}' },
    });
  });
  it('classification metrics in the shape the KFP UI reads', () => {
    const md = classificationMetricsMetadata(['ham', 'spam'], [[90, 10], [5, 95]], [{ threshold: 0.5, falsePositiveRate: 0.1, recall: 0.95 }]);
    expect(md).toEqual({
      confusionMatrix: { annotationSpecs: [{ displayName: 'ham' }, { displayName: 'spam' }], rows: [{ row: [90, 10] }, { row: [5, 95] }] },
      confidenceMetrics: [{ confidenceThreshold: 0.5, falsePositiveRate: 0.1, recall: 0.95 }],
    });
    expect(() => classificationMetricsMetadata(['a', 'b'], [[1, 2]], [])).toThrow(/2x2/);
  });
  it('a field of the wrong type is a usage error naming the field, not a TypeError', () => {
    const cases: [unknown, string][] = [
      [{ inputs: null }, 'inputs must be an object, got null'],
      [{ inputs: { artifacts: 'x' } }, 'inputs.artifacts must be an object, got a string'],
      [{ inputs: { artifacts: { journals: { artifacts: { uri: 's3://b/k' } } } } }, 'inputs.artifacts.journals.artifacts must be a list, got an object'],
      [{ inputs: { artifacts: { journals: { artifacts: [{ uri: 's3://b/k' }, null] } } } }, 'inputs.artifacts.journals.artifacts[1] must be an object (a RuntimeArtifact), got null'],
      [{ inputs: { artifacts: { journals: { artifacts: [{ uri: 5 }] } } } }, 'inputs.artifacts.journals.artifacts[0].uri must be a string, got a number'],
      [{ inputs: { artifacts: { journals: { artifacts: [{ uri: 's3://b/k', metadata: [] }] } } } }, 'inputs.artifacts.journals.artifacts[0].metadata must be an object, got a list'],
      [{ inputs: { parameterValues: [] } }, 'inputs.parameterValues must be an object, got a list'],
      [{ outputs: { artifacts: { hpo_metrics: { artifacts: 'x' } } } }, 'outputs.artifacts.hpo_metrics.artifacts must be a list, got a string'],
      [{ outputs: { parameters: { best_params: { outputFile: 1 } } } }, 'outputs.parameters.best_params.outputFile must be a string, got a number'],
      [{ outputs: { outputFile: false } }, 'outputs.outputFile must be a string, got a boolean'],
    ];
    for (const [value, message] of cases) {
      let err: unknown;
      try {
        parseExecutorInput(JSON.stringify(value));
      } catch (e) {
        err = e;
      }
      expect(err, message).toBeInstanceOf(TrainSpamError);
      expect((err as TrainSpamError).message).toBe(`--executor-input: ${message}`);
      expect((err as TrainSpamError).details).toMatchObject({ usage: true, flag: '--executor-input' });
    }
    // absent fields stay allowed (what a step does not read is not required)
    expect(() => parseExecutorInput('{}')).not.toThrow();
    expect(() => parseExecutorInput(JSON.stringify({ inputs: { artifacts: { journals: {} } }, outputs: {} }))).not.toThrow();
  });
});

