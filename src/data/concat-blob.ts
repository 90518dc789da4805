/**
 * A fast join of postal-mime's decoded body chunks, without touching `globalThis.Blob`.
 *
 * postal-mime's transfer decoders (base64, quoted-printable, pass-through) collect every decoded
 * body line as a separate chunk and join them in `finalize()` with
 * `blobToArrayBuffer(new Blob(this.chunks))`. In Node 20 a Blob of thousands of parts is read part
 * by part through the thread pool: on the 6,046-message corpus that reading was ~80 % of
 * postal-mime's parse time. Joining the chunks in JavaScript gives byte-identical parse results
 * (checked on the corpus, test/unit/data/concat-blob.test.ts) at a quarter of the time.
 *
 * This used to be done by swapping `globalThis.Blob` for a Blob-like class while a parse was in
 * flight. The parse awaits, so every other task of the process that built a Blob meanwhile got
 * the stand-in (no `slice`, no `stream`; `new Response(blob).text()` read "[object Object]"):
 * a server scoring requests concurrently was exposed. Now `installFastDecoders` replaces
 * `finalize` on the three decoder classes of postal-mime itself (reached through a throwaway
 * parser, the package does not export them), so the change is confined to postal-mime's own
 * decoders and no one else sees a different Blob. A decoder is only replaced when the source of
 * its `finalize` is exactly the known "flush, then join `this.chunks` through a Blob"; a
 * postal-mime release that changes it keeps its own `finalize` (correct, just slower).
 */
import PostalMime from 'postal-mime';
import type { Email } from 'postal-mime';

const encoder = new TextEncoder();

/** What postal-mime's decoders push into `chunks`: decoded bytes, and '\n' strings (pass-through). */
export type Part = string | ArrayBuffer | ArrayBufferView;

function bytesOf(p: Part): Uint8Array {
  // Blob converts strings the same way: UTF-8, lone surrogates as U+FFFD
  if (typeof p === 'string') return encoder.encode(p);
  if (p instanceof ArrayBuffer) return new Uint8Array(p);
  if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
  throw new TypeError(`joinParts: unsupported part of type ${typeof p}`);
}

/** The bytes `new Blob(parts).arrayBuffer()` resolves to, in a fresh ArrayBuffer. */
export function joinParts(parts: readonly Part[]): ArrayBuffer {
  const bytes = parts.map(bytesOf);
  let size = 0;
  for (const b of bytes) size += b.byteLength;
  const out = new Uint8Array(size);
  let o = 0;
  for (const b of bytes) {
    out.set(b, o);
    o += b.byteLength;
  }
  return out.buffer;
}

/** A decoder of postal-mime as far as the replacement `finalize` uses it. */
interface Decoder {
  chunks: Part[];
  finalize(): Promise<ArrayBuffer>;
  [flush: string]: unknown;
}

/** The parts of postal-mime's MimeNode used to obtain one decoder of each class. */
interface DecoderFactory {
  contentDecoder: object | null;
  setupContentDecoder(transferEncoding: string): void;
}

/**
 * postal-mime's `finalize` of a decoder with comments and whitespace removed: an optional flush of
 * the decoder's pending bytes (the method named in group 1), then the Blob join of `this.chunks`.
 */
const KNOWN_FINALIZE =
  /^finalize\(\)\{(?:this\.(flushRemainder|flushBuffer)\(\);)?return(?:\(0,[\w$]+\.)?blobToArrayBuffer\)?\(newBlob\(this\.chunks,\{type:'application\/octet-stream'\}\)\);\}$/;

/** The replaced methods, for `uninstallFastDecoders`; null until installed. */
let installed: Array<{ proto: Decoder; original: Decoder['finalize'] }> | null = null;

/** The `finalize` that joins in JavaScript, for a decoder whose original flushes with `flush` first. */
function fastFinalize(flush: string | undefined): Decoder['finalize'] {
  return function finalize(this: Decoder): Promise<ArrayBuffer> {
    if (flush !== undefined) (this[flush] as () => void)();
    return Promise.resolve(joinParts(this.chunks));
  };
}

/**
 * Replaces `finalize` of postal-mime's decoder classes by the JavaScript join (once; later calls
 * do nothing). Returns the number of decoder classes replaced: 3 with the postal-mime this was
 * written for, fewer when a release changed them (those keep their own, slower join).
 */
export function installFastDecoders(): number {
  if (installed !== null) return installed.length;
  installed = [];
  const node = (new PostalMime() as unknown as { root?: Partial<DecoderFactory> }).root;
  if (typeof node?.setupContentDecoder !== 'function') return 0;
  const seen = new Set<object>();
  for (const encoding of ['base64', 'quoted-printable', '8bit']) {
    node.setupContentDecoder(encoding);
    const decoder = node.contentDecoder as Partial<Decoder> | null | undefined;
    const proto = decoder ? (Object.getPrototypeOf(decoder) as Decoder | null) : null;
    if (!decoder || !proto || seen.has(proto) || !Array.isArray(decoder.chunks)) continue;
    seen.add(proto);
    const original = proto.finalize;
    if (!Object.prototype.hasOwnProperty.call(proto, 'finalize') || typeof original !== 'function') continue;
    const known = KNOWN_FINALIZE.exec(stripComments(Function.prototype.toString.call(original)));
    if (!known || (known[1] !== undefined && typeof proto[known[1]] !== 'function')) continue;
    proto.finalize = fastFinalize(known[1]);
    installed.push({ proto, original });
  }
  return installed.length;
}

/** Restores postal-mime's own `finalize` (tests compare against it); `installFastDecoders` re-installs. */
export function uninstallFastDecoders(): void {
  for (const { proto, original } of installed ?? []) proto.finalize = original;
  installed = null;
}

/** Source text without `//` line comments and whitespace (the decoders' sources have no strings with either). */
function stripComments(source: string): string {
  return source.replace(/\/\/[^\n]*/g, '').replace(/\s+/g, '');
}

/** `PostalMime.parse` with the fast decoders installed. */
export function parsePostal(raw: string | Uint8Array): Promise<Email> {
  installFastDecoders();
  return PostalMime.parse(raw);
}
