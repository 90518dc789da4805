/** The KFP ROC artifact's first point ("nothing is spam") has a threshold above every score, even a score of exactly 1. */
import { describe, expect, it } from 'vitest';
import { nothingIsSpamThreshold } from '../../../src/pipeline/step-runner.js';

describe('nothingIsSpamThreshold', () => {
  it('is 1 below a top score of 1, and the next number above a top score of 1', () => {
    expect(nothingIsSpamThreshold(0.97)).toBe(1);
    expect(nothingIsSpamThreshold(1 - 2 ** -53)).toBe(1);
    expect(nothingIsSpamThreshold(1)).toBe(1 + 2 ** -52);
    expect(nothingIsSpamThreshold(1) > 1).toBe(true);
    // score >= threshold calls nothing spam
    for (const top of [0, 0.5, 1 - 2 ** -53, 1]) expect(top >= nothingIsSpamThreshold(top)).toBe(false);
  });
});
