/**
 * The MLP estimator: validated hyperparameters; `fit` checks the data, fits the dense-block
 * scaler, trains on TensorFlow.js (backend.ts picks the backend) and returns a `FittedMlp`.
 */
import { TrainSpamError, invalidArgument, invalidData } from '../../core/errors.js';
import { assertBinaryLabels, assertFinite, numCols } from '../../core/matrix.js';
import { resolveParams } from '../../core/params.js';
import type { Estimator, FitOptions, TrainingData } from '../contract.js';
import { checkFitOptions, checkMatrixStructure, checkValidationData } from '../gbm/checks.js';
import { tfRuntime, type TfBackendName } from './backend.js';
import { FittedMlp } from './fitted.js';
import { checkFloat32Range, fitScaler } from './network.js';
import { mlpParamSpec, type MlpParams } from './params.js';
import { trainMlp } from './trainer.js';

export interface MlpOptions {
  /** Backend to try first when this process has not initialised TensorFlow.js yet (see backend.ts). */
  readonly backend?: TfBackendName;
  /**
   * Train the first layer over the rows' non-zeros (WebAssembly SIMD, default true). false forces the
   * densified batch through tfjs' matMul, the path used where that kernel is unavailable.
   */
  readonly sparseInput?: boolean;
}

export class MlpClassifier implements Estimator {
  readonly kind = 'mlp' as const;
  readonly paramSpec = mlpParamSpec;
  readonly params: Readonly<MlpParams>;

  constructor(
    params: Readonly<Record<string, unknown>> = {},
    private readonly options: MlpOptions = {},
  ) {
    this.params = resolveParams('mlp', mlpParamSpec, params);
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FittedMlp> {
    checkFitInput(data, options, this.params);
    if (options.signal?.aborted) {
      throw new TrainSpamError('CANCELLED', 'mlp fit was cancelled before it started');
    }
    const rt = await tfRuntime(this.options.backend);
    const scaler = fitScaler(data.X);
    const { network, iterations } = await trainMlp(rt, data, this.params, scaler, options, this.options.sparseInput ?? true);
    return new FittedMlp(this.params, network, iterations);
  }
}

function checkFitInput(data: TrainingData, options: FitOptions, params: Readonly<MlpParams>): void {
  const { X, y } = data;
  checkFitOptions('mlp fit', options);
  if (y.length !== X.rows) throw invalidData(`mlp fit: ${X.rows} feature rows but ${y.length} labels`);
  assertBinaryLabels(y, 'mlp fit labels');
  if (numCols(X) === 0) throw invalidData('mlp fit: the feature matrix has no columns');
  checkMatrixStructure('mlp fit', X, 'training data');
  assertFinite(X);
  checkFloat32Range(X, 'mlp fit: training data');
  const val = options.validation;
  if (params.early_stopping_rounds > 0 && !val) {
    throw invalidArgument(`mlp: parameter 'early_stopping_rounds' = ${params.early_stopping_rounds} needs validation data (FitOptions.validation)`, {
      parameter: 'early_stopping_rounds',
    });
  }
  // the checks GBM and logistic regression make (zero rows included: an empty validation set
  // used to fail only after a whole epoch, with a message about log_loss)
  if (val) {
    checkValidationData('mlp fit', val, X.dense.cols, X.sparse.cols);
    checkFloat32Range(val.X, 'mlp fit: validation data');
  }
}

/** Loads TensorFlow.js and its backend as the first fit would (default backend choice). */
export async function preloadMlp(): Promise<void> {
  await tfRuntime();
}
