import { denseMatrix, emptyCsr, featureMatrix } from '../../../src/core/matrix.js';
import { Rng } from '../../../src/core/random.js';
import type { TrainingData } from '../../../src/models/contract.js';
import type { ModelFamilies } from '../../../src/hpo/families.js';
import { constant, randint, uniform, type SearchSpace } from '../../../src/hpo/space.js';
import * as fake from './fake-families.mjs';

export const fakeFamilies: ModelFamilies = { createEstimator: fake.createEstimator, paramSpecFor: fake.paramSpecFor };
export const FAKE_FAMILIES_URL = new URL('./fake-families.mjs', import.meta.url).href;

/** rows × 2 dense features; column 0 is informative (about 0.55..1 for spam, 0..0.45 for ham). */
export function toyData(rows = 200, seed = 1): TrainingData {
  const rng = new Rng(seed);
  const y = new Uint8Array(rows);
  const d = new Float64Array(rows * 2);
  for (let i = 0; i < rows; i++) {
    y[i] = i % 3 === 0 ? 1 : 0;
    d[i * 2] = y[i] ? 0.55 + 0.45 * rng.next() : 0.45 * rng.next();
    d[i * 2 + 1] = rng.next();
  }
  return { X: featureMatrix(denseMatrix(rows, 2, d), emptyCsr(rows, 0), ['x0', 'x1']), y };
}

/** Rows without timings, for comparing studies. */
export function comparable(rows: readonly { durationMs: number | null }[]): unknown[] {
  return rows.map(({ durationMs: _d, ...rest }) => rest);
}

/** Two fake families with a short sleep per iteration (interleavings on the worker pool). */
export const POOL_SPACE: SearchSpace = {
  families: {
    gbm: { quality: uniform(0, 1), n_estimators: randint(6, 13), delay_ms: constant(2) },
    logistic: { quality: uniform(0, 1), max_iter: randint(6, 13), delay_ms: constant(2) },
  },
};
