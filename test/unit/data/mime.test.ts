import { describe, expect, it } from 'vitest';
import { parseEmail, parseEmailPostal } from '../../../src/data/mime.js';
import { MimeReader } from '../../../src/data/mime-reader.js';
import { decodeEntities, htmlToText } from '../../../src/data/html-text.js';

const meta = { email_id: 'test/00001', label: 1 as const, source_group: 'test' };
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');

describe('parseEmail', () => {
  it('reads headers: sender, domain, reply-to, recipients, subject, date', async () => {
    const raw = crlf(`From: "Alice Example" <Alice@Example.COM>
To: bob@example.org, "Carol" <carol@example.net>
Cc: team: dave@example.org, erin@example.org;
Reply-To: <Offers@Other.example>
Subject: =?utf-8?B?SGVsbG8g8J+Ukw==?=
Date: Thu, 22 Aug 2002 18:26:25 +0700

Hi there.
`);
    const r = await parseEmail(raw, meta);
    expect(r.email_id).toBe('test/00001');
    expect(r.label).toBe(1);
    expect(r.source_group).toBe('test');
    expect(r.sender).toBe('alice@example.com');
    expect(r.sender_domain).toBe('example.com');
    expect(r.reply_to).toBe('offers@other.example');
    expect(r.num_recipients).toBe(4);
    expect(r.subject).toBe('Hello \u{1F513}');
    expect(r.body_text.trim()).toBe('Hi there.');
    expect(r.body_html).toBeNull();
    expect(r.has_html).toBe(false);
    expect(r.is_multipart).toBe(false);
    expect(r.num_attachments).toBe(0);
    expect(r.event_timestamp).toBe(Date.parse('2002-08-22T11:26:25Z'));
    expect(r.size_bytes).toBe(new TextEncoder().encode(raw).length);
  });

  it('multipart/alternative: body_text is the text part, body_html the HTML part', async () => {
    const raw = crlf(`From: a@b.example
Subject: alt
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/plain; charset=us-ascii

plain version
--XX
Content-Type: text/html; charset=us-ascii

<html><body><p>html <b>version</b></p></body></html>
--XX--
`);
    const r = await parseEmail(raw, meta);
    expect(r.is_multipart).toBe(true);
    expect(r.body_text.trim()).toBe('plain version');
    expect(r.body_html).toContain('<b>version</b>');
    expect(r.has_html).toBe(true);
  });

  it('decodes quoted-printable and base64 bodies', async () => {
    const qp = crlf(`From: a@b.example
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 au lait, a very long line that is soft-=
wrapped.
`);
    expect((await parseEmail(qp, meta)).body_text.trim()).toBe('Café au lait, a very long line that is soft-wrapped.');
    const b64 = crlf(`From: a@b.example
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

${btoa('Free money now!!!')}
`);
    expect((await parseEmail(b64, meta)).body_text.trim()).toBe('Free money now!!!');
  });

  it('decodes a latin-1 body from bytes', async () => {
    const head = new TextEncoder().encode(crlf('From: a@b.example\nContent-Type: text/plain; charset=iso-8859-1\n\n'));
    const body = Uint8Array.from([0x47, 0x72, 0xfc, 0xdf, 0x65, 0x20, 0x61, 0x75, 0x73, 0x20, 0x4d, 0xfc, 0x6e, 0x63, 0x68, 0x65, 0x6e]);
    const raw = new Uint8Array(head.length + body.length);
    raw.set(head);
    raw.set(body, head.length);
    const r = await parseEmail(raw, meta);
    expect(r.body_text.trim()).toBe('Grüße aus München');
    expect(r.size_bytes).toBe(raw.length);
  });

  it('HTML-only: text is extracted from the HTML (scripts, styles, tags removed, entities decoded)', async () => {
    const raw = crlf(`From: promo@spam.example
Content-Type: text/html; charset=us-ascii

<html><head><title>Deal</title><style>p{color:red}</style><script>var x = 1;</script></head>
<body><p>Buy&nbsp;now &amp; save 50&#37;!</p><div>Click <a href="http://x.example">here</a></div></body></html>
`);
    const r = await parseEmail(raw, meta);
    expect(r.has_html).toBe(true);
    expect(r.body_text).toContain('Buy now & save 50%!');
    expect(r.body_text).toContain('Click here');
    expect(r.body_text).not.toMatch(/color:red|var x|<p>|href/);
  });

  it('counts attachments and flags multipart/mixed', async () => {
    const raw = crlf(`From: a@b.example
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain

see attached
--B
Content-Type: application/octet-stream; name="x.bin"
Content-Disposition: attachment; filename="x.bin"
Content-Transfer-Encoding: base64

AAECAw==
--B--
`);
    const r = await parseEmail(raw, meta);
    expect(r.is_multipart).toBe(true);
    expect(r.num_attachments).toBe(1);
    expect(r.body_text.trim()).toBe('see attached');
  });

  it('garbage and year-0102 Date headers give null; a missing From gives null sender', async () => {
    const g = await parseEmail(crlf('Date: sometime last week\nSubject: x\n\nbody\n'), meta);
    expect(g.event_timestamp).toBeNull();
    expect(g.sender).toBeNull();
    expect(g.sender_domain).toBeNull();
    const y = await parseEmail(crlf('From: a@b.example\nDate: Thu, 22 Aug 0102 12:07:35 +0800\n\nbody\n'), meta);
    expect(y.event_timestamp).toBeNull();
    const none = await parseEmail(crlf('From: a@b.example\n\nbody\n'), meta);
    expect(none.event_timestamp).toBeNull();
    expect(none.subject).toBe('');
  });
});

