/**
 * Worker-thread entry of the plot renderer (report/plot-renderer.ts): loads vega and vega-lite as
 * soon as it starts, then renders each job's plots (SVG + PNG) and posts them back, the PNG bytes
 * transferred. A job that fails posts its error instead.
 */
import { parentPort } from 'node:worker_threads';
import { toErrorData } from '../core/errors.js';
import { renderPlotSpecs } from '../report/plots.js';
import { preloadVega } from '../report/render.js';
import type { PlotJob, PlotJobReply } from '../report/plot-renderer.js';

const ready = preloadVega();
ready.catch(() => undefined); // a loading error surfaces as the first job's error

parentPort?.on('message', (job: PlotJob) => {
  void (async () => {
    let reply: PlotJobReply;
    const transfer: ArrayBuffer[] = [];
    try {
      await ready;
      const rendered = await renderPlotSpecs(job.plots, { pngScale: job.pngScale });
      for (const r of rendered) transfer.push(r.png.buffer as ArrayBuffer);
      reply = { id: job.id, ok: true, rendered };
    } catch (e) {
      reply = { id: job.id, ok: false, error: toErrorData(e) };
    }
    parentPort?.postMessage(reply, transfer);
  })();
});
