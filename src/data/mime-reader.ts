/**
 * A synchronous, low-allocation MIME reader for the fields an EmailRecord needs (addresses,
 * subject, the text and HTML bodies, the attachment count, the Content-Type and Date headers).
 *
 * It follows postal-mime 4.0.0 step for step — line splitting (trailing CRs dropped), boundary
 * matching over the stack of open multiparts, header folding and first-occurrence content
 * headers, the transfer decoders (pass-through, quoted-printable, base64 with its '='-unit
 * rule), charset decoding, format=flowed, and the grouping of text parts under their
 * multipart/alternative — so that its results are identical to postal-mime's: checked on every
 * message of the SpamAssassin corpus and on every re-created serving message
 * (scripts/check-mime-reader.mjs). What differs is the cost: no promise per line, no Blob, one
 * reusable byte buffer for the input and one for decoded text, and the bodies of parts no field
 * uses (attachments) are never decoded.
 *
 * Whatever it does not reproduce exactly, it declines (`read` returns null with the reason in
 * `lastDecline`) and the caller parses with postal-mime: empty input, message/rfc822 parts,
 * multipart/digest, RFC 2231 continuations of a Content-Type parameter the reader uses (charset,
 * boundary, format, delsp), charsets outside CHARSETS, bodies that
 * postal-mime would convert between text and HTML (a text part without an alternative of the
 * other type when the message has both), nesting deeper than MAX_DEPTH, headers over postal-mime's
 * 2 MiB limit.
 *
 * A reader holds scratch buffers: one reader per thread of use (it is not re-entrant, and not
 * shared module state). Layer 1: no node:* imports.
 */
import { addressParser, decodeWords, type Address } from 'postal-mime';
import { decodeTransfer, PASS_THROUGH, transferEncodingOf, type TransferEncoding } from './mime-body.js';
import { continuedParams, decodeFlowedText, parseStructuredHeader, stripComments, trimWsp, type StructuredHeader } from './mime-header.js';

/** The parsed fields toRecord reads (the same shape whichever parser produced them). */
export interface MessageFields {
  from: Address | undefined;
  replyTo: Address[] | undefined;
  to: Address[] | undefined;
  cc: Address[] | undefined;
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  attachments: number;
  /** Value of the first non-empty top-level Content-Type header ('' when none). */
  contentType: string;
  /** Value of the first top-level Date header. */
  date: string | undefined;
}

/**
 * Charset labels the reader decodes itself. Each is a WHATWG label, which postal-mime's
 * `getDecoder` hands to `new TextDecoder(label)` unchanged; other labels go through its alias
 * table, so those messages are left to postal-mime.
 */
export const CHARSETS: ReadonlySet<string> = new Set([
  'utf-8', 'utf8', 'unicode-1-1-utf-8',
  'us-ascii', 'ascii', 'iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'l1', 'windows-1252', 'cp1252', 'x-cp1252',
  'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7', 'iso-8859-8', 'iso-8859-9',
  'iso-8859-10', 'iso-8859-13', 'iso-8859-15', 'iso-8859-16',
  'windows-1250', 'windows-1251', 'windows-1253', 'windows-1254', 'windows-1255', 'windows-1256', 'windows-1257',
  'koi8-r', 'koi8-u', 'gb2312', 'gbk', 'gb18030', 'big5', 'euc-kr', 'ks_c_5601-1987', 'euc-jp', 'shift_jis', 'iso-2022-jp',
]);

const MAX_HEADERS_SIZE = 2 * 1024 * 1024;
/** Deeper trees are left to postal-mime (its own limit, 256, throws). */
const MAX_DEPTH = 64;
const CONTENT_HEADERS = new Set(['content-type', 'content-transfer-encoding', 'content-disposition']);
/** Content-Type parameters the reader reads. */
const USED_PARAMS = new Set(['charset', 'boundary', 'format', 'delsp']);

interface Part {
  parent: Part | null;
  depth: number;
  /** 0 header, 1 body, 2 finished */
  state: number;
  /** Byte range of the header lines (contiguous: a part gets lines from its start to its blank line). */
  headerStart: number;
  headerEnd: number;
  type: StructuredHeader;
  multipart: string | false;
  disposition: string;
  enc: TransferEncoding;
  children: Part[];
  finalizedChildren: number;
  /** Offsets of the first body line and past the last body line fed (ends included). */
  bodyStart: number;
  bodyEnd: number;
  /** Top-level part only: every header as [lower-cased key, value]. */
  headers: string[] | null;
}

