/**
 * `runPipeline` with its trial threads (started with the run, refit on a pool thread) trains the
 * model of the same run with the study inline and the refit in the main thread: same trials, same
 * chosen configuration, same test metrics. 240-e-mail fixture, no tracking, compiled dist/ workers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/ports.js';
import { silentProgress } from '../../../src/hpo/progress.js';
import { resolvePipelineParams } from '../../../src/pipeline/params.js';
import { runPipeline } from '../../../src/pipeline/runner.js';
import { ensureBuilt } from '../exec/ensure-build.js';

const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/parquet/emails-snappy.parquet');
let root: string;

beforeAll(async () => {
  await ensureBuilt();
  root = mkdtempSync(join(tmpdir(), 'train-spam-pipeline-threads-'));
}, 240_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runPipeline with pre-started trial threads', () => {
  it('gives the trials, the tuned model and the test metrics of the inline run', async () => {
    const params = resolvePipelineParams({
      entity_data_path: FIXTURE, num_hpo_trials: 4, seed: 11,
      f1_threshold: 0.5, min_auc_roc: 0.5, min_precision: 0.5, min_recall: 0.5, max_inference_time_ms: 1000,
    });
    const common = { params, logger: silentLogger, progress: silentProgress, tracking: null, outRoot: join(root, 'runs') };
    const threads = await runPipeline({ ...common, workers: 2 });
    const inline = await runPipeline({ ...common, workers: 1, hpo: { study: { executor: 'inline' } } });
    expect(threads.exitCode).toBe(0);
    expect(inline.exitCode).toBe(0);
    const rows = (r: typeof threads) => r.record.tuned!.study.trials.map((t) => [t.trial, t.model, t.score, t.iterations]);
    expect(rows(threads)).toEqual(rows(inline));
    expect(threads.record.tuned!.kind).toBe(inline.record.tuned!.kind);
    const m = (r: typeof threads) => { const c = r.record.evaluation!.candidate; return [c.f1, c.rocAuc, c.precision, c.recall]; };
    expect(m(threads)).toEqual(m(inline));
    // no tracking, no registry: the comparison does not claim a first model
    expect(threads.record.comparison?.reasons).toEqual(['no model registry (run without tracking): not compared with a Staging model']);
  }, 120_000);
});
