import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs, makeDirsSync, removeMadeDirs } from '../../../src/io/dirs.js';

const root = mkdtempSync(path.join(tmpdir(), 'train-spam-dirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function errCode(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
  return undefined;
}

describe.each([
  ['makeDirs', (d: string) => makeDirs(d)],
  ['makeDirsSync', (d: string) => Promise.resolve().then(() => makeDirsSync(d))],
] as const)('%s', (name, make) => {
  const base = path.join(root, name);

  it('creates every missing folder of a path, relative ones from the working folder', async () => {
    const deep = path.join(base, 'a', 'b', 'c');
    await make(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    const rel = path.relative(process.cwd(), path.join(base, 'rel', 'x'));
    await make(rel);
    expect(statSync(path.join(base, 'rel', 'x')).isDirectory()).toBe(true);
  });

  it('accepts a folder that exists, and calls racing for the same path all succeed', async () => {
    await make(path.join(base, 'a'));
    const racing = path.join(base, 'race', 'p', 'q');
    await Promise.all(Array.from({ length: 6 }, () => make(racing)));
    expect(statSync(racing).isDirectory()).toBe(true);
  });

  it('refuses a file at the path (EEXIST) or on the way (ENOTDIR), as mkdir -p does', async () => {
    const file = path.join(base, 'file');
    writeFileSync(file, 'x');
    await expect(make(file)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(make(path.join(file, 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(existsSync(path.join(file, 'below'))).toBe(false);
  });

  // Node 20's recursive mkdir loops forever here; vitest's timeout would end a hanging async call,
  // and the compiled CLI is checked for both forms in test/integration/cli/process-edges.test.ts.
  it.runIf(name === 'makeDirs' && process.platform === 'linux' && existsSync('/proc/self'))(
    'fails with ENOENT where mkdir(2) says ENOENT although the parent exists (/proc)',
    async () => {
      await expect(make('/proc/no-such-dir/x')).rejects.toMatchObject({ code: 'ENOENT' });
    },
    10_000,
  );
});

describe('makeDirs reports what it made; removeMadeDirs takes it back', () => {
  it('lists the folders it created, outermost first, and none for a folder that exists', async () => {
    const base = path.join(root, 'made');
    expect(await makeDirs(path.join(base, 'a', 'b'))).toEqual([base, path.join(base, 'a'), path.join(base, 'a', 'b')]);
    expect(await makeDirs(path.join(base, 'a', 'b'))).toEqual([]);
    expect(await makeDirs(path.join(base, 'a', 'c'))).toEqual([path.join(base, 'a', 'c')]);
  });

  it('removes the empty ones innermost first, keeps a folder something was written to and those above it', async () => {
    const base = path.join(root, 'undo');
    const made = [...(await makeDirs(path.join(base, 'x', 'y'))), ...(await makeDirs(path.join(base, 'z')))];
    writeFileSync(path.join(base, 'x', 'kept.txt'), 'k');
    await removeMadeDirs(made);
    expect(existsSync(path.join(base, 'x', 'y'))).toBe(false);
    expect(existsSync(path.join(base, 'z'))).toBe(false);
    expect(existsSync(path.join(base, 'x', 'kept.txt'))).toBe(true);
    expect(existsSync(base)).toBe(true);
    await removeMadeDirs([path.join(base, 'never-made')]); // gone already: no error
  });
});

describe('the sync form', () => {
  it('throws the error of the folder it could not make', () => {
    const file = path.join(root, 'plain');
    writeFileSync(file, 'x');
    expect(errCode(() => makeDirsSync(path.join(file, 'x', 'y')))).toBe('ENOTDIR');
  });
});
