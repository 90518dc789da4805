/**
 * Property: for random histories (ties, undated e-mails, missing domains, mixed case), every
 * sender-domain feature equals a brute-force recomputation over training e-mails strictly before
 * the record's timestamp — and is unchanged when any later e-mail's label is flipped.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { buildSenderHistory } from '../../../src/features/sender-history.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { DAY, record, T0 } from '../../unit/features/records.js';

function randomHistory(rng: Rng, n: number): { recs: EmailRecord[]; y: number[] } {
  const domains = ['a.com', 'B.com', 'b.com', 'c.org', null];
  const recs: EmailRecord[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = rng.choice(domains);
    const t = rng.next() < 0.1 ? null : T0 + rng.int(0, 20) * DAY; // many ties
    recs.push(record({ email_id: `r${i}`, sender_domain: d, event_timestamp: t }));
    y.push(rng.next() < 0.4 ? 1 : 0);
  }
  return { recs, y };
}

function bruteForce(recs: EmailRecord[], y: number[], q: EmailRecord, a: number): number[] {
  const t = q.event_timestamp;
  if (t === null) return [0.5, 0, -1, -1];
  const before = recs.map((r, i) => ({ r, y: y[i] })).filter((e) => e.r.event_timestamp !== null && e.r.event_timestamp < t);
  const prior = (before.reduce((s, e) => s + e.y, 0) + 1) / (before.length + 2);
  const dom = q.sender_domain?.toLowerCase() ?? null;
  const same = dom === null ? [] : before.filter((e) => e.r.sender_domain?.toLowerCase() === dom);
  if (same.length === 0) return [prior, 0, -1, -1];
  const spam = same.reduce((s, e) => s + e.y, 0);
  const ts = same.map((e) => e.r.event_timestamp as number);
  return [(spam + a * prior) / (same.length + a), same.length, (t - Math.min(...ts)) / DAY, (t - Math.max(...ts)) / DAY];
}

describe('sender_domain_features point-in-time (property)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i: equals brute force; later labels never leak', (seed) => {
    const rng = new Rng(seed);
    const { recs, y } = randomHistory(rng, 80);
    const h = buildSenderHistory(recs, y, 2);
    const out = new Float64Array(4);
    const queries = [...recs, ...randomHistory(rng, 20).recs];
    for (const q of queries) {
      h.compute(q, out, 0);
      const ref = bruteForce(recs, y, q, 2);
      for (let k = 0; k < 4; k++) expect(Math.abs(out[k] - ref[k])).toBeLessThan(1e-12);
    }
    // flip the labels of every e-mail at or after a cut time: features before the cut are unchanged
    const cut = T0 + 10 * DAY;
    const flipped = y.map((v, i) => (recs[i].event_timestamp === null || (recs[i].event_timestamp as number) >= cut ? 1 - v : v));
    const h2 = buildSenderHistory(recs, flipped, 2);
    const out2 = new Float64Array(4);
    for (const q of queries) {
      if (q.event_timestamp === null || q.event_timestamp > cut) continue;
      h.compute(q, out, 0);
      h2.compute(q, out2, 0);
      expect(Array.from(out2)).toEqual(Array.from(out));
    }
  });
});
