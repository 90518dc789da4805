/**
 * Boundary checks and the iteration-report plumbing shared by the GBM and logistic models.
 */
import { TrainSpamError, invalidArgument, invalidData } from '../../core/errors.js';
import { assertBinaryLabels, assertFinite, type FeatureMatrix } from '../../core/matrix.js';
import type { FitOptions, IterationDecision, TrainingData } from '../contract.js';

/** Rejects empty data, NaN/Infinity, non-0/1 labels, a single class and label/row count mismatches. */
export function checkTrainingData(owner: string, data: TrainingData, what = 'training data'): void {
  const { X, y } = data;
  if (X.rows === 0) throw invalidData(`${owner}: ${what} has zero rows; expected at least one row per class`);
  if (y.length !== X.rows) throw invalidData(`${owner}: ${what} has ${X.rows} rows but ${y.length} labels`, { rows: X.rows, labels: y.length });
  if (X.dense.cols + X.sparse.cols === 0) throw invalidData(`${owner}: ${what} has no feature columns`);
  checkMatrixStructure(owner, X, what);
  assertFinite(X);
  assertBinaryLabels(y, `${owner}: ${what} labels`);
}

/**
 * The matrix arrays must have the shape the FeatureMatrix contract states (core/matrix.ts): a dense
 * block of rows × cols values, and a CSR block whose indptr never decreases and stays inside the
 * stored entries, with column indices strictly ascending within a row and below sparse.cols. The
 * kernels index weights, bins and scratch rows by these numbers without bounds checks: an index
 * past the last column scored NaN (logistic regression), wrote into another row's scratch (GBM
 * prediction) or into the gradient's memory (WebAssembly), all silently. One pass over the
 * entries, like the finiteness check beside it.
 */
export function checkMatrixStructure(owner: string, X: FeatureMatrix, what: string): void {
  const { dense, sparse } = X;
  const bad = (why: string, details: Record<string, unknown> = {}) => invalidData(`${owner}: ${what}: ${why}`, details);
  if (dense.rows !== X.rows || sparse.rows !== X.rows) throw bad(`the dense block has ${dense.rows} rows and the sparse block ${sparse.rows}; expected ${X.rows}`);
  if (dense.data.length !== X.rows * dense.cols) {
    throw bad(`the dense block holds ${dense.data.length} values; expected ${X.rows} rows × ${dense.cols} columns = ${X.rows * dense.cols}`);
  }
  const { rows, cols, indptr, indices } = sparse;
  if (indptr.length !== rows + 1) throw bad(`the sparse block's indptr has ${indptr.length} entries; expected rows + 1 = ${rows + 1}`);
  const end = indptr[rows];
  if (!(indptr[0] >= 0) || !(end <= indices.length) || !(end <= sparse.data.length)) {
    throw bad(`the sparse block's indptr spans entries ${indptr[0]}..${end}, but ${Math.min(indices.length, sparse.data.length)} are stored`);
  }
  const r = firstBadSparseRow(indptr, indices, rows, cols);
  if (r < 0) return;
  const b = indptr[r + 1];
  if (b < indptr[r]) throw bad(`the sparse block's indptr decreases at row ${r} (${indptr[r]} then ${b})`, { row: r });
  let prev = -1;
  for (let k = indptr[r]; k < b; k++) {
    const c = indices[k];
    if (c <= prev || c >= cols) {
      throw bad(
        c >= cols || c < 0
          ? `row ${r} has a sparse entry in column ${c}; expected column indices in [0, ${cols})`
          : `row ${r}'s sparse column indices are not strictly ascending (${prev} then ${c})`,
        { row: r, column: c },
      );
    }
    prev = c;
  }
  throw bad(`row ${r} of the sparse block is malformed`, { row: r }); // not reached: the same tests as firstBadSparseRow
}

/**
 * The first row whose indptr decreases or whose column indices are not strictly ascending within
 * [0, cols), or -1. The scan of every fit, as a function of its own with nothing after its loop:
 * V8 optimises it once per thread instead of compiling checkMatrixStructure on stack in every fit
 * (docs/CONVENTIONS.md); the message for the row is made by the caller.
 */
