/**
 * The one place that chooses and initialises the TensorFlow.js backend.
 *
 * Order: `tensorflow` (from `@tensorflow/tfjs-node`, an optional package loaded by dynamic import
 * when it is installed) → `wasm` (`@tensorflow/tfjs-backend-wasm`, SIMD, ~3× faster than `cpu`
 * here) → `cpu` (`@tensorflow/tfjs-backend-cpu`, pure JS, always installed). A caller may name a
 * preferred backend; the others stay as fall-backs.
 *
 * The API is TensorFlow.js' core package, `@tensorflow/tfjs-core` (tensors, autodiff, optimizers),
 * plus the backward rules the MLP needs (gradients.ts); see there for why not the bundle.
 *
 * TensorFlow.js keeps its engine (registered backends, the active backend, tensor registry) in a
 * process-wide global, so the choice is process-wide too. This module therefore caches ONE
 * promise per process (the documented exception to "no module-level mutable state"): the first
 * call decides the backend; later calls get the same runtime, whatever they ask for, and can read
 * `backend` to see what they got. Switching backends while a model trains would corrupt it.
 *
 * No `node:*` imports: the wasm binaries are located with `import.meta.resolve` and handed to
 * `setWasmPaths` as a `file://` URL prefix, which the Emscripten loader reads in Node.
 *
 * The packages are CommonJS. Loaded by `import()`, Node scans each one's source for its export
 * names first (cjs-module-lexer): ~190 ms of CPU per thread here, and V8 compiles the scanner in
 * every thread. A higher layer may hand in Node's `require` (`setTfPackageLoader`, done by the
 * trial worker and the CLI), which loads the same files without the scan (tfjs-core and the wasm
 * and cpu backends: 43 ms instead of 150 ms here). Same modules, same results either way.
 */
import type * as TfModule from '@tensorflow/tfjs-core';
import { TrainSpamError } from '../../core/errors.js';
import { registerMlpGradients } from './gradients.js';

export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';
/** TensorFlow.js is loaded on first use only: code that never trains an MLP never pays for it. */
export type Tf = typeof TfModule;

export interface TfRuntime {
  readonly tf: Tf;
  /** The backend that is active. */
  readonly backend: TfBackendName;
  /** Backends tried before this one, with why each was not used. */
  readonly skipped: ReadonlyArray<{ readonly backend: TfBackendName; readonly reason: string }>;
}

const ORDER: readonly TfBackendName[] = ['tensorflow', 'wasm', 'cpu'];

let cached: Promise<TfRuntime> | null = null;

/** Loads a package by its name (the default: dynamic `import`). */
export type TfPackageLoader = (specifier: string) => unknown;

const importPackage: TfPackageLoader = (specifier) => import(specifier);
let loadPackage: TfPackageLoader = importPackage;

/**
 * How this thread loads the TensorFlow.js packages from now on (see the header); `null` restores
 * dynamic import. Takes effect for the runtime's first initialisation only: a runtime already
 * loaded stays as it is.
 */
export function setTfPackageLoader(load: TfPackageLoader | null): void {
  loadPackage = load ?? importPackage;
}

/**
 * The initialised TensorFlow.js runtime (cached per process; the first call decides).
 * @param preferred backend to try first (e.g. 'cpu' to force the reference backend).
 */
export function tfRuntime(preferred?: TfBackendName): Promise<TfRuntime> {
  if (cached === null) {
    cached = initRuntime(preferred).catch((e: unknown) => {
      cached = null; // let a later call retry instead of caching the failure
      throw e;
    });
  }
  return cached;
}

async function initRuntime(preferred?: TfBackendName): Promise<TfRuntime> {
  const tf = (await loadPackage('@tensorflow/tfjs-core')) as Tf;
  registerMlpGradients(tf);
  const order = preferred ? [preferred, ...ORDER.filter((b) => b !== preferred)] : [...ORDER];
  const skipped: Array<{ backend: TfBackendName; reason: string }> = [];
  for (const name of order) {
    try {
      const reason = await tryBackend(tf, name);
      if (reason === null) return { tf, backend: name, skipped };
      skipped.push({ backend: name, reason });
    } catch (e) {
      skipped.push({ backend: name, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new TrainSpamError('INTERNAL', `no TensorFlow.js backend could be initialised: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`, {
    skipped,
  });
}

/** Returns null on success, else a reason. */
async function tryBackend(tf: Tf, name: TfBackendName): Promise<string | null> {
  if (name === 'tensorflow') {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const spec = '@tensorflow/tfjs-node';
    try {
      await loadPackage(spec);
    } catch (e) {
      return importFailure(spec, e);
    }
    if (tf.findBackend('tensorflow') === null) return '@tensorflow/tfjs-node loaded but registered no backend (version mismatch?)';
  }
  if (name === 'cpu') {
    try {
      await loadPackage('@tensorflow/tfjs-backend-cpu');
    } catch (e) {
      return importFailure('@tensorflow/tfjs-backend-cpu', e);
    }
  }
  if (name === 'wasm') {
    let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
    try {
      wasm = (await loadPackage('@tensorflow/tfjs-backend-wasm')) as typeof import('@tensorflow/tfjs-backend-wasm');
    } catch (e) {
      return importFailure('@tensorflow/tfjs-backend-wasm', e);
    }
    const prefix = wasmDirectory();
    if (prefix !== null) wasm.setWasmPaths(prefix);
  }
  const ok = await tf.setBackend(name);
  if (!ok) return `tf.setBackend('${name}') failed`;
  await tf.ready();
  return tf.getBackend() === name ? null : `active backend is '${tf.getBackend()}'`;
}

function importFailure(pkg: string, e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return `package ${pkg} is not installed`;
  return `package ${pkg} failed to load: ${e instanceof Error ? e.message : String(e)}`;
}

/** `file://…/dist/` of the installed wasm backend, or null when it cannot be resolved here. */
function wasmDirectory(): string | null {
  try {
    const resolve = (import.meta as { resolve?: (s: string) => string }).resolve;
    if (typeof resolve !== 'function') return null;
    const main = resolve('@tensorflow/tfjs-backend-wasm');
    return new URL('./', main).href;
  } catch {
    return null;
  }
}
