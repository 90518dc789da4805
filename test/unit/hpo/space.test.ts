import { describe, expect, it } from 'vitest';
import { deriveSeed } from '../../../src/core/random.js';
import { defaultSpace } from '../../../src/hpo/families.js';
import { gbmParamSpec } from '../../../src/models/gbm/params.js';
import { logisticParamSpec } from '../../../src/models/logistic/params.js';
import { mlpParamSpec } from '../../../src/models/mlp/params.js';
import type { ModelKind } from '../../../src/models/contract.js';
import {
  choice, constant, loguniform, qloguniform, quniform, randint, sampleConfig, sampleParams, uniform, when,
  type SearchSpace,
} from '../../../src/hpo/space.js';

const specs = { gbm: gbmParamSpec, logistic: logisticParamSpec, mlp: mlpParamSpec };
const realFamilies = { paramSpecFor: (k: ModelKind) => specs[k] };

const space: SearchSpace = {
  families: {
    gbm: { lr: loguniform(0.01, 0.3), depth: randint(3, 9), trees: quniform(50, 400, 50), sub: uniform(0.5, 1) },
    logistic: { C: loguniform(1e-3, 1e3), penalty: choice(['l2', 'elasticnet']), l1_ratio: when(uniform(0, 1), { penalty: ['elasticnet'] }) },
  },
};

function draw(n: number, f: (seed: number) => number): number[] {
  return Array.from({ length: n }, (_, i) => f(deriveSeed(42, 'draw', i)));
}

describe('search space sampling', () => {
  it('is a pure function of (space, seed)', () => {
    for (let i = 0; i < 20; i++) expect(sampleConfig(space, i)).toEqual(sampleConfig(space, i));
    const a = Array.from({ length: 20 }, (_, i) => JSON.stringify(sampleConfig(space, i)));
    expect(new Set(a).size).toBe(20);
  });

  it('draws GBM params only for gbm and logistic params only for logistic (conditional root)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = sampleConfig(space, deriveSeed(7, i));
      seen.add(c.model);
      expect(Object.keys(c.params).sort()).toEqual(c.model === 'gbm' ? ['depth', 'lr', 'sub', 'trees'] : expect.arrayContaining(['C', 'penalty']));
      if (c.model === 'logistic') {
        expect('l1_ratio' in c.params).toBe(c.params.penalty === 'elasticnet');
        expect('lr' in c.params).toBe(false);
      }
    }
    expect([...seen].sort()).toEqual(['gbm', 'logistic']);
  });

  it('keeps the other params unchanged when one param is added (one stream per param)', () => {
    const a = sampleParams({ x: uniform(0, 1), y: randint(0, 100) }, 9);
    const b = sampleParams({ x: uniform(0, 1), y: randint(0, 100), z: choice([1, 2]) }, 9);
    expect(b.x).toBe(a.x);
    expect(b.y).toBe(a.y);
  });

  it('uniform, loguniform and randint have sane distributions', () => {
    const u = draw(4000, (s) => sampleParams({ v: uniform(2, 4) }, s).v as number);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...u)).toBeLessThan(4);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(3, 1);
    const l = draw(4000, (s) => sampleParams({ v: loguniform(1e-3, 1e3) }, s).v as number).sort((a, b) => a - b);
    expect(l[0]).toBeGreaterThanOrEqual(1e-3);
    expect(l[l.length - 1]).toBeLessThanOrEqual(1e3);
    const median = l[2000];
    expect(Math.log10(median)).toBeGreaterThan(-0.3);
    expect(Math.log10(median)).toBeLessThan(0.3);
    const below1e1 = l.filter((x) => x < 1e-1).length / l.length; // a third of the log range
    expect(below1e1).toBeGreaterThan(0.28);
    expect(below1e1).toBeLessThan(0.39);
    const r = draw(3000, (s) => sampleParams({ v: randint(3, 9) }, s).v as number);
    expect([...new Set(r)].sort()).toEqual([3, 4, 5, 6, 7, 8]);
    for (let k = 3; k < 9; k++) expect(r.filter((x) => x === k).length).toBeGreaterThan(400);
  });

  it('quantized domains stay on the q-grid inside [low, high]', () => {
    const q = draw(2000, (s) => sampleParams({ v: quniform(50, 400, 50) }, s).v as number);
    expect([...new Set(q)].sort((a, b) => a - b)).toEqual([50, 100, 150, 200, 250, 300, 350, 400]);
    const f = draw(500, (s) => sampleParams({ v: quniform(0, 1, 0.1) }, s).v as number);
    for (const x of f) expect(String(x).length).toBeLessThanOrEqual(3);
    const ql = draw(2000, (s) => sampleParams({ v: qloguniform(8, 128, 1) }, s).v as number);
    for (const x of ql) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(8);
      expect(x).toBeLessThanOrEqual(128);
    }
    expect(ql.filter((x) => x < 32).length / ql.length).toBeGreaterThan(0.4); // log scale: half below the geometric mean
  });

  it('choice is uniform and const is constant', () => {
    const c = draw(3000, (s) => ['a', 'b', 'c'].indexOf(sampleParams({ v: choice(['a', 'b', 'c']) }, s).v as string));
    for (let k = 0; k < 3; k++) expect(c.filter((x) => x === k).length).toBeGreaterThan(900);
    expect(sampleParams({ v: constant([1, 2]) }, 3).v).toEqual([1, 2]);
  });

  it('rejects cyclic conditions', () => {
    expect(() => sampleParams({ a: when(uniform(0, 1), { b: [1] }), b: when(choice([1]), { a: [1] }) }, 1)).toThrow(/cycle/);
  });
});

describe('default space from the estimators paramSpec search entries', () => {
  const def = defaultSpace(realFamilies);

  it('covers logistic, gbm and mlp with the declared ranges', () => {
    expect(Object.keys(def.families).sort()).toEqual(['gbm', 'logistic', 'mlp']);
    expect(def.families.gbm!.learning_rate).toMatchObject({ type: 'loguniform', low: gbmParamSpec.learning_rate.search!.low });
    expect(def.families.gbm!.max_depth).toEqual({ type: 'randint', low: 2, high: 11 });
    expect(def.families.mlp!.hidden_layers.type).toBe('choice');
    for (const kind of ['gbm', 'logistic', 'mlp'] as const) {
      for (const [name, d] of Object.entries(def.families[kind]!)) {
        expect((specs[kind] as Record<string, { search?: unknown }>)[name].search, `${kind}.${name}`).toBeDefined();
        expect(d.type).toBeDefined();
      }
    }
  });

  it('samples configs that the real param specs accept', async () => {
    const { resolveParams } = await import('../../../src/core/params.js');
    const models = new Set<string>();
    let withLeaves = 0;
    for (let i = 0; i < 60; i++) {
      const c = sampleConfig(def, deriveSeed(3, i));
      models.add(c.model);
      expect(() => resolveParams(c.model, specs[c.model], c.params)).not.toThrow();
      if (c.model === 'gbm' && 'num_leaves' in c.params) {
        withLeaves++;
        expect(c.params.grow_policy).toBe('lossguide');
      }
    }
    // every family was drawn, and the conditional num_leaves check above ran
    expect([...models].sort()).toEqual(['gbm', 'logistic', 'mlp']);
    expect(withLeaves).toBeGreaterThan(0);
  });
});
