import { describe, expect, it } from 'vitest';
import { matches, parseFilter, parseOrderBy, sortBy, type Field } from '../../../src/tracking/local/search-filter.js';

describe('search filter', () => {
  it('parses dotted, quoted and attribute fields', () => {
    expect(parseFilter("tags.mlflow.parentRunId = 'abc'")).toEqual([{ field: { kind: 'tag', key: 'mlflow.parentRunId' }, op: '=', value: 'abc' }]);
    expect(parseFilter('metrics.`eval/acc` >= 0.5 AND params."model" != "gbm" and attributes.status = \'FINISHED\'')).toEqual([
      { field: { kind: 'metric', key: 'eval/acc' }, op: '>=', value: 0.5 },
      { field: { kind: 'param', key: 'model' }, op: '!=', value: 'gbm' },
      { field: { kind: 'attribute', key: 'status' }, op: '=', value: 'FINISHED' },
    ]);
    expect(parseFilter("name='m'")).toEqual([{ field: { kind: 'attribute', key: 'name' }, op: '=', value: 'm' }]);
    expect(parseFilter('')).toEqual([]);
  });
  it('rejects malformed filters', () => {
    for (const bad of ['metrics.loss <<< 1', "metrics.loss = 'x'", 'tags.a = ', "tags.a = 'x' or tags.b = 'y'", "tags.a = 'open", 'bogus = 1']) {
      expect(() => parseFilter(bad, new Set(['status']))).toThrow(/search/);
    }
  });
  it('evaluates comparisons, LIKE, and missing fields as non-matching', () => {
    const rec: Record<string, string | number> = { 'metric:loss': 0.3, 'param:model': 'logreg', 'tag:name': 'Spam-v2' };
    const get = (f: Field) => rec[`${f.kind}:${f.key}`];
    expect(matches(parseFilter('metrics.loss < 0.5'), get)).toBe(true);
    expect(matches(parseFilter('metrics.loss > 0.5'), get)).toBe(false);
    expect(matches(parseFilter("tags.name LIKE 'Spam%'"), get)).toBe(true);
    expect(matches(parseFilter("tags.name LIKE 'spam%'"), get)).toBe(false);
    expect(matches(parseFilter("tags.name ILIKE 'spam_v_'"), get)).toBe(true);
    expect(matches(parseFilter('metrics.missing < 1'), get)).toBe(false);
  });
  it('orders with missing keys last', () => {
    const items = [{ v: 2 }, { v: undefined }, { v: 1 }];
    const keys = parseOrderBy(['metrics.v DESC']);
    sortBy(items, keys, (x) => x.v, () => 0);
    expect(items.map((x) => x.v)).toEqual([2, 1, undefined]);
  });
});
