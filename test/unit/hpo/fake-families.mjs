// A fake model registry for HPO tests (plain JS so worker threads can import it as is).
// Exports createEstimator(kind, params) and paramSpecFor(kind), like src/models/registry.ts.
//
// Params: quality in [0, 1] (how strongly predictions follow dense column 0), a per-family
// iteration budget (gbm n_estimators, mlp epochs, logistic max_iter), delay_ms per iteration
// (async sleep, creates interleavings), and fail: 'none' | 'throw' | 'hang' | 'oom' | 'throw_at'.

function hash(...xs) {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h ^= x >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  }
  return (h >>> 0) / 4294967296;
}

const BUDGET = { gbm: 'n_estimators', mlp: 'epochs', logistic: 'max_iter' };

export function paramSpecFor(kind) {
  if (!(kind in BUDGET)) throw Object.assign(new Error(`unknown model kind '${kind}'`), { code: 'INVALID_ARGUMENT' });
  return {
    quality: { type: 'float', description: 'prediction quality', default: 0.5, min: 0, max: 1, search: { low: 0, high: 1 } },
    [BUDGET[kind]]: { type: 'int', description: 'iterations', default: 9, min: 1, max: 1000, search: { low: 3, high: 12 } },
    delay_ms: { type: 'float', description: 'sleep per iteration', default: 0, min: 0 },
    fail: { type: 'enum', description: 'failure mode', values: ['none', 'throw', 'hang', 'oom', 'throw_at', 'require_shared', 'require_preload'], default: 'none' },
  };
}

// preload(kind), as src/models/registry.ts exports it: recorded per thread ('require_preload' checks it).
const preloaded = new Set();
export async function preload(kind) {
  preloaded.add(kind);
}

const sleep = (ms) => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));

export function createEstimator(kind, given) {
  const spec = paramSpecFor(kind);
  const params = {};
  for (const k of Object.keys(spec)) params[k] = given[k] ?? spec[k].default;
  for (const k of Object.keys(given)) if (!(k in spec)) throw Object.assign(new Error(`${kind}: unknown parameter '${k}'`), { code: 'INVALID_ARGUMENT' });
  const budget = params[BUDGET[kind]];
  return {
    kind,
    paramSpec: spec,
    params,
    async fit(data, options) {
      if (params.fail === 'throw') throw Object.assign(new Error(`fake ${kind}: asked to fail`), { code: 'INVALID_DATA', details: { fake: true } });
      if (params.fail === 'require_shared' && !(data.X.dense.data.buffer instanceof SharedArrayBuffer && data.y.buffer instanceof SharedArrayBuffer)) {
        throw Object.assign(new Error('training data is not on a SharedArrayBuffer'), { code: 'INVALID_DATA' });
      }
      if (params.fail === 'require_preload' && !preloaded.has(kind)) {
        throw Object.assign(new Error(`fake ${kind}: this thread did not preload ${kind}`), { code: 'INVALID_DATA' });
      }
      if (params.fail === 'hang') for (;;) {} // never returns: only a thread termination ends it
      if (params.fail === 'oom') {
        const keep = [];
        for (;;) keep.push(new Array(1e6).fill(keep.length));
      }
      let it = 0;
      for (it = 1; it <= budget; it++) {
        if (options.signal?.aborted) throw Object.assign(new Error('fit cancelled'), { code: 'CANCELLED' });
        if (params.fail === 'throw_at' && it === 3) throw Object.assign(new Error(`fake ${kind}: failed at iteration 3`), { code: 'INVALID_DATA' });
        await sleep(typeof params.delay_ms === 'number' ? params.delay_ms * (0.5 + hash(options.seed, it)) : 0);
        const progress = 1 - Math.exp(-it / 3);
        const val_auc = 0.5 + 0.5 * params.quality * progress + 0.02 * (hash(options.seed, it, 7) - 0.5);
        // Like the real models: every `reportEvery` iterations and always the last one.
        const every = options.reportEvery ?? 1;
        if (it % every !== 0 && it !== budget) continue;
        const d = await options.onIteration?.({ iteration: it, metrics: { val_auc, val_loss: 1 - val_auc } });
        if (d === 'stop') break;
      }
      const trained = Math.min(it, budget);
      const q = params.quality;
      const seed = options.seed;
      return {
        kind,
        params,
        numFeatures: data.X.dense.cols + data.X.sparse.cols,
        iterations: trained,
        predictProba(X) {
          const out = new Float64Array(X.rows);
          const c = X.dense.cols;
          for (let r = 0; r < X.rows; r++) out[r] = q * X.dense.data[r * c] + (1 - q) * hash(seed, r, 3);
          return out;
        },
        toPayload() {
          return { kind: `model/fake-${kind}`, version: 1, meta: {}, arrays: {} };
        },
      };
    },
  };
}
