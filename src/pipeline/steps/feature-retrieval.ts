/** Step 2: fit the five feature views on the training split, build both matrices point-in-time. */
import { fitTransformFeaturePipeline } from '../../features/pipeline.js';
import type { EmailRecord } from '../../data/schema.js';
import { groupDuplicates } from '../../data/dedup.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { FeatureSet, PreparedData } from '../state.js';

export function labelsOf(records: readonly EmailRecord[]): Uint8Array {
  const y = new Uint8Array(records.length);
  for (let i = 0; i < records.length; i++) y[i] = records[i].label;
  return y;
}

export async function featureRetrieval(ctx: RunContext, data: Pick<PreparedData, 'train' | 'test' | 'trainGroups'>): Promise<FeatureSet> {
  const t0 = ctx.clock.monotonic();
  const { pipeline, matrix: trainX } = fitTransformFeaturePipeline(data.train);
  const testX = pipeline.transform(data.test);
  const ms = ctx.clock.monotonic() - t0;
  const nnz = trainX.sparse.indptr[trainX.rows] + testX.sparse.indptr[testX.rows];
  ctx.logger.log(
    'info',
    `features: ${pipeline.numFeatures} features (${pipeline.denseCols} dense + ${trainX.sparse.cols} TF-IDF) for ${trainX.rows} train / ${testX.rows} test e-mails in ${ms.toFixed(0)} ms`,
  );
  await logStepMetrics(ctx, 'features', { num_features: pipeline.numFeatures, tfidf_nnz: nnz, fit_transform_ms: ms });
  return {
    pipeline,
    train: { X: trainX, y: labelsOf(data.train), ids: data.train.map((r) => r.email_id), groups: data.trainGroups ?? groupDuplicates(data.train.length, (i) => data.train[i].body_text).groupOf },
    test: { X: testX, y: labelsOf(data.test), ids: data.test.map((r) => r.email_id) },
  };
}
