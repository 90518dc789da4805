/**
 * The evaluation step when something is wrong with the model or the plots (found by an audit of
 * the report and serving code): a model that scores NaN is rejected by the gates with the gate
 * table instead of failing the run; plots that cannot be drawn leave a warning, and the metrics
 * are logged all the same; a damaged MLP artifact names itself instead of scoring NaN.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/core/ports.js';
import { fitTransformFeaturePipeline } from '../../../src/features/pipeline.js';
import { createEstimator } from '../../../src/models/registry.js';
import type { Fitted } from '../../../src/models/contract.js';
import { systemClock, type RunContext } from '../../../src/pipeline/context.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { modelComparison } from '../../../src/pipeline/steps/model-comparison.js';
import { modelEvaluation, type MeasuredLatency } from '../../../src/pipeline/steps/model-evaluation.js';
import { modelValidation } from '../../../src/pipeline/steps/model-validation.js';
import type { LabelledMatrix } from '../../../src/pipeline/state.js';
import { loadModelArtifact, saveModelArtifact } from '../../../src/io/model-artifact.js';
import { loadScorer, saveScorer, SpamScorer } from '../../../src/serving/scorer.js';
import { syntheticRecord } from '../../helpers/records.js';

const dir = mkdtempSync(join(tmpdir(), 'eval-robust-'));
const records = Array.from({ length: 150 }, (_, i) => syntheticRecord(i));
const labels = Uint8Array.from(records, (r) => r.label);
let test: LabelledMatrix;
let good: Fitted;
const artifact = join(dir, 'model');

function context(lines: string[]): RunContext {
  const logger: Logger = { log: (level, message) => void lines.push(`${level}: ${message}`) };
  return {
    params: resolvePipelineParams({}), logger, clock: systemClock, signal: new AbortController().signal, outDir: mkdtempSync(join(dir, 'out-')),
    tracking: null, runId: null, experimentId: null, progress: undefined as never, workers: 1,
  } as RunContext;
}

beforeAll(async () => {
  const fitted = fitTransformFeaturePipeline(records, labels);
  test = { X: fitted.matrix, y: labels, ids: records.map((r) => r.email_id) } as unknown as LabelledMatrix;
  good = await createEstimator('mlp', { hidden_layers: [8], epochs: 3 }).fit({ X: fitted.matrix, y: labels }, { seed: 1 });
  await saveScorer(artifact, new SpamScorer(fitted.pipeline, good));
}, 120_000);

describe('evaluation', () => {
  it('a model that scores NaN: no metrics or plots, the no_nan_scores gate rejects it and the comparison fails on it, nothing throws', async () => {
    const nan = Object.create(good) as Fitted;
    nan.predictProba = (X) => {
      const p = good.predictProba(X);
      p[3] = NaN;
      return p;
    };
    const lines: string[] = [];
    const ctx = context(lines);
    // its artifact is not even read (a diverged network's artifact holds NaN weights, which loading refuses)
    const ev = await modelEvaluation(ctx, { model: nan, baseline: good, test, testRecords: records.slice(0, 20), artifactDir: join(dir, 'no-artifact') });
    expect(Number.isNaN(ev.candidate.f1)).toBe(true);
    expect(Number.isNaN(ev.latency.p99Ms)).toBe(true);
    expect(ev.plots).toEqual([]);
    expect(lines).toContain('error: evaluation: 1 of 150 test scores of the tuned model are NaN or infinite; its metrics and plots are left out and the gates will reject it');
    // not timed, and the step's line says so instead of printing "p50 NaN ms ... NaN rows/s"
    const evLine = lines.find((l) => l.startsWith('info: evaluation: test F1'))!;
    expect(evLine).toMatch(/; latency and batch prediction not measured \(the model scores NaN\)$/);
    expect(evLine).not.toMatch(/NaN ms|NaN rows/);
    const gates = await modelValidation(ctx, ev, 0);
    expect(gates.passed).toBe(false);
    expect(gates.gates.find((g) => g.name === 'no_nan_scores')).toMatchObject({ passed: false, value: 1 });
    expect(gates.gates.find((g) => g.name === 'f1')).toMatchObject({ passed: false, value: null });
    const cmp = await modelComparison(ctx, { candidate: { f1: ev.candidate.f1, auc: ev.candidate.rocAuc }, candidateScores: ev.scores, test: undefined as never, testLabels: labels });
    expect(cmp).toMatchObject({ passed: false, status: 'failed' });
    // no Staging model was scored: the step's line says so (it said "against Staging vundefined")
    expect(lines).toContain('info: comparison: failed (no Staging model compared): candidate f1 is NaN, not a finite number; candidate auc is NaN, not a finite number');
  }, 60_000);

  it('the latency figure keeps the wall-clock p99 beside the one without run-queue waits', async () => {
    const ev = await modelEvaluation(context([]), { model: good, baseline: good, test, testRecords: records.slice(0, 40), artifactDir: artifact });
    expect((ev.latency as MeasuredLatency).wallP99Ms).toBeGreaterThanOrEqual(ev.latency.p99Ms);
    expect(ev.plots.map((p) => p.name).length).toBeGreaterThan(0);
  }, 60_000);
});

describe('a damaged MLP artifact', () => {
  it('NaN or infinite weights and a zero scale are refused, naming the artifact and the array', async () => {
    const loaded = await loadModelArtifact(artifact);
    const model = loaded.model;
    expect(model.kind).toBe('model/mlp');
    for (const [name, damage] of [
      ['layer0.kernel', (a: Float32Array | Float64Array) => (a[5] = NaN)],
      ['layer1.bias', (a: Float32Array | Float64Array) => (a[0] = Infinity)],
      ['scaler.scale', (a: Float32Array | Float64Array) => (a[2] = 0)],
    ] as const) {
      const arrays = { ...model.arrays, [name]: model.arrays[name].slice() };
      damage(arrays[name] as Float32Array | Float64Array);
      const bad = join(dir, `bad-${name}`);
      await saveModelArtifact(bad, { featurePipeline: loaded.featurePipeline, model: { ...model, arrays }, metadata: loaded.metadata });
      await expect(loadScorer(bad)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(new RegExp(`^model artifact ${bad}: model/mlp payload: array '${name.replace('.', '\\.')}' holds`)) });
    }
  });
});
