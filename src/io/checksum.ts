/**
 * sha256 checksums of the files artifacts carry (model arrays, feature-matrix arrays, e-mail
 * tables, artifact.json), in lowercase hex, and the check that a recorded one has that form.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of a file's bytes, streamed (an e-mail table may be gigabytes). */
export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A recorded sha256: 64 lowercase hex digits. */
export function isSha256Hex(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
}
