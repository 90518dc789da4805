/**
 * A synchronous stand-in for `Blob` while postal-mime parses a message.
 *
 * postal-mime collects every decoded body line as a separate chunk and joins them with
 * `new Blob(chunks).arrayBuffer()`. In Node 20 a Blob of thousands of parts is read part by part
 * through the thread pool: measured on the 6,046-message corpus, that reading was ~80 % of all
 * parse time (p99 18–22 ms per message, max 130 ms). Joining the chunks in JavaScript gives
 * byte-identical parse results (checked on the corpus, test/unit/data/concat-blob.test.ts) at a
 * fifth of the time (p99 ~4 ms on a loaded machine).
 *
 * The substitution is scoped: `withConcatBlob` installs the class on `globalThis.Blob` for the
 * duration of the parse calls it wraps (reference-counted, so overlapping async parses restore the
 * original exactly once) and restores it afterwards. It implements the subset postal-mime uses
 * (`size`, `type`, `arrayBuffer()`, `text()`); `Blob` inputs are not accepted by our parser anyway.
 */

const encoder = new TextEncoder();

type Part = string | ArrayBuffer | ArrayBufferView;

function bytesOf(p: Part): Uint8Array {
  if (typeof p === 'string') return encoder.encode(p);
  if (p instanceof ArrayBuffer) return new Uint8Array(p);
  if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
  throw new TypeError(`ConcatBlob: unsupported part of type ${typeof p}`);
}

export class ConcatBlob {
  readonly size: number;
  readonly type: string;
  private readonly parts: Uint8Array[];

  constructor(parts: readonly Part[] = [], options: { type?: string } = {}) {
    this.parts = parts.map(bytesOf);
    this.type = options.type ?? '';
    let n = 0;
    for (const p of this.parts) n += p.byteLength;
    this.size = n;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.byteLength;
    }
    return out;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.bytes().buffer as ArrayBuffer);
  }

  text(): Promise<string> {
    return Promise.resolve(new TextDecoder().decode(this.bytes()));
  }
}

/** Reference count of the scopes currently inside `withConcatBlob`, and the Blob they replaced. */
const scope: { depth: number; original: unknown } = { depth: 0, original: undefined };

/** Runs `fn` with `globalThis.Blob` = ConcatBlob; the original is restored when the last scope ends. */
export async function withConcatBlob<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as { Blob?: unknown };
  if (scope.depth === 0) {
    scope.original = g.Blob;
    g.Blob = ConcatBlob;
  }
  scope.depth++;
  try {
    return await fn();
  } finally {
    scope.depth--;
    if (scope.depth === 0) g.Blob = scope.original;
  }
}
