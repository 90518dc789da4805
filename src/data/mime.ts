/**
 * One raw RFC-822 message → one EmailRecord. MIME structure, transfer encodings (quoted-printable,
 * base64), charsets and encoded-word headers are postal-mime's semantics: our synchronous reader
 * (mime-reader.ts, identical results, checked on the whole corpus) handles the messages it can,
 * postal-mime itself the rest. This module picks the fields, extracts text from HTML when there
 * is no text part, and parses the Date header strictly (see date.ts). Training (data preparation)
 * and serving (the scorer) both come through `parseEmail` / `parseEmailSync`, so they see the same
 * records. Layer 1: no node:* imports.
 */
import { decodeWords } from 'postal-mime';
import type { Address, Email } from 'postal-mime';
import { TrainSpamError } from '../core/errors.js';
import { parsePostal } from './concat-blob.js';
import { parseMailDate } from './date.js';
import { htmlToText } from './html-text.js';
import { MimeReader, type MessageFields } from './mime-reader.js';
import type { EmailRecord } from './schema.js';

export interface MessageMeta {
  email_id: string;
  label: 0 | 1;
  source_group: string;
}

/** A raw message: the text of the message, or its bytes (preferred: charsets stay exact). */
export type RawMessage = string | Uint8Array;

/**
 * Parses one raw message into an EmailRecord. Throws TrainSpamError(INVALID_DATA) naming the
 * e-mail on failure. `reader` (optional) keeps its scratch buffers between calls.
 */
export async function parseEmail(raw: RawMessage, meta: MessageMeta, reader: MimeReader = new MimeReader()): Promise<EmailRecord> {
  return parseEmailSync(raw, meta, reader) ?? parseEmailPostal(raw, meta);
}

/** The record when the reader handles the message itself (no await), else null: use `parseEmail`. */
export function parseEmailSync(raw: RawMessage, meta: MessageMeta, reader: MimeReader): EmailRecord | null {
  const fields = reader.read(raw);
  return fields === null ? null : recordOf(fields, reader.bytesRead, meta);
}

/** The same record through postal-mime alone (the reference the reader is checked against). */
export async function parseEmailPostal(raw: RawMessage, meta: MessageMeta): Promise<EmailRecord> {
  let email: Email;
  try {
    email = await parsePostal(raw);
  } catch (e) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `e-mail ${meta.email_id}: cannot parse the MIME message: ${e instanceof Error ? e.message : String(e)}`,
      { email_id: meta.email_id },
      { cause: e },
    );
  }
  return toRecord(email, raw, meta);
}

/** Builds the record from an already parsed message (exported for tests and callers that parse themselves). */
export function toRecord(email: Email, raw: RawMessage, meta: MessageMeta): EmailRecord {
  return recordOf(fieldsOf(email), typeof raw === 'string' ? utf8Length(raw) : raw.byteLength, meta);
}

/** The fields the record reads, from postal-mime's result. */
export function fieldsOf(email: Email): MessageFields {
  let contentType = '';
  let date: string | undefined;
  for (const h of email.headers) {
    if (h.key === 'content-type' && contentType === '') contentType = h.value;
    else if (h.key === 'date' && date === undefined) date = h.value;
  }
  return {
    from: email.from,
    replyTo: email.replyTo,
    to: email.to,
    cc: email.cc,
    subject: email.subject,
    text: email.text,
    html: email.html,
    attachments: email.attachments.length,
    contentType,
    date,
  };
}

function recordOf(email: MessageFields, sizeBytes: number, meta: MessageMeta): EmailRecord {
  const sender = mailboxAddress(email.from);
  const replyTo = email.replyTo ? firstAddress(email.replyTo) : null;
  const html = email.html ?? null;
  let bodyText = email.text ?? '';
  if (bodyText.length === 0 && html !== null) bodyText = htmlToText(html);
  const contentType = email.contentType;
  const dateValue = email.date;
  return {
    email_id: meta.email_id,
    label: meta.label,
    sender,
    sender_domain: domainOf(sender),
    reply_to: replyTo,
    num_recipients: countMailboxes(email.to) + countMailboxes(email.cc),
    subject: email.subject ?? '',
    body_text: bodyText,
    body_html: html,
    has_html: html !== null,
    is_multipart: /^\s*multipart\//i.test(contentType),
    num_attachments: email.attachments,
    event_timestamp: parseMailDate(dateValue),
    size_bytes: sizeBytes,
    source_group: meta.source_group,
  };
}

/** Decodes RFC 2047 encoded words (`=?charset?B?...?=`) in a header value. */
export function decodeHeader(value: string): string {
  return value.includes('=?') ? decodeWords(value) : value;
}

/** Lower-cased address of a mailbox (first member of a group), null when there is none. */
function mailboxAddress(a: Address | undefined): string | null {
  if (!a) return null;
  if (a.group) return a.group.length > 0 ? normaliseAddress(a.group[0].address) : null;
  return normaliseAddress(a.address);
}

function firstAddress(list: Address[]): string | null {
  for (const a of list) {
    const v = mailboxAddress(a);
    if (v !== null) return v;
  }
  return null;
}

function normaliseAddress(addr: string | undefined): string | null {
  if (!addr) return null;
  const v = addr.trim().toLowerCase();
  return v.length > 0 ? v : null;
}

/** A domain without what trails it in a header: '>', whitespace, dots ('example.com.>' → 'example.com'). */
export function stripDomainTail(domain: string): string {
  return domain.replace(/[>\s.]+$/, '');
}

/** Domain part after the last '@' (of an address the callers lower-case); null when the address has none. */
export function domainOf(address: string | null): string | null {
  if (address === null) return null;
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) return null;
  return stripDomainTail(address.slice(at + 1)) || null;
}

function countMailboxes(list: Address[] | undefined): number {
  if (!list) return 0;
  let n = 0;
  for (const a of list) {
    if (a.group) n += a.group.filter((m) => m.address).length;
    else if (a.address) n++;
  }
  return n;
}

/** UTF-8 byte length of a JS string without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
