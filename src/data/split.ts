/**
 * Seeded stratified train/test split that keeps duplicate groups whole.
 *
 * Every group of rows sharing a normalised body (dedup.ts) goes entirely to train or entirely to
 * test, so no body is seen on both sides. Per class c the test set gets
 * target_c = round(n_c · testRatio) rows: groups are visited in a seeded random order and a group
 * joins test when it fits under every class's remaining target; otherwise it goes to train.
 * Singletons fill the remainder, so each class lands on its target (within one row when the
 * last fitting group is larger than the gap). Deterministic for a seed; layer 1, no I/O.
 *
 * With content keys per group (the data step's split), the order is the groups' seeded ranks
 * (random.ts keyedRanker): an e-mail's side depends on its body, the seed and the class targets,
 * not on the row order or on the other e-mails. Reordering the rows gives the same split, and
 * adding or removing a few e-mails moves only the few groups at the edge of the targets, so a
 * refreshed table keeps the old test set (which the comparison with the Staging model relies
 * on). Without keys (the validation holdout inside the training side) the order is a seeded
 * permutation of the group ids.
 */
import { TrainSpamError } from '../core/errors.js';
import { deriveSeed, keyedRanker, rngFor } from '../core/random.js';
import { groupDuplicates, type DuplicateGroups, type GroupKeys } from './dedup.js';

export interface SplitOptions {
  /** Fraction of rows in the test set, in (0, 1). Default 0.2. */
  testRatio?: number;
  /** Master seed. Default 42. */
  seed?: number;
}

export interface ClassCounts {
  total: number;
  spam: number;
  ham: number;
}

export interface SplitSummary {
  seed: number;
  testRatio: number;
  rows: number;
  train: ClassCounts;
  test: ClassCounts;
  /** Target test rows per class: round(n_c · testRatio). */
  testTarget: { spam: number; ham: number };
  groups: number;
  /** Groups of more than one row (same normalised body). */
  duplicateGroups: number;
  /** Redundant copies: rows whose body repeats an earlier row's. */
  duplicateRows: number;
  /** Rows in groups of size > 1, originals included (all kept, grouped on one side). */
  rowsInDuplicateGroups: number;
  /** Duplicate groups holding both spam and ham rows. */
  mixedLabelGroups: number;
}

export interface SplitResult {
  /** Row indices in ascending order. */
  trainIdx: Int32Array;
  testIdx: Int32Array;
  summary: SplitSummary;
}

