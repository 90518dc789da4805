/**
 * A feature matrix + labels as raw little-endian files in a directory (dense.f64, indptr.i32,
 * indices.i32, values.f64, y.u8, and matrix.json with the shape): the cache the model benches keep
 * between runs and the exchange format of the Python peers (numpy.fromfile reads them as they are).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes ds = { X, y, nTrain } into dir; returns the shape written to matrix.json. */
export function saveMatrix(ds, dir) {
  mkdirSync(dir, { recursive: true });
  const { X } = ds;
  const w = (name, arr) => writeFileSync(path.join(dir, name), Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
  w('dense.f64', X.dense.data);
  w('indptr.i32', X.sparse.indptr);
  w('indices.i32', X.sparse.indices);
  w('values.f64', X.sparse.data);
  w('y.u8', ds.y);
  const meta = { rows: X.rows, denseCols: X.dense.cols, sparseCols: X.sparse.cols, nTrain: ds.nTrain };
  writeFileSync(path.join(dir, 'matrix.json'), JSON.stringify(meta));
  return meta;
}

/** Reads what saveMatrix wrote; `matrix` is the compiled core/matrix.js module of the build under test. */
export function loadMatrix(dir, matrix) {
  const meta = JSON.parse(readFileSync(path.join(dir, 'matrix.json'), 'utf8'));
  const r = (name, T) => {
    const b = readFileSync(path.join(dir, name));
    return new T(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const names = Array.from({ length: meta.denseCols + meta.sparseCols }, (_, i) => `f${i}`);
  const X = matrix.featureMatrix(
    matrix.denseMatrix(meta.rows, meta.denseCols, r('dense.f64', Float64Array)),
    { rows: meta.rows, cols: meta.sparseCols, indptr: r('indptr.i32', Int32Array), indices: r('indices.i32', Int32Array), data: r('values.f64', Float64Array) },
    names,
  );
  return { X, y: r('y.u8', Uint8Array), nTrain: meta.nTrain };
}
