/**
 * Step 3: logistic regression with default parameters, scored on a validation part of the
 * training split. A baseline below the sanity floor means the data or labels are broken.
 */
import { TrainSpamError } from '../../core/errors.js';
import { deriveSeed } from '../../core/random.js';
import { f1Score, precision, recall } from '../../metrics/classification.js';
import { rocAuc } from '../../metrics/ranking.js';
import type { Fitted, TrainingData } from '../../models/contract.js';
import { createEstimator } from '../../models/registry.js';
import { makeFolds } from '../../hpo/validation.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { BaselineResult, LabelledMatrix, ValidationMetrics } from '../state.js';

/** Baseline validation AUC below this stops the pipeline. */
export const SANITY_FLOOR_AUC = 0.6;

export function validationMetrics(model: Fitted, valid: TrainingData): ValidationMetrics {
  const p = model.predictProba(valid.X);
  return { f1: f1Score(valid.y, p), auc: rocAuc(valid.y, p), precision: precision(valid.y, p), recall: recall(valid.y, p) };
}

export async function baselineTraining(ctx: RunContext, train: LabelledMatrix, sanityFloorAuc = SANITY_FLOOR_AUC): Promise<BaselineResult> {
  const seed = deriveSeed(ctx.params.seed, 'baseline');
  // The same validation cut as the HPO study (derived from the master seed), so scores compare.
  const [fold] = makeFolds({ X: train.X, y: train.y }, { kind: 'holdout', fraction: 0.2 }, ctx.params.seed, train.groups);
  const estimator = createEstimator('logistic', {});
  const model = await estimator.fit(fold.train, { seed, signal: ctx.signal });
  const validation = validationMetrics(model, fold.valid);
  ctx.logger.log(
    'info',
    `baseline: logistic regression, validation F1 ${validation.f1.toFixed(4)}, AUC ${validation.auc.toFixed(4)}, precision ${validation.precision.toFixed(4)}, recall ${validation.recall.toFixed(4)}`,
  );
  await logStepMetrics(ctx, 'baseline', { val_f1: validation.f1, val_auc: validation.auc, val_precision: validation.precision, val_recall: validation.recall });
  if (!(validation.auc >= sanityFloorAuc)) {
    throw new TrainSpamError(
      'SANITY_FAILED',
      `baseline validation AUC ${validation.auc.toFixed(4)} is below the sanity floor ${sanityFloorAuc}: the data or the labels look broken (check the label column and the split)`,
      { auc: validation.auc, floor: sanityFloorAuc },
    );
  }
  return { model, validation };
}