interface Boundary {
  value: Uint8Array;
  part: Part;
}

/** Thrown inside the reader for input it leaves to postal-mime; never escapes `read`. */
class Decline {
  constructor(readonly reason: string) {}
}

const EMPTY = new Uint8Array(0);
const headerDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

export class MimeReader {
  private input = new Uint8Array(0);
  private out = new Uint8Array(0);
  private outLen = 0;
  private readonly decoders = new Map<string, { decode(bytes: Uint8Array): string }>();
  private av: Uint8Array = EMPTY;
  private boundaries: Boundary[] = [];
  private headerSize = 0;
  /** Why the last `read` returned null. */
  lastDecline = '';
  /** UTF-8 byte length of the last message read (a string is encoded anyway). */
  bytesRead = 0;

  /** The fields of one raw message, or null when postal-mime must parse it (see `lastDecline`). */
  read(raw: string | Uint8Array): MessageFields | null {
    try {
      this.av = typeof raw === 'string' ? this.encode(raw) : raw;
      this.bytesRead = this.av.length;
      return this.parse();
    } catch (e) {
      if (e instanceof Decline) {
        this.lastDecline = e.reason;
        return null;
      }
      throw e;
    } finally {
      this.boundaries = [];
      this.av = EMPTY;
    }
  }

  private encode(s: string): Uint8Array {
    if (this.input.length < s.length) this.input = new Uint8Array(Math.max(s.length + (s.length >> 2), 4096));
    let r = encoder.encodeInto(s, this.input);
    if (r.read < s.length) {
      this.input = new Uint8Array(s.length * 3);
      r = encoder.encodeInto(s, this.input);
    }
    return this.input.subarray(0, r.written);
  }

  private newPart(parent: Part | null): Part {
    const depth = parent ? parent.depth + 1 : 0;
    if (depth > MAX_DEPTH) throw new Decline('nesting');
    if (parent?.multipart === 'digest') throw new Decline('multipart/digest');
    const p: Part = {
      parent, depth, state: 0, headerStart: -1, headerEnd: -1, type: { value: 'text/plain', params: {} }, multipart: false, disposition: '',
      enc: PASS_THROUGH, children: [], finalizedChildren: 0, bodyStart: -1, bodyEnd: -1, headers: parent ? null : [],
    };
    if (parent) parent.children.push(p);
    return p;
  }

  private parse(): MessageFields {
    const av = this.av;
    const n = av.length;
    if (n === 0) throw new Decline('empty message');
    this.headerSize = 0;
    const root = this.newPart(null);
    let current = root;
    let pos = 0;
    while (pos < n) {
      const start = pos;
      const lf = av.indexOf(0x0a, pos);
      let end = lf < 0 ? n : lf;
      pos = lf < 0 ? n : lf + 1;
      while (end > start && av[end - 1] === 0x0d) end--;
      const isFinal = pos >= n;
      const b = this.boundaries.length > 0 && end - start > 2 && av[start] === 0x2d && av[start + 1] === 0x2d ? this.matchBoundary(start, end) : null;
      if (b !== null) {
        if (b.terminator) {
          this.finalize(b.part);
          current = b.part.parent ?? root;
        } else {
          this.finalizeChildren(b.part);
          current = this.newPart(b.part);
        }
      } else this.feed(current, start, end, pos);
      if (isFinal) this.finalize(root);
    }
    return this.collect(root);
  }

  private matchBoundary(start: number, end: number): { part: Part; terminator: boolean } | null {
    const av = this.av;
    const len = end - start;
    for (let i = this.boundaries.length - 1; i >= 0; i--) {
      const bv = this.boundaries[i].value;
      const bl = bv.length;
      if (len < bl + 2) continue;
      let match = true;
      for (let j = 0; j < bl; j++) {
        if (av[start + 2 + j] !== bv[j]) {
          match = false;
          break;
        }
      }
      if (!match) continue;
      let bEnd = bl + 2;
      let terminator = false;
      if (len >= bl + 4 && av[start + bl + 2] === 0x2d && av[start + bl + 3] === 0x2d) {
        terminator = true;
        bEnd = bl + 4;
      }
      let trailingOk = true;
      for (let j = start + bEnd; j < end; j++) {
        if (av[j] !== 0x20 && av[j] !== 0x09) {
          trailingOk = false;
          break;
        }
      }
      if (!trailingOk) continue;
      return { part: this.boundaries[i].part, terminator };
    }
    return null;
  }

