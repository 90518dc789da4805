/**
 * Body bytes for the MIME reader (mime-reader.ts): the Content-Transfer-Encoding decoders, each
 * over a byte range of the message written into a caller's buffer, and the RFC 3676
 * format=flowed un-wrapping of decoded text.
 *
 * The decoders are written from RFC 2045 with the deviations postal-mime 4.0.0 was observed to
 * have (the reader must match it exactly, see scripts/check-mime-reader.mjs). postal-mime reads a
 * body line by line, a line ending at LF and losing all CRs just before that LF (or before the end
 * of the message), and:
 *   - identity (7bit, 8bit, binary and any unknown token): writes each line followed by LF, so a
 *     last line without LF gains one;
 *   - quoted-printable: decodes `=XY` where X and Y are hex digits (either case) on the same line,
 *     keeps any other '=' as a byte, treats a '=' that ends a line as a soft break (no LF), and
 *     ends every other line with LF;
 *   - base64: ignores every byte outside [A-Za-z0-9+/] and line ends; a run of '=' ends the
 *     current 4-character group early: a group of 2 or 3 characters gives 1 or 2 bytes, a group of
 *     1 character gives none; the same applies at the end of the body.
 * No decoder writes more bytes than it reads, plus one LF. Layer 1: no node:* imports.
 */

export type BodyEncoding = 'identity' | 'quoted-printable' | 'base64';

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const EQUALS = 0x3d;

/** The decoder of a transfer-encoding token: one containing 'base64' wins over 'quoted-printable'. */
export function bodyEncodingOf(token: string): BodyEncoding {
  const t = token.toLowerCase();
  if (t.includes('base64')) return 'base64';
  if (t.includes('quoted-printable')) return 'quoted-printable';
  return 'identity';
}

/**
 * Decodes src[from, to) into dst and returns the number of bytes written. `to` is just past an LF
 * or the end of the message; dst must hold to − from + 1 bytes.
 */
export function decodeBody(src: Uint8Array, from: number, to: number, enc: BodyEncoding, dst: Uint8Array): number {
  if (to <= from) return 0;
  if (enc === 'base64') return base64(src, from, to, dst);
  if (enc === 'quoted-printable') return quotedPrintable(src, from, to, dst);
  return identity(src, from, to, dst);
}

/**
 * Copies the range in one native copy, then, only where a run of CRs ends a line, closes the gap
 * by moving the rest down within dst (most bodies are all-LF or all-CRLF: no per-byte JS loop).
 */
function identity(src: Uint8Array, from: number, to: number, dst: Uint8Array): number {
  const len = to - from;
  dst.set(src.subarray(from, to));
  let written = 0; // dst[0, written) is final output
  let pending = 0; // dst[pending, len) still holds input not yet moved, equal to src[from + pending, to)
  // CRs are looked up in src: dst beyond len holds stale bytes, and src equals dst where it is read
  let cr = src.indexOf(CR, from) - from;
  while (cr >= 0 && cr < len) {
    let after = cr + 1;
    while (after < len && dst[after] === CR) after++;
    if (after === len || dst[after] === LF) {
      if (written !== pending) dst.copyWithin(written, pending, cr);
      written += cr - pending;
      pending = after;
    }
    cr = after < len ? src.indexOf(CR, from + after) - from : -1;
  }
  if (written !== pending) dst.copyWithin(written, pending, len);
  written += len - pending;
  if (src[to - 1] !== LF) dst[written++] = LF;
  return written;
}

/** Value of an ASCII hex digit, or -1. */
function hexValue(c: number): number {
  if (c <= 0x39) return c >= 0x30 ? c - 0x30 : -1;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

function quotedPrintable(src: Uint8Array, from: number, to: number, dst: Uint8Array): number {
  let w = 0;
  let i = from;
  while (i < to) {
    const c = src[i];
    if (c === CR || c === EQUALS) {
      // where the CRs after this byte lead: a line end (LF or end of body) or more text
      let after = i + 1;
      while (after < to && src[after] === CR) after++;
      const lineEnd = after === to || src[after] === LF;
      if (c === CR) {
        if (lineEnd) i = after; // CRs ending a line are dropped
        else while (i < after) dst[w++] = src[i++];
        continue;
      }
      if (lineEnd) {
        // soft break: the line and its LF vanish
        if (after === to) return w;
        i = after + 1;
        continue;
      }
      if (i + 2 < to) {
        const hi = hexValue(src[i + 1]);
        const lo = hi < 0 ? -1 : hexValue(src[i + 2]);
        if (lo >= 0) {
          dst[w++] = (hi << 4) | lo;
          i += 3;
          continue;
        }
      }
    }
    dst[w++] = c;
    i++;
  }
  if (src[to - 1] !== LF) dst[w++] = LF;
  return w;
}

/** Sextet value of a base64 alphabet byte; -1 for '=', -2 for bytes that are skipped. */
const SEXTET: Int8Array = (() => {
  const table = new Int8Array(256).fill(-2);
  for (let v = 0; v < 26; v++) {
    table[0x41 + v] = v;
    table[0x61 + v] = 26 + v;
  }
  for (let v = 0; v < 10; v++) table[0x30 + v] = 52 + v;
  table[0x2b] = 62;
  table[0x2f] = 63;
  table[EQUALS] = -1;
  return table;
})();

function base64(src: Uint8Array, from: number, to: number, dst: Uint8Array): number {
  let w = 0;
  let group = 0; // sextets of the open group, most significant first
  let count = 0; // how many sextets it holds (0–3)
  for (let i = from; i < to; i++) {
    const v = SEXTET[src[i]];
    if (v >= 0) {
      group = (group << 6) | v;
      if (++count === 4) {
        dst[w] = group >>> 16;
        dst[w + 1] = group >>> 8;
        dst[w + 2] = group;
        w += 3;
        group = 0;
        count = 0;
      }
    } else if (v === -1 && count > 0) {
      w = flushGroup(dst, w, group, count);
      group = 0;
      count = 0;
    }
  }
  return count > 0 ? flushGroup(dst, w, group, count) : w;
}

/** Writes the bytes of an incomplete group of `count` sextets (1 → none, 2 → 1, 3 → 2). */
function flushGroup(dst: Uint8Array, w: number, group: number, count: number): number {
  if (count === 2) dst[w++] = group >>> 4;
  else if (count === 3) {
    dst[w++] = group >>> 10;
    dst[w++] = group >>> 2;
  }
  return w;
}

/**
 * Un-wraps format=flowed text as postal-mime does: the text is split at LF (a CR just before the
 * LF goes too), each line loses one leading space (space-stuffing), and a line is joined to the
 * logical line before it when that one ends in a space and is not the signature separator '-- ';
 * with DelSp=yes that trailing space is removed on joining. Other lines start a new logical line.
 */
export function unflow(text: string, delSp: boolean): string {
  let done = '';
  let logical = '';
  let start = 0;
  for (let first = true; ; first = false) {
    const lf = text.indexOf('\n', start);
    let end = lf < 0 ? text.length : lf;
    if (lf >= 0 && end > start && text.charCodeAt(end - 1) === CR) end--;
    const line = start < end && text.charCodeAt(start) === SP ? text.slice(start + 1, end) : text.slice(start, end);
    if (!first) {
      if (logical.endsWith(' ') && logical !== '-- ') {
        if (delSp) logical = logical.slice(0, -1);
      } else {
        done += logical + '\n';
        logical = '';
      }
    }
    logical += line;
    if (lf < 0) return done + logical;
    start = lf + 1;
  }
}
