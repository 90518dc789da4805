/**
 * The best-trial choice (pickBest): the top score, or among scores within the tie tolerance of it
 * the best tie-break metric; stopped trials only when none completed; independent of row order.
 */
import { describe, expect, it } from 'vitest';
import { pickBest, type TrialRow } from '../../../src/hpo/results.js';

function row(trial: number, score: number | null, tieBreak: number | null, state: TrialRow['state'] = 'completed'): TrialRow {
  return { trial, seed: trial, model: 'gbm', params: {}, bracket: 0, state, score, tieBreak, metrics: null, iterations: 1, reports: 1, durationMs: 1, error: null };
}

const permutations = <T>(xs: readonly T[]): T[][] =>
  xs.length <= 1 ? [[...xs]] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

describe('pickBest', () => {
  // the seed-42 case of the SpamAssassin benchmark: a GBM and a logistic trial with as many holdout
  // mistakes, F1 0.97394 and 0.97368, AUC 0.99779 and 0.99832
  const gbm = row(0, 0.9739413680781759, 0.9977881824327011);
  const logistic = row(1, 0.9736842105263158, 0.9983150423476083);
  const far = row(2, 0.9720, 0.9999);

  it('without a tolerance the top score wins; the tie-break decides exact ties only', () => {
    expect(pickBest([gbm, logistic, far], 'max')?.trial).toBe(0);
    expect(pickBest([row(0, 0.9, 0.5), row(1, 0.9, 0.7)], 'max')?.trial).toBe(1);
    // a lower tie-break wins for a 'min' tie-break metric (log loss)
    expect(pickBest([row(0, 0.9, 0.5), row(1, 0.9, 0.7)], 'max', 'min')?.trial).toBe(0);
  });

  it('scores within the tolerance of the top score are ties, decided by the tie-break; scores outside are not candidates', () => {
    expect(pickBest([gbm, logistic, far], 'max', 'max', 0.001)?.trial).toBe(1);
    // 0.0019 below the top: outside 0.001 even with the best AUC; inside 0.002
    expect(pickBest([gbm, far], 'max', 'max', 0.001)?.trial).toBe(0);
    expect(pickBest([gbm, logistic, far], 'max', 'max', 0.002)?.trial).toBe(2);
    // the window is measured from the top score, not chained from trial to trial
    const chain = [row(0, 0.9, 0.1), row(1, 0.8992, 0.2), row(2, 0.8984, 0.9)];
    expect(pickBest(chain, 'max', 'max', 0.001)?.trial).toBe(1);
  });

  it('among equal tie-break values the better score wins, then the lower trial index', () => {
    expect(pickBest([row(0, 0.9, 0.5), row(1, 0.9005, 0.5)], 'max', 'max', 0.001)?.trial).toBe(1);
    expect(pickBest([row(3, 0.9, 0.5), row(1, 0.9, 0.5)], 'max', 'max', 0.001)?.trial).toBe(1);
    // a missing tie-break value ranks last
    expect(pickBest([row(0, 0.9005, null), row(1, 0.9, 0.1)], 'max', 'max', 0.001)?.trial).toBe(1);
  });

  it("a 'min' metric takes scores up to the tolerance above the lowest", () => {
    const rows = [row(0, 0.100, 0.90), row(1, 0.1008, 0.95), row(2, 0.1012, 0.99)];
    expect(pickBest(rows, 'min', 'max', 0.001)?.trial).toBe(1);
    expect(pickBest(rows, 'min', 'max', 0)?.trial).toBe(0);
  });

  it('stopped and failed trials are candidates only when no trial completed; non-finite scores never', () => {
    const stopped = row(5, 0.99, 0.999, 'stopped');
    expect(pickBest([gbm, stopped], 'max', 'max', 0.1)?.trial).toBe(0);
    expect(pickBest([stopped, row(6, 0.9895, 0.9999, 'stopped'), row(7, 0.995, 1, 'failed')], 'max', 'max', 0.001)?.trial).toBe(6);
    expect(pickBest([row(0, Number.NaN, 1), row(1, null, 1), row(2, 0.5, 0)], 'max', 'max', 0.001)?.trial).toBe(2);
    expect(pickBest([row(0, null, 1, 'failed')], 'max', 'max', 0.001)).toBeNull();
  });

  it('the choice does not depend on the order of the rows', () => {
    const rows = [gbm, logistic, far, row(3, 0.9735, 0.9983150423476083), row(4, 0.974, 0.99)];
    const expected = pickBest(rows, 'max', 'max', 0.001)?.trial;
    expect(expected).toBe(1);
    for (const p of permutations(rows)) expect(pickBest(p, 'max', 'max', 0.001)?.trial).toBe(expected);
  });
});
