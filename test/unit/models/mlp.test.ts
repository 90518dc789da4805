import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { TrainSpamError } from '../../../src/core/errors.js';
import { rocAuc } from '../../../src/metrics/index.js';
import type { IterationReport } from '../../../src/models/contract.js';
import { syntheticData } from '../../../src/models/conformance.js';
import { MlpClassifier, mlpFromPayload, tfRuntime, type FittedMlp } from '../../../src/models/mlp/index.js';

const train = syntheticData({ rows: 300, seed: 1, denseCols: 5, sparseCols: 40 });
const val = syntheticData({ rows: 150, seed: 2, denseCols: 5, sparseCols: 40 });
const small = { hidden_layers: [12, 6], epochs: 5, batch_size: 50, learning_rate: 0.01, dropout: 0.2, l2: 1e-4 };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof TrainSpamError ? e.code : `not a TrainSpamError: ${String(e)}`;
  }
  return 'no error';
}

describe('tfjs backend selection', () => {
  it('initialises once per process, preferring tfjs-node, then wasm', async () => {
    const a = await tfRuntime();
    const b = await tfRuntime('cpu'); // the first call decided; later preferences are ignored
    expect(b).toBe(a);
    expect(['tensorflow', 'wasm']).toContain(a.backend);
    expect(tf.getBackend()).toBe(a.backend);
    if (a.backend === 'wasm') expect(a.skipped.map((s) => s.backend)).toEqual(['tensorflow']);
  });
});

