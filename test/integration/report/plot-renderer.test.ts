/**
 * The plot renderer thread (dist/workers/plot-worker.js, as the compiled pipeline uses it) gives
 * the same SVG and PNG bytes as rendering in this thread, reports a bad spec as the job's error,
 * and is not used from the TypeScript sources (no compiled worker to run there).
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../exec/ensure-build.js';
import { plotWorkerFile } from '../../../src/report/plot-renderer.js';
import type * as Report from '../../../src/report/index.js';
import type * as Metrics from '../../../src/metrics/index.js';

const dist = (p: string) => pathToFileURL(fileURLToPath(new URL(`../../../dist/${p}`, import.meta.url))).href;

describe('plot renderer thread', () => {
  let report: typeof Report;
  let metrics: typeof Metrics;
  beforeAll(async () => {
    await ensureBuilt();
    report = (await import(dist('report/index.js'))) as typeof Report;
    metrics = (await import(dist('metrics/index.js'))) as typeof Metrics;
  }, 240_000);

  it('renders the five evaluation plots byte for byte as this thread does', async () => {
    const labels = Uint8Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const scores = Float64Array.from(labels, (y, i) => Math.min(1, Math.max(0, 0.3 * y + ((i * 7919) % 101) / 140)));
    const specs = report.evaluationPlotSpecs(metrics.evaluateBinary(labels, scores), labels, scores);
    await report.renderPlotSpecs(specs.slice(0, 1)); // this thread's vega counters move on
    const here = await report.renderPlotSpecs(specs);
    const renderer = report.PlotRenderer.start();
    expect(renderer).not.toBeNull(); // the compiled worker exists and this machine has ≥ 2 cores
    if (!renderer) return;
    try {
      const there = await renderer.render(specs);
      expect(there.map((r) => r.name)).toEqual([...report.PLOT_NAMES]);
      // byte for byte, SVG too: vega's per-thread gradient/clip counters are renumbered per SVG
      // (this thread has rendered before, the renderer thread has not)
      for (let i = 0; i < here.length; i++) {
        expect(there[i].svg).toBe(here[i].svg);
        expect(there[i].png.length).toBeGreaterThan(1000);
        expect(Buffer.from(there[i].png).equals(Buffer.from(here[i].png))).toBe(true);
      }
      // a second job on the same thread
      expect((await renderer.render(specs.slice(0, 1)))[0].svg).toBe(here[0].svg);
    } finally {
      await renderer.close();
    }
  }, 60_000);

  it('a spec vega cannot render rejects with its error, naming the plot', async () => {
    const renderer = report.PlotRenderer.start();
    if (!renderer) throw new Error('no renderer thread');
    try {
      const bad = [{ name: 'broken', title: 'Broken', spec: { mark: 'nonsense-mark', data: { values: [] } } as unknown as Report.PlotSpec['spec'] }];
      await expect(renderer.render(bad)).rejects.toThrow(/plot broken/);
    } finally {
      await renderer.close();
    }
  }, 60_000);

  // The pipeline starts the thread with the run: it must load vega on idle cores only (nice 19)
  // and say when it has, so the evaluation knows whether to use it or render in its own thread.
  it.runIf(process.platform === 'linux')('runs at the lowest priority and reports when vega is loaded', async () => {
    const niceOf = (): number[] =>
      readdirSync('/proc/self/task').map((t) => {
        const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
      });
    expect(niceOf().filter((n) => n === 19)).toHaveLength(0);
    const renderer = report.PlotRenderer.start();
    if (!renderer) throw new Error('no renderer thread');
    try {
      for (let i = 0; i < 600 && !renderer.ready; i++) await new Promise((r) => setTimeout(r, 50));
      expect(renderer.ready).toBe(true);
      expect(niceOf().filter((n) => n === 19)).toHaveLength(1); // the renderer's thread, and only it
      expect(os.getPriority()).toBe(0); // this thread keeps its priority
    } finally {
      await renderer.close();
    }
  }, 60_000);

  it('is not used from the TypeScript sources', () => {
    expect(plotWorkerFile()).toBeNull();
  });
});
