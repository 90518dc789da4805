/**
 * Edge cases of plot rendering and the report: the same spec renders to the same bytes however
 * often it is rendered in a thread, curves with a point per distinct score (large test sets) stay
 * small without changing what is drawn, a bad PNG scale is an INVALID_ARGUMENT (resvg aborts the
 * process on a huge one), and a latency that could not be measured shows no "NaN rows/s".
 */
import { describe, expect, it } from 'vitest';
import { evaluateBinary } from '../../../src/metrics/index.js';
import { renderHtmlReport } from '../../../src/report/html.js';
import { confusionMatrixSpec, CURVE_TOLERANCE, prCurveSpec, rocCurveSpec, scoreDistributionSpec, thinCurveIndices } from '../../../src/report/plot-specs.js';
import { evaluationPlotSpecs, renderPlotSpecs } from '../../../src/report/plots.js';
import { canonicalSvgIds, svgToPng, svgToPngAsync, vegaLiteToSvg } from '../../../src/report/render.js';
import type { ReportData } from '../../../src/report/report-data.js';

function mix(i: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** n e-mails, ~30 % spam, (almost) every score distinct. */
function dataset(n: number): { labels: Uint8Array; scores: Float64Array } {
  const labels = Uint8Array.from({ length: n }, (_, i) => (mix(i) < 0.3 ? 1 : 0));
  const scores = Float64Array.from(labels, (y, i) => 0.3 * y + 0.7 * mix(i + 7_777_777));
  return { labels, scores };
}

function curveValues(spec: object): Array<Record<string, number>> {
  const layers = (spec as { layer: Array<{ data: { values: Array<Record<string, number>> } }> }).layer;
  return layers[layers.length - 1].data.values;
}

const TINY_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="300"><rect width="5" height="5"/></svg>';

describe('same input, same bytes', () => {
  it('a spec rendered again in the same thread gives the same SVG (vega numbers gradients per thread)', async () => {
    const { labels, scores } = dataset(300);
    const specs = evaluationPlotSpecs(evaluateBinary(labels, scores), labels, scores);
    const first = await renderPlotSpecs(specs);
    const second = await renderPlotSpecs(specs);
    for (let i = 0; i < first.length; i++) {
      expect(second[i].svg).toBe(first[i].svg);
      expect(Buffer.from(second[i].png).equals(Buffer.from(first[i].png))).toBe(true);
    }
    // the confusion matrix's colour legend is the gradient: it is numbered from 0 in every SVG
    const cm = await vegaLiteToSvg('cm', specs[0].spec);
    expect(cm).toContain('id="gradient_0"');
    expect(cm).toContain('url(#gradient_0)');
    expect(cm).toBe(first[0].svg);
  });

  it('canonicalSvgIds renumbers ids and their references in order of first appearance', () => {
    const svg = '<g clip-path="url(#clip7)"><rect fill="url(#gradient_12)"/><rect fill="url(#p_gradient_5)"/></g><defs><linearGradient id="gradient_12"/><pattern id="p_gradient_5"/><clipPath id="clip7"/></defs><text>gradient_3 clip9</text>';
    expect(canonicalSvgIds(svg)).toBe(
      '<g clip-path="url(#clip1)"><rect fill="url(#gradient_0)"/><rect fill="url(#p_gradient_1)"/></g><defs><linearGradient id="gradient_0"/><pattern id="p_gradient_1"/><clipPath id="clip1"/></defs><text>gradient_3 clip9</text>',
    );
  });
});

describe('curves with a point per distinct score', () => {
  it('200,000 test e-mails: the ROC and PR plots keep a few thousand points and stay small', async () => {
    const { labels, scores } = dataset(200_000);
    const ev = evaluateBinary(labels, scores);
    expect(ev.prCurve.recall.length).toBeGreaterThan(190_000);
    const pr = curveValues(prCurveSpec(ev.prCurve, ev.averagePrecision, ev.nPositive / ev.n));
    const roc = curveValues(rocCurveSpec(ev.rocCurve, ev.rocAuc));
    expect(pr.length).toBeLessThan(5000);
    expect(roc.length).toBeLessThan(5000);
    const svg = await vegaLiteToSvg('pr_curve', prCurveSpec(ev.prCurve, ev.averagePrecision, ev.nPositive / ev.n));
    expect(svg.length).toBeLessThan(200_000); // 2.6 MB at 100,000 e-mails, 8 MB at 300,000 before
    // first and last points are the curve's own (recall 1 at the lowest threshold; recall 0, precision 1)
    expect(pr[0]).toEqual({ i: 0, recall: ev.prCurve.recall[0], precision: ev.prCurve.precision[0] });
    expect(pr[pr.length - 1]).toEqual({ i: ev.prCurve.recall.length - 1, recall: 0, precision: 1 });
  });

  it('every dropped point lies within the tolerance of the last drawn one, on both axes', () => {
    const { labels, scores } = dataset(50_000);
    const ev = evaluateBinary(labels, scores);
    for (const [xs, ys] of [
      [ev.prCurve.recall, ev.prCurve.precision],
      [ev.rocCurve.fpr, ev.rocCurve.tpr],
    ]) {
      const keep = thinCurveIndices(xs, ys);
      expect(keep[0]).toBe(0);
      expect(keep[keep.length - 1]).toBe(xs.length - 1);
      expect(keep.length).toBeLessThan(xs.length);
      let k = 0;
      let worst = 0;
      for (let i = 0; i < xs.length; i++) {
        if (keep[k + 1] === i) k++;
        worst = Math.max(worst, Math.abs(xs[i] - xs[keep[k]]), Math.abs(ys[i] - ys[keep[k]]));
      }
      expect(worst).toBeLessThan(CURVE_TOLERANCE);
    }
  });

  it('a curve whose points are all farther apart than the tolerance is drawn whole', () => {
    const xs = [1, 0.75, 0.5, 0.5, 0.25, 0];
    const ys = [0.5, 0.6, 0.6, 0.7, 0.9, 1];
    expect(thinCurveIndices(xs, ys)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(thinCurveIndices([0, 0], [0, 0])).toEqual([0, 1]);
    expect(thinCurveIndices([], [])).toEqual([]);
  });
});

describe('PNG scale', () => {
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e6])('pngScale %s is an INVALID_ARGUMENT naming pngScale', async (scale) => {
    expect(() => svgToPng(TINY_SVG, scale)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^pngScale is .*; expected a number in \(0, 10\]$/) }));
    await expect(svgToPngAsync(TINY_SVG, scale)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('renderPlotSpecs refuses a bad scale before laying out any plot', async () => {
    const { labels, scores } = dataset(100);
    const specs = evaluationPlotSpecs(evaluateBinary(labels, scores), labels, scores);
    await expect(renderPlotSpecs(specs, { pngScale: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'pngScale' } });
  });
});