describe('parseEmail through postal-mime, concurrently with other code', () => {
  /** A message the reader declines (a message/rfc822 part), with bodies long enough to take many turns. */
  const forwarded = crlf(`From: a@b.example
Subject: fwd
Content-Type: multipart/mixed; boundary="B"

--B
Content-Type: text/plain

see the forwarded message
--B
Content-Type: message/rfc822

From: c@d.example
Subject: inner
Content-Type: text/plain
Content-Transfer-Encoding: quoted-printable

${Array.from({ length: 400 }, (_, i) => `line ${i} of the inner message =C3=A9`).join('\n')}
--B--
`);

  it('leaves Blob alone: code that runs while a message is parsed gets real Blobs', async () => {
    expect(new MimeReader().read(forwarded)).toBeNull();
    const RealBlob = globalThis.Blob;
    let parsing = true;
    let probesDuringParse = 0;
    const seen: string[] = [];
    const other = (async () => {
      // one probe per turn of the microtask queue until the parse is done
      while (parsing) {
        if (parsing) probesDuringParse++;
        try {
          const blob = new Blob(['hi ', new Uint8Array([0x74, 0x68, 0x65, 0x72, 0x65])]);
          seen.push(
            [
              globalThis.Blob === RealBlob,
              blob instanceof RealBlob,
              await blob.text(),
              await new Response(blob).text(),
              await blob.slice(3).text(),
              typeof blob.stream,
            ].join('|'),
          );
        } catch (e) {
          seen.push(String(e));
        }
      }
    })();
    const [viaParseEmail, viaPostal] = await Promise.all([parseEmail(forwarded, meta), parseEmailPostal(forwarded, meta)]).finally(() => {
      parsing = false;
    });
    await other;
    expect(probesDuringParse).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['true|true|hi there|hi there|there|function']));
    expect(globalThis.Blob).toBe(RealBlob);
    expect(viaParseEmail).toEqual(viaPostal);
    expect(viaParseEmail.body_text).toContain('see the forwarded message');
    expect(viaParseEmail.body_text).toContain('line 399 of the inner message é');
  });
});

describe('htmlToText / decodeEntities', () => {
  it('decodes named, decimal and hex references and leaves unknown names', () => {
    expect(decodeEntities('&lt;a&gt; &eacute;&#233;&#xE9; &copy; &bogus; &amp')).toBe('<a> ééé © &bogus; &');
  });
  it('keeps the title, drops comments, turns blocks into lines', () => {
    expect(htmlToText('<head><title>T</title><meta x></head><!-- c --><p>a</p><p>b<br>c</p>').split(/\n+/)).toEqual(['T', 'a', 'b', 'c']);
  });
});
