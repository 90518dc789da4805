/** numpy's unstable argsort, reproduced so that sklearn's max_features ties resolve the same way. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { numpyArgsort } from '../../../src/features/numpy-argsort.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(path.resolve(here, '../../fixtures/features/numpy-argsort.json'), 'utf8')) as {
  cases: { values: number[]; argsort: number[] }[];
};

describe('numpyArgsort', () => {
  it.each(fx.cases.map((c, i) => [i, c] as const))('case %i equals numpy 1.24 np.argsort (ties included)', (_i, c) => {
    expect(Array.from(numpyArgsort(Float64Array.from(c.values)))).toEqual(c.argsort);
  });

  it('sorts ascending', () => {
    const v = Float64Array.from({ length: 1000 }, (_, i) => (i * 7919) % 101);
    const a = numpyArgsort(v);
    for (let i = 1; i < a.length; i++) expect(v[a[i - 1]]).toBeLessThanOrEqual(v[a[i]]);
  });
});
