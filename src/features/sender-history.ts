/**
 * Sender-domain reputation with point-in-time semantics. The history holds, per sender domain, the
 * training e-mails' timestamps in ascending order with the cumulative spam count, so "what was known
 * strictly before time t" is one binary search.
 *
 * - Only training e-mails with a domain and a timestamp enter the history; their labels are the
 *   only labels ever read.
 * - A record sees the history strictly before its own `event_timestamp`: a training e-mail never
 *   sees its own label, nor any e-mail sent at the same time or later.
 * - A record without a timestamp or without a domain sees no domain history (the prior), because
 *   nothing can be proven to precede it.
 * - The prior is point-in-time as well: the Laplace-smoothed spam rate of all dated training e-mails
 *   strictly before t, p_t = (spam_<t + 1) / (n_<t + 2); 0.5 when nothing precedes t. So no label of
 *   a later (or undated) e-mail reaches any feature, not even through a global constant.
 */
import { invalidData, TrainSpamError } from '../core/errors.js';
import { stripDomainTail } from '../data/mime.js';
import type { EmailRecord } from '../data/schema.js';
import { VIEW_NAMES, type DenseFeatureView } from './view.js';

const DAY_MS = 86_400_000;

export interface SenderHistoryArrays {
  /** Sorted (code-point order) distinct domains. */
  readonly domains: readonly string[];
  /** Length domains + 1: domain d's e-mails are at [start[d], start[d+1]). */
  readonly start: Int32Array;
  /** Event timestamps (ms), ascending within each domain. */
  readonly timestamps: Float64Array;
  /** Spam count over the domain's e-mails up to and including this position. */
  readonly cumSpam: Int32Array;
  /** All dated training e-mails' timestamps, ascending (for the point-in-time prior). */
  readonly allTimestamps: Float64Array;
  /** Spam count over allTimestamps up to and including this position. */
  readonly allCumSpam: Int32Array;
  /** Weight of the prior in e-mails (spam_ratio = (spam + a·prior) / (count + a)). */
  readonly pseudoCount: number;
}

export const SENDER_FEATURES = Object.freeze(['spam_ratio', 'email_count', 'days_since_first_seen', 'days_since_last_seen']);

export class SenderHistory implements DenseFeatureView {
  readonly name = VIEW_NAMES.sender;
  readonly features = SENDER_FEATURES;
  readonly arrays: SenderHistoryArrays;
  private readonly index: Map<string, number>;

  constructor(arrays: SenderHistoryArrays) {
    validate(arrays);
    this.arrays = arrays;
    this.index = new Map(arrays.domains.map((d, i) => [d, i]));
  }

  /** Training e-mails (count, spam) from `domain` strictly before `t`, plus first/last time seen. */
  lookup(domain: string | null, t: number | null): { count: number; spam: number; first: number; last: number } {
    const none = { count: 0, spam: 0, first: NaN, last: NaN };
    // typeof: an absent (undefined) domain is no domain, as null is
    if (typeof domain !== 'string' || t === null || !Number.isFinite(t)) return none;
    const d = this.index.get(normaliseDomain(domain));
    if (d === undefined) return none;
    const { start, timestamps, cumSpam } = this.arrays;
    const lo0 = start[d];
    const lo = lowerBound(timestamps, lo0, start[d + 1], t);
    const count = lo - lo0;
    if (count === 0) return none;
    return { count, spam: cumSpam[lo - 1], first: timestamps[lo0], last: timestamps[lo - 1] };
  }

  /** Laplace-smoothed spam rate of all dated training e-mails strictly before t (0.5 with none / t null). */
  priorAt(t: number | null): number {
    if (t === null || !Number.isFinite(t)) return 0.5;
    const { allTimestamps, allCumSpam } = this.arrays;
    const n = lowerBound(allTimestamps, 0, allTimestamps.length, t);
    return ((n > 0 ? allCumSpam[n - 1] : 0) + 1) / (n + 2);
  }

  compute(r: EmailRecord, out: Float64Array, o: number): void {
    const h = this.lookup(r.sender_domain, r.event_timestamp);
    const prior = this.priorAt(r.event_timestamp);
    const { pseudoCount } = this.arrays;
    out[o] = (h.spam + pseudoCount * prior) / (h.count + pseudoCount);
    out[o + 1] = h.count;
    const t = r.event_timestamp as number;
    out[o + 2] = h.count > 0 ? (t - h.first) / DAY_MS : -1;
    out[o + 3] = h.count > 0 ? (t - h.last) / DAY_MS : -1;
  }
}

