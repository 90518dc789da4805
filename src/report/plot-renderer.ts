/**
 * The evaluation plots rendered on a second thread. Loading vega and vega-lite, laying out the five
 * plots and rasterising them took ~0.65 s of the evaluation step here. The pipeline starts a
 * `PlotRenderer` thread with the run; the thread lowers its priority to the lowest (nice 19,
 * exec/thread-priority.ts) and loads vega on what the data, feature and HPO steps leave of the
 * cores, so the evaluation pays only for the rendering. The evaluation uses the thread only when
 * it has loaded (`ready`): on a machine busy with other work a lowest-priority thread may not
 * have, and the evaluation then renders in its own thread. (Rendering beside the step's latency
 * loop was tried: the loop ran ~25 % slower, so the plots wait for the timed loops.)
 *
 * Only with at least two cores (on one core the thread would compete with the timed loops) and
 * only from the compiled build (dist/workers/plot-worker.js); otherwise callers render in their
 * own thread (`renderPlotSpecs`). Same code either way, so the same SVG and PNG bytes.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TrainSpamError, type ErrorData } from '../core/errors.js';
import type { PlotSpec } from './plots.js';
import type { RenderedPlot } from './render.js';

export interface PlotJob {
  readonly id: number;
  readonly plots: readonly PlotSpec[];
  readonly pngScale?: number;
}

/** Posted once by the thread when vega and vega-lite are loaded. */
export interface PlotReadyMessage {
  readonly ready: true;
}

export type PlotJobReply = { readonly id: number; readonly ok: true; readonly rendered: RenderedPlot[] } | { readonly id: number; readonly ok: false; readonly error: ErrorData };

/** dist/workers/plot-worker.js beside this compiled module; null when running from the sources. */
export function plotWorkerFile(): URL | null {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.js')) return null;
  const file = new URL('../workers/plot-worker.js', here);
  return existsSync(fileURLToPath(file)) ? file : null;
}

export class PlotRenderer {
  private nextId = 0;
  private pending = new Map<number, { resolve: (r: RenderedPlot[]) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  private loaded = false;

  private constructor(private readonly worker: Worker) {
    worker.unref(); // an idle renderer never keeps the process alive
    const failAll = (e: Error) => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('message', (m: PlotJobReply | PlotReadyMessage) => {
      if ('ready' in m) {
        this.loaded = true;
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.ok) p.resolve(m.rendered.map((r) => ({ ...r, png: new Uint8Array(r.png) })));
      else p.reject(TrainSpamError.fromJSON(m.error));
    });
    worker.on('error', (e) => failAll(new TrainSpamError('INTERNAL', `plot renderer thread failed: ${e.message}`, {}, { cause: e })));
    worker.on('exit', (code) => failAll(new TrainSpamError('INTERNAL', `plot renderer thread exited (code ${code})`)));
  }

  /** A renderer thread, or null with fewer than two cores or without the compiled worker file. */
  static start(): PlotRenderer | null {
    if (availableParallelism() < 2) return null;
    const file = plotWorkerFile();
    if (!file) return null;
    try {
      return new PlotRenderer(new Worker(file));
    } catch {
      return null;
    }
  }

  /** Whether the thread has loaded vega (it runs at the lowest priority: on a busy machine it may not have). */
  get ready(): boolean {
    return this.loaded && this.failure === null;
  }

  /** Renders the plots on the thread; rejects with the job's error or the thread's failure. */
  render(plots: readonly PlotSpec[], options: { pngScale?: number } = {}): Promise<RenderedPlot[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = ++this.nextId;
    return new Promise<RenderedPlot[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref(); // a job in flight keeps the process alive until its reply
      this.worker.postMessage({ id, plots, pngScale: options.pngScale } satisfies PlotJob);
    });
  }

  /** Stops the thread (pending jobs reject). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

let warm: PlotRenderer | null = null;

/** Starts the shared renderer thread now, if there can be one (idempotent). */
export function prewarmPlotRenderer(): void {
  warm ??= PlotRenderer.start();
}

/**
 * The pre-started renderer (handed over: the caller closes it), or null: a renderer started only
 * now would load vega as the caller's own thread would, plus a thread's start.
 */
export function takePlotRenderer(): PlotRenderer | null {
  const r = warm;
  warm = null;
  return r;
}

/** Stops a pre-started renderer nobody took (a run that failed before its evaluation). */
export async function disposePlotRenderer(): Promise<void> {
  const r = warm;
  warm = null;
  await r?.close();
}
