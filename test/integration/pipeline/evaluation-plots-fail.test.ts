/**
 * Plots that cannot be drawn (a missing font, a vega failure) leave a warning: the evaluation still
 * returns its metrics and logs them, so the gates and the promotion go on (an audit moved the fonts
 * aside and the whole run failed, with no test metrics logged).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import type { Logger } from '../../../src/core/ports.js';
import { fitTransformFeaturePipeline } from '../../../src/features/pipeline.js';
import { createEstimator } from '../../../src/models/registry.js';
import { systemClock, type RunContext } from '../../../src/pipeline/context.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { modelEvaluation, type MeasuredLatency } from '../../../src/pipeline/steps/model-evaluation.js';
import type { LabelledMatrix } from '../../../src/pipeline/state.js';
import { saveScorer, SpamScorer } from '../../../src/serving/scorer.js';
import { openTracking } from '../../../src/tracking/factory.js';
import { syntheticRecord } from '../../helpers/records.js';

vi.mock('../../../src/report/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/report/index.js')>()),
  renderPlotSpecs: async () => {
    throw new TrainSpamError('NOT_FOUND', 'simulated: font file assets/fonts/x.ttf is missing');
  },
}));

describe('evaluation with plots that cannot be drawn', () => {
  it('warns, returns no plots, and logs the test metrics all the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eval-plots-'));
    const records = Array.from({ length: 120 }, (_, i) => syntheticRecord(i));
    const labels = Uint8Array.from(records, (r) => r.label);
    const fitted = fitTransformFeaturePipeline(records, labels);
    const model = await createEstimator('logistic', {}).fit({ X: fitted.matrix, y: labels }, { seed: 1 });
    await saveScorer(join(dir, 'model'), new SpamScorer(fitted.pipeline, model));
    const handle = openTracking({ trackingUri: join(dir, 'mlruns') });
    try {
      const exp = await handle.store.getOrCreateExperiment('plots-fail');
      const run = await handle.store.createRun({ experimentId: exp.experimentId });
      const lines: string[] = [];
      const logger: Logger = { log: (level, message) => void lines.push(`${level}: ${message}`) };
      const ctx = {
        params: resolvePipelineParams({}), logger, clock: systemClock, signal: new AbortController().signal, outDir: join(dir, 'out'),
        tracking: { store: handle.store, registry: handle.registry, description: 'test' }, runId: run.runId, experimentId: exp.experimentId, progress: undefined as never, workers: 1,
      } as RunContext;
      const test = { X: fitted.matrix, y: labels, ids: records.map((r) => r.email_id) } as unknown as LabelledMatrix;
      const ev = await modelEvaluation(ctx, { model, baseline: model, test, testRecords: records.slice(0, 10), artifactDir: join(dir, 'model') });
      expect(ev.plots).toEqual([]);
      expect(ev.plotFiles).toEqual([]);
      expect(lines).toContain('warn: evaluation: the plots could not be drawn (simulated: font file assets/fonts/x.ttf is missing); the run goes on without them');
      const metrics = (await handle.store.getRun(run.runId)).data.metrics;
      expect(metrics['test.f1']?.value).toBeCloseTo(ev.candidate.f1, 12);
      expect(metrics['test.latency_p99_wall_ms']?.value).toBe((ev.latency as MeasuredLatency).wallP99Ms);
    } finally {
      await handle.close();
    }
  }, 60_000);
});
