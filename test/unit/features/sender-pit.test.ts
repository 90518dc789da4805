/** Point-in-time correctness of sender_domain_features: no later e-mail, no test label, ever leaks. */
import { describe, expect, it } from 'vitest';
import { fitFeaturePipeline } from '../../../src/features/pipeline.js';
import { buildSenderHistory } from '../../../src/features/sender-history.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { domainOf } from '../../../src/data/mime.js';
import { DAY, record, T0 } from './records.js';

const names = ['spam_ratio', 'email_count', 'days_since_first_seen', 'days_since_last_seen'];

function senderValues(records: EmailRecord[], labels: number[], query: EmailRecord[], pseudo = 2): Record<string, number>[] {
  const h = buildSenderHistory(records, labels, pseudo);
  return query.map((q) => {
    const out = new Float64Array(4);
    h.compute(q, out, 0);
    return Object.fromEntries(names.map((n, i) => [n, out[i]]));
  });
}

const mk = (id: string, domain: string | null, t: number | null, label: 0 | 1) =>
  record({ email_id: id, sender_domain: domain, sender: domain ? `x@${domain}` : null, event_timestamp: t, label });

describe('sender_domain_features point-in-time', () => {
  const train = [
    mk('a', 'd.com', T0, 0),
    mk('b', 'd.com', T0 + DAY, 1),
    mk('c', 'd.com', T0 + 2 * DAY, 1),
    mk('d', 'other.org', T0, 0),
  ];
  const y = train.map((r) => r.label);
  /** Point-in-time prior: Laplace-smoothed spam rate of dated training e-mails strictly before t. */
  const priorAt = (spamBefore: number, nBefore: number) => (spamBefore + 1) / (nBefore + 2);

  it('each training e-mail sees only e-mails strictly before it (never its own label)', () => {
    const v = senderValues(train, y, train);
    expect(v[0]).toEqual({ spam_ratio: priorAt(0, 0), email_count: 0, days_since_first_seen: -1, days_since_last_seen: -1 });
    expect(v[3]).toEqual(v[0]); // other.org at T0: nothing strictly before
    expect(v[1].email_count).toBe(1);
    // before T0+1d: a (ham) and d (ham) → prior 1/4; d.com history: 1 ham
    expect(v[1].spam_ratio).toBeCloseTo((0 + 2 * priorAt(0, 2)) / (1 + 2), 12);
    expect(v[1].days_since_first_seen).toBe(1);
    expect(v[2].email_count).toBe(2);
    expect(v[2].spam_ratio).toBeCloseTo((1 + 2 * priorAt(1, 3)) / (2 + 2), 12);
    expect(v[2].days_since_first_seen).toBe(2);
    expect(v[2].days_since_last_seen).toBe(1);
  });

  it("a later e-mail's label never changes an earlier e-mail's features", () => {
    const before = senderValues(train, y, train);
    const flipped = y.slice();
    flipped[2] = 0; // change the LAST d.com e-mail's label
    const after = senderValues(train, flipped, train);
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]); // b is before c: nothing about c reaches b, not even via the prior
    expect(after[3]).toEqual(before[3]);
    // adding a later e-mail also changes nothing for earlier ones
    const more = [...train, mk('e', 'd.com', T0 + 10 * DAY, 1)];
    const withLater = senderValues(more, [...y, 1], train);
    expect(withLater[1].email_count).toBe(before[1].email_count);
    expect(withLater[2].email_count).toBe(before[2].email_count);
  });

  it('e-mails at the same instant do not see each other', () => {
    const same = [mk('p', 'z.com', T0, 1), mk('q', 'z.com', T0, 1)];
    const v = senderValues(same, [1, 1], same);
    expect(v[0].email_count).toBe(0);
    expect(v[1].email_count).toBe(0);
  });

  it('unseen domains, null domains and null timestamps get the smoothed prior', () => {
    const q = [mk('u', 'new.net', T0 + 5 * DAY, 0), mk('v', null, T0 + 5 * DAY, 0), mk('w', 'd.com', null, 0)];
    const [u, v, w] = senderValues(train, y, q);
    const empty = { email_count: 0, days_since_first_seen: -1, days_since_last_seen: -1 };
    expect(u).toEqual({ spam_ratio: priorAt(2, 4), ...empty });
    expect(v).toEqual({ spam_ratio: priorAt(2, 4), ...empty });
    expect(w).toEqual({ spam_ratio: 0.5, ...empty }); // undated: nothing provably before it
  });

  it('undated training e-mails never enter the history', () => {
    const t2 = [...train, mk('n', 'd.com', null, 1)];
    const v = senderValues(t2, t2.map((r) => r.label), [mk('q', 'd.com', T0 + 9 * DAY, 0)]);
    expect(v[0].email_count).toBe(3);
  });

  it('domain matching is case-insensitive', () => {
    const v = senderValues(train, y, [mk('q', 'D.COM', T0 + 9 * DAY, 0)]);
    expect(v[0].email_count).toBe(3);
  });

  it("a table's own sender_domain column and the domain the scorer takes from a raw From header find the same entry", () => {
    // a processed table may carry 'Example.COM.'; a raw e-mail's From gives domainOf('x@example.com.>') = 'example.com'
    const table = [mk('a', 'Example.COM.', T0, 1), mk('b', ' example.com> ', T0 + DAY, 1), mk('c', '.', T0, 0)];
    const served = domainOf('x@example.com.>');
    expect(served).toBe('example.com');
    const v = senderValues(table, table.map((r) => r.label), [mk('q', served, T0 + 9 * DAY, 0)]);
    expect(v[0].email_count).toBe(2);
    // a domain that is nothing but what gets stripped is no domain
    expect(buildSenderHistory(table, table.map((r) => r.label), 2).arrays.domains).toEqual(['example.com']);
  });

  it('test labels are never used: transform output is independent of the label field', () => {
    const pipe = fitFeaturePipeline(
      [...train.map((r, i) => ({ ...r, body_text: `word${i} common text here` }))],
    );
    const test = [mk('t1', 'd.com', T0 + 3 * DAY, 0), mk('t2', 'other.org', T0 + 3 * DAY, 0)].map((r) => ({ ...r, body_text: 'common text' }));
    const a = pipe.transform(test);
    const b = pipe.transform(test.map((r) => ({ ...r, label: 1 as const })));
    expect(Array.from(a.dense.data)).toEqual(Array.from(b.dense.data));
    expect(Array.from(a.sparse.data)).toEqual(Array.from(b.sparse.data));
  });

  it('explicit training labels override the records’ label field', () => {
    const pipe = fitFeaturePipeline(train.map((r) => ({ ...r, body_text: 'some words here' })), [1, 1, 1, 1]);
    expect(pipe.sender.priorAt(T0 + 9 * DAY)).toBeCloseTo(5 / 6, 12);
    expect(() => fitFeaturePipeline(train, [1, 0])).toThrow(/4 training records but 2 labels/);
  });
});
