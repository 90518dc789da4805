/**
 * Step 2: fit the five feature views on the training split, build both matrices point-in-time.
 *
 * Streams the table by row group, twice: pass 1 feeds the training rows to the fit (TF-IDF term
 * and document counts, sender-domain history from each row's domain, timestamp and label; only the
 * columns these read), pass 2 transforms the training and test rows of each row group into their
 * matrices. Memory holds the matrices and one row group, never the text of the split.
 *
 * Pass 1 also keeps the training e-mails' TF-IDF token ids while they number at most
 * KEEP_TRAIN_TOKENS (64 MB of ids; their buffer doubles as it grows, so up to 128 MB just before a
 * larger corpus drops them); pass 2 then takes the training TF-IDF rows from them and
 * tokenizes only the test e-mails (the same values: the fitter's rows equal the transform's). On
 * larger corpora the fitter drops them past the budget and pass 2 tokenizes everything, as before.
 */
import { TrainSpamError } from '../../core/errors.js';
import { FeatureMatrixBuilder } from '../../features/matrix-builder.js';
import { FeaturePipelineFitter } from '../../features/pipeline.js';
import { denseMatrix, featureMatrix, type CsrMatrix } from '../../core/matrix.js';
import type { ColumnCache } from '../../io/column-cache.js';
import { streamRowSets, type EmailColumn, type EmailRowSet } from '../../io/email-table.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { FeatureSet } from '../state.js';

/** Token ids the fit may keep for pass 2 (4 bytes each). */
export const KEEP_TRAIN_TOKENS = 1 << 24;

/** The columns the fit reads (emailText: subject + body; sender history: domain, sender, time). */
export const FIT_COLUMNS: readonly EmailColumn[] = ['subject', 'body_text', 'sender', 'sender_domain', 'event_timestamp'];

export interface FeatureRetrievalInput {
  readonly train: EmailRowSet;
  readonly test: EmailRowSet;
  /** Duplicate-body group of each training row (validation cuts keep groups whole). */
  readonly trainGroups: Int32Array;
}

export async function featureRetrieval(
  ctx: RunContext,
  data: FeatureRetrievalInput,
  options: { keepTrainTokens?: number; /** decoded columns of the table, kept by data preparation */ cache?: ColumnCache } = {},
): Promise<FeatureSet> {
  const t0 = ctx.clock.monotonic();
  const fitter = new FeaturePipelineFitter({ keepTrainTokens: options.keepTrainTokens ?? KEEP_TRAIN_TOKENS });
  // Ctrl-C stops both passes (fit, then transform) at the next chunk
  const stopIfCancelled = () => {
    if (ctx.signal.aborted) throw new TrainSpamError('CANCELLED', 'feature retrieval interrupted');
  };
  for await (const [train] of streamRowSets([data.train], { columns: FIT_COLUMNS, cache: options.cache })) {
    stopIfCancelled();
    if (train.length) fitter.add(train);
  }
  const { pipeline, trainTfidfNnz, trainTfidf } = finishFit(fitter, data.train);
  let trainRow = 0;
  /** The next `records` training rows: dense views computed, TF-IDF rows from the kept tokens. */
  const trainRows = (records: Parameters<typeof pipeline.transform>[0], tfidf: CsrMatrix) => {
    const n = records.length;
    const sparse: CsrMatrix = { rows: n, cols: tfidf.cols, indptr: tfidf.indptr.subarray(trainRow, trainRow + n + 1), indices: tfidf.indices, data: tfidf.data };
    trainRow += n;
    return featureMatrix(denseMatrix(n, pipeline.denseCols, pipeline.denseFeatures(records)), sparse, pipeline.featureNames);
  };
  const nTrain = data.train.ids.length;
  const nTest = data.test.ids.length;
  const builder = (rows: number, nnz: number) => new FeatureMatrixBuilder(rows, pipeline.denseCols, pipeline.tfidf.numFeatures, pipeline.featureNames, nnz);
  const trainB = builder(nTrain, trainTfidfNnz);
  const testB = builder(nTest, (trainTfidfNnz / Math.max(1, nTrain)) * nTest * 1.05);
  const sameTable = data.train.table.file === data.test.table.file && JSON.stringify(data.train.table.columnMapping ?? {}) === JSON.stringify(data.test.table.columnMapping ?? {});
  const passes: Array<[EmailRowSet[], FeatureMatrixBuilder[]]> = sameTable
    ? [[[data.train, data.test], [trainB, testB]]]
    : [[[data.train], [trainB]], [[data.test], [testB]]];
  for (const [sets, builders] of passes) {
    for await (const chunk of streamRowSets(sets, { cache: options.cache })) {
      chunk.forEach((records, s) => {
        if (!records.length) return;
        builders[s].append(trainTfidf && builders[s] === trainB ? trainRows(records, trainTfidf) : pipeline.transform(records));
      });
      stopIfCancelled();
    }
  }
  const trainX = trainB.finish();
  const testX = testB.finish();
  const ms = ctx.clock.monotonic() - t0;
  const nnz = trainX.sparse.indptr[trainX.rows] + testX.sparse.indptr[testX.rows];
  ctx.logger.log(
    'info',
    `features: ${pipeline.numFeatures} features (${pipeline.denseCols} dense + ${trainX.sparse.cols} TF-IDF) for ${trainX.rows} train / ${testX.rows} test e-mails in ${ms.toFixed(0)} ms`,
  );
  await logStepMetrics(ctx, 'features', { num_features: pipeline.numFeatures, tfidf_nnz: nnz, fit_transform_ms: ms });
  return {
    pipeline,
    train: { X: trainX, y: data.train.labels, ids: data.train.ids, groups: data.trainGroups },
    test: { X: testX, y: data.test.labels, ids: data.test.ids },
  };
}

/**
 * The fit's result, or its INVALID_DATA (e.g. an empty TF-IDF vocabulary) with the table and the
 * columns it was fitted on named: the fit sees only texts, so its message cannot say where they
 * came from.
 */
function finishFit(fitter: FeaturePipelineFitter, train: EmailRowSet): ReturnType<FeaturePipelineFitter['finish']> {
  try {
    return fitter.finish();
  } catch (e) {
    if (!(e instanceof TrainSpamError) || e.code !== 'INVALID_DATA') throw e;
    const file = train.table.file;
    throw new TrainSpamError(
      'INVALID_DATA',
      `${file}: fitting the features on the ${train.ids.length} training e-mails (columns ${FIT_COLUMNS.join(', ')}) failed: ${e.message}`,
      { ...e.details, file, columns: [...FIT_COLUMNS] },
      { cause: e },
    );
  }
}