  private feed(p: Part, start: number, end: number, next: number): void {
    if (p.state === 0) {
      if (end === start) {
        p.state = 1;
        this.processHeaders(p);
        p.bodyStart = next;
        p.bodyEnd = next;
        return;
      }
      this.headerSize += end - start;
      if (this.headerSize > MAX_HEADERS_SIZE) throw new Decline('header size limit');
      if (p.headerStart < 0) p.headerStart = start;
      p.headerEnd = next;
    } else if (p.state === 1) p.bodyEnd = next;
  }

  private finalize(p: Part): void {
    if (p.state === 2) return;
    if (p.state === 0) this.processHeaders(p);
    for (let i = this.boundaries.length - 1; i >= 0; i--) {
      if (this.boundaries[i].part === p) {
        this.boundaries.splice(i, 1);
        break;
      }
    }
    this.finalizeChildren(p);
    p.state = 2;
  }

  private finalizeChildren(p: Part): void {
    while (p.finalizedChildren < p.children.length) this.finalize(p.children[p.finalizedChildren++]);
  }

  private processHeaders(p: Part): void {
    let ctype: string | undefined;
    let cte: string | undefined;
    let disp: string | undefined;
    // One decode for the whole block: an LF ends any unfinished UTF-8 sequence, so this equals
    // decoding line by line as postal-mime does; lines then lose their trailing CRs.
    const block = p.headerStart < 0 ? '' : headerDecoder.decode(this.av.subarray(p.headerStart, p.headerEnd));
    const n = block.length;
    let pos = 0;
    const nextLine = (): string => {
      const lf = block.indexOf('\n', pos);
      let end = lf < 0 ? n : lf;
      const start = pos;
      pos = lf < 0 ? n : lf + 1;
      while (end > start && block.charCodeAt(end - 1) === 0x0d) end--;
      return block.slice(start, end);
    };
    while (pos < n) {
      // one header: this line and the SP/HTAB continuation lines after it
      let unfolded = nextLine();
      while (pos < n && (block.charCodeAt(pos) === 0x20 || block.charCodeAt(pos) === 0x09)) unfolded += nextLine();
      const sep = unfolded.indexOf(':');
      const key = trimWsp(sep < 0 ? unfolded : unfolded.slice(0, sep)).toLowerCase();
      if (p.headers === null && !CONTENT_HEADERS.has(key)) continue;
      const rest = sep < 0 ? '' : unfolded.slice(sep + 1);
      const value = trimWsp(rest.indexOf('\r') < 0 ? rest : rest.replace(/[\r\n]+/g, ' '));
      if (p.headers !== null) p.headers.push(key, value);
      if (key === 'content-type') ctype ??= value;
      else if (key === 'content-transfer-encoding') cte ??= value;
      else if (key === 'content-disposition') disp ??= value;
    }
    const type = parseStructuredHeader(ctype ?? 'text/plain');
    for (const k of continuedParams(type)) if (USED_PARAMS.has(k)) throw new Decline('RFC 2231 parameter continuation');
    p.type = type;
    p.multipart = /^multipart\//i.test(type.value) ? type.value.slice(type.value.indexOf('/') + 1) : false;
    if (p.multipart && type.params.boundary) this.boundaries.push({ value: encoder.encode(type.params.boundary), part: p });
    // continuations change parameters only, and only the disposition's value is read
    if (disp !== undefined) p.disposition = parseStructuredHeader(disp).value;
    p.enc = transferEncodingOf(cte === undefined ? '8bit' : cteToken(cte));
  }

