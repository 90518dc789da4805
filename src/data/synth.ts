/**
 * Seeded synthetic e-mails for scale tests (issue 8). A `SynthModel` is learned from real
 * processed records, per class: the body and subject vocabularies (unigram frequencies) with a
 * first-order successor table for the body (so text reads like the corpus's, punctuation and case
 * included), empirical distributions of lengths, recipients, attachments, links and images, the
 * HTML / multipart / Reply-To rates, sender domains, timestamps and header sizes.
 * `generateEmails` then draws EmailRecords from it. Pure (layer 1): rows of batch b depend only on
 * (seed, b), so a file generated in batches is the same whatever process writes it.
 */
import { rngFor, type Rng } from '../core/random.js';
import { MAX_YEAR, MIN_YEAR } from './date.js';
import { domainOf } from './mime.js';
import type { EmailRecord } from './schema.js';

/** A weighted choice table: items with cumulative weights. */
export interface Weighted<T> {
  items: T[];
  /** Cumulative weights (a Float64Array keeps the sampler's loads monomorphic). */
  cum: Float64Array;
}

export interface SynthClassModel {
  rows: number;
  body: Weighted<string>;
  /** successors[i]: weighted next-token ids after body.items[i] (empty when none were seen). */
  successors: Array<Weighted<number>>;
  subject: Weighted<string>;
  /** Empirical samples (drawn uniformly). */
  bodyWords: number[];
  subjectWords: number[];
  recipients: number[];
  attachments: number[];
  urlsInText: number[];
  linksInHtml: number[];
  imagesInHtml: number[];
  headerBytes: number[];
  timestamps: number[];
  domains: Weighted<string>;
  pNullTimestamp: number;
  pNullSender: number;
  pHtml: number;
  pMultipartHtml: number;
  pMultipartText: number;
  pReplyTo: number;
  pReplyToOtherDomain: number;
  /** Share of e-mails whose domain occurs once: drawn as brand-new domains. */
  pNewDomain: number;
}

export interface SynthModel {
  version: 1;
  spamRatio: number;
  classes: [SynthClassModel, SynthClassModel];
}

export interface FitOptions {
  vocabSize?: number;
  successors?: number;
  /** Cap on stored empirical samples per distribution. */
  maxSamples?: number;
  /** Cap on body length in words (keeps huge outliers from dominating file size). */
  maxBodyWords?: number;
}

const URL = /https?:\/\/[^\s<>"']+/g;

/** Learns the generator's distributions from processed records (both classes needed). */
export function fitSynthModel(records: readonly EmailRecord[], options: FitOptions = {}): SynthModel {
  const spam = records.filter((r) => r.label === 1);
  const ham = records.filter((r) => r.label === 0);
  if (spam.length === 0 || ham.length === 0) throw new RangeError('fitSynthModel: needs spam and ham records');
  return {
    version: 1,
    spamRatio: spam.length / records.length,
    classes: [fitClass(ham, options), fitClass(spam, options)],
  };
}

function fitClass(rows: readonly EmailRecord[], o: FitOptions): SynthClassModel {
  const vocabSize = o.vocabSize ?? 6000;
  const maxSucc = o.successors ?? 12;
  const maxSamples = o.maxSamples ?? 5000;
  const maxWords = o.maxBodyWords ?? 3000;
  const bodyCount = new Map<string, number>();
  const subjCount = new Map<string, number>();
  const domainCount = new Map<string, number>();
  const tokenised: string[][] = [];
  const s = {
    bodyWords: [] as number[], subjectWords: [] as number[], recipients: [] as number[], attachments: [] as number[],
    urlsInText: [] as number[], linksInHtml: [] as number[], imagesInHtml: [] as number[], headerBytes: [] as number[],
    timestamps: [] as number[],
  };
  let nullTs = 0, nullSender = 0, html = 0, mpHtml = 0, mpText = 0, reply = 0, replyOther = 0;
  for (const r of rows) {
    const toks = r.body_text.split(/\s+/).filter((t) => t.length > 0 && t.length < 40 && !t.startsWith('http'));
    tokenised.push(toks);
    for (const t of toks) bodyCount.set(t, (bodyCount.get(t) ?? 0) + 1);
    const st = r.subject.split(/\s+/).filter((t) => t.length > 0);
    for (const t of st) subjCount.set(t, (subjCount.get(t) ?? 0) + 1);
    s.bodyWords.push(Math.min(maxWords, toks.length));
    s.subjectWords.push(st.length);
    s.recipients.push(r.num_recipients);
    s.attachments.push(r.num_attachments);
    s.urlsInText.push((r.body_text.match(URL) ?? []).length);
    const textBytes = r.body_text.length + (r.body_html?.length ?? 0) + r.subject.length;
    s.headerBytes.push(Math.max(200, r.size_bytes - textBytes));
    if (r.event_timestamp === null) nullTs++;
    else s.timestamps.push(r.event_timestamp);
    if (r.sender_domain === null) nullSender++;
    else domainCount.set(r.sender_domain, (domainCount.get(r.sender_domain) ?? 0) + 1);
    if (r.body_html !== null) {
      html++;
      if (r.is_multipart) mpHtml++;
      s.linksInHtml.push((r.body_html.match(/<a\s/gi) ?? []).length);
      s.imagesInHtml.push((r.body_html.match(/<img\s/gi) ?? []).length);
    } else if (r.is_multipart) mpText++;
    if (r.reply_to !== null) {
      reply++;
      if (domainOf(r.reply_to) !== r.sender_domain) replyOther++;
    }
  }
  const body = topWeighted(bodyCount, vocabSize);
  const index = new Map(body.items.map((w, i) => [w, i]));
  const pairs: Array<Map<number, number>> = body.items.map(() => new Map());
  for (const toks of tokenised) {
    for (let i = 0; i + 1 < toks.length; i++) {
      const a = index.get(toks[i]);
      const b = index.get(toks[i + 1]);
      if (a !== undefined && b !== undefined) pairs[a].set(b, (pairs[a].get(b) ?? 0) + 1);
    }
  }
  const successors = pairs.map((m) => topWeighted(m, maxSucc));
  let singletons = 0;
  for (const c of domainCount.values()) if (c === 1) singletons++;
  const n = rows.length;
  const withHtml = Math.max(1, html);
  const ordered = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, subsample(v, maxSamples)])) as typeof s;
  return {
    rows: n,
    body,
    successors,
    subject: topWeighted(subjCount, 3000),
    ...ordered,
    timestamps: ordered.timestamps.sort((a, b) => a - b),
    domains: topWeighted(new Map([...domainCount].filter(([, c]) => c > 1)), 5000),
    pNullTimestamp: nullTs / n,
    pNullSender: nullSender / n,
    pHtml: html / n,
    pMultipartHtml: mpHtml / withHtml,
    pMultipartText: mpText / Math.max(1, n - html),
    pReplyTo: reply / n,
    pReplyToOtherDomain: reply ? replyOther / reply : 0,
    pNewDomain: singletons / Math.max(1, n - nullSender),
  };
}