describe('MLP training', () => {
  it('frees every tensor it creates (fit with validation, dropout, l2; a cancelled fit; a throwing callback)', async () => {
    await tfRuntime();
    const before = tf.memory().numTensors;
    const f = await new MlpClassifier(small).fit(train, { seed: 3, validation: val, onIteration: () => 'continue' });
    expect(f.iterations).toBe(5);
    expect(tf.memory().numTensors).toBe(before);

    const ac = new AbortController();
    const code = await codeOf(new MlpClassifier(small).fit(train, { seed: 3, signal: ac.signal, onIteration: (r) => void (r.iteration === 2 && ac.abort()) }));
    expect(code).toBe('CANCELLED');
    expect(tf.memory().numTensors).toBe(before);

    await expect(
      new MlpClassifier(small).fit(train, {
        seed: 3,
        onIteration: () => {
          throw new Error('boom');
        },
      }),
    ).rejects.toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports train loss every epoch and validation loss/AUC when validation is given; reportEvery thins reports', async () => {
    const reports: IterationReport[] = [];
    await new MlpClassifier({ ...small, epochs: 7 }).fit(train, { seed: 4, validation: val, reportEvery: 3, onIteration: (r) => void reports.push(r) });
    expect(reports.map((r) => r.iteration)).toEqual([3, 6, 7]);
    for (const r of reports) expect(Object.keys(r.metrics).sort()).toEqual(['train_loss', 'val_auc', 'val_loss']);
    expect(reports[2].metrics.train_loss).toBeLessThan(reports[0].metrics.train_loss);
    const noVal: IterationReport[] = [];
    await new MlpClassifier({ ...small, epochs: 2 }).fit(train, { seed: 4, onIteration: (r) => void noVal.push(r) });
    expect(noVal.map((r) => Object.keys(r.metrics))).toEqual([['train_loss'], ['train_loss']]);
  });

  it('val_auc reported at the last epoch equals the AUC of the returned model', async () => {
    const reports: IterationReport[] = [];
    const f = await new MlpClassifier(small).fit(train, { seed: 5, validation: val, onIteration: (r) => void reports.push(r) });
    expect(reports[reports.length - 1].metrics.val_auc).toBe(rocAuc(val.y, f.predictProba(val.X)));
  });

  it('an async onIteration resolving to stop ends training', async () => {
    const f = await new MlpClassifier({ ...small, epochs: 50 }).fit(train, {
      seed: 5,
      onIteration: async (r) => (r.iteration === 3 ? 'stop' : 'continue'),
    });
    expect(f.iterations).toBe(3);
  });

  it('early_stopping_rounds keeps the epoch with the best validation loss', async () => {
    const reports: IterationReport[] = [];
    // A large step and no regularisation overfit the 300 rows quickly.
    const params = { hidden_layers: [64], epochs: 60, batch_size: 32, learning_rate: 0.05, dropout: 0, early_stopping_rounds: 3 };
    const f = await new MlpClassifier(params).fit(train, { seed: 2, validation: val, onIteration: (r) => void reports.push(r) });
    const losses = reports.map((r) => r.metrics.val_loss);
    const bestEpoch = losses.indexOf(Math.min(...losses)) + 1;
    expect(reports.length).toBeLessThan(60);
    expect(reports.length).toBe(bestEpoch + 3);
    expect(f.iterations).toBe(bestEpoch);
    const { logLoss } = await import('../../../src/metrics/index.js');
    expect(logLoss(val.y, f.predictProba(val.X))).toBe(losses[bestEpoch - 1]);
    const err = (await new MlpClassifier(params).fit(train, { seed: 2 }).catch((e: unknown) => e)) as TrainSpamError;
    expect([err.code, err.details.parameter]).toEqual(['INVALID_ARGUMENT', 'early_stopping_rounds']);
  });

  it('is deterministic per seed and depends on the seed', async () => {
    const fit = (seed: number) => new MlpClassifier(small).fit(train, { seed });
    const [a, b, c] = await Promise.all([fit(9), fit(9), fit(10)]);
    expect(a.predictProba(val.X)).toEqual(b.predictProba(val.X));
    expect(a.predictProba(val.X)).not.toEqual(c.predictProba(val.X));
  });

  it('learns: held-out AUC well above chance, for relu and tanh', async () => {
    for (const activation of ['relu', 'tanh']) {
      const f = await new MlpClassifier({ ...small, activation, epochs: 15 }).fit(train, { seed: 6 });
      expect(rocAuc(val.y, f.predictProba(val.X))).toBeGreaterThan(0.8);
    }
  });

  it('fits after fits on reused WebAssembly memory train exactly what a first fit trains', async () => {
    // The kernels' instances are pooled per thread and handed to the next fit (zeroed): a fit after
    // a larger one (other units, more rows, Adam moments left in memory) must not see its state.
    const first = await new MlpClassifier(small).fit(train, { seed: 9, validation: val, onIteration: () => undefined });
    const bigger = syntheticData({ rows: 700, seed: 5, denseCols: 5, sparseCols: 40 });
    await new MlpClassifier({ ...small, hidden_layers: [40], dropout: 0.5 }).fit(bigger, { seed: 3 });
    const again = await new MlpClassifier(small).fit(train, { seed: 9, validation: val, onIteration: () => undefined });
    expect(Array.from(again.network.layers[0].kernel)).toEqual(Array.from(first.network.layers[0].kernel));
    expect(again.predictProba(val.X)).toEqual(first.predictProba(val.X));
  });

  it('the sparse first layer trains exactly the network of the densified-batch fallback (relu)', async () => {
    // Same seed, init, shuffling and dropout masks. Both paths add the first layer's products in
    // ascending input order (XNNPACK's GEMM on the wasm backend accumulates sequentially too; the
    // sparse path only skips zero terms), add the bias, apply relu and the mask, sum the bias
    // gradient over the batch rows in order and apply the same Adam arithmetic, so with
    // tfjs-backend-wasm 4.22 the trained weights are bit-identical (also observed on the
    // SpamAssassin matrix with hidden [128], [64, 32], [7]). If a tfjs upgrade changes the GEMM's
    // summation order, this becomes a float32-rounding difference.
    // [12, 6]: the sparse kernels' one-vector loop only; [40]: a register block of 8 vectors + 2.
    for (const hidden_layers of [[12, 6], [40]]) {
      const opts = { ...small, hidden_layers, epochs: 3 };
      const sparse = await new MlpClassifier(opts).fit(train, { seed: 4 });
      const dense = await new MlpClassifier(opts, { sparseInput: false }).fit(train, { seed: 4 });
      expect(Array.from(sparse.network.layers[0].kernel)).toEqual(Array.from(dense.network.layers[0].kernel));
      expect(sparse.predictProba(val.X)).toEqual(dense.predictProba(val.X));
    }
  });

  it('with tanh, the sparse layer (its own float32 tanh) trains the network of the dense fallback (tfjs Tanh) to float32 rounding', async () => {
    // The kernel's tanh differs from the backend's by a few float32 ulps (kernel test), so the two
    // fits drift apart by rounding only.
    for (const hidden_layers of [[12, 6], [40]]) {
      const opts = { ...small, hidden_layers, epochs: 3, activation: 'tanh' as const };
      const sparse = await new MlpClassifier(opts).fit(train, { seed: 4 });
      const dense = await new MlpClassifier(opts, { sparseInput: false }).fit(train, { seed: 4 });
      const a = sparse.network.layers[0].kernel;
      const b = dense.network.layers[0].kernel;
      let maxW = 0;
      for (let i = 0; i < a.length; i++) maxW = Math.max(maxW, Math.abs(a[i] - b[i]));
      expect(maxW).toBeGreaterThan(0); // not the same code path
      expect(maxW).toBeLessThan(1e-4);
      const pa = sparse.predictProba(val.X);
      const pb = dense.predictProba(val.X);
      let maxP = 0;
      for (let i = 0; i < pa.length; i++) maxP = Math.max(maxP, Math.abs(pa[i] - pb[i]));
      expect(maxP).toBeLessThan(1e-4);
    }
  });

  it("class_weight 'balanced' raises the minority class's predicted probability", async () => {
    // Keep every negative but only a fifth of the positives.
    const keep: number[] = [];
    for (let i = 0; i < train.X.rows; i++) if (train.y[i] === 0 || i % 5 === 0) keep.push(i);
    const { selectRows } = await import('../../../src/core/matrix.js');
    const X = selectRows(train.X, keep);
    const y = Uint8Array.from(keep, (i) => train.y[i]);
    const mean = (f: FittedMlp) => f.predictProba(val.X).reduce((s, v) => s + v, 0) / val.X.rows;
    const plain = await new MlpClassifier({ ...small, epochs: 10 }).fit({ X, y }, { seed: 2 });
    const balanced = await new MlpClassifier({ ...small, epochs: 10, class_weight: 'balanced' }).fit({ X, y }, { seed: 2 });
    expect(mean(balanced)).toBeGreaterThan(mean(plain) + 0.05);
  });

  it('the TypeScript inference pass equals the tfjs graph on the exported weights', async () => {
    const f = await new MlpClassifier({ ...small, activation: 'tanh' }).fit(train, { seed: 8 });
    const net = f.network;
    const X = val.X;
    const cols = X.dense.cols + X.sparse.cols;
    const dense = new Float32Array(X.rows * cols);
    for (let r = 0; r < X.rows; r++) {
      for (let c = 0; c < X.dense.cols; c++) dense[r * cols + c] = (X.dense.data[r * X.dense.cols + c] - net.scaler.mean[c]) / net.scaler.scale[c];
      for (let p = X.sparse.indptr[r]; p < X.sparse.indptr[r + 1]; p++) dense[r * cols + X.dense.cols + X.sparse.indices[p]] = X.sparse.data[p];
    }
    const viaTf = tf.tidy(() => {
      let h: tf.Tensor = tf.tensor2d(dense, [X.rows, cols]);
      net.layers.forEach((l, i) => {
        h = tf.add(tf.matMul(h, tf.tensor2d(l.kernel, [l.inputs, l.units])), tf.tensor1d(l.bias));
        if (i < net.layers.length - 1) h = tf.tanh(h);
      });
      return tf.sigmoid(h).dataSync();
    });
    const ours = f.predictProba(X);
    for (let i = 0; i < X.rows; i++) expect(Math.abs(ours[i] - viaTf[i])).toBeLessThan(1e-5);
  });
});

