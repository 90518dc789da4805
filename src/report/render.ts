/**
 * Headless rendering: a Vega-Lite spec is compiled with vega-lite, rendered to SVG by a vega View
 * (renderer "none", no DOM, no canvas) and rasterised to PNG by resvg with the shipped font only.
 */
// resvg loads with this module, in every thread that imports it, the main thread included: it
// rasterises on libuv's thread pool and leaves thread-specific data there whose destructors live
// in its library; loaded only by the plot renderer thread, the library went away with that thread
// and the pool's threads crashed the process at exit (startup-imports.test.ts).
import { Resvg, renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { TrainSpamError } from '../core/errors.js';
import { FONT_FAMILY, fontFiles } from './fonts.js';

export interface RenderedPlot {
  /** file-safe name, e.g. "roc_curve" */
  readonly name: string;
  readonly title: string;
  readonly svg: string;
  readonly png: Uint8Array;
}

export interface RenderOptions {
  /** PNG scale factor over the SVG size (default 2 for crisp text) */
  readonly pngScale?: number;
}

// vega and vega-lite (~250 modules, ~0.3 s to load) load with the first plot, not with every command
// whose modules reach this one.
let vegaModules: Promise<[typeof import('vega'), typeof import('vega-lite')]> | null = null;
function loadVega(): Promise<[typeof import('vega'), typeof import('vega-lite')]> {
  return (vegaModules ??= Promise.all([import('vega'), import('vega-lite')]));
}

/** Loads vega and vega-lite now (a renderer thread does it while it waits for its first job). */
export async function preloadVega(): Promise<void> {
  await loadVega();
}

/** Renders a Vega-Lite spec to SVG text and PNG bytes. */
export async function renderVegaLite(name: string, title: string, spec: TopLevelSpec, options: RenderOptions = {}): Promise<RenderedPlot> {
  const svg = await vegaLiteToSvg(name, spec);
  const png = await svgToPngAsync(svg, options.pngScale ?? 2);
  return { name, title, svg, png };
}

/** The SVG text of a Vega-Lite spec (vega's View with renderer "none": no DOM, no canvas). */
export async function vegaLiteToSvg(name: string, spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await loadVega();
  try {
    // vega tags the data objects it ingests: work on a copy so the caller's spec stays plain JSON
    const compiled = compile(structuredClone(spec)).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    try {
      return canonicalSvgIds(await view.toSVG());
    } finally {
      view.finalize();
    }
  } catch (e) {
    throw new TrainSpamError('INTERNAL', `plot ${name}: vega could not render the spec: ${(e as Error).message}`, { plot: name }, { cause: e });
  }
}

/**
 * vega names the gradients and clip paths of an SVG from counters that live as long as the thread
 * (gradient_0, gradient_1, ... across renders), so the same spec gave different SVG text on its
 * second render, or on the renderer thread and in the main thread. Renumbered here per SVG in
 * order of first appearance, from vega's first values (gradient_0, clip1): the same spec is the
 * same bytes wherever and however often it is rendered.
 */
export function canonicalSvgIds(svg: string): string {
  const next: Record<string, number> = { gradient_: 0, clip: 1 };
  const names = new Map<string, string>();
  return svg.replace(/(id="|url\(#)(p_)?(gradient_|clip)(\d+)(?=["')])/g, (_m, before: string, pattern: string | undefined, kind: string, n: string) => {
    const key = kind + n;
    let name = names.get(key);
    if (name === undefined) names.set(key, (name = kind + next[kind]++));
    return before + (pattern ?? '') + name;
  });
}

/** Largest PNG scale factor (a 360×300 plot at 10× is 3600×3000 px, ~43 MB of pixels). */
export const MAX_PNG_SCALE = 10;

/**
 * Throws INVALID_ARGUMENT unless `scale` is a usable PNG scale factor. resvg aborts the whole
 * process (no exception) when the pixel buffer cannot be allocated, throws an untyped "Target size
 * is zero" at ≤ 0 and silently ignores NaN.
 */
export function checkPngScale(scale: number): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0 || scale > MAX_PNG_SCALE) {
    throw new TrainSpamError('INVALID_ARGUMENT', `pngScale is ${String(scale)}; expected a number in (0, ${MAX_PNG_SCALE}]`, { parameter: 'pngScale', value: String(scale) });
  }
}

function resvgOptions(scale: number): ResvgRenderOptions {
  checkPngScale(scale);
  return {
    font: { loadSystemFonts: false, fontFiles: fontFiles(), defaultFontFamily: FONT_FAMILY },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  };
}

/** Rasterises SVG with resvg using only the shipped font files (system fonts off). */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  return new Uint8Array(new Resvg(svg, resvgOptions(scale)).render().asPng());
}

/**
 * The same PNG as `svgToPng`, rasterised on libuv's thread pool (resvg's renderAsync), so several
 * plots rasterise at once and beside the JavaScript that lays out the next one.
 */
export async function svgToPngAsync(svg: string, scale = 2): Promise<Uint8Array> {
  return new Uint8Array((await renderAsync(svg, resvgOptions(scale))).asPng());
}
