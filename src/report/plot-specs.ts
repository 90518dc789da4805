/**
 * Vega-Lite specs for the evaluation plots (pure data → spec; rendering lives in render.ts).
 * Every spec uses the shipped font family and a white background.
 */
import type { TopLevelSpec } from 'vega-lite';
import { TrainSpamError } from '../core/errors.js';
import type { CalibrationCurve, ConfusionMatrix, Labels, PrCurve, RocCurve, Scores } from '../metrics/index.js';
import { checkBinaryInput } from '../metrics/index.js';
import { FONT_FAMILY } from './fonts.js';

const WIDTH = 360;
const HEIGHT = 300;
const HAM = '#4c78a8';
const SPAM = '#e45756';
const CLASS_NAMES = ['ham (0)', 'spam (1)'] as const;

function config(): Record<string, unknown> {
  return {
    font: FONT_FAMILY,
    background: 'white',
    title: { fontSize: 15, anchor: 'middle', offset: 10 },
    axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
    legend: { labelFontSize: 11, titleFontSize: 12 },
    view: { stroke: '#bbbbbb' },
  };
}

function unitAxis(title: string): Record<string, unknown> {
  return { title, scale: { domain: [0, 1] }, axis: { tickCount: 5, format: '.1f' } };
}

/** Dashed y = x reference line (a fresh object each time: vega tags data objects it ingests). */
function diagonal(): { data: { values: object[] }; mark: object; encoding: object } {
  return {
  data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
  mark: { type: 'line', strokeDash: [6, 4], color: '#999999', strokeWidth: 1.5 },
  encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
  };
}

/** A threshold for a plot's text: 6 significant digits, so 0.1 + 0.2 reads 0.3, not 0.30000000000000004. */
export function thresholdText(threshold: number): string {
  return String(Number(threshold.toPrecision(6)));
}

/** Heatmap of the 2×2 confusion matrix: counts and share of the true class as text, colour = share. */
export function confusionMatrixSpec(cm: ConfusionMatrix, threshold: number): TopLevelSpec {
  const cells = [
    { actual: CLASS_NAMES[0], predicted: CLASS_NAMES[0], count: cm.tn, rowTotal: cm.tn + cm.fp },
    { actual: CLASS_NAMES[0], predicted: CLASS_NAMES[1], count: cm.fp, rowTotal: cm.tn + cm.fp },
    { actual: CLASS_NAMES[1], predicted: CLASS_NAMES[0], count: cm.fn, rowTotal: cm.fn + cm.tp },
    { actual: CLASS_NAMES[1], predicted: CLASS_NAMES[1], count: cm.tp, rowTotal: cm.fn + cm.tp },
  ];
  const values = cells.map((c) => {
    const share = c.rowTotal === 0 ? 0 : c.count / c.rowTotal;
    return {
      ...c,
      share,
      label: `${c.count}\n${c.rowTotal === 0 ? '–' : (100 * share).toFixed(1) + ' %'}`,
      dark: share > 0.5,
    };
  });
  const sort = [...CLASS_NAMES];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Confusion matrix (threshold ${thresholdText(threshold)})`,
    width: 300,
    height: 300,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort, title: 'Predicted class', axis: { labelAngle: 0 } },
      y: { field: 'actual', type: 'nominal', sort, title: 'True class' },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          // colour = share of the true class (row-normalised), so a rare class stays readable
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share of true class',
            scale: { scheme: 'blues', domain: [0, 1] },
            legend: { format: '.0%', titleLimit: 300 },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 18, lineBreak: '\n', fontWeight: 'bold' },
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: 'datum.dark', value: 'white' }, value: '#222222' },
        },
      },
    ],
    config: config(),
  } as TopLevelSpec;
}

/**
 * Curve points closer than this to the last drawn point on both axes (axis units; both axes span
 * [0, 1]) are not drawn: under 0.2 px in the SVG, 0.4 px in the 2× PNG.
 */
export const CURVE_TOLERANCE = 1 / 2048;

/**
 * The indices of the curve points to draw: the first and the last, and every point that moves at
 * least `tolerance` on either axis from the last one kept. The ROC and PR curves have a point per
 * distinct score (300,000 test e-mails gave an 8 MB PR-curve SVG, embedded again in report.html);
 * a 360 px plot shows no more than this. For a line and for a step curve (step-after) the drawn
 * path moves by less than `tolerance` on each axis.
 */
export function thinCurveIndices(xs: readonly number[], ys: readonly number[], tolerance = CURVE_TOLERANCE): number[] {
  const n = xs.length;
  if (n <= 2) return Array.from({ length: n }, (_, i) => i);
  const keep = [0];
  let kx = xs[0];
  let ky = ys[0];
  for (let i = 1; i < n - 1; i++) {
    if (Math.abs(xs[i] - kx) >= tolerance || Math.abs(ys[i] - ky) >= tolerance) {
      keep.push(i);
      kx = xs[i];
      ky = ys[i];
    }
  }
  keep.push(n - 1);
  return keep;
}

export function rocCurveSpec(roc: RocCurve, auc: number): TopLevelSpec {
  const values = thinCurveIndices(roc.fpr, roc.tpr).map((i) => ({ i, fpr: roc.fpr[i], tpr: roc.tpr[i] }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `ROC curve (AUC = ${auc.toFixed(4)})`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      diagonal(),
      {
        data: { values },
        mark: { type: 'line', color: SPAM, strokeWidth: 2.5 },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', ...unitAxis('False positive rate') },
          y: { field: 'tpr', type: 'quantitative', ...unitAxis('True positive rate (recall)') },
          order: { field: 'i', type: 'quantitative' },
        },
      },
    ],
    config: config(),
  } as TopLevelSpec;
}

/** PR curve drawn as a step function (scikit-learn's steps-post), chance level dashed. */
export function prCurveSpec(pr: PrCurve, averagePrecision: number, prevalence: number): TopLevelSpec {
  const values = thinCurveIndices(pr.recall, pr.precision).map((i) => ({ i, recall: pr.recall[i], precision: pr.precision[i] }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Precision-recall curve (AP = ${averagePrecision.toFixed(4)})`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: [{ recall: 0, precision: prevalence }, { recall: 1, precision: prevalence }] },
        mark: { type: 'line', strokeDash: [6, 4], color: '#999999', strokeWidth: 1.5 },
        encoding: { x: { field: 'recall', type: 'quantitative' }, y: { field: 'precision', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', color: HAM, strokeWidth: 2.5, interpolate: 'step-after' },
        encoding: {
          x: { field: 'recall', type: 'quantitative', ...unitAxis('Recall') },
          y: { field: 'precision', type: 'quantitative', ...unitAxis('Precision') },
          order: { field: 'i', type: 'quantitative' },
        },
      },
    ],
    config: config(),
  } as TopLevelSpec;
}

