/**
 * Node's `require`, resolving from this package. Models load the TensorFlow.js packages (CommonJS)
 * through it when a thread hands it in (`setTfPackageLoader`): `import()` of a CommonJS package
 * first scans its source for export names, which `require` does not (see models/mlp/backend.ts).
 */
import { createRequire } from 'node:module';

export const requirePackage: (specifier: string) => unknown = createRequire(import.meta.url);
