/**
 * The benchmark's Python reference builds the 24 dense features itself (bench/peers/
 * dense_features.py, standard library only); its values must be ours, bit for bit, or the two
 * pipelines would not do the same work on the same features. Checked on the 240 SpamAssassin
 * e-mails of the shared parquet fixture, on hand-made edge cases and on generated strings full of
 * the characters where JavaScript and Python disagree (UTF-16 lengths, white space, case, `$`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denseViewColumns } from '../../../bench/lib/peer.mjs';
import { Rng } from '../../../src/core/random.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { fitFeaturePipeline } from '../../../src/features/pipeline.js';
import { loadEmailTable } from '../../../src/io/email-table.js';
import { DAY, record, smallCorpus, T0 } from '../features/records.js';

const PEER = resolve(__dirname, '../../../bench/peers/dense_features.py');
const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/parquet/emails-snappy.parquet');
/** A python3 the module runs on (3.8 or later: it uses str.isascii, new in 3.7), or undefined: skip. */
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)']).status === 0);

/** Python's rows for `score`, with the sender history fitted on `train` (their columns as the bench's input carries them). */
function peerRows(train: readonly EmailRecord[], score: readonly EmailRecord[]): number[][] {
  const input = JSON.stringify({ train: denseViewColumns(train), labels: train.map((r) => r.label), score: denseViewColumns(score) });
  const r = spawnSync(PYTHON as string, [PEER], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`dense_features.py exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as number[][];
}

/** Ours and Python's dense rows agree exactly; a mismatch names the e-mail and the column. */
function expectParity(train: readonly EmailRecord[], score: readonly EmailRecord[]): void {
  const pipeline = fitFeaturePipeline(train, train.map((r) => r.label));
  const ours = pipeline.denseFeatures(score);
  const theirs = peerRows(train, score);
  expect(theirs).toHaveLength(score.length);
  const dc = pipeline.denseCols;
  const diffs: string[] = [];
  for (let i = 0; i < score.length; i++) {
    for (let c = 0; c < dc; c++) {
      const a = ours[i * dc + c];
      const b = theirs[i][c];
      if (!Object.is(a, b)) diffs.push(`${score[i].email_id} ${pipeline.featureNames[c]}: ours ${a}, python ${b}`);
    }
  }
  expect(diffs.slice(0, 10)).toEqual([]);
}

/** Characters where the two languages' string rules differ, and the tokens the views look for. */
const PIECES = [
  'a', 'Z', 'q', '7', ' ', '  ', '\t', '\n', '\r\n', '\x00', '\x07', '\x0b', '\x1c', '\x1f', '\x7f', '\x85', '\u00a0', '\u1680', '\u2003', '\u200b',
  '\u2028', '\u202f', '\u3000', '\ufeff', '\u180e', '😀', '𝔘', '\ud800', '\udfff', 'é', 'ß', 'İ', 'ſ', 'K', 'Σ', '!', '$', '€', '£', '¥', '¢',
  'http://', 'HTTPS://', 'hTTp:/', 'https:', 'www.', 'WwW.', '.www.', '/www.', '_www.', '-www.', 'wwww.', 'href=', 'HREF =', 'href\u3000=',
  'href\u0085=', 'xhref=', 'href', '<img', '<IMG src=x>', '<imgx', '<img_', '<img-', '<im g', '12.5', 'Hello', 'WORLD',
];

function fuzzText(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[rng.int(0, PIECES.length - 1)];
  return s;
}

function fuzzRecords(seed: number, n: number): EmailRecord[] {
  const rng = new Rng(seed);
  const domains = ['Example.COM', 'example.com.', ' example.com>', 'example.com\u3000', 'deals.ru', 'DEALS.RU.', 'x.org\n', '', '  ', '...'];
  return Array.from({ length: n }, (_, i) => {
    const sender = rng.next() < 0.2 ? null : `u${rng.int(0, 3)}@x.org`;
    return record({
      email_id: `fuzz-${i}`,
      label: (rng.next() < 0.4 ? 1 : 0) as 0 | 1,
      subject: fuzzText(rng, rng.int(0, 6)),
      body_text: fuzzText(rng, rng.int(0, 60)),
      body_html: rng.next() < 0.5 ? null : fuzzText(rng, rng.int(0, 30)),
      has_html: rng.next() < 0.3,
      num_attachments: rng.int(0, 2),
      num_recipients: [0, 1, 3, -2, 2.5][rng.int(0, 4)],
      sender,
      reply_to: [null, '', sender, 'other@y.net'][rng.int(0, 3)],
      is_multipart: rng.next() < 0.5,
      sender_domain: rng.next() < 0.15 ? null : domains[rng.int(0, domains.length - 1)],
      // a few shared instants (point-in-time: strictly before), some before 1970, some missing
      event_timestamp: rng.next() < 0.1 ? null : T0 + rng.int(-3, 40) * DAY + [0, 1, 3_599_999, 43_200_000][rng.int(0, 3)] - (rng.next() < 0.05 ? 40 * 365 * DAY : 0),
    });
  });
}

describe.skipIf(!PYTHON)('bench/peers/dense_features.py builds our 24 dense features', () => {
  it('on the 240 SpamAssassin e-mails of the shared fixture (sender history from the first 180)', async () => {
    expect(existsSync(FIXTURE)).toBe(true);
    const { records } = await loadEmailTable(FIXTURE);
    expect(records).toHaveLength(240);
    expectParity(records.slice(0, 180), records);
  });

  it('on hand-made edge cases', () => {
    const train = smallCorpus(60);
    const edge = [
      record({ email_id: 'empty' }),
      record({ email_id: 'astral', subject: '😀😀', body_text: 'a😀 b 𝔘\ud800 $5 €3 £ ¥ ¢', event_timestamp: T0 }),
      record({ email_id: 'spaces', body_text: '\x00a\x1cb\x85c\ufeffd\u180ee\u2028f \u3000 ', event_timestamp: T0 - 1 }),
      record({ email_id: 'urls', body_text: 'http://a HTTPS://b www.c .www.d /www.e x_www.f -www.g wwww.h hTTp:/i', sender_domain: 'corp.com' }),
      record({ email_id: 'html', body_html: '<A HREF = "x">x</a><img src=1><IMG><imgx><img_><img-> href\u00a0=1 xhref=2 href\u0085=3', has_html: false }),
      record({ email_id: 'html-empty', body_html: '', has_html: false }),
      record({ email_id: 'reply', sender: 'a@corp.com', reply_to: 'a@corp.com', sender_domain: ' Corp.COM.> ', event_timestamp: T0 + 30 * DAY }),
      record({ email_id: 'reply-no-from', sender: null, reply_to: 'b@corp.com', event_timestamp: T0 + 30 * DAY + 1 }),
      record({ email_id: 'recipients', num_recipients: Number.NaN, num_attachments: 3, is_multipart: true }),
      record({ email_id: 'pre-1970', event_timestamp: -DAY - 1, sender_domain: 'spam.biz' }),
      record({ email_id: 'same-instant', event_timestamp: train[10].event_timestamp, sender_domain: train[10].sender_domain }),
    ];
    expectParity(train, [...train, ...edge]);
  });

  it('on generated records (characters where the languages differ, shared instants, odd domains)', () => {
    const records = fuzzRecords(7, 400);
    expectParity(records.slice(0, 300), records);
  });
});
