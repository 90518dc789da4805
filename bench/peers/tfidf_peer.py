#!/usr/bin/env python3
"""scikit-learn peer for bench/tfidf.bench.mjs.

Reads a JSON list of texts, runs TfidfVectorizer(max_features=500, sublinear_tf=True,
stop_words='english').fit_transform on them `runs` times (after one warm-up) at each replication
factor, and prints one JSON object: seconds per run, vocabulary size, nnz, peak RSS.

usage: tfidf_peer.py TEXTS.json [--runs N] [--scales 1,10] [--child SCALE]
"""
import json
import resource
import subprocess
import sys
import time


def run_once(texts):
    from sklearn.feature_extraction.text import TfidfVectorizer

    t0 = time.perf_counter()
    vec = TfidfVectorizer(max_features=500, sublinear_tf=True, stop_words='english')
    x = vec.fit_transform(texts)
    return time.perf_counter() - t0, len(vec.vocabulary_), int(x.nnz), sorted(vec.vocabulary_)


def main():
    args = sys.argv[1:]
    path = args[0]
    runs = 5
    scales = [1, 10]
    child = None
    i = 1
    while i < len(args):
        if args[i] == '--runs':
            runs = int(args[i + 1]); i += 2
        elif args[i] == '--scales':
            scales = [int(s) for s in args[i + 1].split(',')]; i += 2
        elif args[i] == '--child':
            child = int(args[i + 1]); i += 2
        else:
            raise SystemExit(f'unknown argument {args[i]}')
    with open(path, encoding='utf-8') as f:
        texts = json.load(f)
    if child is not None:
        # one fit_transform at this scale; report peak RSS growth over the loaded texts
        data = texts * child
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        run_once(data)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({'scale': child, 'peak_rss_growth_mb': (peak - base) / 1024}))
        return
    import sklearn
    out = {'sklearn': sklearn.__version__, 'scales': {}}
    for scale in scales:
        data = texts * scale
        run_once(data)  # warm-up
        secs = []
        vocab = None
        for _ in range(runs if scale == 1 else max(3, runs // 2)):
            s, v, nnz, vocab = run_once(data)
            secs.append(s)
        out['scales'][str(scale)] = {'seconds': secs, 'vocabulary_size': v, 'nnz': nnz}
        if scale == 1:
            out['vocabulary'] = vocab
    mem = {}
    for scale in scales:
        r = subprocess.run([sys.executable, __file__, path, '--child', str(scale)], capture_output=True, text=True, check=True)
        mem[str(scale)] = json.loads(r.stdout)['peak_rss_growth_mb']
    out['peak_rss_growth_mb'] = mem
    print(json.dumps(out))


if __name__ == '__main__':
    main()
