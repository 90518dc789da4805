/** The five evaluation plots, from metric results to rendered SVG + PNG. */
import type { TopLevelSpec } from 'vega-lite';
import type { CalibrationCurve, ConfusionMatrix, Labels, PrCurve, RocCurve, Scores } from '../metrics/index.js';
import {
  calibrationSpec,
  confusionMatrixSpec,
  prCurveSpec,
  rocCurveSpec,
  scoreDistributionSpec,
  scoreHistogram,
} from './plot-specs.js';
import { checkPngScale, svgToPngAsync, vegaLiteToSvg, type RenderOptions, type RenderedPlot } from './render.js';

/** What the plots need; a `BinaryEvaluation` from metrics/evaluation.ts satisfies it. */
export interface PlotEvaluation {
  readonly threshold: number;
  readonly n: number;
  readonly nPositive: number;
  readonly confusion: ConfusionMatrix;
  readonly rocAuc: number;
  readonly averagePrecision: number;
  readonly rocCurve: RocCurve;
  readonly prCurve: PrCurve;
  readonly calibration: CalibrationCurve;
}

export interface PlotSpec {
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

/** Names (file stems) in output order. */
export const PLOT_NAMES = ['confusion_matrix', 'roc_curve', 'pr_curve', 'calibration', 'score_distribution'] as const;

export function evaluationPlotSpecs(evaluation: PlotEvaluation, labels: Labels, scores: Scores): PlotSpec[] {
  return [
    { name: 'confusion_matrix', title: 'Confusion matrix', spec: confusionMatrixSpec(evaluation.confusion, evaluation.threshold) },
    { name: 'roc_curve', title: 'ROC curve', spec: rocCurveSpec(evaluation.rocCurve, evaluation.rocAuc) },
    {
      name: 'pr_curve',
      title: 'Precision-recall curve',
      spec: prCurveSpec(evaluation.prCurve, evaluation.averagePrecision, evaluation.nPositive / evaluation.n),
    },
    { name: 'calibration', title: 'Calibration curve', spec: calibrationSpec(evaluation.calibration) },
    {
      name: 'score_distribution',
      title: 'Score distribution by class',
      spec: scoreDistributionSpec(scoreHistogram(labels, scores), evaluation.threshold),
    },
  ];
}

/**
 * Renders every evaluation plot: the SVGs one after the other (vega runs in this thread), each
 * PNG rasterised on libuv's thread pool as soon as its SVG is there (resvg took ~60 % of the time
 * of the five plots here, and now runs beside vega and in parallel).
 */
export async function renderEvaluationPlots(
  evaluation: PlotEvaluation,
  labels: Labels,
  scores: Scores,
  options: RenderOptions = {},
): Promise<RenderedPlot[]> {
  return renderPlotSpecs(evaluationPlotSpecs(evaluation, labels, scores), options);
}

/** Renders the given plots in this thread (SVGs in order, PNGs on libuv's pool as they come). */
export async function renderPlotSpecs(specs: readonly PlotSpec[], options: RenderOptions = {}): Promise<RenderedPlot[]> {
  const scale = options.pngScale ?? 2;
  checkPngScale(scale); // before any work, not once per plot after every SVG is laid out
  const pending: Array<Promise<RenderedPlot>> = [];
  try {
    for (const p of specs) {
      const svg = await vegaLiteToSvg(p.name, p.spec);
      pending.push(svgToPngAsync(svg, scale).then((png) => ({ name: p.name, title: p.title, svg, png })));
    }
  } catch (e) {
    await Promise.allSettled(pending); // no rasterisation left running (or rejecting unobserved)
    throw e;
  }
  return Promise.all(pending);
}
