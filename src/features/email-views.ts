/**
 * The three stateless views computed from one e-mail record: text statistics, message structure and
 * send time. Definitions (and what a missing value becomes) are documented in docs/features.md.
 */
import { isSpaceCodeUnit } from '../core/whitespace.js';
import type { EmailRecord } from '../data/schema.js';
import { emailText, VIEW_NAMES, type DenseFeatureView } from './view.js';

const HREF_RE = /\bhref\s*=/gi;
const IMG_RE = /<img\b/gi;

/** Number of matches of a global regex (`String.prototype.match` leaves `lastIndex` at 0). */
function countMatches(re: RegExp, s: string): number {
  return s.match(re)?.length ?? 0;
}

/** Character classes of scanText, as bits. */
const SPACE = 1;
const LETTER = 2;
const UPPER = 4;
const DIGIT = 8;
const BANG = 16;
const MONEY = 32;
/** h, H, w, W: where a URL may start. */
const URL_START = 64;

/** The class bits of each ASCII code. */
const ASCII_CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c <= 32; c++) t[c] = SPACE;
  t[33] = BANG;
  t[36] = MONEY;
  for (let c = 48; c <= 57; c++) t[c] = DIGIT;
  for (let c = 65; c <= 90; c++) t[c] = LETTER | UPPER;
  for (let c = 97; c <= 122; c++) t[c] = LETTER;
  for (const c of [72, 87, 104, 119]) t[c] |= URL_START;
  return t;
})();

/** The class bits of a code unit ≥ 128: the Unicode spaces, and €, £, ¥. */
function wideClass(c: number): number {
  if (isSpaceCodeUnit(c)) return SPACE;
  return c === 0x20ac || c === 0xa3 || c === 0xa5 ? MONEY : 0;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Case-insensitive ASCII match of `word` (lower-case) at s[i..]. */
function matchesAt(s: string, i: number, word: string): boolean {
  if (i + word.length > s.length) return false;
  for (let k = 0; k < word.length; k++) if (lower(s.charCodeAt(i + k)) !== word.charCodeAt(k)) return false;
  return true;
}

function isUrlWordChar(c: number): boolean {
  // '/', '.', ASCII letters/digits/underscore: a `www.` preceded by these is part of a longer token or URL
  return c === 47 || c === 46 || c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** 1 when a URL starts at s[i] (c = s[i], one of h, H, w, W), else 0. */
function urlAt(s: string, i: number, c: number): number {
  if (c === 104 || c === 72) return matchesAt(s, i, 'http') && (matchesAt(s, i + 4, '://') || matchesAt(s, i + 4, 's://')) ? 1 : 0;
  return matchesAt(s, i, 'www.') && (i === 0 || !isUrlWordChar(s.charCodeAt(i - 1))) ? 1 : 0;
}

/**
 * One pass over the text; writes [urls, words, nonSpaceChars, upper, letters, digits, exclamations, money].
 * URLs: `http://` or `https://` (any case), or `www.` not preceded by '/', '.', or an ASCII word char.
 * Spaces: ASCII ≤ 32 and the Unicode spaces of wideClass. A word is a run of non-space characters.
 *
 * Each character's class comes from a table and every count is added, 0 or 1, without a branch:
 * with one branch per class the loop ran at ~8 ns per character here (the classes of running text
 * are not predictable); the only branches left are ASCII or not and a possible URL start.
 */
function scanText(s: string, out: Float64Array): void {
  let urls = 0;
  let words = 0;
  let nonSpace = 0;
  let upper = 0;
  let letters = 0;
  let digits = 0;
  let bang = 0;
  let money = 0;
  let inWord = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const f = c < 128 ? ASCII_CLASS[c] : wideClass(c);
    const notSpace = (f & SPACE) ^ 1;
    nonSpace += notSpace;
    words += notSpace & (inWord ^ 1);
    inWord = notSpace;
    letters += (f >> 1) & 1;
    upper += (f >> 2) & 1;
    digits += (f >> 3) & 1;
    bang += (f >> 4) & 1;
    money += (f >> 5) & 1;
    if ((f & URL_START) !== 0) urls += urlAt(s, i, c);
  }
  out[0] = urls;
  out[1] = words;
  out[2] = nonSpace;
  out[3] = upper;
  out[4] = letters;
  out[5] = digits;
  out[6] = bang;
  out[7] = money;
}

export const TEXT_VIEW: DenseFeatureView = Object.freeze({
  name: VIEW_NAMES.text,
  features: Object.freeze([
    'url_count', 'word_count', 'uppercase_ratio', 'exclamation_count',
    'digit_ratio', 'avg_word_length', 'money_symbol_count', 'char_count',
  ]),
  compute(r: EmailRecord, out: Float64Array, o: number, text?: string): void {
    const s = text ?? emailText(r);
    const t = new Float64Array(8);
    scanText(s, t);
    const [urls, words, nonSpace, upper, letters, digits, bang, money] = t;
    out[o] = urls;
    out[o + 1] = words;
    out[o + 2] = letters > 0 ? upper / letters : 0;
    out[o + 3] = bang;
    out[o + 4] = s.length > 0 ? digits / s.length : 0;
    out[o + 5] = words > 0 ? nonSpace / words : 0;
    out[o + 6] = money;
    out[o + 7] = s.length;
  },
});

export const STRUCTURAL_VIEW: DenseFeatureView = Object.freeze({
  name: VIEW_NAMES.structural,
  features: Object.freeze([
    'has_html', 'subject_length', 'num_links_html', 'num_images',
    'has_attachment', 'num_recipients', 'reply_to_differs', 'is_multipart',
  ]),
  compute(r: EmailRecord, out: Float64Array, o: number): void {
    // an absent (undefined) body_html or reply_to is missing, like null
    const html = r.body_html ?? '';
    const replyTo = r.reply_to ?? '';
    out[o] = r.has_html || (r.body_html ?? null) !== null ? 1 : 0;
    out[o + 1] = (r.subject ?? '').length;
    out[o + 2] = html.length > 0 ? countMatches(HREF_RE, html) : 0;
    out[o + 3] = html.length > 0 ? countMatches(IMG_RE, html) : 0;
    out[o + 4] = r.num_attachments > 0 ? 1 : 0;
    out[o + 5] = Number.isFinite(r.num_recipients) && r.num_recipients > 0 ? r.num_recipients : 0;
    out[o + 6] = replyTo !== '' && replyTo !== r.sender ? 1 : 0;
    out[o + 7] = r.is_multipart ? 1 : 0;
  },
});

const DAY_MS = 86_400_000;

export const TEMPORAL_VIEW: DenseFeatureView = Object.freeze({
  name: VIEW_NAMES.temporal,
  features: Object.freeze(['hour_of_day', 'day_of_week', 'is_weekend', 'date_missing']),
  compute(r: EmailRecord, out: Float64Array, o: number): void {
    const t = r.event_timestamp;
    if (t === null || !Number.isFinite(t)) {
      out[o] = -1;
      out[o + 1] = -1;
      out[o + 2] = 0;
      out[o + 3] = 1;
      return;
    }
    const hour = Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000);
    // 1970-01-01 was a Thursday (Monday = 0 → Thursday = 3).
    const dow = ((Math.floor(t / DAY_MS) + 3) % 7 + 7) % 7;
    out[o] = hour;
    out[o + 1] = dow;
    out[o + 2] = dow >= 5 ? 1 : 0;
    out[o + 3] = 0;
  },
});
