/**
 * Histogram gradient boosting for binary classification: `GradientBoosting` (validated
 * hyperparameters) → `fit` → `FittedGbm`. One boosting round = gradients from the objective →
 * row/feature sampling → one tree from the tree learner → margin updates → validation metrics,
 * early stopping and the iteration hook.
 */
import { invalidArgument } from '../../core/errors.js';
import { assertFinite, numCols, type FeatureMatrix } from '../../core/matrix.js';
import { resolveParams } from '../../core/params.js';
import type { JsonValue, Payload } from '../../core/payload.js';
import { Rng, deriveSeed } from '../../core/random.js';
import type { Estimator, FitOptions, Fitted, TrainingData } from '../contract.js';
import { NO_MEMO } from '../memo.js';
import { binRows, columnBins, fitBins, type BinMapper, type BinnedRows } from './binning.js';
import { checkFitOptions, checkLayout, checkTrainingData, checkValidationData, isReportDue, report, throwIfAborted } from './checks.js';
import { meanLogLossFromMargin, rocAuc } from './evaluation.js';
import { addTreeBinned, addTreeColumns, forestMargins, ForestBuilder, layoutMargins, PREDICT_BLOCK, predictLayout, type FlatForest, type PredictLayout } from './forest.js';
import { logisticGradients, logit, sigmoid } from './objective.js';
import { typescriptKernel } from './kernel.js';
import { gbmParamSpec, type GbmParams } from './params.js';
import { COLUMN_BINS_BYTES, TreeLearner } from './tree.js';

const OWNER = 'gbm';
export const GBM_PAYLOAD_KIND = 'model/gbm';
export const GBM_PAYLOAD_VERSION = 1;

/** Knobs that are not hyperparameters (tests and benchmarks). */
export interface GbmInternals {
  /** Histogram subtraction (default true); false builds every histogram directly. */
  readonly subtraction?: boolean;
  /** Histogram buffers kept by open leaves under lossguide (default 16). */
  readonly histogramCap?: number;
  /** Size limit of the column-major bin table used by the row partition (default 64 MiB; 0 = always search rows). */
  readonly columnBinsBytes?: number;
  /** Row samples at least this share of the rows get the root histogram by the sweep (default SWEEP_SAMPLE_SHARE; > 1: never). */
  readonly sweepSampleShare?: number;
}

export class GradientBoosting implements Estimator {
  readonly kind = 'gbm' as const;
  readonly paramSpec = gbmParamSpec;
  readonly params: GbmParams;

