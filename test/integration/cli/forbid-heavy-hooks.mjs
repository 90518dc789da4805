// Module resolve hook for startup-imports.test.ts: refuses the packages that only some commands need.
const HEAVY = /^(vega|vega-lite|kubernetes-models|@kubernetes-models\/|ajv|undici|hyparquet-writer)(\/|$)/;
export async function resolve(specifier, context, next) {
  if (HEAVY.test(specifier)) throw new Error(`startup imported ${specifier} (from ${context.parentURL})`);
  return next(specifier, context);
}