export function calibrationSpec(curve: CalibrationCurve): TopLevelSpec {
  const values = curve.bins.map((b) => ({ meanPredicted: b.meanPredicted, fractionPositive: b.fractionPositive, count: b.count }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Calibration (${curve.nBins} uniform bins)`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      diagonal(),
      {
        data: { values },
        layer: [
          { mark: { type: 'line', color: SPAM, strokeWidth: 2 } },
          { mark: { type: 'point', filled: true, color: SPAM, opacity: 1 }, encoding: { size: { field: 'count', type: 'quantitative', title: 'e-mails in bin', scale: { range: [30, 300], zero: false }, legend: { format: 'd' } } } },
        ],
        encoding: {
          x: { field: 'meanPredicted', type: 'quantitative', ...unitAxis('Mean predicted probability') },
          y: { field: 'fractionPositive', type: 'quantitative', ...unitAxis('Fraction of spam') },
        },
      },
    ],
    config: config(),
  } as TopLevelSpec;
}

export interface ScoreHistogramBin {
  readonly lower: number;
  readonly upper: number;
  readonly negatives: number;
  readonly positives: number;
}

/** Counts of scores in `nBins` uniform bins over [0, 1] per class (last bin closed at 1). */
export function scoreHistogram(labels: Labels, scores: Scores, nBins = 20): ScoreHistogramBin[] {
  if (!Number.isInteger(nBins) || nBins < 1) {
    throw new TrainSpamError('INVALID_ARGUMENT', `score histogram: nBins is ${nBins}; expected an integer ≥ 1`, { nBins });
  }
  const { y, s } = checkBinaryInput(labels, scores, 'score histogram', true);
  const neg = new Array<number>(nBins).fill(0);
  const pos = new Array<number>(nBins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(nBins - 1, Math.floor(s[i] * nBins));
    if (y[i] === 1) pos[b]++;
    else neg[b]++;
  }
  return neg.map((n, b) => ({ lower: b / nBins, upper: (b + 1) / nBins, negatives: n, positives: pos[b] }));
}

export function scoreDistributionSpec(histogram: readonly ScoreHistogramBin[], threshold: number): TopLevelSpec {
  const totalNeg = histogram.reduce((a, b) => a + b.negatives, 0);
  const totalPos = histogram.reduce((a, b) => a + b.positives, 0);
  // y = share of the class's e-mails in the bin, so a rare class is as visible as a common one
  const values = histogram.flatMap((b) => [
    { lower: b.lower, upper: b.upper, cls: CLASS_NAMES[0], count: b.negatives, share: totalNeg ? b.negatives / totalNeg : 0 },
    { lower: b.lower, upper: b.upper, cls: CLASS_NAMES[1], count: b.positives, share: totalPos ? b.positives / totalPos : 0 },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Score distribution by class (ham n = ${totalNeg}, spam n = ${totalPos})`,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'rect', opacity: 0.6, stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'lower', type: 'quantitative', ...unitAxis('Predicted spam probability') },
          x2: { field: 'upper' },
          y: { field: 'share', type: 'quantitative', title: 'share of the class’s e-mails', stack: null, axis: { format: '.0%' } },
          y2: { datum: 0 },
          color: {
            field: 'cls',
            type: 'nominal',
            title: 'True class',
            scale: { domain: [...CLASS_NAMES], range: [HAM, SPAM] },
            legend: { orient: 'right' },
          },
        },
      },
      {
        data: { values: [{ threshold }] },
        layer: [
          {
            mark: { type: 'rule', strokeDash: [4, 3], color: '#333333', strokeWidth: 1.5 },
            encoding: { x: { field: 'threshold', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 11, color: '#333333' },
            encoding: {
              x: { field: 'threshold', type: 'quantitative' },
              y: { value: 0 },
              text: { value: `threshold ${thresholdText(threshold)}` },
            },
          },
        ],
      },
    ],
    config: config(),
  } as TopLevelSpec;
}
