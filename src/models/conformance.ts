/**
 * The estimator conformance suite (scikit-learn's `estimator_checks` idea): every model runs the
 * same checks on a small seeded synthetic dataset. Framework-free: `estimatorChecks` returns named
 * async checks that a test file registers one by one (`for (const c of checks) it(c.name, c.run)`),
 * `checkEstimator` runs them all and throws one error listing every failure.
 *
 * The bad-hyperparameter checks are generated from the estimator's declarative `paramSpec`.
 */
import { TrainSpamError, type ErrorCode } from '../core/errors.js';
import { denseMatrix, featureMatrix, numCols, selectRows, type CsrMatrix, type FeatureMatrix } from '../core/matrix.js';
import { describeRange, type ParamDef } from '../core/params.js';
import type { JsonValue, Payload } from '../core/payload.js';
import { rngFor } from '../core/random.js';
import { rocAuc } from '../metrics/index.js';
import type { Estimator, Fitted, FitOptions, IterationReport, TrainingData } from './contract.js';

export type EstimatorFactory = (params?: Record<string, unknown>) => Estimator;

export interface ConformanceOptions {
  /** The model's own payload reader (e.g. `mlpFromPayload`). */
  readonly fromPayload: (p: Payload) => Fitted | Promise<Fitted>;
  /** Params that keep fit fast on the small dataset; they must train at least 3 iterations. */
  readonly fastParams?: Record<string, unknown>;
  /** Held-out AUC the model must beat on the synthetic data (default 0.75; chance is 0.5). */
  readonly minAuc?: number;
  /** Training rows of the synthetic dataset (default 400; the test split has half as many). */
  readonly rows?: number;
  /** Names of checks to skip (say why in the calling test). */
  readonly skip?: readonly string[];
}

export interface EstimatorCheck {
  readonly name: string;
  run(): Promise<void>;
}

export interface SyntheticOptions {
  readonly rows: number;
  readonly seed: number;
  readonly denseCols?: number;
  readonly sparseCols?: number;
  /** Probability that a sparse cell is non-zero (default 0.08). */
  readonly density?: number;
}

/**
 * A learnable binary dataset in the project's matrix layout: the label is drawn from a logistic
 * model over a few dense columns and the first sparse columns. Same options, same data.
 */
