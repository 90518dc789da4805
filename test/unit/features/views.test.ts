/** View values on hand-made records. */
import { describe, expect, it } from 'vitest';
import { STRUCTURAL_VIEW, TEMPORAL_VIEW, TEXT_VIEW } from '../../../src/features/email-views.js';
import type { DenseFeatureView } from '../../../src/features/view.js';
import { record } from './records.js';
import { Rng } from '../../../src/core/random.js';

/** The text counts by their definitions (docs/features.md), one plain branch per class. */
function referenceCounts(s: string): number[] {
  const isSpace = (c: number) =>
    c <= 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
  const at = (i: number, w: string) => s.slice(i, i + w.length).toLowerCase() === w;
  const urlWordChar = (c: number) => c === 47 || c === 46 || c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  let [urls, words, nonSpace, upper, letters, digits, bang, money] = [0, 0, 0, 0, 0, 0, 0, 0];
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      inWord = false;
      continue;
    }
    nonSpace++;
    if (!inWord) words++;
    inWord = true;
    const isLetter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (isLetter) letters++;
    if (c >= 65 && c <= 90) upper++;
    if (c >= 48 && c <= 57) digits++;
    if (c === 33) bang++;
    if (c === 36 || c === 0x20ac || c === 0xa3 || c === 0xa5) money++;
    if ((c === 104 || c === 72) && at(i, 'http') && (at(i + 4, '://') || at(i + 4, 's://'))) urls++;
    if ((c === 119 || c === 87) && at(i, 'www.') && (i === 0 || !urlWordChar(s.charCodeAt(i - 1)))) urls++;
  }
  return [urls, words, nonSpace, upper, letters, digits, bang, money];
}

function values(view: DenseFeatureView, r: ReturnType<typeof record>): Record<string, number> {
  const out = new Float64Array(view.features.length + 2).fill(NaN);
  view.compute(r, out, 1);
  expect(Number.isNaN(out[0]) && Number.isNaN(out[out.length - 1])).toBe(true); // writes only its slice
  return Object.fromEntries(view.features.map((f, i) => [f, out[1 + i]]));
}

describe('email_text_features', () => {
  it('counts on subject + newline + body', () => {
    const r = record({ email_id: 'a', subject: 'WIN Cash!!', body_text: 'Go to http://a.b and https://c.d or www.e.f now $100 €5' });
    const v = values(TEXT_VIEW, r);
    const text = 'WIN Cash!!\nGo to http://a.b and https://c.d or www.e.f now $100 €5';
    expect(v.url_count).toBe(3);
    expect(v.word_count).toBe(text.split(/\s+/).filter(Boolean).length);
    expect(v.exclamation_count).toBe(2);
    expect(v.money_symbol_count).toBe(2);
    expect(v.char_count).toBe(text.length);
    const letters = text.match(/[A-Za-z]/g)!.length;
    const upper = text.match(/[A-Z]/g)!.length;
    expect(v.uppercase_ratio).toBeCloseTo(upper / letters, 12);
    expect(v.digit_ratio).toBeCloseTo(4 / text.length, 12);
    expect(v.avg_word_length).toBeCloseTo(text.replace(/\s/g, '').length / v.word_count, 12);
  });

  it('www inside a URL is not counted twice; empty text gives zeros, not NaN', () => {
    expect(values(TEXT_VIEW, record({ email_id: 'b', body_text: 'see http://www.x.com' })).url_count).toBe(1);
    const v = values(TEXT_VIEW, record({ email_id: 'c' }));
    expect(Object.values(v).every((x) => Number.isFinite(x))).toBe(true);
    expect(v.uppercase_ratio).toBe(0);
    expect(v.word_count).toBe(0);
    expect(v.char_count).toBe(1); // the joining newline
  });
});

