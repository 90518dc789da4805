#!/usr/bin/env node
/**
 * `npm run build` (and so `prepare`): compiles src/ to dist/ with tsc, unless dist/ was built from
 * exactly the same inputs, then marks the bins executable (mark-bin.mjs) and builds the native GBM
 * kernel (native/build.mjs, which skips the same way).
 *
 * Why the skip: `npx train-spam` installs the project itself into npm's npx cache on its first call
 * in a checkout, and npm runs `prepare` for it again: a full tsc run (~8 s here) right after the
 * `npm install` that built dist/. The inputs are every file under src/, package.json, both tsconfig
 * files and TypeScript's version, hashed (SHA-256) into dist/.build-inputs; tsc runs when the hash differs,
 * when dist/cli/main.js is missing, or with --force. The stamp is removed before tsc runs and
 * written after it succeeds, so a failed or interrupted build is never taken for a built one.
 *
 *   node scripts/build.mjs [--force]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const require = createRequire(import.meta.url);
const stampFile = path.join(root, 'dist', '.build-inputs');

/** Every file under dir, as paths relative to root with '/' separators, sorted. */
function filesUnder(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A file of the TypeScript package; exits with a clear message when it is not installed. */
function typescriptFile(rel) {
  try {
    return require.resolve(`typescript/${rel}`, { paths: [root] });
  } catch {
    console.error('build: TypeScript is not installed (a devDependency of this package); run `npm install` or `npm ci` without --omit=dev first');
    process.exit(1);
  }
}

function inputsDigest() {
  const h = createHash('sha256');
  const tsPackage = typescriptFile('package.json');
  h.update(`typescript ${JSON.parse(readFileSync(tsPackage, 'utf8')).version}\n`);
  // package.json too: its "type" decides what module format tsc emits (NodeNext)
  for (const rel of ['package.json', 'tsconfig.json', 'tsconfig.build.json', ...filesUnder(path.join(root, 'src'))]) {
    const body = readFileSync(path.join(root, rel));
    h.update(`${rel}\0${body.length}\0`);
    h.update(body);
  }
  return h.digest('hex');
}

function run(args, what) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build: ${what} failed${r.error ? `: ${r.error.message}` : ''}`);
    process.exit(r.status ?? 1);
  }
}

const digest = inputsDigest();
const built = existsSync(path.join(root, 'dist', 'cli', 'main.js')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === digest;
if (built && !force) {
  console.error('dist/ is up to date (src/, package.json, tsconfig and TypeScript unchanged since it was built; --force rebuilds)');
} else {
  // no stamp while tsc runs: a failed build (tsc emits even on type errors) is never taken as built
  rmSync(stampFile, { force: true });
  run([typescriptFile('bin/tsc'), '-p', 'tsconfig.build.json'], 'tsc');
  const tmp = `${stampFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${digest}\n`);
  renameSync(tmp, stampFile);
}
run([path.join(root, 'scripts', 'mark-bin.mjs')], 'mark-bin');
run([path.join(root, 'native', 'build.mjs'), ...(force ? ['--force'] : [])], 'the native kernel build');