  constructor(
    params: Readonly<Record<string, unknown>> = {},
    private readonly internals: GbmInternals = {},
  ) {
    this.params = resolveParams(OWNER, gbmParamSpec, params);
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FittedGbm> {
    const p = this.params;
    checkTrainingData(OWNER, data);
    checkFitOptions(OWNER, options);
    const { X, y } = data;
    const val = options.validation;
    if (val) checkValidationData(OWNER, val, X.dense.cols, X.sparse.cols);
    if (p.early_stopping_rounds > 0 && !val) {
      throw invalidArgument(`${OWNER}: parameter 'early_stopping_rounds' = ${p.early_stopping_rounds} needs validation data (FitOptions.validation)`, {
        parameter: 'early_stopping_rounds',
      });
    }
    throwIfAborted(OWNER, options.signal);

    const n = X.rows;
    const F = numCols(X);
    // Bins and row indexes depend on the matrices and max_bins only: shared through the memo when
    // several fits run on the same matrices (HPO trials on one fold).
    const memo = options.memo ?? NO_MEMO;
    const kernel = options.kernels?.gbm ?? typescriptKernel;
    const mapper = memo.get([X], `gbm.bins.${p.max_bins}`, () => fitBins(X, p.max_bins, kernel));
    const train = memo.get([X, mapper], 'gbm.binned', () => binRows(X, mapper, kernel));
    const valBinned = val ? memo.get([val.X, mapper], 'gbm.binned', () => binRows(val.X, mapper, kernel)) : null;
    const learner = new TreeLearner(mapper, train, {
      maxDepth: p.max_depth,
      numLeaves: p.num_leaves,
      lossguide: p.grow_policy === 'lossguide',
      lambda: p.reg_lambda,
      minChildWeight: p.min_child_weight,
      minSplitGain: p.min_split_gain,
      learningRate: p.learning_rate,
      subtraction: this.internals.subtraction ?? true,
      histogramCap: this.internals.histogramCap ?? 16,
      columnBinsBytes: this.internals.columnBinsBytes,
      sweepSampleShare: this.internals.sweepSampleShare,
    }, kernel, memo);
    const valBytes = this.internals.columnBinsBytes ?? COLUMN_BINS_BYTES;
    const valTable = valBinned ? memo.get([mapper, valBinned], `gbm.column-bins.${valBytes}`, () => columnBins(mapper, valBinned, valBytes)) : null;
    const forest = new ForestBuilder();
    const baseMargin = logit(p.base_score);
    const margin = new Float64Array(n).fill(baseMargin);
    const valMargin = val ? new Float64Array(val.X.rows).fill(baseMargin) : null;
    const grad = new Float64Array(n);
    const hess = new Float64Array(n);
    const rowRng = new Rng(deriveSeed(options.seed, 'gbm', 'rows'));
    const colRng = new Rng(deriveSeed(options.seed, 'gbm', 'columns'));
    const mask = new Uint8Array(F).fill(1);
    const outOfSample = new Uint8Array(n);
    const rows = learner.rows;
    const esr = p.early_stopping_rounds;
    let bestLoss = Infinity;
    let bestRound = 0;
    let rounds = 0;

    const round: RoundState = { p, n, F, y, margin, grad, hess, rowRng, colRng, mask, outOfSample, rows, learner, forest, mapper, train, val: val ?? null, valMargin, valBinned, valTable, esr };
    for (let t = 1; t <= p.n_estimators; t++) {
      throwIfAborted(OWNER, options.signal);
      const valLoss = boostRound(round);
      rounds = t;
      if (valLoss !== null && valLoss < bestLoss) {
        bestLoss = valLoss;
        bestRound = t;
      }
      const stopEarly = esr > 0 && t - bestRound >= esr;
      const last = stopEarly || t === p.n_estimators;
      if (isReportDue(options, t, last ? t : p.n_estimators)) {
        const metrics: Record<string, number> = { train_loss: meanLogLossFromMargin(y, margin) };
        if (val && valMargin) {
          metrics.val_loss = valLoss ?? meanLogLossFromMargin(val.y, valMargin);
          metrics.val_auc = rocAuc(val.y, valMargin);
        }
        if ((await report(options, t, metrics)) === 'stop') break;
      }
      if (stopEarly) break;
    }
    const keep = esr > 0 && bestRound > 0 ? bestRound : rounds;
    const fitted = new FittedGbm({ ...p }, X.dense.cols, X.sparse.cols, baseMargin, forest.snapshot(keep), rounds, esr > 0 ? bestRound : null);
    fitted.kernel = kernel.name;
    return fitted;
  }
}

/** What a boosting round reads and updates (GradientBoosting.fit's state). */
interface RoundState {
  readonly p: GbmParams;
  readonly n: number;
  readonly F: number;
  readonly y: Uint8Array;
  readonly margin: Float64Array;
  readonly grad: Float64Array;
  readonly hess: Float64Array;
  readonly rowRng: Rng;
  readonly colRng: Rng;
  readonly mask: Uint8Array;
  readonly outOfSample: Uint8Array;
  readonly rows: Int32Array;
  readonly learner: TreeLearner;
  readonly forest: ForestBuilder;
  readonly mapper: BinMapper;
  readonly train: BinnedRows;
  readonly val: TrainingData | null;
  readonly valMargin: Float64Array | null;
  readonly valBinned: BinnedRows | null;
  readonly valTable: Uint8Array | null;
  readonly esr: number;
}

/**
 * One boosting round: gradients, row and column sampling, one tree, the margins of the rows it was
 * not grown on and of the validation rows. Returns the validation loss when early stopping needs it
 * every round, else null. A function of its own, not the body of fit's loop: fit runs once per
 * model, so V8 compiled that loop on stack anew in every HPO trial; this is optimised once per
 * thread and reused by the next fits.
 */
function boostRound(s: RoundState): number | null {
  const { p, n, F, y, margin, grad, hess, rowRng, colRng, mask, outOfSample, rows, learner, forest, mapper, train, val, valMargin, valBinned, valTable, esr } = s;
  logisticGradients(margin, y, p.scale_pos_weight, grad, hess);
  let count = 0;
  if (p.subsample < 1) {
    for (let r = 0; r < n; r++) {
      if (rowRng.next() < p.subsample) {
        rows[count++] = r;
        outOfSample[r] = 0;
      } else outOfSample[r] = 1;
    }
    if (count === 0) {
      const r = rowRng.int(0, n - 1);
      rows[count++] = r;
      outOfSample[r] = 0;
    }
  } else {
    for (let r = 0; r < n; r++) rows[r] = r;
    count = n;
  }
  if (p.colsample_bytree < 1) {
    const k = Math.max(1, Math.round(p.colsample_bytree * F));
    const perm = colRng.permutation(F);
    mask.fill(0);
    for (let i = 0; i < k; i++) mask[perm[i]] = 1;
  }
  const root = learner.grow(count, grad, hess, mask, margin, forest);
  const view = p.subsample < 1 || valMargin ? forest.view() : null;
  if (p.subsample < 1 && view) {
    const table = learner.columnTable;
    if (table) addTreeColumns(root, view, table, margin, outOfSample);
    else addTreeBinned(root, view, mapper.offset, mapper.zeroBin, train.rowPtr, train.bins, margin, outOfSample);
  }
  // The validation loss is needed every round only for early stopping; otherwise at reports.
  if (val && valMargin && valBinned && view) {
    if (valTable) addTreeColumns(root, view, valTable, valMargin, null);
    else addTreeBinned(root, view, mapper.offset, mapper.zeroBin, valBinned.rowPtr, valBinned.bins, valMargin, null);
    if (esr > 0) return meanLogLossFromMargin(val.y, valMargin);
  }
  return null;
}

export class FittedGbm implements Fitted {
  readonly kind = 'gbm' as const;
  readonly numFeatures: number;
  /** Trees kept (the best round under early stopping). */
  readonly iterations: number;
  /** The compute kernel that trained this model ('typescript' | 'native'); null when restored from a payload. Not serialised. */
  kernel: string | null = null;
  /** Branch-free prediction layout, built on first prediction (null: the forest does not allow it). */
  private layout: PredictLayout | null | undefined = undefined;

