/**
 * Assembles one FeatureMatrix from row batches (a split transformed row group by row group): the
 * dense block is allocated once at its final size, the CSR arrays at the expected non-zeros (exact
 * for the training split: Σ df of the vocabulary), growing by half when a batch overflows them.
 * The result is the matrix that transforming all the rows at once gives, bit for bit.
 */
import { invalidArgument, TrainSpamError } from '../core/errors.js';
import { denseMatrix, featureMatrix, type FeatureMatrix } from '../core/matrix.js';

export class FeatureMatrixBuilder {
  private readonly dense: Float64Array;
  private readonly indptr: Int32Array;
  private indices: Int32Array;
  private data: Float64Array;
  private row = 0;
  private nnz = 0;

  constructor(
    readonly rows: number,
    readonly denseCols: number,
    readonly sparseCols: number,
    private readonly featureNames: readonly string[],
    nnzHint: number,
  ) {
    if (featureNames.length !== denseCols + sparseCols) throw invalidArgument(`matrix builder: ${featureNames.length} names for ${denseCols + sparseCols} columns`);
    this.dense = new Float64Array(rows * denseCols);
    this.indptr = new Int32Array(rows + 1);
    const cap = Math.max(16, Math.ceil(nnzHint));
    this.indices = new Int32Array(cap);
    this.data = new Float64Array(cap);
  }

  /** Appends the rows of `m` (same columns) after those appended so far. */
  append(m: FeatureMatrix): void {
    if (m.dense.cols !== this.denseCols || m.sparse.cols !== this.sparseCols) {
      throw invalidArgument(`matrix builder: batch has ${m.dense.cols}+${m.sparse.cols} columns, expected ${this.denseCols}+${this.sparseCols}`);
    }
    if (this.row + m.rows > this.rows) throw invalidArgument(`matrix builder: more than the ${this.rows} expected rows`);
    this.dense.set(m.dense.data.subarray(0, m.rows * this.denseCols), this.row * this.denseCols);
    const s = m.sparse;
    const k = s.indptr[s.rows] - s.indptr[0];
    if (this.nnz + k > this.indices.length) {
      let cap = Math.ceil(this.indices.length * 1.5);
      while (cap < this.nnz + k) cap = Math.ceil(cap * 1.5);
      this.indices = grow(this.indices, cap, this.nnz, Int32Array);
      this.data = grow(this.data, cap, this.nnz, Float64Array);
    }
    this.indices.set(s.indices.subarray(s.indptr[0], s.indptr[s.rows]), this.nnz);
    this.data.set(s.data.subarray(s.indptr[0], s.indptr[s.rows]), this.nnz);
    const base = this.nnz - s.indptr[0];
    for (let r = 1; r <= s.rows; r++) this.indptr[this.row + r] = s.indptr[r] + base;
    this.row += m.rows;
    this.nnz += k;
  }

  finish(): FeatureMatrix {
    if (this.row !== this.rows) throw new TrainSpamError('INTERNAL', `matrix builder: ${this.row} rows appended, expected ${this.rows}`);
    // exact-size arrays (a copy only when the hint was too large)
    const indices = this.indices.length === this.nnz ? this.indices : this.indices.slice(0, this.nnz);
    const data = this.data.length === this.nnz ? this.data : this.data.slice(0, this.nnz);
    this.indices = new Int32Array(0);
    this.data = new Float64Array(0);
    return featureMatrix(
      denseMatrix(this.rows, this.denseCols, this.dense),
      { rows: this.rows, cols: this.sparseCols, indptr: this.indptr, indices, data },
      this.featureNames,
    );
  }
}

function grow<T extends Int32Array | Float64Array>(a: T, cap: number, used: number, C: new (n: number) => T): T {
  const b = new C(cap);
  b.set(a.subarray(0, used) as never);
  return b;
}
