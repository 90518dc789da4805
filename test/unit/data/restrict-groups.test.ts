import { describe, expect, it } from 'vitest';
import { groupDuplicates } from '../../../src/data/dedup.js';
import { splitEmails } from '../../../src/data/split.js';
import { restrictGroups } from '../../../src/pipeline/steps/data-preparation.js';

describe('training groups derived from the split', () => {
  it('equal grouping the training e-mails afresh', () => {
    const bodies = ['a b', 'c', 'A  b', '', 'c', 'd', '', 'e', 'd', 'f', 'a b', 'g', 'h', 'c', 'i', 'j'];
    const emails = bodies.map((body_text, i) => ({ email_id: `e${i}`, body_text, label: i % 3 === 0 ? 1 : 0 }));
    for (const seed of [1, 2, 3, 4, 5]) {
      const split = splitEmails(emails, { testRatio: 0.3, seed });
      const train = Array.from(split.trainIdx, (i) => emails[i]);
      const fresh = groupDuplicates(train.length, (i) => train[i].body_text).groupOf;
      expect(Array.from(restrictGroups(split.groupOf, split.trainIdx))).toEqual(Array.from(fresh));
    }
  });
});
