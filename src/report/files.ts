/** Writes rendered plots and the HTML report to a local folder (created when missing), each file atomically. */
import path from 'node:path';
import { writeTextFile } from '../io/output-file.js';
import type { RenderedPlot } from './render.js';

export interface PlotFiles {
  readonly name: string;
  readonly svgPath: string;
  readonly pngPath: string;
}

/** Writes `<dir>/<name>.svg` and `<dir>/<name>.png` for every plot. */
export async function writePlotFiles(dir: string, plots: readonly RenderedPlot[]): Promise<PlotFiles[]> {
  const out: PlotFiles[] = [];
  for (const p of plots) {
    const svgPath = path.join(dir, `${p.name}.svg`);
    const pngPath = path.join(dir, `${p.name}.png`);
    await writeTextFile(svgPath, p.svg);
    await writeTextFile(pngPath, p.png);
    out.push({ name: p.name, svgPath, pngPath });
  }
  return out;
}

/** Writes the HTML text to `file` (UTF-8) and returns the absolute path. */
export async function writeHtmlFile(file: string, html: string): Promise<string> {
  const abs = path.resolve(file);
  await writeTextFile(abs, html);
  return abs;
}
