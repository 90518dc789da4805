/**
 * A feature matrix (+ labels) saved as a directory, for `train-spam hpo --data <dir>`:
 *   matrix.json   { format: 'train-spam/matrix', version: 1, rows, denseCols, sparseCols, nnz, featureNames, labels }
 *   dense.f64     rows·denseCols float64, row-major      indptr.i32   rows+1 int32
 *   indices.i32   nnz int32                               values.f64   nnz float64
 *   labels.u8     rows uint8 (0/1), when labels is true
 * All little-endian (the byte order of every platform Node runs on here). The header lists each
 * array file's sha256 (`sha256`, absent in files written before it was added): a file that does not
 * match is refused, so a damaged or swapped array never reaches a model as other numbers.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import { denseMatrix, featureMatrix, type FeatureMatrix } from '../core/matrix.js';
import { isSha256Hex, sha256Hex } from '../io/checksum.js';
import { makeDirsSync } from '../io/dirs.js';

/** Beside a training matrix (feature-retrieval writes it): the duplicate-body group of each row, a JSON list of integers ≥ 0. */
export const GROUPS_FILE = 'groups.json';

const FORMAT = 'train-spam/matrix';
const VERSION = 1;

interface Header {
  format: string;
  version: number;
  rows: number;
  denseCols: number;
  sparseCols: number;
  nnz: number;
  featureNames: string[];
  labels: boolean;
  /** sha256 (hex) of each array file by name. */
  sha256?: Record<string, string>;
}


function bytes(a: ArrayBufferView): Buffer {
  return Buffer.from(a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
}

export function saveMatrix(dir: string, X: FeatureMatrix, y?: Uint8Array): void {
  makeDirsSync(dir);
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    rows: X.rows,
    denseCols: X.dense.cols,
    sparseCols: X.sparse.cols,
    nnz: X.sparse.indices.length,
    featureNames: [...X.featureNames],
    labels: y !== undefined,
  };
  const files: Array<[string, Buffer]> = [
    ['dense.f64', bytes(X.dense.data)],
    ['indptr.i32', bytes(X.sparse.indptr)],
    ['indices.i32', bytes(X.sparse.indices)],
    ['values.f64', bytes(X.sparse.data)],
    ...(y ? [['labels.u8', bytes(y)] as [string, Buffer]] : []),
  ];
  header.sha256 = {};
  for (const [name, b] of files) {
    writeFileSync(join(dir, name), b);
    header.sha256[name] = sha256Hex(b);
  }
  writeFileSync(join(dir, 'matrix.json'), JSON.stringify(header) + '\n');
}

function readTyped<T extends Float64Array | Int32Array | Uint8Array>(
  dir: string,
  name: string,
  Ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
  expectedSha256: string | undefined,
): T {
  const file = join(dir, name);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `matrix file '${file}' cannot be read: ${(e as Error).message}`, { file });
  }
  if (buf.byteLength !== length * Ctor.BYTES_PER_ELEMENT) {
    throw new TrainSpamError('FORMAT_ERROR', `matrix file '${file}' has ${buf.byteLength} bytes; expected ${length * Ctor.BYTES_PER_ELEMENT} (${length} values)`, { file });
  }
  if (expectedSha256 !== undefined && sha256Hex(buf) !== expectedSha256) {
    throw new TrainSpamError('FORMAT_ERROR', `matrix file '${file}' does not match its sha256 in matrix.json (damaged, or replaced after the matrix was written)`, { file });
  }
  const ab = new ArrayBuffer(buf.byteLength);
  new Uint8Array(ab).set(buf);
  return new Ctor(ab);
}

export function loadMatrix(dir: string): { X: FeatureMatrix; y: Uint8Array | null } {
  const hfile = join(dir, 'matrix.json');
  let text: string;
  try {
    text = readFileSync(hfile, 'utf8');
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `'${hfile}' cannot be read: ${(e as Error).message}`, { file: hfile });
  }
  let h: Header;
  try {
    h = JSON.parse(text) as Header;
  } catch (e) {
    throw new TrainSpamError('FORMAT_ERROR', `'${hfile}' is not a JSON matrix header: ${(e as Error).message}`, { file: hfile });
  }
  if (h === null || typeof h !== 'object') throw new TrainSpamError('FORMAT_ERROR', `'${hfile}' is not a JSON matrix header (an object expected)`, { file: hfile });
  if (h.format !== FORMAT || h.version !== VERSION) {
    throw new TrainSpamError('FORMAT_ERROR', `'${hfile}': format ${JSON.stringify(h.format)} version ${h.version}; expected '${FORMAT}' version ${VERSION}`, { file: hfile });
  }
  for (const field of ['rows', 'denseCols', 'sparseCols', 'nnz'] as const) {
    const v = h[field];
    if (!Number.isInteger(v) || v < 0) {
      throw new TrainSpamError('FORMAT_ERROR', `'${hfile}': field '${field}' is ${JSON.stringify(v)}; expected an integer ≥ 0`, { file: hfile, field });
    }
  }
  if (!Array.isArray(h.featureNames) || h.featureNames.length !== h.denseCols + h.sparseCols) {
    throw new TrainSpamError('FORMAT_ERROR', `'${hfile}': 'featureNames' must list denseCols + sparseCols = ${h.denseCols + h.sparseCols} names`, { file: hfile, field: 'featureNames' });
  }
  const sums = h.sha256;
  if (sums !== undefined && (sums === null || typeof sums !== 'object' || Object.values(sums).some((v) => !isSha256Hex(v)))) {
    throw new TrainSpamError('FORMAT_ERROR', `'${hfile}': 'sha256' must map array file names to 64 hex digits`, { file: hfile, field: 'sha256' });
  }
  const sum = (name: string): string | undefined => {
    if (sums === undefined) return undefined; // written before the sums were added
    if (sums[name] === undefined) throw new TrainSpamError('FORMAT_ERROR', `'${hfile}': 'sha256' has no entry for '${name}'`, { file: hfile, field: 'sha256' });
    return sums[name];
  };
  const dense = readTyped(dir, 'dense.f64', Float64Array, h.rows * h.denseCols, sum('dense.f64'));
  const indptr = readTyped(dir, 'indptr.i32', Int32Array, h.rows + 1, sum('indptr.i32'));
  const indices = readTyped(dir, 'indices.i32', Int32Array, h.nnz, sum('indices.i32'));
  const values = readTyped(dir, 'values.f64', Float64Array, h.nnz, sum('values.f64'));
  const y = h.labels ? readTyped(dir, 'labels.u8', Uint8Array, h.rows, sum('labels.u8')) : null;
  const X = featureMatrix(denseMatrix(h.rows, h.denseCols, dense), { rows: h.rows, cols: h.sparseCols, indptr, indices, data: values }, h.featureNames);
  return { X, y };
}

/** The row groups saved beside a matrix (GROUPS_FILE), null when there are none. */
export function loadGroups(dir: string, rows: number): Int32Array | null {
  const file = join(dir, GROUPS_FILE);
  if (!existsSync(file)) return null;
  let g: unknown;
  try {
    g = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TrainSpamError('FORMAT_ERROR', `${file}: not readable as JSON (${(e as Error).message})`, { file });
  }
  if (!Array.isArray(g) || g.length !== rows || !g.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new TrainSpamError('FORMAT_ERROR', `${file}: expected a JSON list of ${rows} non-negative integer group ids`, { file });
  }
  return Int32Array.from(g as number[]);
}
