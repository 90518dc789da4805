import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../../..');
let root: string;

/** A small project laid out like ours, with our build scripts and the real TypeScript; the native build is a stub that says it ran. */
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'build-script-'));
  mkdirSync(join(root, 'scripts'));
  mkdirSync(join(root, 'native'));
  mkdirSync(join(root, 'src/cli'), { recursive: true });
  copyFileSync(join(repo, 'scripts/build.mjs'), join(root, 'scripts/build.mjs'));
  copyFileSync(join(repo, 'scripts/mark-bin.mjs'), join(root, 'scripts/mark-bin.mjs'));
  writeFileSync(join(root, 'native/build.mjs'), "console.error('native stub ran ' + process.argv.slice(2).join(' '));\n");
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'p', type: 'module', bin: { p: 'dist/cli/main.js' } }));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] } }));
  writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { rootDir: 'src', outDir: 'dist', noEmit: false }, include: ['src/**/*.ts'] }));
  writeFileSync(join(root, 'src/cli/main.ts'), 'export const answer: number = 1;\n');
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the build; throws with its output when it exits non-zero; returns its stderr. */
function build(...args: string[]): string {
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build exited ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stderr;
}
const out = () => join(root, 'dist/cli/main.js');
const mtime = () => statSync(out()).mtimeMs;

describe('scripts/build.mjs', () => {
  it('compiles, then skips tsc while src/ and the tsconfig files are unchanged, and compiles again when they change or with --force', () => {
    build();
    expect(readFileSync(out(), 'utf8')).toContain('answer = 1');
    expect(statSync(out()).mode & 0o111).toBe(0o111); // mark-bin ran
    const first = mtime();

    // unchanged inputs (a touch changes no content): dist/ is kept
    writeFileSync(join(root, 'src/cli/main.ts'), readFileSync(join(root, 'src/cli/main.ts')));
    expect(build()).toMatch(/dist\/ is up to date/);
    expect(mtime()).toBe(first);

    // changed content: compiled again
    writeFileSync(join(root, 'src/cli/main.ts'), 'export const answer: number = 2;\n');
    build();
    expect(readFileSync(out(), 'utf8')).toContain('answer = 2');

    // a new file under src/ counts too
    writeFileSync(join(root, 'src/extra.ts'), 'export const extra = 3;\n');
    build();
    expect(readFileSync(join(root, 'dist/extra.js'), 'utf8')).toContain('extra = 3');

    // a changed tsconfig counts
    const second = mtime();
    writeFileSync(join(root, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { rootDir: 'src', outDir: 'dist', noEmit: false, removeComments: true }, include: ['src/**/*.ts'] }));
    build();
    expect(mtime()).toBeGreaterThan(second);

    // a changed package.json counts (its "type" decides the emitted module format)
    const beforePkg = mtime();
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'p', type: 'module', version: '2.0.0', bin: { p: 'dist/cli/main.js' } }));
    build();
    expect(mtime()).toBeGreaterThan(beforePkg);

    // --force compiles although nothing changed, and is passed on to the native build
    const third = mtime();
    expect(build('--force')).toContain('native stub ran --force');
    expect(mtime()).toBeGreaterThan(third);

    // a missing output is rebuilt even with a matching stamp
    rmSync(out());
    build();
    expect(readFileSync(out(), 'utf8')).toContain('answer = 2');
  }, 60_000);

  it('without TypeScript installed, says so and exits 1', () => {
    const bare = mkdtempSync(join(tmpdir(), 'build-script-bare-'));
    try {
      mkdirSync(join(bare, 'scripts'));
      mkdirSync(join(bare, 'src'));
      copyFileSync(join(repo, 'scripts/build.mjs'), join(bare, 'scripts/build.mjs'));
      const r = spawnSync(process.execPath, [join(bare, 'scripts/build.mjs')], { cwd: bare, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('build: TypeScript is not installed');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('a type error fails the build, and the next build with good sources compiles again (tsc emits even on errors)', () => {
    build();
    writeFileSync(join(root, 'src/cli/main.ts'), 'export const answer: number = "no";\n');
    expect(() => build()).toThrow(/build exited [1-9]/);
    expect(() => statSync(join(root, 'dist/.build-inputs'))).toThrow();
    writeFileSync(join(root, 'src/cli/main.ts'), 'export const answer: number = 2;\n');
    expect(build()).not.toMatch(/up to date/);
    expect(readFileSync(out(), 'utf8')).toContain('answer = 2');
  }, 60_000);
});
