import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const script = resolve(__dirname, '../../../scripts/check-layers.mjs');
const dirs: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  dirs.push(root);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

function check(root: string): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, [script, root], { encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stderr: string };
    return { code: err.status, out: err.stderr };
  }
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('layer checker', () => {
  it('accepts downward imports', () => {
    const r = check(tree({ 'core/a.ts': 'export const a = 1;', 'models/m.ts': "import { a } from '../core/a.js';" }));
    expect(r.code).toBe(0);
  });
  it('rejects an upward import', () => {
    const r = check(tree({ 'core/a.ts': "import { m } from '../models/m.js';", 'models/m.ts': 'export const m = 1;' }));
    expect(r.code).toBe(1);
    expect(r.out).toContain('upward import');
  });
  it('rejects features importing models (same layer)', () => {
    const r = check(tree({ 'features/f.ts': "import { m } from '../models/m.js';", 'models/m.ts': 'export const m = 1;' }));
    expect(r.code).toBe(1);
    expect(r.out).toContain('sideways import');
  });
  it('rejects node:* in engine layers', () => {
    const r = check(tree({ 'models/m.ts': "import { readFileSync } from 'node:fs';" }));
    expect(r.code).toBe(1);
    expect(r.out).toContain("platform module 'node:fs'");
  });
  it('rejects an import cycle', () => {
    const r = check(tree({ 'core/a.ts': "import { b } from './b.js'; export const a = 1;", 'core/b.ts': "import { a } from './a.js'; export const b = 2;" }));
    expect(r.code).toBe(1);
    expect(r.out).toContain('import cycle');
  });
  it('passes on the real source tree', () => {
    const r = check(resolve(__dirname, '../../../src'));
    expect(r.out).not.toContain('import cycle');
    expect(r.code).toBe(0);
  });
});
