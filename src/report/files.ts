/** Writes rendered plots and the HTML report to a local folder (created when missing). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import type { RenderedPlot } from './render.js';

export interface PlotFiles {
  readonly name: string;
  readonly svgPath: string;
  readonly pngPath: string;
}

async function write(file: string, data: string | Uint8Array): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data);
  } catch (e) {
    throw new TrainSpamError('IO_ERROR', `could not write ${file}: ${(e as Error).message}`, { path: file }, { cause: e });
  }
}

/** Writes `<dir>/<name>.svg` and `<dir>/<name>.png` for every plot. */
export async function writePlotFiles(dir: string, plots: readonly RenderedPlot[]): Promise<PlotFiles[]> {
  const out: PlotFiles[] = [];
  for (const p of plots) {
    const svgPath = path.join(dir, `${p.name}.svg`);
    const pngPath = path.join(dir, `${p.name}.png`);
    await write(svgPath, p.svg);
    await write(pngPath, p.png);
    out.push({ name: p.name, svgPath, pngPath });
  }
  return out;
}

/** Writes the HTML text to `file` (UTF-8) and returns the absolute path. */
export async function writeHtmlFile(file: string, html: string): Promise<string> {
  const abs = path.resolve(file);
  await write(abs, html);
  return abs;
}