/** The `k` heaviest entries, ties broken by key order (deterministic). */
function topWeighted<K extends string | number>(counts: Map<K, number>, k: number): Weighted<K> {
  const entries = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, k);
  let acc = 0;
  return { items: entries.map(([key]) => key), cum: Float64Array.from(entries, ([, c]) => (acc += c)) };
}

/** Every ⌈n/max⌉-th value, deterministic. */
function subsample(v: number[], max: number): number[] {
  if (v.length <= max) return v.slice();
  const step = v.length / max;
  return Array.from({ length: max }, (_, i) => v[Math.floor(i * step)]);
}

function pick<T>(w: Weighted<T>, rng: Rng): T {
  return w.items[pickIndex(w, rng)];
}

function sample(v: number[], rng: Rng, dflt = 0): number {
  return v.length === 0 ? dflt : v[rng.int(0, v.length - 1)];
}

function slug(word: string): string {
  return word.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, 12) || 'x';
}

function bodyText(m: SynthClassModel, rng: Rng, words: number, urls: number, domain: string): string {
  let out = '';
  let prev = -1;
  let lineLen = 0;
  // URL positions, sorted, so the loop checks one index at a time.
  const urlAt: number[] = [];
  for (let u = 0; u < urls; u++) urlAt.push(rng.int(0, Math.max(0, words - 1)));
  urlAt.sort((a, b) => a - b);
  let nextUrl = 0;
  for (let i = 0; i < words; i++) {
    let word: string;
    if (nextUrl < urlAt.length && urlAt[nextUrl] === i) {
      while (nextUrl < urlAt.length && urlAt[nextUrl] === i) nextUrl++;
      word = `http://www.${domain}/${slug(pick(m.body, rng))}`;
      prev = -1;
    } else {
      const succ = prev >= 0 ? m.successors[prev] : undefined;
      const id = succ !== undefined && succ.items.length > 0 && rng.next() < 0.75 ? succ.items[pickIndex(succ, rng)] : pickIndex(m.body, rng);
      word = m.body.items[id];
      prev = id;
    }
    out += word;
    lineLen += word.length + 1;
    if (lineLen > 64) {
      out += rng.next() < 0.12 ? '\n\n' : '\n';
      lineLen = 0;
    } else if (i + 1 < words) out += ' ';
  }
  return out.trim();
}

