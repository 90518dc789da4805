/** Loads the scikit-learn / XGBoost reference fixture (spam-pipeline TF-IDF matrix + models.json). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { denseMatrix, featureMatrix, selectRows, type FeatureMatrix } from '../../../src/core/matrix.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(here, '../../../../shared/fixtures/sklearn');

export interface ModelFixture {
  X: FeatureMatrix;
  y: Uint8Array;
  nTrain: number;
  train: { X: FeatureMatrix; y: Uint8Array };
  test: { X: FeatureMatrix; y: Uint8Array };
  logistic: Array<{ params: { C: number }; coef: number[]; intercept: number; test_proba: number[]; test_auc: number }>;
  xgboost: Array<{ params: Record<string, number | string>; test_proba: number[]; test_auc: number }>;
}

let cached: ModelFixture | null = null;

export function loadModelFixture(): ModelFixture {
  if (cached) return cached;
  const tf = JSON.parse(readFileSync(path.join(dir, 'tfidf-spam-pipeline.json'), 'utf8'));
  const models = JSON.parse(readFileSync(path.join(dir, 'models.json'), 'utf8'));
  const m = tf.matrix;
  const [rows, cols] = m.shape as [number, number];
  const sparse = {
    rows,
    cols,
    indptr: Int32Array.from(m.indptr as number[]),
    indices: Int32Array.from(m.indices as number[]),
    data: Float64Array.from(m.data as number[]),
  };
  const X = featureMatrix(denseMatrix(rows, 0), sparse, tf.vocabulary as string[]);
  const y = Uint8Array.from(models.y as number[]);
  const nTrain = models.n_train as number;
  const idx = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
  cached = {
    X,
    y,
    nTrain,
    train: { X: selectRows(X, idx(0, nTrain)), y: y.slice(0, nTrain) },
    test: { X: selectRows(X, idx(nTrain, rows)), y: y.slice(nTrain) },
    logistic: models.logistic,
    xgboost: models.xgboost,
  };
  return cached;
}
