/** The matrix directory of `train-spam hpo --data`: round trip and header checks that name the field. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMatrix, saveMatrix } from '../../../src/hpo/matrix-file.js';
import { toyData } from './helpers.js';

describe('matrix files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'matrix-file-'));
  const { X, y } = toyData(30, 2);
  saveMatrix(dir, X, y);
  const header = JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')) as Record<string, unknown>;

  it('loads back what was saved', () => {
    const back = loadMatrix(dir);
    expect(back.X.rows).toBe(30);
    expect([...back.X.dense.data]).toEqual([...X.dense.data]);
    expect([...back.y!]).toEqual([...y]);
  });

  it.each([
    ['rows', 'many'],
    ['rows', -1],
    ['denseCols', 1.5],
    ['nnz', null],
  ])("a header whose '%s' is %j is a FORMAT_ERROR naming the field", (field, value) => {
    const bad = mkdtempSync(join(tmpdir(), 'matrix-file-bad-'));
    saveMatrix(bad, X, y);
    writeFileSync(join(bad, 'matrix.json'), JSON.stringify({ ...header, [field]: value }));
    expect(() => loadMatrix(bad)).toThrow(`field '${field}' is ${JSON.stringify(value)}; expected an integer ≥ 0`);
  });

  it('a flipped byte in an array file is a FORMAT_ERROR naming the file; a header without sums (older files) still loads', () => {
    const bad = mkdtempSync(join(tmpdir(), 'matrix-file-bad-'));
    saveMatrix(bad, X, y);
    const values = join(bad, 'dense.f64');
    const b = readFileSync(values);
    b[3] ^= 0x10; // same length, another number
    writeFileSync(values, b);
    expect(() => loadMatrix(bad)).toThrow(expect.objectContaining({ code: 'FORMAT_ERROR', message: `matrix file '${values}' does not match its sha256 in matrix.json (damaged, or replaced after the matrix was written)` }));
    b[3] ^= 0x10;
    writeFileSync(values, b); // whole again
    expect(loadMatrix(bad).X.rows).toBe(30);
    const { sha256: _sums, ...older } = header;
    writeFileSync(join(bad, 'matrix.json'), JSON.stringify(older));
    expect(loadMatrix(bad).X.rows).toBe(30);
    writeFileSync(join(bad, 'matrix.json'), JSON.stringify({ ...header, sha256: { 'dense.f64': (header.sha256 as Record<string, string>)['dense.f64'] } }));
    expect(() => loadMatrix(bad)).toThrow("'sha256' has no entry for 'indptr.i32'");
    writeFileSync(join(bad, 'matrix.json'), JSON.stringify({ ...header, sha256: { 'dense.f64': 'abc' } }));
    expect(() => loadMatrix(bad)).toThrow("'sha256' must map array file names to 64 hex digits");
  });

  it('a header whose featureNames do not match the columns is a FORMAT_ERROR', () => {
    const bad = mkdtempSync(join(tmpdir(), 'matrix-file-bad-'));
    saveMatrix(bad, X, y);
    writeFileSync(join(bad, 'matrix.json'), JSON.stringify({ ...header, featureNames: ['x0'] }));
    expect(() => loadMatrix(bad)).toThrow(/'featureNames' must list denseCols \+ sparseCols = 2 names/);
  });

  it('a missing header is NOT_FOUND; one that is not JSON, or not an object, a FORMAT_ERROR naming the file', () => {
    const missing = mkdtempSync(join(tmpdir(), 'matrix-file-none-'));
    expect(() => loadMatrix(missing)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', details: { file: join(missing, 'matrix.json') } }));
    for (const text of ['{"rows": 3', 'null', '"text"']) {
      const bad = mkdtempSync(join(tmpdir(), 'matrix-file-bad-'));
      saveMatrix(bad, X, y);
      writeFileSync(join(bad, 'matrix.json'), text);
      expect(() => loadMatrix(bad)).toThrow(expect.objectContaining({ code: 'FORMAT_ERROR', message: expect.stringContaining(`'${join(bad, 'matrix.json')}' is not a JSON matrix header`) }));
    }
  });
});
