/**
 * A synchronous MIME reader for the fields an EmailRecord needs: addresses, subject, the text and
 * HTML bodies, the attachment count, and the top-level Content-Type and Date values.
 *
 * Its results are those of postal-mime 4.0.0 (`parseEmailPostal` in mime.ts), which defines the
 * semantics: compared on every message of the SpamAssassin corpus, as bytes, as text and as
 * re-created serving messages (scripts/check-mime-reader.mjs), and on crafted and randomly damaged
 * messages (test/unit/data/mime-reader.test.ts). It exists for latency: one pass over the bytes
 * with no promise per line and no Blob, reusable buffers for the input and the decoded body, and
 * no decoding of bodies that no field uses (attachments).
 *
 * Design. `scan` walks the message line by line (a line ends at LF; the CRs before its end are
 * not part of it). Each MIME entity records byte ranges only: its header lines and its body lines.
 * Multipart entities whose headers are complete push their delimiter on a stack; a line that is
 * `--delimiter` (or `--delimiter--`), followed only by SP/HTAB, matches the innermost delimiter
 * first. A separator closes everything opened inside that multipart and starts a new child entity;
 * a closing delimiter closes the multipart itself, and the lines after it belong to no entity
 * until a delimiter of an outer multipart. Entities are created in document order, so `collect`
 * reads the tree as a flat list.
 *
 * Whatever the reader does not reproduce, it declines (`read` returns null and `lastDecline`
 * says why) and the caller parses with postal-mime: empty input, message/rfc822 parts, parts of a
 * multipart/digest, RFC 2231 continuations of a Content-Type parameter the reader uses (charset,
 * boundary, format, delsp), charsets outside CHARSETS, messages where postal-mime would convert a
 * body between text and HTML (a text group lacking one of the two types while the message has
 * both), nesting deeper than MAX_DEPTH, and header text over postal-mime's 2 MiB limit.
 *
 * A reader keeps scratch buffers: use one per thread (not re-entrant). Layer 1: no node:* imports.
 */
import { addressParser, decodeWords, type Address } from 'postal-mime';
import { bodyEncodingOf, decodeBody, unflow, type BodyEncoding } from './mime-body.js';
import { continues, parseHeaderValue, readHeaderFields, transferToken } from './mime-header.js';

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
 * Charset labels the reader decodes itself. postal-mime passes each of these WHATWG labels to
 * `new TextDecoder` as it is; other labels go through its own alias table, so those messages are
 * left to postal-mime.
 */
export const CHARSETS: ReadonlySet<string> = new Set([
  'utf-8', 'utf8', 'unicode-1-1-utf-8',
  'us-ascii', 'ascii', 'iso-8859-1', 'iso8859-1', 'iso_8859-1', 'latin1', 'l1', 'windows-1252', 'cp1252', 'x-cp1252',
  'iso-8859-2', 'iso-8859-3', 'iso-8859-4', 'iso-8859-5', 'iso-8859-6', 'iso-8859-7', 'iso-8859-8', 'iso-8859-9',
  'iso-8859-10', 'iso-8859-13', 'iso-8859-15', 'iso-8859-16',
  'windows-1250', 'windows-1251', 'windows-1253', 'windows-1254', 'windows-1255', 'windows-1256', 'windows-1257',
  'koi8-r', 'koi8-u', 'gb2312', 'gbk', 'gb18030', 'big5', 'euc-kr', 'ks_c_5601-1987', 'euc-jp', 'shift_jis', 'iso-2022-jp',
]);

/** postal-mime stops at 2 MiB of header text (all header lines of all parts, line ends excluded). */
const HEADER_LIMIT = 2 * 1024 * 1024;
/** Deeper entity trees are left to postal-mime (whose own limit, 256, throws). */
const MAX_DEPTH = 64;
/** Content-Type parameters the reader uses: their RFC 2231 forms make it decline. */
const USED_PARAMS = ['charset', 'boundary', 'format', 'delsp'];
/** Header fields the reader uses: of the message itself, and of the other parts. */
const TOP_FIELDS: ReadonlySet<string> = new Set([
  'from', 'reply-to', 'to', 'cc', 'subject', 'date', 'content-type', 'content-transfer-encoding', 'content-disposition',
]);
const PART_FIELDS: ReadonlySet<string> = new Set(['content-type', 'content-transfer-encoding', 'content-disposition']);

