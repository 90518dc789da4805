/**
 * Input checks shared by every metric. Labels are 0/1 (1 = spam, the positive class); scores are
 * finite numbers. Every check throws a TrainSpamError naming the metric, the index and what was
 * expected, so no metric ever returns NaN silently.
 */
import { TrainSpamError } from '../core/errors.js';

export type Labels = Uint8Array | readonly number[];
export type Scores = Float64Array | readonly number[];

export interface BinaryInput {
  readonly y: Uint8Array;
  readonly s: Float64Array;
  readonly nPos: number;
  readonly nNeg: number;
}

/** Validates labels against 0/1, returns them as a Uint8Array (a copy only when needed). */
export function checkLabels(labels: Labels, metric: string): Uint8Array {
  const n = labels.length;
  const out = labels instanceof Uint8Array ? labels : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) {
      throw new TrainSpamError('INVALID_DATA', `${metric}: label at index ${i} is ${String(v)}; expected 0 or 1`, {
        metric,
        index: i,
        value: String(v),
      });
    }
    if (out !== labels) out[i] = v;
  }
  return out;
}

/** Validates scores (finite; optionally inside [0, 1]), returns them as a Float64Array. */
export function checkScores(scores: Scores, metric: string, probability = false): Float64Array {
  const n = scores.length;
  const out = scores instanceof Float64Array ? scores : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = scores[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TrainSpamError('INVALID_DATA', `${metric}: score at index ${i} is ${String(v)}; expected a finite number`, {
        metric,
        index: i,
        value: String(v),
      });
    }
    if (probability && (v < 0 || v > 1)) {
      throw new TrainSpamError('INVALID_DATA', `${metric}: probability at index ${i} is ${v}; expected a value in [0, 1]`, {
        metric,
        index: i,
        value: v,
      });
    }
    if (out !== scores) out[i] = v;
  }
  return out;
}

/** Checks labels and scores together: same non-zero length, valid values; counts the classes. */
export function checkBinaryInput(labels: Labels, scores: Scores, metric: string, probability = false): BinaryInput {
  if (labels.length !== scores.length) {
    throw new TrainSpamError(
      'INVALID_DATA',
      `${metric}: labels has ${labels.length} entries but scores has ${scores.length}; expected equal lengths`,
      { metric, labels: labels.length, scores: scores.length },
    );
  }
  if (labels.length === 0) {
    throw new TrainSpamError('INVALID_DATA', `${metric}: no samples; expected at least one label/score pair`, { metric });
  }
  const y = checkLabels(labels, metric);
  const s = checkScores(scores, metric, probability);
  let nPos = 0;
  for (let i = 0; i < y.length; i++) nPos += y[i];
  return { y, s, nPos, nNeg: y.length - nPos };
}

/** Throws when only one class is present (ROC AUC, average precision, ROC curve are undefined). */
export function requireBothClasses(input: BinaryInput, metric: string): void {
  if (input.nPos === 0 || input.nNeg === 0) {
    const only = input.nPos === 0 ? 0 : 1;
    throw new TrainSpamError(
      'INVALID_DATA',
      `${metric}: labels contain only class ${only} (n=${input.y.length}); ${metric} is undefined ` +
        'unless both classes 0 and 1 are present',
      { metric, nPositive: input.nPos, nNegative: input.nNeg },
    );
  }
}