/** First index in a[lo..hi) whose value is ≥ t (a ascending): the number of entries strictly before t, offset by lo. */
function lowerBound(a: Float64Array, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The key of a domain in the history: trimmed, lower-cased and stripped as domainOf strips it, so
 * that a table's own sender_domain column ('Example.COM.') and the domain the scorer takes from a
 * raw e-mail's From ('x@example.com.') find the same entry.
 */
export function normaliseDomain(d: string): string {
  return stripDomainTail(d.trim().toLowerCase());
}

/** Builds the history from training records and their labels (never from any other labels). */
export function buildSenderHistory(
  records: ReadonlyArray<Pick<EmailRecord, 'sender_domain' | 'event_timestamp'>>,
  labels: ArrayLike<number>,
  pseudoCount: number,
): SenderHistory {
  if (records.length !== labels.length) throw invalidData(`sender history: ${records.length} records but ${labels.length} labels`);
  if (records.length === 0) throw invalidData('sender history: no training records');
  const all: { t: number; y: number }[] = [];
  const byDomain = new Map<string, { t: number; y: number }[]>();
  for (let i = 0; i < records.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw invalidData(`sender history: label of training row ${i} is ${y}; expected 0 or 1`, { row: i });
    const r = records[i];
    const t = r.event_timestamp;
    if (t === null || !Number.isFinite(t)) continue;
    all.push({ t, y });
    const d = typeof r.sender_domain === 'string' ? normaliseDomain(r.sender_domain) : '';
    if (d === '') continue;
    let list = byDomain.get(d);
    if (!list) byDomain.set(d, (list = []));
    list.push({ t, y });
  }
  const domains = [...byDomain.keys()].sort(compareStrings);
  let total = 0;
  for (const d of domains) total += (byDomain.get(d) as unknown[]).length;
  const start = new Int32Array(domains.length + 1);
  const timestamps = new Float64Array(total);
  const cumSpam = new Int32Array(total);
  let pos = 0;
  domains.forEach((d, k) => {
    const list = (byDomain.get(d) as { t: number; y: number }[]).sort((a, b) => a.t - b.t);
    let acc = 0;
    for (const e of list) {
      acc += e.y;
      timestamps[pos] = e.t;
      cumSpam[pos] = acc;
      pos++;
    }
    start[k + 1] = pos;
  });
  all.sort((a, b) => a.t - b.t);
  const allTimestamps = new Float64Array(all.length);
  const allCumSpam = new Int32Array(all.length);
  let acc = 0;
  all.forEach((e, k) => {
    acc += e.y;
    allTimestamps[k] = e.t;
    allCumSpam[k] = acc;
  });
  return new SenderHistory({ domains, start, timestamps, cumSpam, allTimestamps, allCumSpam, pseudoCount });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function validate(a: SenderHistoryArrays): void {
  const bad = (msg: string) => new TrainSpamError('FORMAT_ERROR', `sender history: ${msg}`);
  if (!(a.start instanceof Int32Array) || !(a.timestamps instanceof Float64Array) || !(a.cumSpam instanceof Int32Array)
    || !(a.allTimestamps instanceof Float64Array) || !(a.allCumSpam instanceof Int32Array)) {
    throw bad('arrays must be Int32Array start, Float64Array timestamps, Int32Array cumSpam, Float64Array allTimestamps, Int32Array allCumSpam');
  }
  checkCumulative(a.allTimestamps, a.allCumSpam, 0, a.allTimestamps.length, 'all e-mails', bad);
  if (!(Number.isFinite(a.pseudoCount) && a.pseudoCount > 0)) throw bad(`pseudoCount ${a.pseudoCount} must be > 0`);
  const n = a.timestamps.length;
  if (a.cumSpam.length !== n) throw bad(`cumSpam has ${a.cumSpam.length} entries, timestamps ${n}`);
  if (a.start.length !== a.domains.length + 1 || a.start[0] !== 0 || a.start[a.domains.length] !== n) {
    throw bad(`start must have domains + 1 = ${a.domains.length + 1} entries from 0 to ${n}`);
  }
  const seen = new Set<string>();
  for (let d = 0; d < a.domains.length; d++) {
    const name = a.domains[d];
    if (typeof name !== 'string' || seen.has(name)) throw bad(`domain ${d} is not a distinct string`);
    // lookups normalise the e-mail's domain, so a stored key in another form would never match
    if (name === '' || normaliseDomain(name) !== name) throw bad(`domain ${d} '${name}' is not normalised (expected '${normaliseDomain(name)}', non-empty)`);
    seen.add(name);
    const lo = a.start[d];
    const hi = a.start[d + 1];
    if (hi <= lo) throw bad(`domain '${name}' has no e-mails`);
    checkCumulative(a.timestamps, a.cumSpam, lo, hi, `domain '${name}'`, bad);
  }
}

function checkCumulative(ts: Float64Array, cum: Int32Array, lo: number, hi: number, what: string, bad: (m: string) => Error): void {
  if (cum.length !== ts.length) throw bad(`${what}: ${cum.length} cumulative counts for ${ts.length} timestamps`);
  for (let k = lo; k < hi; k++) {
    if (!Number.isFinite(ts[k])) throw bad(`${what}: timestamp ${k} is not finite`);
    const prevT = k > lo ? ts[k - 1] : -Infinity;
    const step = cum[k] - (k > lo ? cum[k - 1] : 0);
    if (ts[k] < prevT || (step !== 0 && step !== 1)) throw bad(`${what}: history is not sorted / cumulative at ${k}`);
  }
}