const LF = 0x0a;
const CR = 0x0d;
const NO_BYTES = new Uint8Array(0);
const DASH = 0x2d;
const SP = 0x20;
const TAB = 0x09;

/** One MIME entity (the message itself or a body part). */
interface Entity {
  index: number;
  parent: Entity | null;
  depth: number;
  /** Still reading header lines (true until the blank line). */
  inHeaders: boolean;
  /** Byte range of the header lines, [-1, -1) when there are none. */
  headFrom: number;
  headTo: number;
  /** Byte range of the body lines, [-1, -1) when the headers never ended. */
  bodyFrom: number;
  bodyTo: number;
  /** Header fields interpreted (done once, when the headers end or the entity can get no more lines). */
  interpreted: boolean;
  /** Lower-cased media type ('text/plain' without a Content-Type header). */
  mediaType: string;
  /** Subtype of a multipart ('' for other types, and for 'multipart/' alone). */
  multipart: string;
  boundary: string;
  charset: string;
  flowed: boolean;
  delSp: boolean;
  attachment: boolean;
  encoding: BodyEncoding;
  /** Index of the innermost multipart/alternative above this entity, -1 when none. */
  alternative: number;
}

/** Thrown inside the reader for a message it leaves to postal-mime; caught in `read`. */
class Declined {
  constructor(readonly reason: string) {}
}

interface Delimiter {
  bytes: Uint8Array;
  owner: Entity;
}

interface TextDecoderLike {
  decode(bytes: Uint8Array): string;
}

export class MimeReader {
  private src: Uint8Array = NO_BYTES;
  private inputBuffer = new Uint8Array(0);
  private bodyBuffer = new Uint8Array(0);
  private entities: Entity[] = [];
  private delimiters: Delimiter[] = [];
  private topHeaders: string[] = [];
  private headerBytes = 0;
  private readonly charsetDecoders = new Map<string, TextDecoderLike>();
  /** Header text decoder: UTF-8 with a leading BOM kept, as postal-mime keeps it. */
  private readonly headerText = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly utf8 = new TextEncoder();
  /** Why the last `read` returned null. */
  lastDecline = '';
  /** UTF-8 byte length of the last message read. */
  bytesRead = 0;

  /** The fields of one raw message, or null when postal-mime must parse it (see `lastDecline`). */
  read(raw: string | Uint8Array): MessageFields | null {
    try {
      this.src = typeof raw === 'string' ? this.toBytes(raw) : raw;
      this.bytesRead = this.src.length;
      if (this.src.length === 0) throw new Declined('empty message');
      this.scan();
      return this.collect();
    } catch (e) {
      if (!(e instanceof Declined)) throw e;
      this.lastDecline = e.reason;
      return null;
    } finally {
      this.src = NO_BYTES;
      this.entities = [];
      this.delimiters = [];
      this.topHeaders = [];
    }
  }

  /** UTF-8 bytes of a string in the reusable input buffer (grown to 3 bytes a code unit if needed). */
  private toBytes(s: string): Uint8Array {
    if (this.inputBuffer.length < s.length) this.inputBuffer = new Uint8Array(s.length + (s.length >> 2) + 1024);
    let done = this.utf8.encodeInto(s, this.inputBuffer);
    if (done.read < s.length) {
      this.inputBuffer = new Uint8Array(3 * s.length);
      done = this.utf8.encodeInto(s, this.inputBuffer);
    }
    return this.inputBuffer.subarray(0, done.written);
  }

  private newEntity(parent: Entity | null): Entity {
    const depth = parent === null ? 0 : parent.depth + 1;
    if (depth > MAX_DEPTH) throw new Declined('nesting');
    if (parent !== null && parent.multipart === 'digest') throw new Declined('multipart/digest');
    const alternative = parent === null ? -1 : parent.multipart === 'alternative' ? parent.index : parent.alternative;
    const e: Entity = {
      index: this.entities.length, parent, depth, inHeaders: true, headFrom: -1, headTo: -1, bodyFrom: -1, bodyTo: -1,
      interpreted: false, mediaType: 'text/plain', multipart: '', boundary: '', charset: '', flowed: false, delSp: false,
      attachment: false, encoding: 'identity', alternative,
    };
    this.entities.push(e);
    return e;
  }