export function syntheticData(o: SyntheticOptions): TrainingData {
  const dc = o.denseCols ?? 6;
  const sc = o.sparseCols ?? 30;
  const density = o.density ?? 0.08;
  const rng = rngFor(o.seed, 'synthetic');
  const dense = new Float64Array(o.rows * dc);
  const indptr = new Int32Array(o.rows + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const y = new Uint8Array(o.rows);
  for (let r = 0; r < o.rows; r++) {
    let z = -0.3;
    for (let c = 0; c < dc; c++) {
      const v = c % 3 === 2 ? rng.int(0, 40) : rng.normal() * (c + 1) + c; // mixed scales
      dense[r * dc + c] = v;
      if (c < 3) z += (c === 1 ? -1 : 1) * ((v - (c % 3 === 2 ? 20 : c)) / (c % 3 === 2 ? 12 : c + 1));
    }
    for (let c = 0; c < sc; c++) {
      if (rng.next() >= density) continue;
      const v = rng.uniform(0.1, 1);
      idx.push(c);
      val.push(v);
      if (c < 8) z += (c % 2 === 0 ? 3 : -3) * v;
    }
    indptr[r + 1] = idx.length;
    y[r] = rng.next() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
  }
  const sparse: CsrMatrix = { rows: o.rows, cols: sc, indptr, indices: Int32Array.from(idx), data: Float64Array.from(val) };
  const names = [...Array.from({ length: dc }, (_, i) => `dense_${i}`), ...Array.from({ length: sc }, (_, i) => `tok_${i}`)];
  return { X: featureMatrix(denseMatrix(o.rows, dc, dense), sparse, names), y };
}

class CheckFailure extends Error {}

function ensure(cond: boolean, message: string): asserts cond {
  if (!cond) throw new CheckFailure(message);
}

/** Runs fn; requires a TrainSpamError with `code` (and, if given, a message mentioning `mention`). */
async function expectCode(what: string, fn: () => unknown, code: ErrorCode, mention?: string): Promise<TrainSpamError> {
  let caught: unknown = null;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  ensure(caught !== null, `${what}: expected a ${code} error, but nothing was thrown`);
  ensure(caught instanceof TrainSpamError, `${what}: expected TrainSpamError ${code}, got ${String(caught)}`);
  ensure(caught.code === code, `${what}: expected code ${code}, got ${caught.code} (${caught.message})`);
  if (mention !== undefined) ensure(caught.message.includes(mention), `${what}: message '${caught.message}' does not name '${mention}'`);
  return caught;
}

function withDense(X: FeatureMatrix, mutate: (d: Float64Array) => void): FeatureMatrix {
  const d = X.dense.data.slice();
  mutate(d);
  return featureMatrix(denseMatrix(X.rows, X.dense.cols, d), X.sparse, X.featureNames);
}

interface DataSnapshot {
  /** Shapes and feature names, as JSON. */
  readonly layout: string;
  /** Copies of the bytes of every array, named. */
  readonly arrays: readonly (readonly [string, Uint8Array])[];
}

/** An exact copy of the training data: any changed bit of any array, shape or feature name shows. */
function snapshot(d: TrainingData): DataSnapshot {
  const { X, y } = d;
  const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  return {
    layout: JSON.stringify([X.rows, X.dense.rows, X.dense.cols, X.sparse.rows, X.sparse.cols, X.featureNames]),
    arrays: [
      ['dense data', bytes(X.dense.data)],
      ['sparse data', bytes(X.sparse.data)],
      ['sparse indices', bytes(X.sparse.indices)],
      ['sparse indptr', bytes(X.sparse.indptr)],
      ['labels', bytes(y)],
    ],
  };
}

/** What differs between two snapshots of the same data (null: nothing). */
function snapshotChange(before: DataSnapshot, after: DataSnapshot): string | null {
  if (before.layout !== after.layout) return 'shape or feature names';
  for (let k = 0; k < before.arrays.length; k++) {
    const [name, a] = before.arrays[k];
    const b = after.arrays[k][1];
    if (a.length !== b.length) return `${name} (length)`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return name;
  }
  return null;
}

/** Values outside each parameter's declared range, generated from its definition. */
export function invalidValuesFor(def: ParamDef): unknown[] {
  switch (def.type) {
    case 'float':
    case 'int': {
      const out: unknown[] = [NaN, 'x'];
      if (def.min !== undefined) out.push(def.type === 'float' && def.minExclusive ? def.min : def.min - 1);
      if (def.max !== undefined) out.push(def.type === 'float' && def.maxExclusive ? def.max : def.max + 1);
      if (def.type === 'int') out.push((def.min ?? 0) + 0.5);
      return out;
    }
    case 'bool':
      return ['true', 1];
    case 'enum':
      return ['__not_a_value__', 3];
    case 'intList': {
      const out: unknown[] = [[def.itemMin - 1], [def.itemMax + 1], [def.itemMin + 0.5], Array(def.maxLength + 1).fill(def.itemMin), 5];
      if (def.minLength > 0) out.push([]);
      return out;
    }
  }
}

/** Values the HPO search space may propose; all must be accepted. */
function searchValuesFor(def: ParamDef): unknown[] {
  if (def.search === undefined) return [];
  if (def.type === 'float' || def.type === 'int') return [def.search.low, def.search.high];
  return [...def.search];
}

export function estimatorChecks(factory: EstimatorFactory, opts: ConformanceOptions): EstimatorCheck[] {
  const fast = opts.fastParams ?? {};
  const rows = opts.rows ?? 400;
  const minAuc = opts.minAuc ?? 0.75;
  const train = syntheticData({ rows, seed: 11 });
  const test = syntheticData({ rows: Math.ceil(rows / 2), seed: 12 });
  const seedOpts: FitOptions = { seed: 7 };
  let base: Promise<Fitted> | null = null;
  const fitted = () => (base ??= factory(fast).fit(train, seedOpts));
  const kind = factory(fast).kind;

  const checks: EstimatorCheck[] = [
    {
      name: 'params: defaults resolved for every spec entry',
      async run() {
        const est = factory();
        for (const name of Object.keys(est.paramSpec)) ensure(name in est.params, `params lack '${name}' (declared in paramSpec)`);
        for (const name of Object.keys(est.params)) ensure(name in est.paramSpec, `params hold '${name}', absent from paramSpec`);
      },
    },
    {
      name: 'params: out-of-range values rejected with INVALID_ARGUMENT naming the parameter',
      async run() {
        const spec = factory().paramSpec;
        for (const [name, def] of Object.entries(spec)) {
          for (const bad of invalidValuesFor(def)) {
            const err = await expectCode(`${name} = ${JSON.stringify(bad)} (allowed: ${describeRange(def)})`, () => factory({ ...fast, [name]: bad }), 'INVALID_ARGUMENT', name);
            ensure(err.details.parameter === name, `${name}: error details.parameter is ${String(err.details.parameter)}`);
          }
        }
        await expectCode('unknown parameter', () => factory({ ...fast, __no_such_param__: 1 }), 'INVALID_ARGUMENT', '__no_such_param__');
      },
    },
    {
      name: 'params: every HPO search value is accepted',
      async run() {
        for (const [name, def] of Object.entries(factory().paramSpec)) {
          for (const v of searchValuesFor(def)) {
            try {
              factory({ ...fast, [name]: v });
            } catch (e) {
              ensure(false, `${name}: search value ${JSON.stringify(v)} rejected: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
        }
      },
    },
    {
      name: 'fit: returns a Fitted of the same kind, params and feature count',
      async run() {
        const est = factory(fast);
        const f = await fitted();
        ensure(f.kind === est.kind, `fitted kind ${f.kind}, estimator kind ${est.kind}`);
        ensure(f.numFeatures === numCols(train.X), `numFeatures ${f.numFeatures}, expected ${numCols(train.X)}`);
        ensure(Number.isInteger(f.iterations) && f.iterations >= 1, `iterations ${f.iterations}`);
        ensure(JSON.stringify(f.params) === JSON.stringify(est.params), `fitted params ${JSON.stringify(f.params)} differ from ${JSON.stringify(est.params)}`);
      },
    },
    {
      name: 'fit: leaves the training data unchanged',
      async run() {
        const data = syntheticData({ rows: 120, seed: 13 });
        const before = snapshot(data);
        (await factory(fast).fit(data, seedOpts)).dispose?.();
        const change = snapshotChange(before, snapshot(data));
        ensure(change === null, `fit modified the training data: ${change}`);
      },
    },
    {
      name: 'predictProba: finite probabilities in [0, 1], one per row',
      async run() {
        const p = (await fitted()).predictProba(test.X);
        ensure(p instanceof Float64Array, 'predictProba must return a Float64Array');
        ensure(p.length === test.X.rows, `length ${p.length}, expected ${test.X.rows}`);
        for (let i = 0; i < p.length; i++) ensure(Number.isFinite(p[i]) && p[i] >= 0 && p[i] <= 1, `row ${i}: ${p[i]}`);
      },
    },
    {
      name: `predictProba: held-out AUC above ${minAuc}`,
      async run() {
        const auc = rocAuc(test.y, (await fitted()).predictProba(test.X));
        ensure(auc > minAuc, `held-out AUC ${auc.toFixed(4)} <= ${minAuc}`);
      },
    },
    {
      name: 'predictProba: rows are independent of the batch (subset and zero rows)',
      async run() {
        const f = await fitted();
        const all = f.predictProba(test.X);
        const pick = [5, 0, 17, 3];
        const sub = f.predictProba(selectRows(test.X, pick));
        pick.forEach((r, i) => ensure(Math.abs(sub[i] - all[r]) <= 1e-12, `row ${r}: ${sub[i]} alone vs ${all[r]} in batch`));
        const none = f.predictProba(selectRows(test.X, []));
        ensure(none.length === 0, `zero rows gave ${none.length} predictions`);
      },
    },
    {
      name: 'determinism: same seed, same predictions',
      async run() {
        const a = await factory(fast).fit(train, seedOpts);
        const b = await factory(fast).fit(train, seedOpts);
        const pa = a.predictProba(test.X);
        const pb = b.predictProba(test.X);
        for (let i = 0; i < pa.length; i++) ensure(pa[i] === pb[i], `row ${i}: ${pa[i]} vs ${pb[i]}`);
        a.dispose?.();
        b.dispose?.();
      },
    },
    {
      name: 'payload: JSON meta + typed arrays round trip predicts identically',
      async run() {
        const f = await fitted();
        const p = f.toPayload();
        ensure(p.kind === `model/${kind}`, `payload kind '${p.kind}', expected 'model/${kind}'`);
        ensure(Number.isInteger(p.version) && p.version >= 1, `payload version ${p.version}`);
        const copy: Payload = { kind: p.kind, version: p.version, meta: JSON.parse(JSON.stringify(p.meta)), arrays: structuredClone(p.arrays) };
        const g = await opts.fromPayload(copy);
        ensure(g.kind === f.kind && g.numFeatures === f.numFeatures && g.iterations === f.iterations, 'restored kind/numFeatures/iterations differ');
        const a = f.predictProba(test.X);
        const b = g.predictProba(test.X);
        for (let i = 0; i < a.length; i++) ensure(a[i] === b[i], `row ${i}: ${a[i]} before, ${b[i]} after the round trip`);
        await expectCode('payload of another kind', () => opts.fromPayload({ ...copy, kind: 'model/__other__' }), 'FORMAT_ERROR');
        await expectCode('payload version 999', () => opts.fromPayload({ ...copy, version: 999 }), 'FORMAT_ERROR');
        // a damaged artifact is a FORMAT_ERROR, also where its parameters no longer validate
        const saved = copy.meta.params as Record<string, JsonValue>;
        const [name, def] = Object.entries(factory().paramSpec)[0];
        const outOfRange = invalidValuesFor(def).find((v) => typeof v !== 'number' || Number.isFinite(v)) as JsonValue;
        for (const params of [{ ...saved, __no_such_param__: 1 }, { ...saved, [name]: outOfRange }]) {
          await expectCode(`payload params ${JSON.stringify(params)}`, () => opts.fromPayload({ ...copy, meta: { ...copy.meta, params } }), 'FORMAT_ERROR');
        }
      },
    },
    {
      name: "onIteration: reports 1-based increasing iterations with finite metrics; 'stop' is respected",
      async run() {
        const reports: IterationReport[] = [];
        const f = await factory(fast).fit(train, {
          seed: 7,
          validation: test,
          onIteration: (r) => {
            reports.push(r);
            return r.iteration >= 2 ? 'stop' : 'continue';
          },
        });
        ensure(reports.length >= 1, 'onIteration was never called');
        reports.forEach((r, i) => {
          ensure(Number.isInteger(r.iteration) && r.iteration >= 1 && (i === 0 || r.iteration > reports[i - 1].iteration), `bad iteration sequence ${reports.map((x) => x.iteration).join(',')}`);
          for (const [k, v] of Object.entries(r.metrics)) ensure(Number.isFinite(v), `metric ${k} = ${v} at iteration ${r.iteration}`);
        });
        const stopAt = reports.find((r) => r.iteration >= 2)?.iteration;
        ensure(stopAt !== undefined, `training ended after ${f.iterations} iterations before reaching 2; give fastParams with at least 3 iterations`);
        ensure(reports[reports.length - 1].iteration === stopAt, 'onIteration called again after it returned stop');
        ensure(f.iterations <= stopAt, `fitted.iterations ${f.iterations} > stop point ${stopAt}`);
        f.dispose?.();
      },
    },
    {
      name: 'bad input: mismatched column count at predict → INVALID_DATA',
      async run() {
        const f = await fitted();
        const { X } = test;
        const wider = featureMatrix(X.dense, { ...X.sparse, cols: X.sparse.cols + 1 }, [...X.featureNames, 'extra']);
        await expectCode('one extra column', () => f.predictProba(wider), 'INVALID_DATA');
      },
    },
    {
      name: 'bad input: a malformed sparse block (column past the last, unsorted, indptr out of range) → INVALID_DATA (fit, validation and predict)',
      async run() {
        const f = await fitted();
        const s = test.X.sparse;
        const k = s.indptr[1] > s.indptr[0] ? s.indptr[0] : -1;
        ensure(k >= 0, 'the first test row has no sparse entry');
        const variants: Array<[string, CsrMatrix]> = [
          ['a column index past the last column', { ...s, indices: s.indices.map((c, i) => (i === k ? s.cols + 5 : c)) }],
          ['a negative column index', { ...s, indices: s.indices.map((c, i) => (i === k ? -1 : c)) }],
          ['indptr beyond the stored entries', { ...s, indptr: s.indptr.map((v, r) => (r === s.rows ? v + 3 : v)) }],
        ];
        const tr = train.X.sparse;
        const twoInRow = Array.from({ length: tr.rows }, (_, r) => r).find((r) => tr.indptr[r + 1] - tr.indptr[r] >= 2);
        ensure(twoInRow !== undefined, 'no training row has two sparse entries');
        const a = tr.indptr[twoInRow];
        const swapped = tr.indices.slice();
        [swapped[a], swapped[a + 1]] = [swapped[a + 1], swapped[a]];
        for (const [what, sparse] of variants) {
          const X = featureMatrix(test.X.dense, sparse, test.X.featureNames);
          await expectCode(`${what} at predict`, () => f.predictProba(X), 'INVALID_DATA');
          await expectCode(`${what} in validation data`, () => factory(fast).fit(train, { ...seedOpts, validation: { X, y: test.y } }), 'INVALID_DATA');
        }
        const unsorted = featureMatrix(train.X.dense, { ...tr, indices: swapped }, train.X.featureNames);
        await expectCode('unsorted column indices at fit', () => factory(fast).fit({ X: unsorted, y: train.y }, seedOpts), 'INVALID_DATA', `row ${twoInRow}`);
      },
    },
    {
      name: 'bad input: NaN/Infinity features → INVALID_DATA (fit and predict)',
      async run() {
        const nanX = withDense(train.X, (d) => (d[3] = NaN));
        await expectCode('NaN at fit', () => factory(fast).fit({ X: nanX, y: train.y }, seedOpts), 'INVALID_DATA');
        const infX = withDense(test.X, (d) => (d[test.X.dense.cols + 1] = Infinity));
        await expectCode('Infinity at predict', async () => (await fitted()).predictProba(infX), 'INVALID_DATA');
      },
    },
    {
      name: 'bad input: zero rows, one class, label count mismatch → INVALID_DATA',
      async run() {
        const empty = selectRows(train.X, []);
        await expectCode('zero rows', () => factory(fast).fit({ X: empty, y: new Uint8Array(0) }, seedOpts), 'INVALID_DATA');
        await expectCode('one class', () => factory(fast).fit({ X: train.X, y: new Uint8Array(train.X.rows) }, seedOpts), 'INVALID_DATA');
        await expectCode('labels shorter than rows', () => factory(fast).fit({ X: train.X, y: train.y.subarray(1) }, seedOpts), 'INVALID_DATA');
        const bad = train.y.slice();
        bad[4] = 2;
        await expectCode('label 2', () => factory(fast).fit({ X: train.X, y: bad }, seedOpts), 'INVALID_DATA');
      },
    },
    {
      name: 'bad input: a non-finite seed or a fractional reportEvery → INVALID_ARGUMENT, and empty validation data → INVALID_DATA',
      async run() {
        await expectCode('seed NaN', () => factory(fast).fit(train, { seed: NaN }), 'INVALID_ARGUMENT');
        await expectCode('reportEvery 0.5', () => factory(fast).fit(train, { ...seedOpts, reportEvery: 0.5, onIteration: () => undefined }), 'INVALID_ARGUMENT');
        const validation = { X: selectRows(train.X, []), y: new Uint8Array(0) };
        await expectCode('empty validation data', () => factory(fast).fit(train, { ...seedOpts, validation }), 'INVALID_DATA');
      },
    },
    {
      name: 'cancellation: an aborted signal rejects fit with CANCELLED',
      async run() {
        const ac = new AbortController();
        ac.abort();
        await expectCode('aborted signal', () => factory(fast).fit(train, { seed: 7, signal: ac.signal }), 'CANCELLED');
      },
    },
  ];
  const skip = new Set(opts.skip ?? []);
  return checks.filter((c) => !skip.has(c.name));
}

/** Runs every check; throws one Error listing all failures (or resolves when all pass). */
export async function checkEstimator(factory: EstimatorFactory, opts: ConformanceOptions): Promise<void> {
  const failures: string[] = [];
  for (const c of estimatorChecks(factory, opts)) {
    try {
      await c.run();
    } catch (e) {
      failures.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (failures.length > 0) throw new Error(`estimator conformance failed (${failures.length}):\n- ${failures.join('\n- ')}`);
}
