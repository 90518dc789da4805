#!/usr/bin/env node
/**
 * Builds the optional native GBM kernel (native/src/gbm_kernel.c → native/build/Release/gbm_kernel.node)
 * with the system C compiler and the Node headers that ship with this Node (include/node next to
 * the executable's prefix, e.g. /usr/include/node from Debian's nodejs package). Nothing is
 * downloaded. Run by `npm run build` (and so by `prepare` on `npm ci`).
 *
 * When no compiler or no headers are found, or compilation fails, it prints one line and exits 0:
 * the TypeScript kernel is used instead (src/exec/native-gbm.ts). `--strict` exits 1 instead.
 *
 * Flags: -O3, -fPIC, -pthread, -ffp-contract=off (no fused multiply-add: results must equal the TypeScript
 * kernel bit for bit), no -ffast-math, no -march=native (the artifact may be copied into an
 * image and run on another CPU; measured gain of -march=native here: see docs/models.md).
 * Environment: CC (compiler, default cc / gcc / clang), TRAIN_SPAM_NATIVE_CFLAGS (extra flags),
 * TRAIN_SPAM_SKIP_NATIVE=1 (skip the build).
 *
 * An up-to-date kernel is not rebuilt: the source, this script, the compiler command, the
 * compiler's version and Node's version are hashed into build/Release/gbm_kernel.node.inputs, and
 * a kernel built from the same hash is kept (`--force` rebuilds). See scripts/build.mjs for why.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const src = path.join(here, 'src', 'gbm_kernel.c');
const outDir = path.join(here, 'build', 'Release'); // node-gyp's layout: docker/Dockerfile copies native/build/Release
const out = path.join(outDir, 'gbm_kernel.node');

function giveUp(why) {
  console.error(`native GBM kernel not built (${why}); the TypeScript kernel will be used`);
  process.exit(strict ? 1 : 0);
}

if (process.env.TRAIN_SPAM_SKIP_NATIVE === '1') giveUp('TRAIN_SPAM_SKIP_NATIVE=1');

const prefix = path.resolve(path.dirname(process.execPath), '..');
const includeCandidates = [path.join(prefix, 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const include = includeCandidates.find((d) => existsSync(path.join(d, 'node_api.h')));
if (!include) giveUp(`node_api.h not found in ${includeCandidates.join(', ')}`);

const compilers = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
const cc = compilers.find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
if (!cc) giveUp(`no C compiler (tried ${compilers.join(', ')})`);

const flags = ['-std=c11', '-O3', '-fPIC', '-shared', '-pthread', '-ffp-contract=off', '-fno-fast-math', '-Wall', '-Wextra', '-Wno-unused-parameter'];
if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
const extra = (process.env.TRAIN_SPAM_NATIVE_CFLAGS ?? '').split(/\s+/).filter(Boolean);
const ccArgs = [...flags, ...extra, `-I${include}`];
const stampFile = `${out}.inputs`;
const digest = createHash('sha256')
  .update(readFileSync(src))
  .update(readFileSync(fileURLToPath(import.meta.url)))
  .update(JSON.stringify([cc, ccArgs, spawnSync(cc, ['--version'], { encoding: 'utf8' }).stdout ?? '', process.version, process.arch]))
  .digest('hex');
if (!process.argv.includes('--force') && existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === digest) {
  console.error(`native GBM kernel up to date: ${path.relative(process.cwd(), out)} (same source, compiler and Node; --force rebuilds)`);
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const r = spawnSync(cc, [...ccArgs, '-o', tmp, src], { encoding: 'utf8' });
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  if (r.stderr) console.error(r.stderr.trim().split('\n').slice(-20).join('\n'));
  giveUp(`${cc} failed${r.error ? `: ${r.error.message}` : ''}`);
}
if (r.stderr?.trim()) console.error(r.stderr.trim());
// Atomic replace: a process that already loaded the old file keeps its mapping.
renameSync(tmp, out);
writeFileSync(`${stampFile}.${process.pid}.tmp`, `${digest}\n`);
renameSync(`${stampFile}.${process.pid}.tmp`, stampFile);
console.error(`native GBM kernel built: ${path.relative(process.cwd(), out)} (${cc}, ${[...flags.slice(1, 5), ...extra].join(' ')})`);