describe('MLP payload', () => {
  it('stores float32 weights per layer, the scaler and the architecture', async () => {
    const f = await new MlpClassifier(small).fit(train, { seed: 1 });
    const p = f.toPayload();
    expect(p.kind).toBe('model/mlp');
    expect(Object.keys(p.arrays).sort()).toEqual(
      ['layer0.bias', 'layer0.kernel', 'layer1.bias', 'layer1.kernel', 'layer2.bias', 'layer2.kernel', 'scaler.mean', 'scaler.scale'],
    );
    expect(p.arrays['layer0.kernel']).toBeInstanceOf(Float32Array);
    expect(p.arrays['layer0.kernel'].length).toBe(45 * 12);
    expect(p.arrays['layer2.kernel'].length).toBe(6);
    expect(p.arrays['scaler.mean']).toBeInstanceOf(Float64Array);
    expect(p.meta.units).toEqual([12, 6, 1]);
    expect(p.meta.iterations).toBe(5);
  });

  it('checks its validation data before training, as GBM and logistic regression do (an empty set, a wrong layout, a bad label)', async () => {
    const { featureMatrix, denseMatrix, emptyCsr } = await import('../../../src/core/matrix.js');
    let epochs = 0;
    const fit = (validation: typeof val) => new MlpClassifier(small).fit(train, { seed: 1, validation, onIteration: () => void epochs++ });
    const empty = { X: featureMatrix(denseMatrix(0, 5, new Float64Array(0)), emptyCsr(0, 40), val.X.featureNames), y: new Uint8Array(0) };
    await expect(fit(empty)).rejects.toThrow(/mlp fit: validation data has zero rows/);
    const narrow = { X: featureMatrix(denseMatrix(val.X.rows, 5, val.X.dense.data), emptyCsr(val.X.rows, 39), val.X.featureNames.slice(0, 44)), y: val.y };
    await expect(fit(narrow)).rejects.toThrow(/mlp fit: validation data has 44 features/);
    const y = val.y.slice();
    y[7] = 2;
    await expect(fit({ X: val.X, y })).rejects.toThrow(/mlp fit: validation label at row 7 is 2/);
    expect(epochs).toBe(0);
    // a dense column whose spread overflows a double (every probability used to come out NaN)
    const d = train.X.dense;
    const huge = { X: { ...train.X, dense: { ...d, data: d.data.map((v, i) => (i % d.cols === 2 ? (i % 2 ? 1e300 : -1e300) : v)) } }, y: train.y };
    await expect(new MlpClassifier(small).fit(huge, { seed: 1 })).rejects.toThrow(new RegExp(`mlp fit: dense feature '${train.X.featureNames[2]}' \\(column 2\\) has values too large to standardise`));
  });

  it('rejects damaged payloads with FORMAT_ERROR naming the problem', async () => {
    const p = (await new MlpClassifier(small).fit(train, { seed: 1 })).toPayload();
    const { ['layer1.bias']: _dropped, ...rest } = p.arrays;
    expect(() => mlpFromPayload({ ...p, arrays: rest })).toThrow(/layer1\.bias' is missing/);
    expect(() => mlpFromPayload({ ...p, arrays: { ...p.arrays, 'layer0.kernel': new Float32Array(3) } })).toThrow(/layer0\.kernel' has 3 values; expected 540/);
    expect(() => mlpFromPayload({ ...p, arrays: { ...p.arrays, 'scaler.mean': new Float32Array(5) } })).toThrow(/Float32Array; expected Float64Array/);
    expect(() => mlpFromPayload({ ...p, meta: { ...p.meta, units: [12, 6, 2] } })).toThrow(/output layer has 2 units/);
    expect(() => mlpFromPayload({ ...p, meta: { ...p.meta, units: [12, 1] } })).toThrow(/disagree with params\.hidden_layers/);
    expect(() => mlpFromPayload({ ...p, meta: { ...p.meta, params: { epochs: -1 } } })).toThrow(/epochs/);
    try {
      mlpFromPayload({ ...p, meta: { ...p.meta, denseCols: 'x' } });
      expect.unreachable();
    } catch (e) {
      expect((e as TrainSpamError).code).toBe('FORMAT_ERROR');
    }
  });
});