  /** One pass over the lines: entity ranges, delimiters, and each entity's headers interpreted. */
  private scan(): void {
    const src = this.src;
    const n = src.length;
    this.headerBytes = 0;
    let sink: Entity | null = this.newEntity(null);
    let pos = 0;
    while (pos < n) {
      const from = pos;
      const lf = src.indexOf(LF, pos);
      const next = lf < 0 ? n : lf + 1;
      let to = lf < 0 ? n : lf;
      while (to > from && src[to - 1] === CR) to--;
      pos = next;
      if (to - from > 2 && src[from] === DASH && src[from + 1] === DASH && this.delimiters.length > 0) {
        const hit = this.delimiterAt(from, to);
        if (hit >= 0) {
          // the entity that took lines so far gets no more
          if (sink !== null && !sink.interpreted) this.interpret(sink);
          const k = hit >> 1;
          const owner = this.delimiters[k].owner;
          if ((hit & 1) === 1) {
            this.delimiters.length = k;
            sink = null;
          } else {
            this.delimiters.length = k + 1;
            sink = this.newEntity(owner);
          }
          continue;
        }
      }
      if (sink === null) continue;
      if (!sink.inHeaders) sink.bodyTo = next;
      else if (to === from) {
        sink.inHeaders = false;
        sink.bodyFrom = next;
        sink.bodyTo = next;
        this.interpret(sink);
        if (sink.multipart !== '' && sink.boundary !== '') this.delimiters.push({ bytes: this.utf8.encode(sink.boundary), owner: sink });
      } else {
        this.headerBytes += to - from;
        if (this.headerBytes > HEADER_LIMIT) throw new Declined('header size limit');
        if (sink.headFrom < 0) sink.headFrom = from;
        sink.headTo = next;
      }
    }
    if (sink !== null && !sink.interpreted) this.interpret(sink);
  }

  /**
   * 2·k for a separator of delimiter k, 2·k + 1 for its closing form, -1 when the line
   * src[from, to) is neither. The innermost delimiter is tried first.
   */
  private delimiterAt(from: number, to: number): number {
    const src = this.src;
    for (let k = this.delimiters.length - 1; k >= 0; k--) {
      const d = this.delimiters[k].bytes;
      let i = from + 2;
      if (to - i < d.length) continue;
      let j = 0;
      while (j < d.length && src[i + j] === d[j]) j++;
      if (j < d.length) continue;
      i += d.length;
      const closing = to - i >= 2 && src[i] === DASH && src[i + 1] === DASH;
      if (closing) i += 2;
      while (i < to && (src[i] === SP || src[i] === TAB)) i++;
      if (i === to) return 2 * k + (closing ? 1 : 0);
    }
    return -1;
  }

  /** Reads the entity's header fields into its media type, parameters, disposition and encoding. */
  private interpret(e: Entity): void {
    e.interpreted = true;
    const top = e.parent === null;
    const fields = top ? this.topHeaders : [];
    if (e.headFrom >= 0) readHeaderFields(this.headerText.decode(this.src.subarray(e.headFrom, e.headTo)), top ? TOP_FIELDS : PART_FIELDS, fields);
    const contentType = firstValue(fields, 'content-type');
    const transfer = firstValue(fields, 'content-transfer-encoding');
    const disposition = firstValue(fields, 'content-disposition');
    const type = parseHeaderValue(contentType ?? 'text/plain');
    for (const key of type.params.keys()) {
      for (const used of USED_PARAMS) if (continues(key, used)) throw new Declined('RFC 2231 parameter continuation');
    }
    e.mediaType = type.value;
    e.multipart = type.value.startsWith('multipart/') ? type.value.slice(10) : '';
    e.boundary = type.params.get('boundary') ?? '';
    e.charset = type.params.get('charset') ?? '';
    e.flowed = (type.params.get('format') ?? '').toLowerCase() === 'flowed';
    e.delSp = (type.params.get('delsp') ?? '').toLowerCase() === 'yes';
    e.attachment = disposition !== undefined && parseHeaderValue(disposition).value === 'attachment';
    e.encoding = transfer === undefined ? 'identity' : bodyEncodingOf(transferToken(transfer));
  }

