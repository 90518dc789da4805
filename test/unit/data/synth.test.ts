import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitSynthModel, generateEmails } from '../../../src/data/synth.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { writeSynthetic } from '../../../src/io/synth-writer.js';
import { buildProgram } from '../../../src/cli/program.js';
import { loadEmailTable } from '../../../src/io/email-table.js';
import { openParquet } from '../../../src/io/parquet.js';

function rec(i: number, label: 0 | 1): EmailRecord {
  const spam = label === 1;
  const body = spam
    ? `FREE money now!!! Click here to claim your prize ${i}. Limited offer, act now http://win${i % 3}.example/x`
    : `Hi team, the meeting about release ${i} moved to Tuesday. See the notes in the wiki.`;
  return {
    email_id: `t/${i}`,
    label,
    sender: `u${i}@${spam ? `promo${i % 4}.biz` : 'corp.example'}`,
    sender_domain: spam ? `promo${i % 4}.biz` : 'corp.example',
    reply_to: spam ? `r@other.example` : null,
    num_recipients: spam ? 1 : 3,
    subject: spam ? 'You WON a prize' : `Re: release ${i}`,
    body_text: body,
    body_html: spam ? `<html><body><p>${body}</p><a href="http://x">go</a><img src="y.gif"></body></html>` : null,
    has_html: spam,
    is_multipart: spam,
    num_attachments: 0,
    event_timestamp: Date.UTC(2002, 7, 1 + (i % 20), i % 24),
    size_bytes: 2000 + body.length,
    source_group: spam ? 'spam' : 'ham',
  };
}

const records = [...Array.from({ length: 40 }, (_, i) => rec(i, 0)), ...Array.from({ length: 20 }, (_, i) => rec(100 + i, 1))];
const model = fitSynthModel(records);
const dir = mkdtempSync(path.join(tmpdir(), 'train-spam-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('synthetic e-mails', () => {
  it('learns per-class rates and vocabularies', () => {
    expect(model.spamRatio).toBeCloseTo(1 / 3, 6);
    expect(model.classes[1].pHtml).toBe(1);
    expect(model.classes[0].pHtml).toBe(0);
    expect(model.classes[1].body.items).toContain('FREE');
    expect(model.classes[0].body.items).not.toContain('FREE');
  });

  it('is deterministic per (seed, batch) and differs across seeds', () => {
    const a = generateEmails(model, 5, 0, 0, 50);
    const b = generateEmails(model, 5, 0, 0, 50);
    const c = generateEmails(model, 6, 0, 0, 50);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(generateEmails(model, 5, 1, 50, 50)).not.toEqual(a);
  });

  it('draws class-conditional content that fits the schema', () => {
    const rows = generateEmails(model, 1, 0, 0, 3000);
    const spam = rows.filter((r) => r.label === 1);
    expect(spam.length / rows.length).toBeGreaterThan(0.28);
    expect(spam.length / rows.length).toBeLessThan(0.39);
    for (const r of rows) {
      expect(r.has_html).toBe(r.body_html !== null);
      expect(r.has_html).toBe(r.label === 1); // pHtml is 1 for spam, 0 for ham here
      expect(r.body_text.length).toBeGreaterThan(0);
      if (r.sender !== null) expect(r.sender.endsWith('@' + r.sender_domain)).toBe(true);
    }
    expect(rows.filter((r) => r.sender !== null).length).toBeGreaterThan(rows.length / 2); // the sender check above ran
    expect(spam.some((r) => /FREE|prize|Click/.test(r.body_text))).toBe(true);
    expect(rows.filter((r) => r.label === 0).every((r) => !/FREE|prize/.test(r.body_text))).toBe(true);
    expect(rows[0].email_id).toBe('synth/000000000');
    expect(new Set(rows.map((r) => r.email_id)).size).toBe(rows.length);
  });

  it('streams row groups to parquet that loads back identically', async () => {
    const out = path.join(dir, 's.parquet');
    const s = await writeSynthetic({ rows: 250, out, seed: 9, rowGroupSize: 100 }, model);
    expect(s).toMatchObject({ rows: 250, rowGroups: 3 });
    const src = await openParquet(out);
    expect(src.rowGroups.map((g) => g.rowEnd - g.rowStart)).toEqual([100, 100, 50]);
    const t = await loadEmailTable(out);
    expect(t.records.length).toBe(250);
    expect(t.summary.spam).toBe(s.spam);
    expect(t.records.slice(100, 200)).toEqual(generateEmails(model, 9, 1, 100, 100));
    expect(readdirSync(dir)).toEqual(['s.parquet']);
    await expect(writeSynthetic({ rows: 0, out, seed: 1 }, model)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (const rowGroupSize of [0, -5, 2.5]) {
      await expect(writeSynthetic({ rows: 10, out: path.join(dir, 'g.parquet'), seed: 1, rowGroupSize }, model)).rejects.toThrow(`--row-group-size must be a positive integer; got ${rowGroupSize}`);
    }
    await expect(writeSynthetic({ rows: 10, out: path.join(dir, 'r.parquet'), seed: 1, spamRatio: 1.5 }, model)).rejects.toThrow('--spam-ratio must be a number in (0, 1); got 1.5');
    // the CLI rejects a ratio that is not a number, with the text as given, before anything is read
    const program = buildProgram();
    program.exitOverride();
    await expect(program.parseAsync(['node', 'train-spam', 'data', 'synth', '--rows', '10', '--out', path.join(dir, 'c.parquet'), '--spam-ratio', 'abc'])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: '--spam-ratio must be a number; got "abc"',
      details: { usage: true },
    });
    expect(readdirSync(dir)).toEqual(['s.parquet']);
  });
});

describe('synthetic timestamps', () => {
  it('stay in [1970, 2100) when the source timestamps lie at the bounds, so the file loads back', async () => {
    const MAX_MS = Date.UTC(2100, 0, 1);
    // every source e-mail dated at the epoch or in the last second of 2099: ±3 days of jitter would leave the range
    const edge = records.map((r, i) => ({ ...r, event_timestamp: i % 2 ? 0 : MAX_MS - 1000 }));
    const rows = generateEmails(fitSynthModel(edge), 3, 0, 0, 500);
    const ts = rows.map((r) => r.event_timestamp).filter((t): t is number => t !== null);
    expect(ts.length).toBe(500);
    expect(Math.min(...ts)).toBe(0);
    expect(Math.max(...ts)).toBe(MAX_MS - 1);
    expect(ts.every((t) => t >= 0 && t < MAX_MS)).toBe(true);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'train-spam-synth-edge-')), 'edge.parquet');
    try {
      await writeSynthetic({ rows: 200, out, seed: 3 }, fitSynthModel(edge));
      expect((await loadEmailTable(out)).records.length).toBe(200);
    } finally {
      rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });
});
