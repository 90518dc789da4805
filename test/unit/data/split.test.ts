import { describe, expect, it } from 'vitest';
import { groupDuplicates, normaliseBody } from '../../../src/data/dedup.js';
import { splitEmails, stratifiedGroupSplit } from '../../../src/data/split.js';
import { Rng } from '../../../src/core/random.js';

/** A synthetic table: n rows, ~30% spam, with duplicate bodies (some copies differ in case/whitespace). */
function table(n: number, seed: number) {
  const rng = new Rng(seed);
  const rows: Array<{ email_id: string; label: 0 | 1; body_text: string }> = [];
  for (let i = 0; i < n; i++) {
    const label = rng.next() < 0.3 ? 1 : 0;
    if (i > 10 && rng.next() < 0.15) {
      // copy an earlier row's body (same label most of the time), varying case and whitespace
      const j = rng.int(0, i - 1);
      const b = rows[j].body_text;
      rows.push({ email_id: `t${seed}/${i}`, label: rng.next() < 0.95 ? rows[j].label : label, body_text: rng.next() < 0.5 ? b.toUpperCase() : `  ${b.replace(/ /g, '\n\t ')} ` });
    } else if (rng.next() < 0.01) {
      rows.push({ email_id: `t${seed}/${i}`, label, body_text: rng.next() < 0.5 ? '' : ' \n ' });
    } else {
      rows.push({ email_id: `t${seed}/${i}`, label, body_text: `message ${i} about ${label ? 'cheap pills' : 'the meeting'} ${rng.int(0, 1e9)}` });
    }
  }
  return rows;
}

describe('normalised-body duplicates', () => {
  it('normalises case and whitespace only', () => {
    expect(normaliseBody('  Hello\n\tWORLD  \u00a0 x ')).toBe('hello world x');
    expect(normaliseBody('a.b')).not.toBe(normaliseBody('a b'));
  });

  it('groups equal normalised bodies and counts redundant copies; empty bodies stay apart', () => {
    const bodies = ['A b', 'a  B', 'c', '', '', 'A B\n', 'd'];
    const g = groupDuplicates(bodies.length, (i) => bodies[i]);
    expect(g.groupOf[0]).toBe(g.groupOf[1]);
    expect(g.groupOf[0]).toBe(g.groupOf[5]);
    expect(g.groupOf[3]).not.toBe(g.groupOf[4]);
    expect(g.groupCount).toBe(5);
    expect(g.duplicateGroups).toBe(1);
    expect(g.duplicateRows).toBe(2);
    expect(g.rowsInDuplicateGroups).toBe(3);
  });
});

describe('stratifiedGroupSplit', () => {
  const rows = table(3000, 7);
  const labels = rows.map((r) => r.label);

  it('hits round(n_c * ratio) test rows per class within one row', () => {
    for (const testRatio of [0.2, 0.25, 0.5]) {
      const { summary, trainIdx, testIdx } = splitEmails(rows, { seed: 1, testRatio });
      const nSpam = labels.filter((y) => y === 1).length;
      const nHam = labels.length - nSpam;
      expect(Math.abs(summary.test.spam - Math.round(nSpam * testRatio))).toBeLessThanOrEqual(1);
      expect(Math.abs(summary.test.ham - Math.round(nHam * testRatio))).toBeLessThanOrEqual(1);
      expect(trainIdx.length + testIdx.length).toBe(rows.length);
      // counts in the summary match the indices
      expect(Array.from(testIdx).filter((i) => labels[i] === 1).length).toBe(summary.test.spam);
      expect(Array.from(trainIdx).filter((i) => labels[i] === 1).length).toBe(summary.train.spam);
    }
  });

  it('is a partition, and no normalised body is on both sides', () => {
    const { trainIdx, testIdx, summary } = splitEmails(rows, { seed: 3 });
    const seen = new Set<number>([...trainIdx, ...testIdx]);
    expect(seen.size).toBe(rows.length);
    const trainBodies = new Set(Array.from(trainIdx, (i) => normaliseBody(rows[i].body_text)));
    // (empty bodies are not duplicates: nothing to leak)
    const leaks = Array.from(testIdx).filter((i) => normaliseBody(rows[i].body_text) !== '' && trainBodies.has(normaliseBody(rows[i].body_text)));
    expect(leaks).toEqual([]);
    expect(summary.duplicateGroups).toBeGreaterThan(50);
    // sanity: a naive split of the same rows would leak
    const perm = new Rng(3).permutation(rows.length);
    const naiveTest = new Set(Array.from(perm.slice(0, 600)));
    const naiveTrainBodies = new Set(rows.filter((_, i) => !naiveTest.has(i)).map((r) => normaliseBody(r.body_text)));
    expect([...naiveTest].some((i) => naiveTrainBodies.has(normaliseBody(rows[i].body_text)))).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = splitEmails(rows, { seed: 11 });
    const b = splitEmails(rows, { seed: 11 });
    const c = splitEmails(rows, { seed: 12 });
    expect(Array.from(a.testIdx)).toEqual(Array.from(b.testIdx));
    expect(Array.from(a.testIdx)).not.toEqual(Array.from(c.testIdx));
    expect(Array.from(a.testIdx)).toEqual([...a.testIdx].sort((x, y) => x - y));
  });

  const testIds = (r: typeof rows, seed: number, testRatio = 0.2) => new Set(Array.from(splitEmails(r, { seed, testRatio }).testIdx, (i) => r[i].email_id));

  it('does not depend on the row order: reversed or shuffled rows give the same test e-mails', () => {
    for (const seed of [1, 42]) {
      const want = testIds(rows, seed);
      expect(testIds([...rows].reverse(), seed)).toEqual(want);
      const perm = new Rng(seed + 100).permutation(rows.length);
      expect(testIds(Array.from(perm, (i) => rows[i]), seed)).toEqual(want);
    }
  });

  it('keeps the test set when a few e-mails are added or removed (a refreshed table)', () => {
    const before = testIds(rows, 42);
    const extra = table(3030, 8).slice(0, 30).map((r, i) => ({ ...r, email_id: `new/${i}`, body_text: `${r.body_text} fresh ${i}` }));
    const appended = testIds([...rows, ...extra], 42);
    const keptAppended = [...before].filter((id) => appended.has(id)).length;
    const dropped = new Set(Array.from(new Rng(9).permutation(rows.length).slice(0, 30)));
    const removed = testIds(
      rows.filter((_, i) => !dropped.has(i)),
      42,
    );
    const stillThere = [...before].filter((id) => !dropped.has(rows.findIndex((r) => r.email_id === id)));
    const keptRemoved = stillThere.filter((id) => removed.has(id)).length;
    // 30 changed rows move the class targets by ~6 and displace at most a few groups at their edge
    // (a permutation over group ids, as before, kept ~20 %: chance level)
    expect(keptAppended).toBeGreaterThanOrEqual(before.size - 20);
    expect(keptRemoved).toBeGreaterThanOrEqual(stillThere.length - 20);
  });

  it('rejects a bad ratio and bad labels', () => {
    const g = groupDuplicates(3, () => 'x');
    expect(() => stratifiedGroupSplit([0, 1, 0], g, { testRatio: 0 })).toThrow(/test_split_ratio/);
    expect(() => stratifiedGroupSplit([0, 1, 0], g, { testRatio: 1.5 })).toThrow(/test_split_ratio/);
    const h = groupDuplicates(3, (i) => `b${i}`);
    expect(() => stratifiedGroupSplit([0, 2, 0], h, {})).toThrow(/row 1/);
  });
});