  /** The fields, from the entity list in document order and the top-level headers. */
  private collect(): MessageFields {
    // Text parts are grouped by their innermost multipart/alternative (a part outside any is its
    // own group); the bodies of each type are joined group by group, in order of each group's
    // first text part.
    const groupRank = new Map<number, number>();
    const ranks: number[] = [];
    const isHtml: boolean[] = [];
    const bodies: string[] = [];
    let attachments = 0;
    for (const e of this.entities) {
      if (e.multipart !== '') continue;
      if (e.mediaType === 'message/rfc822') throw new Declined('message/rfc822 part');
      const html = e.mediaType === 'text/html';
      if (e.attachment || (!html && e.mediaType !== 'text/plain')) {
        attachments++;
        continue;
      }
      const group = e.alternative >= 0 ? e.alternative : e.index;
      let rank = groupRank.get(group);
      if (rank === undefined) groupRank.set(group, (rank = groupRank.size));
      bodies.push(this.textOf(e));
      ranks.push(rank);
      isHtml.push(html);
    }
    const kinds = new Uint8Array(groupRank.size); // per group: 1 plain seen, 2 html seen
    let all = 0;
    for (let i = 0; i < ranks.length; i++) {
      kinds[ranks[i]] |= isHtml[i] ? 2 : 1;
      all |= isHtml[i] ? 2 : 1;
    }
    // postal-mime fills a group that lacks one type by converting the other one: left to it
    for (const k of kinds) if (k !== all) throw new Declined('text/html conversion');
    const order = ranks.map((_, i) => i);
    if (ranks.some((r, i) => i > 0 && r < ranks[i - 1])) order.sort((a, b) => ranks[a] - ranks[b]);
    const plain: string[] = [];
    const html: string[] = [];
    for (const i of order) (isHtml[i] ? html : plain).push(bodies[i]);
    const text = plain.join('\n');
    const htmlText = html.join('\n');

    const h = this.topHeaders;
    const fromValue = firstValue(h, 'from');
    const subject = firstValue(h, 'subject');
    return {
      from: fromValue ? addressParser(fromValue)[0] : undefined,
      replyTo: addressesOf(h, 'reply-to'),
      to: addressesOf(h, 'to'),
      cc: addressesOf(h, 'cc'),
      subject: subject ? decodeWords(subject) : undefined,
      text: text || undefined,
      html: htmlText || undefined,
      attachments,
      contentType: firstNonEmptyValue(h, 'content-type'),
      date: firstValue(h, 'date'),
    };
  }

  /** The decoded text of a text part: transfer decoding, charset, then format=flowed. */
  private textOf(e: Entity): string {
    const label = (e.charset || 'utf8').trim().toLowerCase();
    if (!CHARSETS.has(label)) throw new Declined(`charset ${label}`);
    let decoder = this.charsetDecoders.get(label);
    if (decoder === undefined) {
      try {
        decoder = new TextDecoder(label);
      } catch {
        throw new Declined(`charset ${label} not supported here`);
      }
      this.charsetDecoders.set(label, decoder);
    }
    let length = 0;
    if (e.bodyFrom >= 0) {
      const need = e.bodyTo - e.bodyFrom + 1;
      if (this.bodyBuffer.length < need) this.bodyBuffer = new Uint8Array(Math.max(need, 2 * this.bodyBuffer.length, 4096));
      length = decodeBody(this.src, e.bodyFrom, e.bodyTo, e.encoding, this.bodyBuffer);
    }
    const text = decoder.decode(this.bodyBuffer.subarray(0, length));
    return e.flowed ? unflow(text, e.delSp) : text;
  }
}

/** Value of the first field named `name` in a name, value, … list. */
function firstValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function firstNonEmptyValue(fields: string[], name: string): string {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name && fields[i + 1] !== '') return fields[i + 1];
  return '';
}

/** The addresses of every non-empty field named `name`, in order; undefined when there are none. */
function addressesOf(fields: string[], name: string): Address[] | undefined {
  let out: Address[] | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] !== name || fields[i + 1] === '') continue;
    for (const a of addressParser(fields[i + 1])) (out ??= []).push(a);
  }
  return out;
}