  constructor(
    readonly params: Readonly<Record<string, unknown>>,
    readonly denseCols: number,
    readonly sparseCols: number,
    /** Margin before the first tree: logit(base_score). */
    readonly baseMargin: number,
    readonly forest: FlatForest,
    /** Rounds actually trained (≥ iterations under early stopping). */
    readonly roundsTrained: number,
    /** Best validation round (1-based) when early stopping was on, else null. */
    readonly bestIteration: number | null,
  ) {
    this.numFeatures = denseCols + sparseCols;
    this.iterations = forest.roots.length;
  }

  get numNodes(): number {
    return this.forest.feature.length;
  }

  /** Raw margins (log-odds). */
  predictMargin(X: FeatureMatrix): Float64Array {
    checkLayout(OWNER, X, this.denseCols, this.sparseCols);
    assertFinite(X);
    const f = this.forest;
    const out = new Float64Array(X.rows);
    // Only rows below min(PREDICT_BLOCK, rows) are scattered: a single e-mail needs one row of
    // scratch, not 64 (a 268 KB off-heap buffer per call drove full GCs in the serving path).
    const scratch = new Float64Array(Math.min(PREDICT_BLOCK, X.rows) * this.numFeatures);
    const { indptr, indices, data } = X.sparse;
    if (this.layout === undefined) this.layout = predictLayout(f);
    const L = this.layout;
    if (L) {
      layoutMargins(L.roots, L.depth, L.feature, L.left, L.threshold, L.value, X.rows, X.dense.data, this.denseCols, indptr, indices, data, this.baseMargin, this.numFeatures, scratch, out);
      return out;
    }
    forestMargins(f.roots, f.feature, f.threshold, f.left, f.right, f.value, X.rows, X.dense.data, this.denseCols, indptr, indices, data, this.baseMargin, this.numFeatures, scratch, out);
    return out;
  }

  predictProba(X: FeatureMatrix): Float64Array {
    const m = this.predictMargin(X);
    for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i]);
    return m;
  }

  /** Total split gain per feature (dense columns first), summed over all trees. */
  featureImportance(): Float64Array {
    const imp = new Float64Array(this.numFeatures);
    const { feature, gain } = this.forest;
    for (let i = 0; i < feature.length; i++) if (feature[i] >= 0) imp[feature[i]] += gain[i];
    return imp;
  }

  toPayload(): Payload {
    const f = this.forest;
    return {
      kind: GBM_PAYLOAD_KIND,
      version: GBM_PAYLOAD_VERSION,
      meta: {
        params: this.params as { [k: string]: JsonValue },
        denseCols: this.denseCols,
        sparseCols: this.sparseCols,
        baseMargin: this.baseMargin,
        roundsTrained: this.roundsTrained,
        bestIteration: this.bestIteration,
      },
      arrays: {
        roots: f.roots.slice(),
        feature: f.feature.slice(),
        bin: f.bin.slice(),
        threshold: f.threshold.slice(),
        left: f.left.slice(),
        right: f.right.slice(),
        value: f.value.slice(),
        gain: f.gain.slice(),
      },
    };
  }
}
