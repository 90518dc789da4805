import { describe, expect, it } from 'vitest';
import { TrainSpamError } from '../../../src/core/errors.js';
import { chunkBatch, LIMITS, prepareBatch, type BatchContext } from '../../../src/tracking/batch.js';

function ctx(longValues: 'truncate' | 'reject' = 'truncate') {
  const warnings: string[] = [];
  const c: BatchContext = { now: () => 42, longValues, logger: { log: (level, msg) => level === 'warn' && warnings.push(msg) } };
  return { c, warnings };
}

describe('prepareBatch', () => {
  it('fixes timestamps once, defaults step 0, stringifies params', () => {
    const { c } = ctx();
    const b = prepareBatch({ params: { lr: 0.1, on: true }, metrics: [{ key: 'a', value: 1 }, { key: 'a', value: 2, step: 3, timestamp: 7 }] }, c);
    expect(b.params).toEqual([{ key: 'lr', value: '0.1' }, { key: 'on', value: 'true' }]);
    expect(b.metrics).toEqual([{ key: 'a', value: 1, timestamp: 42, step: 0 }, { key: 'a', value: 2, timestamp: 7, step: 3 }]);
  });
  it('truncates over-long values with a warning, or rejects them', () => {
    const { c, warnings } = ctx();
    const b = prepareBatch({ params: { p: 'x'.repeat(LIMITS.paramValueLength + 1) }, tags: { t: 'y'.repeat(LIMITS.tagValueLength + 9) } }, c);
    expect(b.params[0].value).toHaveLength(6000);
    expect(b.tags[0].value).toHaveLength(5000);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("param 'p'");
    const r = ctx('reject');
    expect(() => prepareBatch({ params: { p: 'x'.repeat(6001) } }, r.c)).toThrow(TrainSpamError);
    expect(() => prepareBatch({ tags: { t: 'x'.repeat(5000) } }, r.c)).not.toThrow();
  });
  it('rejects non-integer steps and bad keys', () => {
    const { c } = ctx();
    expect(() => prepareBatch({ metrics: [{ key: 'a', value: 1, step: 0.5 }] }, c)).toThrow(/integer/);
    expect(() => prepareBatch({ metrics: [{ key: '../a', value: 1 }] }, c)).toThrow(/\.\./);
    expect(() => prepareBatch({ metrics: [{ key: 'a', value: '1' as unknown as number }] }, c)).toThrow(/number/);
  });
});

describe('chunkBatch', () => {
  it('respects every per-request limit and keeps all items in order', () => {
    const { c } = ctx();
    const params = Object.fromEntries(Array.from({ length: 230 }, (_, i) => [`p${i}`, i]));
    const tags = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`t${i}`, `${i}`]));
    const metrics = Array.from({ length: 3100 }, (_, i) => ({ key: 'm', value: i, step: i }));
    const chunks = chunkBatch(prepareBatch({ params, tags, metrics }, c));
    for (const ch of chunks) {
      expect(ch.params.length).toBeLessThanOrEqual(100);
      expect(ch.tags.length).toBeLessThanOrEqual(100);
      expect(ch.metrics.length).toBeLessThanOrEqual(1000);
      expect(ch.params.length + ch.tags.length + ch.metrics.length).toBeLessThanOrEqual(1000);
    }
    expect(chunks.flatMap((x) => x.params).map((p) => p.key)).toEqual(Object.keys(params));
    expect(chunks.flatMap((x) => x.tags)).toHaveLength(120);
    expect(chunks.flatMap((x) => x.metrics).map((m) => m.value)).toEqual(metrics.map((m) => m.value));
    expect(chunks[0].params).toHaveLength(100); // params go first
    // metrics fill the room the params and tags leave: 1000-200, 1000-120, 1000-30, rest
    expect(chunks.map((x) => x.metrics.length)).toEqual([800, 880, 970, 450]);
  });
  it('returns no request for an empty batch', () => {
    expect(chunkBatch({ params: [], tags: [], metrics: [] })).toEqual([]);
  });
});