/** Splits rows given their labels (0/1) and a group id per row (rows of a group stay together). */
export function stratifiedGroupSplit(
  labels: ArrayLike<number>,
  groups: Pick<DuplicateGroups, 'groupOf' | 'groupCount'> & { keys?: GroupKeys },
  options: SplitOptions = {},
): SplitResult {
  const testRatio = options.testRatio ?? 0.2;
  const seed = options.seed ?? 42;
  if (!(testRatio > 0 && testRatio < 1)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `test_split_ratio must be in (0, 1); got ${testRatio}`, {
      parameter: 'test_split_ratio',
      value: testRatio,
    });
  }
  if (!Number.isInteger(seed)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `seed must be an integer; got ${seed}`, { parameter: 'seed', value: seed });
  }
  const n = labels.length;
  if (groups.groupOf.length !== n) {
    throw new TrainSpamError('INVALID_ARGUMENT', `split: ${n} labels but ${groups.groupOf.length} group ids`);
  }
  const G = groups.groupCount;
  const spamIn = new Int32Array(G);
  const hamIn = new Int32Array(G);
  let nSpam = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) {
      throw new TrainSpamError('INVALID_DATA', `split: label at row ${i} is ${y}; expected 0 or 1`, { row: i });
    }
    const g = groups.groupOf[i];
    if (y === 1) {
      spamIn[g]++;
      nSpam++;
    } else hamIn[g]++;
  }
  const nHam = n - nSpam;
  const targetSpam = Math.round(nSpam * testRatio);
  const targetHam = Math.round(nHam * testRatio);

  const order = groups.keys ? rankedOrder(groups.keys, G, seed) : rngFor(seed, 'split').permutation(G);
  const inTest = new Uint8Array(G);
  let tSpam = 0;
  let tHam = 0;
  let mixedLabelGroups = 0;
  let duplicateGroups = 0;
  let rowsInDuplicateGroups = 0;
  for (let k = 0; k < G; k++) {
    const g = order[k];
    const s = spamIn[g];
    const h = hamIn[g];
    if (s > 0 && h > 0) mixedLabelGroups++;
    if (s + h > 1) {
      duplicateGroups++;
      rowsInDuplicateGroups += s + h;
    }
    if (tSpam + s <= targetSpam && tHam + h <= targetHam) {
      inTest[g] = 1;
      tSpam += s;
      tHam += h;
    }
  }
  const testIdx = new Int32Array(tSpam + tHam);
  const trainIdx = new Int32Array(n - testIdx.length);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (inTest[groups.groupOf[i]]) testIdx[a++] = i;
    else trainIdx[b++] = i;
  }
  return {
    trainIdx,
    testIdx,
    summary: {
      seed,
      testRatio,
      rows: n,
      train: { total: trainIdx.length, spam: nSpam - tSpam, ham: nHam - tHam },
      test: { total: testIdx.length, spam: tSpam, ham: tHam },
      testTarget: { spam: targetSpam, ham: targetHam },
      groups: G,
      duplicateGroups,
      duplicateRows: rowsInDuplicateGroups - duplicateGroups,
      rowsInDuplicateGroups,
      mixedLabelGroups,
    },
  };
}

/** Group ids 0..G-1 by ascending seeded rank of their content keys (ties, ~2^-53 per pair: by id). */
function rankedOrder(keys: GroupKeys, G: number, seed: number): Int32Array {
  if (keys.a.length !== G || keys.b.length !== G) {
    throw new TrainSpamError('INVALID_ARGUMENT', `split: ${G} groups but ${keys.a.length}/${keys.b.length} group keys`);
  }
  const rankOf = keyedRanker(deriveSeed(seed, 'split'));
  const rank = new Float64Array(G);
  for (let g = 0; g < G; g++) rank[g] = rankOf(keys.a[g], keys.b[g]);
  const order = new Int32Array(G);
  for (let g = 0; g < G; g++) order[g] = g;
  order.sort((x, y) => rank[x] - rank[y] || x - y);
  return order;
}

/** Convenience: groups e-mails by normalised body_text and splits them; also returns the group of each row. */
export function splitEmails(
  emails: ReadonlyArray<{ email_id: string; label: number; body_text: string }>,
  options: SplitOptions = {},
): SplitResult & { groupOf: Int32Array } {
  const groups = groupDuplicates(
    emails.length,
    (i) => emails[i].body_text,
    (i) => emails[i].email_id,
  );
  const split = stratifiedGroupSplit(
    emails.map((e) => e.label),
    groups,
    options,
  );
  return { ...split, groupOf: groups.groupOf };
}

/** One line for the CLI / logs: class balance, duplicates, sizes. */
export function formatSplitSummary(s: SplitSummary): string {
  const pct = (x: number, t: number) => (t === 0 ? '0.0' : ((100 * x) / t).toFixed(1));
  return (
    `split (seed ${s.seed}, test ratio ${s.testRatio}): train ${s.train.total} rows ` +
    `(${s.train.spam} spam / ${s.train.ham} ham, ${pct(s.train.spam, s.train.total)}% spam), ` +
    `test ${s.test.total} rows (${s.test.spam} spam / ${s.test.ham} ham, ${pct(s.test.spam, s.test.total)}% spam); ` +
    `${s.duplicateGroups} duplicate-body groups (${s.rowsInDuplicateGroups} rows, ${s.duplicateRows} redundant copies) kept whole on one side`
  );
}
