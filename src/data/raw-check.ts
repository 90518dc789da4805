/**
 * A cheap check that a raw value is an RFC-822 message at all, before it is parsed: MIME parsers
 * (ours and postal-mime) take any text as a message with no header and a body, so '' or a line of
 * prose would become an empty record and be scored or trained on. Only the first line or two are
 * read, never the whole message. Layer 1: no node:* imports.
 */

/** The first bytes read: a `From ` line and a header field name fit easily. */
const SCAN_LIMIT = 4096;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

/**
 * Why `raw` is not an RFC-822 message (a phrase for an error message), or null when it is one.
 * A message is accepted when its first line is a header field `Name: value` (name: a token of
 * letters, digits and !#$%&'*+-.^_`|~; blanks allowed before the colon and before the name), optionally after a
 * UTF-8 byte order mark and an mbox `From ` line (most messages of the SpamAssassin corpus begin
 * with one). Empty input, a blank first line (a message with an empty header section) and any
 * other first line are rejected.
 */
export function rawMessageProblem(raw: string | Uint8Array): string | null {
  const n = Math.min(raw.length, SCAN_LIMIT);
  const at = typeof raw === 'string' ? (i: number) => raw.charCodeAt(i) : (i: number) => raw[i];
  if (raw.length === 0) return 'the message is empty';
  let i = 0;
  // UTF-8 byte order mark, as bytes or as the decoded character
  if (typeof raw === 'string' ? at(0) === 0xfeff : at(0) === 0xef && at(1) === 0xbb && at(2) === 0xbf) i = typeof raw === 'string' ? 1 : 3;
  if (!isHeaderField(at, i, n) && startsWithFrom(at, i, n)) {
    while (i < n && at(i) !== LF) i++;
    i++;
  }
  if (isHeaderField(at, i, n)) return null;
  if (i >= n || at(i) === LF || (at(i) === CR && (i + 1 >= n || at(i + 1) === LF))) {
    return 'no header section (the message is empty or starts with a blank line)';
  }
  return 'no header section (the first line is not a header field "Name: value")';
}

/** A header field `Name:` starts at i (blanks allowed before the name and before the colon). */
function isHeaderField(at: (i: number) => number, i: number, n: number): boolean {
  while (i < n && (at(i) === SP || at(i) === HTAB)) i++;
  const nameStart = i;
  // a token (RFC 9110 tchar): RFC 5322 allows any printable ASCII but the colon, but then a JSON
  // document's first line (`{"id": ...`) would pass as a header; every corpus message's first
  // field name is a token (Return-Path, Received, X-Status, Delivered-To)
  while (i < n && isTokenChar(at(i))) i++;
  const nameEnd = i;
  while (i < n && (at(i) === SP || at(i) === HTAB)) i++;
  return nameEnd > nameStart && i < n && at(i) === COLON;
}

/** Letters, digits and !#$%&'*+-.^_`|~ (RFC 9110 tchar). */
function isTokenChar(c: number): boolean {
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return true;
  return c < 0x80 && "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c));
}

/** The mbox separator line `From <sender> <date>` at i. */
function startsWithFrom(at: (i: number) => number, i: number, n: number): boolean {
  return i + 5 <= n && at(i) === 0x46 && at(i + 1) === 0x72 && at(i + 2) === 0x6f && at(i + 3) === 0x6d && at(i + 4) === SP;
}