describe('email_text_features on random text', () => {
  it('equals the definitions on 3,000 random texts of URL pieces, case, digits, money and Unicode spaces', () => {
    const pieces = ['http://', 'HTTPS://', 'hTtP:/', 'https:', 'www.', 'WWW.', 'x.www.', '/www.', '_www.', 'h', 'w', 'W', 'H', 'ttp', 'a', 'Z', 'é', '日本', '7', '!', '$', '€', '£', '¥', ' ', '  ', '\n', '\t', '\u00a0', '\u3000', '\u2005', '\u200b', '\u007f', '\u0001', '\ufeff', '.', '/', ':'];
    const rng = new Rng(11);
    for (let t = 0; t < 3000; t++) {
      let body = '';
      const len = rng.int(0, 40);
      for (let k = 0; k < len; k++) body += pieces[rng.int(0, pieces.length - 1)];
      const r = record({ email_id: `r${t}`, subject: t % 3 === 0 ? 'Www.x' : '', body_text: body });
      const v = values(TEXT_VIEW, r);
      const [urls, words, nonSpace, upper, letters, digits, bang, money] = referenceCounts(`${r.subject ?? ''}\n${body}`);
      const text = `${r.subject ?? ''}\n${body}`;
      expect([v.url_count, v.word_count, v.exclamation_count, v.money_symbol_count, v.char_count]).toEqual([urls, words, bang, money, text.length]);
      expect(v.uppercase_ratio).toBe(letters > 0 ? upper / letters : 0);
      expect(v.digit_ratio).toBe(text.length > 0 ? digits / text.length : 0);
      expect(v.avg_word_length).toBe(words > 0 ? nonSpace / words : 0);
    }
  });
});

describe('email_structural_features', () => {
  it('reads html, attachments, recipients and reply-to', () => {
    const r = record({
      email_id: 'a', subject: 'hello', has_html: true, is_multipart: true, num_attachments: 2, num_recipients: 3,
      sender: 'a@x.com', reply_to: 'b@y.com',
      body_html: '<a HREF="1">x</a><a href = "2">y</a><IMG src=1><img src=2><img src=3>',
    });
    expect(values(STRUCTURAL_VIEW, r)).toEqual({
      has_html: 1, subject_length: 5, num_links_html: 2, num_images: 3,
      has_attachment: 1, num_recipients: 3, reply_to_differs: 1, is_multipart: 1,
    });
  });

  it('same reply-to, no html, no reply-to', () => {
    const v = values(STRUCTURAL_VIEW, record({ email_id: 'b', sender: 'a@x.com', reply_to: 'a@x.com' }));
    expect(v).toEqual({ has_html: 0, subject_length: 0, num_links_html: 0, num_images: 0, has_attachment: 0, num_recipients: 1, reply_to_differs: 0, is_multipart: 0 });
    expect(values(STRUCTURAL_VIEW, record({ email_id: 'c', sender: 'a@x.com' })).reply_to_differs).toBe(0);
  });
});

describe('email_temporal_features', () => {
  it('UTC hour, Monday=0 day of week, weekend flag', () => {
    // 2002-09-07 is a Saturday
    expect(values(TEMPORAL_VIEW, record({ email_id: 'a', event_timestamp: Date.UTC(2002, 8, 7, 23, 59) }))).toEqual({ hour_of_day: 23, day_of_week: 5, is_weekend: 1, date_missing: 0 });
    expect(values(TEMPORAL_VIEW, record({ email_id: 'b', event_timestamp: Date.UTC(2002, 8, 2, 0, 0) }))).toEqual({ hour_of_day: 0, day_of_week: 0, is_weekend: 0, date_missing: 0 });
    expect(values(TEMPORAL_VIEW, record({ email_id: 'c', event_timestamp: Date.UTC(1969, 11, 31, 5) })).day_of_week).toBe(2); // Wednesday, before the epoch
  });

  it('missing date: -1 sentinels and date_missing = 1', () => {
    expect(values(TEMPORAL_VIEW, record({ email_id: 'd', event_timestamp: null }))).toEqual({ hour_of_day: -1, day_of_week: -1, is_weekend: 0, date_missing: 1 });
  });
});
