/**
 * A compact set of e-mail ids for a model artifact's metadata: the e-mails it was trained on, so
 * that a later comparison can leave them out of the test rows it scores that model on (a Staging
 * model trained with another split, or before new e-mails arrived, has seen some of today's test
 * e-mails, which would flatter it). Each id is the first 8 bytes of its sha256; the sorted values,
 * little-endian, base64. 64-bit hashes: a false match among 10⁶ ids has odds around 10⁻⁸.
 */
import { createHash } from 'node:crypto';
import { TrainSpamError } from '../core/errors.js';

function idHash(id: string): bigint {
  return createHash('sha256').update(id).digest().readBigUInt64LE(0);
}

export function encodeIdSet(ids: readonly string[]): string {
  const h = new BigUint64Array(ids.length);
  for (let i = 0; i < ids.length; i++) h[i] = idHash(ids[i]);
  h.sort();
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('base64');
}

export interface IdSet {
  readonly size: number;
  has(id: string): boolean;
}

export function decodeIdSet(text: string, where: string): IdSet {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0 || Buffer.from(bytes).toString('base64') !== text.replace(/\s+/g, '')) {
    throw new TrainSpamError('FORMAT_ERROR', `${where}: the training e-mail ids are not base64 of 64-bit values`, { where });
  }
  const h = new BigUint64Array(bytes.length / 8);
  for (let i = 0; i < h.length; i++) h[i] = bytes.readBigUInt64LE(i * 8);
  return {
    size: h.length,
    has(id) {
      const v = idHash(id);
      let lo = 0;
      let hi = h.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (h[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      return lo < h.length && h[lo] === v;
    },
  };
}
