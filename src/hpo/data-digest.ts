/**
 * What a study's journal records about its training data, so that `--resume` and `hpo merge`
 * refuse a journal written for other data (other rows, columns, values or labels): its shape and a
 * 64-bit digest (two FNV-1a-style 32-bit hashes over the 32-bit words of every array, ~5 ms for
 * the SpamAssassin training matrix). Not cryptographic: it catches the wrong file, not an attacker.
 */
import type { TrainingData } from '../models/contract.js';

export interface DataSummary {
  readonly rows: number;
  readonly denseCols: number;
  readonly sparseCols: number;
  readonly nonZeros: number;
  /** 16 hex digits. */
  readonly digest: string;
}

/** `a` as 32-bit words (a copy when it does not start on a 4-byte boundary) and its tail bytes. */
function words(a: ArrayBufferView): { words: Uint32Array; tail: Uint8Array } {
  const bytes = a.byteOffset % 4 === 0 ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  const whole = Math.floor(bytes.byteLength / 4);
  return { words: new Uint32Array(bytes.buffer, bytes.byteOffset, whole), tail: bytes.subarray(whole * 4) };
}

/** The 64-bit digest (16 hex digits) of the arrays' bytes, in order. */
function digestOf(arrays: readonly ArrayBufferView[]): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x01234567 | 0;
  const mix = (w: number) => {
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul(h2 ^ w, 0x5bd1e995) ^ (h2 >>> 15);
  };
  for (const a of arrays) {
    const { words: u, tail } = words(a);
    for (let i = 0; i < u.length; i++) mix(u[i]);
    for (let i = 0; i < tail.length; i++) mix(tail[i] | 0x100);
    mix(a.byteLength);
  }
  const hex = (h: number) => (h >>> 0).toString(16).padStart(8, '0');
  return hex(h1) + hex(h2);
}

export function summarizeTrainingData(data: TrainingData): DataSummary {
  const { X, y } = data;
  const digest = digestOf([X.dense.data, X.sparse.indptr, X.sparse.indices, X.sparse.data, y]);
  return { rows: X.rows, denseCols: X.dense.cols, sparseCols: X.sparse.cols, nonZeros: X.sparse.data.length, digest };
}

/**
 * The digest of the row groups the validation cut keeps whole (duplicate bodies), null without
 * groups: the same matrix cut with and without them gives other scores, so a journal records it.
 */
export function summarizeGroups(groups: Int32Array | undefined): string | null {
  return groups ? digestOf([groups]) : null;
}
