/**
 * Worker-thread entry of the plot renderer (report/plot-renderer.ts): lowers its own priority,
 * loads vega and vega-lite as soon as it starts and says so (`{ ready: true }`), then renders each
 * job's plots (SVG + PNG) and posts them back, the PNG bytes transferred. A job that fails posts
 * its error instead.
 */
import { parentPort } from 'node:worker_threads';
import { toErrorData } from '../core/errors.js';
import { lowerThisThreadPriority } from '../exec/thread-priority.js';
import { evaluateBinary } from '../metrics/index.js';
import { evaluationPlotSpecs, renderPlotSpecs } from '../report/plots.js';
import { preloadVega } from '../report/render.js';
import type { PlotJob, PlotJobReply, PlotReadyMessage } from '../report/plot-renderer.js';

// Started with the pipeline: loading vega (~0.5 s) and rendering use what the other threads leave.
lowerThisThreadPriority();
const ready = preloadVega().then(warmUp);
ready.then(
  () => parentPort?.postMessage({ ready: true } satisfies PlotReadyMessage),
  () => undefined, // a loading error surfaces as the first job's error
);

/**
 * Renders the five plots once on made-up scores and throws them away: V8 compiles vega's code
 * paths now, on idle cores, instead of during the evaluation (in one thread here the first render
 * of the five took ~290 ms, the next ones ~220–260 ms). Failures are left to the real job.
 */
async function warmUp(): Promise<void> {
  const labels = Uint8Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const scores = Float64Array.from(labels, (y, i) => Math.min(1, 0.4 * y + ((i * 7919) % 97) / 160));
  try {
    await renderPlotSpecs(evaluationPlotSpecs(evaluateBinary(labels, scores), labels, scores));
  } catch {
    // the real job reports what is wrong
  }
}

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
