/**
 * Renders the five evaluation plots from the scikit-learn fixture case "random-continuous" and
 * writes them to <os.tmpdir()>/train-spam-report-test/plots/ for a human to look at.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateBinary } from '../../../src/metrics/index.js';
import { FONT_FAMILY, fontFiles } from '../../../src/report/fonts.js';
import { PLOT_NAMES, evaluationPlotSpecs, renderEvaluationPlots } from '../../../src/report/plots.js';
import { scoreHistogram } from '../../../src/report/plot-specs.js';
import { renderVegaLite, svgToPng, type RenderedPlot } from '../../../src/report/render.js';
import { writePlotFiles } from '../../../src/report/files.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.resolve(here, '../../../../shared/fixtures/sklearn/metrics.json'), 'utf8'));
const c = fixture.cases.find((k: { name: string }) => k.name === 'random-continuous');
export const PLOT_DIR = path.join(os.tmpdir(), 'train-spam-report-test', 'plots');

function pngSize(png: Uint8Array): { width: number; height: number } {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

let plots: RenderedPlot[];
beforeAll(async () => {
  const evaluation = evaluateBinary(c.y_true, c.score, { threshold: c.threshold });
  plots = await renderEvaluationPlots(evaluation, c.y_true, c.score);
  await writePlotFiles(PLOT_DIR, plots);
});

describe('evaluation plots', () => {
  it('renders all five plots as SVG and PNG', () => {
    expect(plots.map((p) => p.name)).toEqual([...PLOT_NAMES]);
    for (const p of plots) {
      expect(p.svg.startsWith('<svg')).toBe(true);
      expect([...p.png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const { width, height } = pngSize(p.png);
      expect(width).toBeGreaterThan(500);
      expect(height).toBeGreaterThan(400);
    }
  });

  it('uses the shipped font family and puts AUC / AP / counts in the text', () => {
    const byName = Object.fromEntries(plots.map((p) => [p.name, p.svg]));
    for (const svg of Object.values(byName)) expect(svg).toContain(`font-family="${FONT_FAMILY}"`);
    expect(byName.roc_curve).toContain('ROC curve (AUC = 0.8880)');
    expect(byName.pr_curve).toContain('Precision-recall curve (AP = 0.8871)');
    for (const count of c.confusion_matrix.flat()) expect(byName.confusion_matrix).toContain(`>${count}<`);
    expect(byName.calibration).toContain('Calibration (10 uniform bins)');
  });

  it('text reaches the PNG: the same SVG without its text renders to a different image', () => {
    const roc = plots.find((p) => p.name === 'roc_curve')!;
    const noText = roc.svg.replace(/<text[^>]*>[^<]*<\/text>/g, '');
    expect(noText.length).toBeLessThan(roc.svg.length);
    expect(Buffer.from(svgToPng(noText)).equals(Buffer.from(roc.png))).toBe(false);
    expect(roc.png.length - svgToPng(noText).length).toBeGreaterThan(2000);
  });

  it('the PNGs rasterised on the thread pool are the bytes the synchronous rasteriser makes', () => {
    for (const p of plots) expect(Buffer.from(svgToPng(p.svg)).equals(Buffer.from(p.png))).toBe(true);
  });

  it('specs are plain JSON (can be logged as artifacts)', () => {
    const specs = evaluationPlotSpecs(evaluateBinary(c.y_true, c.score), c.y_true, c.score);
    for (const s of specs) expect(JSON.parse(JSON.stringify(s.spec))).toEqual(s.spec);
  });

  it('a broken spec fails with a TrainSpamError naming the plot', async () => {
    await expect(renderVegaLite('bad', 'bad', { mark: 'nope' } as never)).rejects.toThrow(/plot bad/);
  });
});

describe('edge-case data still renders (written for inspection)', () => {
  it.each(['perfect', 'imbalanced', 'heavy-ties'])('case %s', async (name) => {
    const k = fixture.cases.find((x: { name: string }) => x.name === name);
    const rendered = await renderEvaluationPlots(evaluateBinary(k.y_true, k.score), k.y_true, k.score);
    const files = await writePlotFiles(path.join(os.tmpdir(), 'train-spam-report-test', `plots-${name}`), rendered);
    expect(files).toHaveLength(5);
    const roc = rendered.find((p) => p.name === 'roc_curve')!;
    expect(roc.svg).toContain(`AUC = ${k.roc_auc.toFixed(4)}`);
  });
});

describe('fonts and histogram', () => {
  it('finds the shipped TTF files', () => {
    const files = fontFiles();
    expect(files.map((f) => path.basename(f))).toEqual(['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']);
    expect(readFileSync(files[0]).readUInt32BE(0)).toBe(0x00010000);
  });
  it('bins scores per class, 1.0 in the last bin', () => {
    const h = scoreHistogram([0, 1, 1, 0], [0, 0.5, 1, 0.049], 20);
    expect(h).toHaveLength(20);
    expect(h[0]).toEqual({ lower: 0, upper: 0.05, negatives: 2, positives: 0 });
    expect(h[10].positives).toBe(1);
    expect(h[19].positives).toBe(1);
  });
});
