import { describe, expect, it } from 'vitest';
import { isTrainSpamError } from '../../../src/core/errors.js';
import { normalizeArtifactPath, normalizeStage, validateAlias, validateKey, validateModelName } from '../../../src/tracking/validation.js';

function code(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    return isTrainSpamError(e) ? e.code : 'OTHER';
  }
}

describe('tracking validation', () => {
  it('accepts MLflow-style keys and rejects traversal, absolute paths, NUL and odd characters', () => {
    for (const ok of ['loss', 'eval/acc', 'mlflow.parentRunId', 'a b-c_d.e', 'x'.repeat(250)]) expect(code(() => validateKey('metric', ok))).toBeNull();
    for (const bad of ['', '..', '../x', 'a/../b', '/abs', 'a\0b', 'a\\b', 'a;b', 'x'.repeat(251), 'a//b', 'C:/x']) {
      expect(code(() => validateKey('tag', bad))).toBe('INVALID_ARGUMENT');
    }
  });
  it('normalises artifact paths and rejects escapes', () => {
    expect(normalizeArtifactPath(undefined)).toBe('');
    expect(normalizeArtifactPath('a//b/./c/')).toBe('a/b/c');
    for (const bad of ['..', 'a/../../b', '/etc/passwd', 'a\0', 'a\\..\\b']) expect(code(() => normalizeArtifactPath(bad))).toBe('INVALID_ARGUMENT');
  });
  it('checks model names, aliases and stages', () => {
    expect(code(() => validateModelName('spam-classifier'))).toBeNull();
    for (const bad of ['', '..', 'a/b', 'a\\b', 'a\0']) expect(code(() => validateModelName(bad))).toBe('INVALID_ARGUMENT');
    expect(code(() => validateAlias('champion'))).toBeNull();
    for (const bad of ['latest', 'Latest', 'v1', 'V22', 'a b', '', 'x'.repeat(256)]) expect(code(() => validateAlias(bad))).toBe('INVALID_ARGUMENT');
    expect(normalizeStage('staging')).toBe('Staging');
    expect(code(() => normalizeStage('Prod'))).toBe('INVALID_ARGUMENT');
  });

  it('filterLiteral quotes a value so the search filter reads it back, and refuses one with both quotes', async () => {
    const { filterLiteral } = await import('../../../src/tracking/validation.js');
    const { parseFilter } = await import('../../../src/tracking/local/search-filter.js');
    for (const v of ['plain', "o'brien", 'say "hi"', '']) {
      const [clause] = parseFilter(`name = ${filterLiteral(v, 'model name')}`);
      expect(clause.value).toBe(v);
    }
    expect(() => filterLiteral(`it's "odd"`, 'model name')).toThrow(/model name 'it's "odd"' holds both quote characters/);
  });
});
