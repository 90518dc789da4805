#!/usr/bin/python3
"""Peer timings for bench/models.bench.mjs: XGBoost hist and scikit-learn LogisticRegression (lbfgs)
on the SAME matrix the TypeScript bench used, exchanged as raw little-endian binary files.

usage: models_peer.py DIR   (DIR holds meta.json, dense.f64, indptr.i32, indices.i32, values.f64, y.u8)
meta.json: rows, denseCols, sparseCols, nTrain, gbm {params}, reps, threads [..], logistic {C}
Each figure: one untimed warm-up fit, then the timed ones. The logistic regression standardises the
dense columns as ours does by default (until session 22 it fitted them raw, a different and
badly conditioned problem: AUC 0.879 against ours 0.998 on the SpamAssassin matrix).
Prints one JSON object on stdout.

usage: models_peer.py DIR --serve
Loads the matrix once, then answers one JSON line per request line on stdin, so the harness can
alternate single fits with its own: {"op": "gbm", "threads": t} -> {"seconds", "cpu_seconds",
"auc"} (one XGBoost fit, timed; the AUC on the test rows is computed after the clock stops);
{"op": "quit"} or the end of stdin ends it.
"""
import json
import os
import sys
import time

import numpy as np


def load(d):
    meta = json.load(open(os.path.join(d, 'meta.json')))
    n, dc, sc = meta['rows'], meta['denseCols'], meta['sparseCols']
    dense = np.fromfile(os.path.join(d, 'dense.f64'), dtype='<f8').reshape(n, dc)
    indptr = np.fromfile(os.path.join(d, 'indptr.i32'), dtype='<i4')
    indices = np.fromfile(os.path.join(d, 'indices.i32'), dtype='<i4')
    values = np.fromfile(os.path.join(d, 'values.f64'), dtype='<f8')
    y = np.fromfile(os.path.join(d, 'y.u8'), dtype='u1').astype(np.int64)
    import scipy.sparse as sp
    sparse = sp.csr_matrix((values, indices, indptr), shape=(n, sc))
    X = np.hstack([dense, sparse.toarray()])  # dense input: zeros are values, as in our model
    return meta, X, y


def timed(fn, reps, warm=1):
    """`warm` untimed runs, then `reps` timed ones (as the TypeScript side times its own)."""
    times = []
    out = None
    for _ in range(warm):
        fn()
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def xgb_model(g, threads):
    import xgboost as xgb
    return xgb.XGBClassifier(tree_method='hist', n_estimators=g['n_estimators'], max_depth=g['max_depth'],
                             learning_rate=g['learning_rate'], reg_lambda=g['reg_lambda'],
                             min_child_weight=g['min_child_weight'], max_bin=g['max_bin'], n_jobs=threads)


def serve(meta, X, y):
    from sklearn.metrics import roc_auc_score
    n_train = meta['nTrain']
    Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    for line in sys.stdin:
        req = json.loads(line)
        if req.get('op') == 'quit':
            break
        if req.get('op') != 'gbm':
            print(json.dumps({'error': f"unknown op {req.get('op')!r}"}), flush=True)
            continue
        m = xgb_model(meta['gbm'], int(req['threads']))
        c0 = time.process_time()
        t0 = time.perf_counter()
        m.fit(Xtr, ytr)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
        auc = float(roc_auc_score(yte, m.predict_proba(Xte)[:, 1])) if len(set(yte.tolist())) == 2 else None
        print(json.dumps({'seconds': seconds, 'cpu_seconds': cpu, 'auc': auc}), flush=True)


def main():
    meta, X, y = load(sys.argv[1])
    if '--serve' in sys.argv[2:]:
        serve(meta, X, y)
        return
    n_train = meta['nTrain']
    Xtr, ytr, Xte, yte = X[:n_train], y[:n_train], X[n_train:], y[n_train:]
    from sklearn.metrics import roc_auc_score
    result = {'rows': int(X.shape[0]), 'cols': int(X.shape[1])}
    try:
        import xgboost as xgb
        g = meta['gbm']
        result['xgboost_version'] = xgb.__version__
        for threads in meta.get('threads', [1]):
            def fit():
                m = xgb_model(g, threads)
                m.fit(Xtr, ytr)
                return m
            times, model = timed(fit, meta.get('gbmReps', 1))
            auc = float(roc_auc_score(yte, model.predict_proba(Xte)[:, 1])) if len(set(yte.tolist())) == 2 else None
            t0 = time.perf_counter()
            model.predict_proba(X)
            pt = time.perf_counter() - t0
            result[f'xgboost_{threads}t'] = {'times': times, 'auc': auc, 'predict_rows_per_s': X.shape[0] / pt}
    except ImportError as e:
        result['xgboost_error'] = str(e)
    from sklearn.linear_model import LogisticRegression
    C = meta['logistic']['C']
    dc = meta['denseCols']

    def lr_fit():
        # ours standardises the dense columns by default (scale_dense: true; a constant column keeps
        # scale 1) and leaves the sparse block as it is: the same problem here, scaling timed too
        mu = Xtr[:, :dc].mean(axis=0)
        sd = Xtr[:, :dc].std(axis=0)
        sd[Xtr[:, :dc].min(axis=0) == Xtr[:, :dc].max(axis=0)] = 1.0
        Xs = Xtr.copy()
        Xs[:, :dc] = (Xs[:, :dc] - mu) / sd
        return LogisticRegression(C=C, max_iter=meta['logistic'].get('max_iter', 100)).fit(Xs, ytr), mu, sd

    times, (lr, mu, sd) = timed(lr_fit, meta.get('logisticReps', 5))
    Xte_s = Xte.copy()
    Xte_s[:, :dc] = (Xte_s[:, :dc] - mu) / sd
    auc = float(roc_auc_score(yte, lr.predict_proba(Xte_s)[:, 1])) if len(set(yte.tolist())) == 2 else None
    result['sklearn_logistic'] = {'times': times, 'auc': auc, 'n_iter': int(lr.n_iter_[0])}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
