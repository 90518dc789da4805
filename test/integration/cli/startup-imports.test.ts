/**
 * Start-up cost of the CLI: the command table and the pipeline's modules must not load the packages
 * that only some commands need (vega/vega-lite for plots, kubernetes-models/ajv for the Kubeflow
 * commands, undici for a remote MLflow): every `train-spam` process, one per KFP step container,
 * would otherwise pay ~0.5 s of module loading before doing anything.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../exec/ensure-build.js';

const HOOK = fileURLToPath(new URL('./forbid-heavy.mjs', import.meta.url));
const dist = (p: string) => pathToFileURL(fileURLToPath(new URL(`../../../dist/${p}`, import.meta.url))).href;

function runWithHook(code: string) {
  return spawnSync(process.execPath, ['--import', HOOK, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
}

describe('CLI start-up imports', () => {
  beforeAll(ensureBuilt, 240_000);

  it('builds the whole command table and loads the pipeline runner without vega, kubernetes-models, ajv or undici', () => {
    const r = runWithHook(`
      import { createRequire } from 'node:module';
      const { buildProgram } = await import(${JSON.stringify(dist('cli/program.js'))});
      await import(${JSON.stringify(dist('pipeline/runner.js'))});
      await import(${JSON.stringify(dist('pipeline/step-runner.js'))});
      buildProgram().helpInformation();
      const cjs = Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules\\/(undici|ajv)\\//.test(k));
      if (cjs.length) { console.error('required at start-up: ' + cjs[0]); process.exit(3); }
      console.log('ok');
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
    expect(r.status).toBe(0);
  });

  it('the check sees a heavy import: rendering a plot loads vega and is refused', () => {
    const r = runWithHook(`
      const { vegaLiteToSvg } = await import(${JSON.stringify(dist('report/render.js'))});
      await vegaLiteToSvg('t', { mark: 'point', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a', type: 'quantitative' } } });
    `);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/startup imported vega/);
  });

  it('the pipeline loads resvg in the main thread, so the addon outlives the plot renderer thread', () => {
    // resvg rasterises on libuv's thread pool and leaves thread-specific data there whose destructors
    // live in its library. Loaded only by the renderer thread, the library went away with that
    // thread, and the pool's threads crashed at process exit (SIGSEGV, exit status 139, after
    // "exit code: 0"). Loading it lazily saved ~16 ms of start-up; not worth that.
    const r = runWithHook(`
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(dist('pipeline/runner.js'))});
      const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => /node_modules\\/@resvg\\//.test(k));
      console.log(loaded ? 'loaded' : 'not loaded');
    `);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('loaded');
  });
});
