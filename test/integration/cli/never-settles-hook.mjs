// `node --import` hook for a test: dist/cli/main.js gets a runCli whose promise never settles and
// leaves the event loop empty (what a pool waiting on an unreferenced timer did), so the test can
// check that the process does not exit 0 then.
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === './cli.js' && context.parentURL && context.parentURL.endsWith('/dist/cli/main.js')) {
    return { url: 'data:text/javascript,export function runCli() { return new Promise(() => {}); }', shortCircuit: true };
  }
  return next(specifier, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