function firstBadSparseRow(indptr: Int32Array, indices: Int32Array, rows: number, cols: number): number {
  for (let r = 0; r < rows; r++) {
    const b = indptr[r + 1];
    if (b < indptr[r]) return r;
    let prev = -1;
    for (let k = indptr[r]; k < b; k++) {
      const c = indices[k];
      if (c <= prev || c >= cols) return r;
      prev = c;
    }
  }
  return -1;
}

/** The fit options every model checks: a finite seed, and reportEvery an integer >= 1 when given. */
export function checkFitOptions(owner: string, options: FitOptions): void {
  if (!Number.isFinite(options.seed)) throw invalidArgument(`${owner}: seed is ${options.seed}; expected a finite number`, { parameter: 'seed' });
  if (options.reportEvery !== undefined && !(Number.isInteger(options.reportEvery) && options.reportEvery >= 1)) {
    throw invalidArgument(`${owner}: reportEvery is ${options.reportEvery}; expected an integer >= 1`, { parameter: 'reportEvery' });
  }
}

/**
 * A dense column whose mean or spread overflows a double (values beyond about 1e154) cannot be
 * standardised: left as it was it zeroed the column (logistic) or made every probability NaN (MLP).
 */
export function unscalableColumn(owner: string, X: FeatureMatrix, column: number): TrainSpamError {
  const name = X.featureNames[column] ?? `#${column}`;
  return invalidData(`${owner}: dense feature '${name}' (column ${column}) has values too large to standardise (its spread overflows a double: |x| beyond about 1e154); rescale it`, { column, feature: name });
}

/** Validation data may hold a single class (AUC is then left out of reports), but must match the training layout. */
export function checkValidationData(owner: string, data: TrainingData, denseCols: number, sparseCols: number): void {
  const { X, y } = data;
  if (X.rows === 0) throw invalidData(`${owner}: validation data has zero rows`);
  if (y.length !== X.rows) throw invalidData(`${owner}: validation data has ${X.rows} rows but ${y.length} labels`);
  checkLayout(owner, X, denseCols, sparseCols, 'validation data');
  assertFinite(X);
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw invalidData(`${owner}: validation label at row ${i} is ${y[i]}; expected 0 or 1`, { row: i });
  }
}

/** The matrix must have exactly the training column layout (dense block, then sparse block). */
export function checkLayout(owner: string, X: FeatureMatrix, denseCols: number, sparseCols: number, what = 'prediction input'): void {
  if (X.dense.cols !== denseCols || X.sparse.cols !== sparseCols) {
    throw invalidData(
      `${owner}: ${what} has ${X.dense.cols + X.sparse.cols} features (${X.dense.cols} dense + ${X.sparse.cols} sparse); ` +
        `the model was trained on ${denseCols + sparseCols} (${denseCols} dense + ${sparseCols} sparse)`,
      { expected: denseCols + sparseCols, got: X.dense.cols + X.sparse.cols },
    );
  }
  checkMatrixStructure(owner, X, what);
}

export function throwIfAborted(owner: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new TrainSpamError('CANCELLED', `${owner}: training was cancelled`);
}

/** Keeps only finite metrics (the report contract), so NaN AUCs on one-class validation sets drop out. */
export function finiteMetrics(m: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(m).sort()) if (Number.isFinite(m[k])) out[k] = m[k];
  return out;
}

/** Whether iteration `it` (1-based) of at most `last` is reported under `reportEvery`. */
export function isReportDue(options: FitOptions, it: number, last: number): boolean {
  if (!options.onIteration) return false;
  const every = options.reportEvery && options.reportEvery > 0 ? Math.floor(options.reportEvery) : 1;
  return it % every === 0 || it === last;
}

/** Calls the hook, awaiting only when it returned a promise. */
export async function report(options: FitOptions, iteration: number, metrics: Record<string, number>): Promise<IterationDecision> {
  const hook = options.onIteration;
  if (!hook) return 'continue';
  const r = hook({ iteration, metrics: finiteMetrics(metrics) });
  const d = r instanceof Promise ? await r : r;
  return d === 'stop' ? 'stop' : 'continue';
}
