#!/usr/bin/env python3
"""scikit-learn peer for bench/tfidf.bench.mjs.

Reads a JSON list of texts, runs TfidfVectorizer(max_features=500, sublinear_tf=True,
stop_words='english').fit_transform on them `runs` times (after one warm-up) at each replication
factor, and prints one JSON object: wall and CPU seconds per run, vocabulary, nnz, peak RSS growth.

usage: tfidf_peer.py TEXTS.json [--runs N] [--scales 1,10] [--mem-scales 1,2,5,10] [--child SCALE]
"""
import json
import subprocess
import sys
import time


def status_kb(key):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise RuntimeError(key)


def run_once(texts):
    from sklearn.feature_extraction.text import TfidfVectorizer

    t0 = time.perf_counter()
    c0 = time.process_time()
    vec = TfidfVectorizer(max_features=500, sublinear_tf=True, stop_words='english')
    x = vec.fit_transform(texts)
    return time.perf_counter() - t0, time.process_time() - c0, len(vec.vocabulary_), int(x.nnz), sorted(vec.vocabulary_)


def main():
    args = sys.argv[1:]
    path = args[0]
    runs = 5
    scales = [1, 10]
    mem_scales = None
    child = None
    i = 1
    while i < len(args):
        if args[i] == '--runs':
            runs = int(args[i + 1]); i += 2
        elif args[i] == '--scales':
            scales = [int(s) for s in args[i + 1].split(',')]; i += 2
        elif args[i] == '--mem-scales':
            mem_scales = [int(s) for s in args[i + 1].split(',')]; i += 2
        elif args[i] == '--child':
            child = int(args[i + 1]); i += 2
        else:
            raise SystemExit(f'unknown argument {args[i]}')
    with open(path, encoding='utf-8') as f:
        texts = json.load(f)
    if child is not None:
        # one fit_transform at this scale; peak RSS growth over the loaded texts (peak reset after
        # loading via /proc/self/clear_refs, so json.load's own peak is excluded)
        data = texts * child
        import sklearn.feature_extraction.text  # noqa: F401  (import cost outside the measurement)
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        base = status_kb('VmRSS')
        run_once(data)
        peak = status_kb('VmHWM')
        print(json.dumps({'scale': child, 'peak_rss_growth_mb': (peak - base) / 1024}))
        return
    import sklearn
    out = {'sklearn': sklearn.__version__, 'scales': {}}
    for scale in scales:
        data = texts * scale
        run_once(data)  # warm-up
        secs = []
        cpus = []
        vocab = None
        for _ in range(runs if scale == 1 else max(3, runs // 2)):
            s, c, v, nnz, vocab = run_once(data)
            secs.append(s)
            cpus.append(c)
        out['scales'][str(scale)] = {'seconds': secs, 'cpu_seconds': cpus, 'vocabulary_size': v, 'nnz': nnz}
        if scale == 1:
            out['vocabulary'] = vocab
    mem = {}
    for scale in (mem_scales or scales):
        r = subprocess.run([sys.executable, __file__, path, '--child', str(scale)], capture_output=True, text=True, check=True)
        mem[str(scale)] = json.loads(r.stdout)['peak_rss_growth_mb']
    out['peak_rss_growth_mb'] = mem
    print(json.dumps(out))


if __name__ == '__main__':
    main()
