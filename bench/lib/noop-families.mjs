// Model families whose fit does nothing (one iteration, no arithmetic): runStudy over them measures
// the per-trial cost of the study machinery (searcher, scheduler, pool round trip, result rows).
// Loaded by the trial workers through runStudy's `familiesModule`.
const BUDGET = { gbm: 'n_estimators', logistic: 'max_iter', mlp: 'epochs' };

export function paramSpecFor(kind) {
  return { [BUDGET[kind]]: { type: 'int', description: 'iterations', default: 1, min: 1, max: 10, search: { low: 1, high: 1 } } };
}

export function createEstimator(kind, given) {
  const params = { [BUDGET[kind]]: 1, ...given };
  return {
    kind,
    paramSpec: paramSpecFor(kind),
    params,
    async fit(data, options) {
      await options.onIteration?.({ iteration: 1, metrics: { val_auc: 0.5 } });
      return {
        kind,
        params,
        numFeatures: data.X.dense.cols + data.X.sparse.cols,
        iterations: 1,
        predictProba: (X) => new Float64Array(X.rows).fill(0.5),
        toPayload: () => ({ kind: 'bench/noop', version: 1, meta: {}, arrays: {} }),
      };
    },
  };
}
