/**
 * Validation splits of the TRAINING data for HPO (the test split never reaches a study):
 * a seeded stratified holdout (default: 20 % of each class) or stratified k-fold.
 * Folds are built once in the main thread and shared with the workers (see study.ts).
 */
import { invalidArgument } from '../core/errors.js';
import { assertBinaryLabels, selectRows, type FeatureMatrix } from '../core/matrix.js';
import { Rng, deriveSeed } from '../core/random.js';
import type { TrainingData } from '../models/contract.js';
import { stratifiedGroupSplit } from '../data/split.js';

export type ValidationOptions = { readonly kind: 'holdout'; readonly fraction: number } | { readonly kind: 'kfold'; readonly k: number };

export const DEFAULT_VALIDATION: ValidationOptions = { kind: 'holdout', fraction: 0.2 };

export interface Fold {
  readonly train: TrainingData;
  readonly valid: TrainingData;
}

export function checkValidationOptions(v: ValidationOptions): void {
  if (v.kind === 'holdout') {
    if (!(v.fraction > 0 && v.fraction < 1)) throw invalidArgument(`validation fraction = ${v.fraction}; expected a number in (0, 1)`, { parameter: 'fraction' });
  } else if (v.kind === 'kfold') {
    if (!Number.isInteger(v.k) || v.k < 2) throw invalidArgument(`validation k = ${v.k}; expected an integer ≥ 2`, { parameter: 'k' });
  } else throw invalidArgument(`validation kind = ${JSON.stringify((v as { kind: unknown }).kind)}; expected 'holdout' or 'kfold'`);
}

/** Fold id (0..k-1) per row: classes shuffled separately, then dealt round-robin. */
function assignFolds(y: Uint8Array, k: number, seed: number): Int32Array {
  const fold = new Int32Array(y.length);
  for (const cls of [0, 1]) {
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) idx.push(i);
    new Rng(deriveSeed(seed, 'kfold', cls)).shuffle(idx);
    idx.forEach((row, j) => (fold[row] = j % k));
  }
  return fold;
}

/** Row indices of a stratified holdout: round(fraction · n_c) rows of each class, at least one. */
export function holdoutRows(y: Uint8Array, fraction: number, seed: number): { train: number[]; valid: number[] } {
  const isValid = new Uint8Array(y.length);
  for (const cls of [0, 1]) {
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) idx.push(i);
    new Rng(deriveSeed(seed, 'holdout', cls)).shuffle(idx);
    const n = Math.min(idx.length - 1, Math.max(1, Math.round(fraction * idx.length)));
    for (let j = 0; j < n; j++) isValid[idx[j]] = 1;
  }
  const train: number[] = [];
  const valid: number[] = [];
  for (let i = 0; i < y.length; i++) (isValid[i] ? valid : train).push(i);
  return { train, valid };
}

function take(X: FeatureMatrix, y: Uint8Array, rows: number[]): TrainingData {
  const ys = new Uint8Array(rows.length);
  rows.forEach((r, i) => (ys[i] = y[r]));
  return { X: selectRows(X, rows), y: ys };
}

/**
 * Fold id per row when rows come in groups (duplicate bodies): whole groups are shuffled per class
 * (the label of the group's first row) and dealt round-robin, so a group never straddles folds.
 */
function assignGroupFolds(y: Uint8Array, groups: Int32Array, k: number, seed: number): Int32Array {
  const firstRow = new Map<number, number>();
  for (let i = 0; i < groups.length; i++) if (!firstRow.has(groups[i])) firstRow.set(groups[i], i);
  const groupFold = new Map<number, number>();
  for (const cls of [0, 1]) {
    const ids = [...firstRow.entries()].filter(([, row]) => y[row] === cls).map(([g]) => g).sort((a, b) => a - b);
    new Rng(deriveSeed(seed, 'kfold-groups', cls)).shuffle(ids);
    ids.forEach((g, j) => groupFold.set(g, j % k));
  }
  const fold = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) fold[i] = groupFold.get(groups[i])!;
  return fold;
}