  /** postal-mime `collectNode` + `renderTextContent` + the fields of `buildMessage`. */
  private collect(root: Part): MessageFields {
    const groups = new Map<Part, { plain: string[] | null; html: string[] | null }>();
    let hasPlain = false;
    let hasHtml = false;
    let attachments = 0;
    const walk = (p: Part, alternative: Part | null): void => {
      if (!p.multipart) {
        const t = p.type.value;
        if (t === 'message/rfc822') throw new Decline('message/rfc822 part');
        if (p.disposition !== 'attachment' && (t === 'text/plain' || t === 'text/html')) {
          const sel = alternative ?? p;
          let g = groups.get(sel);
          if (g === undefined) {
            g = { plain: null, html: null };
            groups.set(sel, g);
          }
          const text = this.textOf(p);
          if (t === 'text/html') {
            (g.html ??= []).push(text);
            hasHtml = true;
          } else {
            (g.plain ??= []).push(text);
            hasPlain = true;
          }
        } else attachments++;
      } else if (p.multipart === 'alternative') alternative = p;
      for (const c of p.children) walk(c, alternative);
    };
    walk(root, null);
    let plain: string[] = [];
    let html: string[] = [];
    for (const g of groups.values()) {
      if ((hasPlain && g.plain === null) || (hasHtml && g.html === null)) throw new Decline('text/html conversion');
      if (g.plain !== null) plain = plain.concat(g.plain);
      if (g.html !== null) html = html.concat(g.html);
    }
    const text = plain.join('\n');
    const htmlText = html.join('\n');
    const h = root.headers ?? [];
    const first = (k: string): string | undefined => {
      for (let i = 0; i < h.length; i += 2) if (h[i] === k) return h[i + 1];
      return undefined;
    };
    const all = (k: string): Address[] | undefined => {
      const out: Address[] = [];
      for (let i = 0; i < h.length; i += 2) if (h[i] === k && h[i + 1]) for (const a of addressParser(h[i + 1])) out.push(a);
      return out.length ? out : undefined;
    };
    const fromValue = first('from');
    const from = fromValue ? addressParser(fromValue)[0] : undefined;
    const subject = first('subject');
    return {
      from,
      replyTo: all('reply-to'),
      to: all('to'),
      cc: all('cc'),
      subject: subject ? decodeWords(subject) : undefined,
      text: text || undefined,
      html: htmlText || undefined,
      attachments,
      contentType: firstNonEmpty(h, 'content-type'),
      date: first('date'),
    };
  }

  /** postal-mime `MimeNode.getTextContent` over the part's decoded body. */
  private textOf(p: Part): string {
    const label = (p.type.params.charset || 'utf8').trim().toLowerCase();
    if (!CHARSETS.has(label)) throw new Decline(`charset ${label}`);
    let decoder = this.decoders.get(label);
    if (decoder === undefined) {
      try {
        decoder = new TextDecoder(label);
      } catch {
        throw new Decline(`charset ${label} not supported here`);
      }
      this.decoders.set(label, decoder);
    }
    this.decodeBody(p);
    let str = decoder.decode(this.out.subarray(0, this.outLen));
    if (/^flowed$/i.test(p.type.params.format)) str = decodeFlowedText(str, /^yes$/i.test(p.type.params.delsp));
    return str;
  }

  private ensureOut(extra: number): void {
    const need = this.outLen + extra;
    if (need <= this.out.length) return;
    const grown = new Uint8Array(Math.max(need, this.out.length * 2, 4096));
    grown.set(this.out.subarray(0, this.outLen));
    this.out = grown;
  }

  /** The transfer-decoded body of a part into `out[0, outLen)`. */
  private decodeBody(p: Part): void {
    this.outLen = 0;
    if (p.bodyStart < 0) return;
    // body bytes never grow when transfer-decoded, except by the '\n' that ends a last line without one
    this.ensureOut(p.bodyEnd - p.bodyStart + 1);
    this.outLen = decodeTransfer(this.av, p.bodyStart, p.bodyEnd, p.enc, this.out);
  }
}

function firstNonEmpty(h: string[], key: string): string {
  for (let i = 0; i < h.length; i += 2) if (h[i] === key && h[i + 1] !== '') return h[i + 1];
  return '';
}

/** postal-mime's transfer-encoding token: the first [\w-]+ run of the comment-stripped, lower-cased value. */
function cteToken(value: string): string {
  const m = (value.indexOf('(') < 0 ? value : stripComments(value)).toLowerCase().match(/[\w-]+/);
  return m ? m[0] : '';
}
