"""Regenerates reference.json (calibration curves, percentiles) with Debian's scikit-learn/numpy.

Run: /usr/bin/python3 test/golden/metrics/make-reference.py
Inputs: two cases of ../shared/fixtures/sklearn/metrics.json plus a hand-made case whose
probabilities sit exactly on bin edges.
"""
import json, os
import numpy as np
import sklearn
from sklearn.calibration import calibration_curve

here = os.path.dirname(os.path.abspath(__file__))
fixture = os.path.join(here, '..', '..', '..', '..', 'shared', 'fixtures', 'sklearn', 'metrics.json')
cases = {c['name']: c for c in json.load(open(fixture))['cases']}
edge = {
    'name': 'bin-edges',
    'y_true': [0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0],
    'score': [0.0, 0.1, 0.2, 0.3, 0.30000000000000004, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
}
out = {'reference': f'scikit-learn {sklearn.__version__}, numpy {np.__version__}', 'calibration': [], 'percentile': []}
for name, c in [('random-continuous', cases['random-continuous']), ('imbalanced', cases['imbalanced']), ('bin-edges', edge)]:
    for n_bins in (5, 10):
        pt, pp = calibration_curve(c['y_true'], c['score'], n_bins=n_bins, strategy='uniform')
        out['calibration'].append({'case': name, 'n_bins': n_bins, 'prob_true': pt.tolist(), 'prob_pred': pp.tolist(),
                                   **({'y_true': c['y_true'], 'score': c['score']} if name == 'bin-edges' else {})})
rng = np.random.default_rng(7)
for n in (1, 2, 7, 100, 1001):
    x = rng.lognormal(0.0, 1.0, n).tolist()
    out['percentile'].append({'values': x, 'q': [0, 50, 95, 99, 100], 'expected': [float(np.percentile(x, q)) for q in (0, 50, 95, 99, 100)]})
json.dump(out, open(os.path.join(here, 'reference.json'), 'w'))