describe('HTML report latency that is not a finite number', () => {
  const base: ReportData = {
    title: 't',
    runId: 'r',
    generatedAt: '2026-01-01T00:00:00Z',
    decision: { outcome: 'rejected', headline: 'h', reasons: [] },
    metrics: [],
    plots: [],
    gates: null,
    comparison: null,
    model: {},
    data: {},
    parameters: {},
    timings: [],
  };
  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '∞'],
  ])('throughput %s shows as %s, not as "… rows/s"', (throughput, shown) => {
    const html = renderHtmlReport({ ...base, latency: { count: 5, meanMs: 0.1, p50Ms: 0.1, p95Ms: 0.1, p99Ms: 0.1, throughputPerSec: throughput } });
    expect(html).not.toMatch(/(NaN|Infinity|∞) (e-mails|rows)\/s/);
    expect(html).toContain(`<td class="num">${shown}</td></tr></table>`);
  });

  it('a latency of no timed e-mail (a model that scores NaN) says it was not measured, not a row of NaN', () => {
    const html = renderHtmlReport({ ...base, latency: { count: 0, meanMs: NaN, p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, throughputPerSec: NaN } });
    expect(html).toContain('<h3>Inference latency</h3><p class="muted">not measured: no e-mail was timed');
    expect(html).not.toContain('n = 0');
  });
});

describe('threshold text in plots', () => {
  it('prints a threshold with 6 significant digits, not its binary expansion', () => {
    const t = 0.1 + 0.2;
    const cm = confusionMatrixSpec({ tn: 1, fp: 0, fn: 0, tp: 1 }, t);
    expect(JSON.stringify(cm)).toContain('Confusion matrix (threshold 0.3)');
    expect(JSON.stringify(cm)).not.toContain('0.30000000000000004');
    expect(JSON.stringify(scoreDistributionSpec([], t))).toContain('threshold 0.3"');
    expect(JSON.stringify(confusionMatrixSpec({ tn: 1, fp: 0, fn: 0, tp: 1 }, 0.5))).toContain('(threshold 0.5)');
  });
});