function checkGroups(groups: Int32Array, n: number): number {
  if (groups.length !== n) throw invalidArgument(`validation groups: ${groups.length} group ids for ${n} training rows`, { parameter: 'groups' });
  let max = -1;
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(groups[i]) || groups[i] < 0) throw invalidArgument(`validation groups: row ${i} has group id ${groups[i]}; expected an integer >= 0`, { parameter: 'groups' });
    if (groups[i] > max) max = groups[i];
  }
  return max + 1;
}

/**
 * The training and validation rows (ascending) of a study's holdout, from the study's master seed:
 * with `groups` a stratified group split (a duplicate-body group lies wholly on one side), else
 * holdoutRows. What makeFolds uses; exported so that a reference run (bench/) can score its trials
 * on the same rows.
 */
export function studyHoldoutRows(y: Uint8Array, fraction: number, seed: number, groups?: Int32Array): { train: number[]; valid: number[] } {
  const s = deriveSeed(seed, 'validation');
  if (!groups) return holdoutRows(y, fraction, s);
  const groupCount = checkGroups(groups, y.length);
  const split = stratifiedGroupSplit(y, { groupOf: groups, groupCount }, { testRatio: fraction, seed: s });
  return { train: Array.from(split.trainIdx), valid: Array.from(split.testIdx) };
}

/**
 * The folds of a study (one for holdout). Rows stay in ascending order inside each part. With
 * `groups` (a group id per row, e.g. duplicate-body groups) a group lies wholly in train or in
 * validation, so a memorised duplicate never inflates a validation score.
 */
export function makeFolds(data: TrainingData, v: ValidationOptions, seed: number, groups?: Int32Array): Fold[] {
  checkValidationOptions(v);
  const { X, y } = data;
  if (X.rows !== y.length) throw invalidArgument(`training data has ${X.rows} rows but ${y.length} labels`);
  assertBinaryLabels(y, 'hpo training labels');
  if (v.kind === 'holdout') {
    const { train, valid } = studyHoldoutRows(y, v.fraction, seed, groups);
    return [checkBothClasses({ train: take(X, y, train), valid: take(X, y, valid) }, 'the validation holdout', groups !== undefined)];
  }
  if (groups) checkGroups(groups, y.length);
  const s = deriveSeed(seed, 'validation');
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  if (Math.min(pos, y.length - pos) < v.k) {
    throw invalidArgument(`k-fold with k=${v.k} needs at least ${v.k} rows of each class; the smaller class has ${Math.min(pos, y.length - pos)}`);
  }
  const fold = groups ? assignGroupFolds(y, groups, v.k, s) : assignFolds(y, v.k, s);
  const out: Fold[] = [];
  for (let f = 0; f < v.k; f++) {
    const train: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < y.length; i++) (fold[i] === f ? valid : train).push(i);
    out.push(checkBothClasses({ train: take(X, y, train), valid: take(X, y, valid) }, `validation fold ${f + 1} of ${v.k}`, groups !== undefined));
  }
  return out;
}

/**
 * Both parts of a fold need both classes (a validation part without spam has no AUC, and F1 0 for
 * every trial). Row counts alone do not ensure it when whole duplicate groups are dealt out: a
 * class held by fewer groups than folds leaves some folds without it.
 */
function checkBothClasses(fold: Fold, what: string, grouped: boolean): Fold {
  for (const [part, y] of [['training', fold.train.y], ['validation', fold.valid.y]] as const) {
    let pos = 0;
    for (let i = 0; i < y.length; i++) pos += y[i];
    if (pos === 0 || pos === y.length) {
      const hint = grouped ? ': its duplicate-body groups cannot be dealt so that every part gets both classes; use fewer folds or another fraction' : '';
      throw invalidArgument(`${what} has no ${pos === 0 ? 'spam' : 'ham'} row in its ${part} part (${y.length} rows)${hint}`, { parameter: 'validation' });
    }
  }
  return fold;
}
