// Self-test of the conformance suite: a small correct estimator passes every check, and each
// deliberately broken variant fails exactly the check that targets its flaw.
import { describe, expect, it } from 'vitest';
import { TrainSpamError, invalidData } from '../../../src/core/errors.js';
import { assertBinaryLabels, assertFinite, getValue, numCols, type FeatureMatrix } from '../../../src/core/matrix.js';
import { resolveParams, type ParamSpec } from '../../../src/core/params.js';
import type { Payload } from '../../../src/core/payload.js';
import type { Estimator, Fitted, FitOptions, TrainingData } from '../../../src/models/contract.js';
import { estimatorChecks, type ConformanceOptions } from '../../../src/models/conformance.js';
import { checkFitOptions, checkMatrixStructure, checkValidationData } from '../../../src/models/gbm/checks.js';

type Flaw = 'none' | 'ignoresStop' | 'nondeterministic' | 'lossyPayload' | 'noInputChecks' | 'lenientParams' | 'wrongIterations' | 'nudgesValue' | 'renamesFeature';

const spec = {
  rounds: { type: 'int', description: 'iterations', default: 5, min: 1, max: 50, search: { low: 1, high: 20 } },
  shrink: { type: 'float', description: 'weight scale', default: 1, min: 0, minExclusive: true, max: 10, search: { low: 0.1, high: 10, log: true } },
  mode: { type: 'enum', description: 'unused', values: ['a', 'b'], default: 'a' },
} as const satisfies ParamSpec;

let calls = 0; // drives the non-deterministic flaw only
// The data-mutating flaws change each training set once, after the fit, so repeated fits on it
// still agree (only the 'leaves the training data unchanged' check may see the change).
const mutated = new WeakSet<object>();

class ToyFitted implements Fitted {
  readonly kind = 'logistic' as const;
  constructor(readonly params: Record<string, unknown>, readonly w: Float64Array, readonly iterations: number, readonly flaw: Flaw) {}
  get numFeatures(): number {
    return this.w.length;
  }
  predictProba(X: FeatureMatrix): Float64Array {
    if (this.flaw !== 'noInputChecks') {
      if (numCols(X) !== this.w.length) throw invalidData(`expected ${this.w.length} columns, got ${numCols(X)}`);
      checkMatrixStructure('toy', X, 'prediction input');
      assertFinite(X);
    }
    const out = new Float64Array(X.rows);
    for (let r = 0; r < X.rows; r++) {
      let z = 0;
      for (let c = 0; c < this.w.length; c++) z += this.w[c] * getValue(X, r, c);
      out[r] = 1 / (1 + Math.exp(-z));
    }
    return out;
  }
  toPayload(): Payload {
    const w = this.flaw === 'lossyPayload' ? Float32Array.from(this.w) : this.w.slice();
    return { kind: 'model/logistic', version: 1, meta: { params: this.params as never, iterations: this.iterations }, arrays: { w } };
  }
}

function toyFromPayload(p: Payload): Fitted {
  if (p.kind !== 'model/logistic' || p.version !== 1) throw new TrainSpamError('FORMAT_ERROR', `bad payload ${p.kind} v${p.version}`);
  const meta = p.meta as { params: Record<string, unknown>; iterations: number };
  let params: Record<string, unknown>;
  try {
    params = resolveParams('toy', spec, meta.params);
  } catch (e) {
    throw new TrainSpamError('FORMAT_ERROR', `bad payload params: ${(e as Error).message}`);
  }
  return new ToyFitted(params, Float64Array.from(p.arrays.w), meta.iterations, 'none');
}

class ToyEstimator implements Estimator {
  readonly kind = 'logistic' as const;
  readonly paramSpec = spec;
  readonly params: Record<string, unknown>;
  constructor(params: Record<string, unknown> = {}, private readonly flaw: Flaw = 'none') {
    this.params = flaw === 'lenientParams' ? { ...resolveParams('toy', spec, {}), ...params } : resolveParams('toy', spec, params);
  }
  async fit({ X, y }: TrainingData, options: FitOptions): Promise<Fitted> {
    if (this.flaw !== 'noInputChecks') {
      if (y.length !== X.rows) throw invalidData('label count differs from rows');
      assertBinaryLabels(y);
      checkMatrixStructure('toy', X, 'training data');
      assertFinite(X);
      checkFitOptions('toy', options);
      if (options.validation) checkValidationData('toy', options.validation, X.dense.cols, X.sparse.cols);
    }
    if (options.signal?.aborted) throw new TrainSpamError('CANCELLED', 'aborted');
    const cols = numCols(X);
    const w = new Float64Array(cols);
    // Per-column scaled mean difference between the classes, accumulated over `rounds` iterations.
    const rounds = this.params.rounds as number;
    let done = 0;
    for (let it = 1; it <= rounds; it++) {
      for (let c = 0; c < cols; c++) {
        let s1 = 0, s0 = 0, n1 = 0, ss = 0;
        for (let r = 0; r < X.rows; r++) {
          const v = getValue(X, r, c);
          ss += v * v;
          if (y[r]) (s1 += v), n1++;
          else s0 += v;
        }
        const sd = Math.sqrt(ss / X.rows) || 1;
        w[c] += ((this.params.shrink as number) * (s1 / n1 - s0 / (X.rows - n1))) / (sd * sd * rounds);
      }
      done = it;
      const decision = await options.onIteration?.({ iteration: it, metrics: { step: it } });
      if (decision === 'stop' && this.flaw !== 'ignoresStop') break;
    }
    if (this.flaw === 'nondeterministic') w[0] += ++calls * 1e-3;
    if (this.flaw === 'nudgesValue' && !mutated.has(X.dense.data)) {
      mutated.add(X.dense.data);
      X.dense.data[0] += 1e-9; // below the 1e-6 rounding an approximate fingerprint would apply
    }
    if (this.flaw === 'renamesFeature' && !mutated.has(X.featureNames)) {
      mutated.add(X.featureNames);
      (X.featureNames as string[])[0] += '_';
    }
    return new ToyFitted(this.params, w, this.flaw === 'wrongIterations' ? done + 1 : done, this.flaw);
  }
}

async function failures(flaw: Flaw): Promise<string[]> {
  const opts: ConformanceOptions = { fromPayload: toyFromPayload, rows: 200 };
  const failed: string[] = [];
  for (const c of estimatorChecks((p) => new ToyEstimator(p, flaw), opts)) {
    try {
      await c.run();
    } catch {
      failed.push(c.name.split(':')[0]);
    }
  }
  return failed;
}

describe('conformance suite self-test', () => {
  it('a correct estimator passes every check', async () => {
    expect(await failures('none')).toEqual([]);
  });
  it.each([
    ['ignoresStop', ['onIteration']],
    ['nondeterministic', ['determinism']],
    ['lossyPayload', ['payload']],
    ['lenientParams', ['params']],
    ['wrongIterations', ['onIteration']],
    ['nudgesValue', ['fit']],
    ['renamesFeature', ['fit']],
  ] as const)('flaw %s fails %j', async (flaw, expected) => {
    expect(await failures(flaw)).toEqual(expected);
  });
  it('missing input validation fails the bad-input checks', async () => {
    expect(await failures('noInputChecks')).toEqual(['bad input', 'bad input', 'bad input', 'bad input', 'bad input']);
  });
});