/** Index drawn with probability proportional to its weight (binary search on the cumulative weights). */
function pickIndex<T>(w: Weighted<T>, rng: Rng): number {
  const x = rng.next() * w.cum[w.cum.length - 1];
  let lo = 0;
  let hi = w.cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (w.cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const HTML_HEAD = ['<html><body>', '<html><head><title>{t}</title></head><body bgcolor="#FFFFFF">', '<HTML><BODY><CENTER>'];

function bodyHtml(m: SynthClassModel, rng: Rng, text: string, subject: string, domain: string): string {
  const links = sample(m.linksInHtml, rng);
  const images = sample(m.imagesInHtml, rng);
  const paras = text.split(/\n\n/);
  const parts: string[] = [rng.choice(HTML_HEAD).replace('{t}', subject)];
  for (const p of paras) {
    const tag = rng.next() < 0.3 ? `<p><font face="Arial" size="${rng.int(1, 4)}">` : '<p>';
    parts.push(tag, p.replace(/\n/g, '<br>\n'), tag.length > 3 ? '</font></p>\n' : '</p>\n');
  }
  for (let k = 0; k < images; k++) parts.push(`<img src="http://www.${domain}/images/${slug(pick(m.body, rng))}${k}.gif" border="0">\n`);
  for (let k = 0; k < links; k++) {
    const w = pick(m.body, rng);
    parts.push(`<a href="http://www.${domain}/${slug(w)}">${w}</a>\n`);
  }
  parts.push('</body></html>');
  return parts.join('');
}

/** The event timestamps the table loader accepts: [1970-01-01, 2100-01-01) UTC. */
const MIN_TIMESTAMP_MS = Date.UTC(MIN_YEAR, 0, 1);
const MAX_TIMESTAMP_MS = Date.UTC(MAX_YEAR, 0, 1);

/**
 * Generates `count` e-mails of batch `batch` (ids `synth/<start + i>`, zero-padded to 9 digits).
 * Labels follow `spamRatio` (model's by default).
 */
export function generateEmails(
  model: SynthModel,
  seed: number,
  batch: number,
  start: number,
  count: number,
  spamRatio = model.spamRatio,
): EmailRecord[] {
  const rng = rngFor(seed, 'synth', batch);
  const out: EmailRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const label: 0 | 1 = rng.next() < spamRatio ? 1 : 0;
    const m = model.classes[label];
    const nullSender = rng.next() < m.pNullSender;
    const domain = nullSender
      ? null
      : rng.next() < m.pNewDomain || m.domains.items.length === 0
        ? `${slug(pick(m.body, rng))}${rng.int(1, 9999)}.${rng.choice(['com', 'net', 'org', 'biz', 'info'])}`
        : pick(m.domains, rng);
    const sender = domain === null ? null : `${slug(pick(m.body, rng))}${rng.next() < 0.4 ? rng.int(1, 999) : ''}@${domain}`;
    const subjWords = sample(m.subjectWords, rng, 4);
    const subject = Array.from({ length: subjWords }, () => pick(m.subject, rng)).join(' ');
    const linkDomain = domain ?? 'example.com';
    const text = bodyText(m, rng, Math.max(1, sample(m.bodyWords, rng, 50)), sample(m.urlsInText, rng), linkDomain);
    const hasHtml = rng.next() < m.pHtml;
    const html = hasHtml ? bodyHtml(m, rng, text, subject, linkDomain) : null;
    const isMultipart = rng.next() < (hasHtml ? m.pMultipartHtml : m.pMultipartText);
    let replyTo: string | null = null;
    if (rng.next() < m.pReplyTo) {
      const other = rng.next() < m.pReplyToOtherDomain;
      replyTo = `${slug(pick(m.body, rng))}@${other || domain === null ? `${slug(pick(m.body, rng))}.com` : domain}`;
    }
    let ts: number | null = null;
    if (rng.next() >= m.pNullTimestamp && m.timestamps.length > 0) {
      // the jitter must not leave the years the loader accepts (sources at the epoch, or in 2099)
      ts = Math.min(MAX_TIMESTAMP_MS - 1, Math.max(MIN_TIMESTAMP_MS, sample(m.timestamps, rng) + rng.int(-3 * 86_400, 3 * 86_400) * 1000));
    }
    const size = sample(m.headerBytes, rng, 800) + text.length + (html?.length ?? 0) + subject.length;
    out[i] = {
      email_id: `synth/${String(start + i).padStart(9, '0')}`,
      label,
      sender,
      sender_domain: domain,
      reply_to: replyTo,
      num_recipients: sample(m.recipients, rng, 1),
      subject,
      body_text: text,
      body_html: html,
      has_html: hasHtml,
      is_multipart: isMultipart,
      num_attachments: sample(m.attachments, rng),
      event_timestamp: ts,
      size_bytes: size,
      source_group: label ? 'synth-spam' : 'synth-ham',
    };
  }
  return out;
}
