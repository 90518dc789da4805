/**
 * Transfer decoding of a MIME body for the reader (mime-reader.ts): postal-mime 4.0.0's three
 * decoders (MIT licence, (c) Andris Reinman) over a byte range of the message, line by line as
 * postal-mime reads it (a line ends at LF; trailing CRs are dropped), into a caller's buffer.
 *   - pass-through (7bit, 8bit, binary, anything else): each line, then '\n';
 *   - quoted-printable: `=XX` escapes decoded where valid, a trailing '=' is a soft break,
 *     otherwise '\n' after the line;
 *   - base64: only [A-Za-z0-9+/] count; every run of '=' closes the open unit, whose last partial
 *     group yields k − 1 bytes (none for one character), as postal-mime's split on /=+/ does.
 * Layer 1: no node:* imports.
 */

export type TransferEncoding = 0 | 1 | 2;
export const PASS_THROUGH = 0;
export const QUOTED_PRINTABLE = 1;
export const BASE64 = 2;

/** postal-mime `setupContentDecoder`: the decoder for a transfer-encoding token. */
export function transferEncodingOf(token: string): TransferEncoding {
  return /base64/i.test(token) ? BASE64 : /quoted-printable/i.test(token) ? QUOTED_PRINTABLE : PASS_THROUGH;
}

/** base64 alphabet → sextet, -1 for other bytes, -2 for '='. */
const B64: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < abc.length; i++) t[abc.charCodeAt(i)] = i;
  t[0x3d] = -2;
  return t;
})();

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * Decodes the lines of av[start, stop) into out[0, n) and returns n. `out` must hold
 * stop − start + 1 bytes (decoding never grows a body, except by the '\n' after a last line
 * without one).
 */
export function decodeTransfer(av: Uint8Array, start: number, stop: number, enc: TransferEncoding, out: Uint8Array): number {
  if (enc === PASS_THROUGH) return passThrough(av, start, stop, out);
  let o = 0;
  // base64 state across lines: the sextets of the open group and how many
  let acc = 0;
  let k = 0;
  for (let pos = start; pos < stop; ) {
    const from = pos;
    const lf = av.indexOf(0x0a, pos);
    let end = lf < 0 || lf >= stop ? stop : lf;
    pos = end < stop ? end + 1 : stop;
    while (end > from && av[end - 1] === 0x0d) end--;
    if (enc === QUOTED_PRINTABLE) {
      const soft = end > from && av[end - 1] === 0x3d;
      const e = soft ? end - 1 : end;
      for (let i = from; i < e; i++) {
        const c = av[i];
        if (c === 0x3d && i + 2 < e) {
          const hi = hexNibble(av[i + 1]);
          const lo = hexNibble(av[i + 2]);
          if (hi >= 0 && lo >= 0) {
            out[o++] = (hi << 4) | lo;
            i += 2;
            continue;
          }
        }
        out[o++] = c;
      }
      if (!soft) out[o++] = 0x0a;
    } else {
      for (let i = from; i < end; i++) {
        const v = B64[av[i]];
        if (v === -1) continue;
        if (v === -2) {
          if (k === 2) out[o++] = acc >> 4;
          else if (k === 3) {
            out[o++] = acc >> 10;
            out[o++] = (acc >> 2) & 0xff;
          }
          acc = 0;
          k = 0;
          continue;
        }
        acc = (acc << 6) | v;
        if (++k === 4) {
          out[o++] = acc >> 16;
          out[o++] = (acc >> 8) & 0xff;
          out[o++] = acc & 0xff;
          acc = 0;
          k = 0;
        }
      }
    }
  }
  if (enc === BASE64) {
    if (k === 2) out[o++] = acc >> 4;
    else if (k === 3) {
      out[o++] = acc >> 10;
      out[o++] = (acc >> 2) & 0xff;
    }
  }
  return o;
}

/**
 * Pass-through: the lines, each ended by '\n', i.e. the bytes without the CRs that end a line.
 * One bulk copy, then lines with trailing CRs are moved down in place (native copies, no byte loop).
 */
function passThrough(av: Uint8Array, start: number, stop: number, out: Uint8Array): number {
  const n = stop - start;
  if (n <= 0) return 0;
  out.set(av.subarray(start, stop));
  const cr = av.indexOf(0x0d, start);
  if (cr < 0 || cr >= stop) {
    if (av[stop - 1] === 0x0a) return n;
    out[n] = 0x0a;
    return n + 1;
  }
  // out[0, o) is done; out[p, n) is still the input (o ≤ p: a line never grows, LF included)
  let o = 0;
  for (let p = 0; p < n; ) {
    const lf = out.indexOf(0x0a, p);
    const hasLf = lf >= 0 && lf < n;
    let end = hasLf ? lf : n;
    const next = hasLf ? lf + 1 : n;
    while (end > p && out[end - 1] === 0x0d) end--;
    if (o !== p) out.copyWithin(o, p, end);
    o += end - p;
    out[o++] = 0x0a;
    p = next;
  }
  return o;
}
