/**
 * The container steps read back the evaluation, gate and comparison files: a file whose values no
 * step could have written (a null score, a label 2, a gate report saying passed over a failed
 * gate) is refused naming the file and the field, rather than gated, compared or promoted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadComparison, loadEvaluation, loadGateReport, saveComparison, saveGateReport, writeJsonFile } from '../../../src/pipeline/codecs.js';
import { compareWithStaging } from '../../../src/pipeline/comparison.js';
import { evaluateGates } from '../../../src/pipeline/gates.js';

const root = mkdtempSync(join(tmpdir(), 'train-spam-codecs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const metrics = { f1: 0.9, rocAuc: 0.95, precision: 0.9, recall: 0.9, threshold: 0.5 };
function evaluationFile(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: 'train-spam/evaluation', version: 1, candidate: metrics, baseline: metrics, scores: [0.1, 0.9, 0.8, NaN], labels: [0, 1, 1, 0],
    ids: ['a', 'b', 'c', 'd'], latency: { p99Ms: 2.5 }, batchPerSecond: 1000, trainTestOverlap: 0, model: {}, ...over,
  };
}

async function write(name: string, doc: unknown): Promise<string> {
  const f = join(root, name);
  await writeJsonFile(f, doc);
  return f;
}

describe('evaluation file', () => {
  it('a well-formed file loads, NaN scores and metrics included (they are the gates\' to reject)', async () => {
    const f = await write('ok.json', evaluationFile({ candidate: { ...metrics, f1: NaN }, latency: { p99Ms: NaN } }));
    const doc = await loadEvaluation(f);
    expect(doc.scores[3]).toBeNaN();
    expect(doc.candidate.f1).toBeNaN();
  });

  it.each([
    ['a null score', { scores: [0.1, null, 0.8, 0.2] }, /scores\[1\] is null; expected a number/],
    ['a score as text', { scores: [0.1, '0.9', 0.8, 0.2] }, /scores\[1\] is "0.9"; expected a number/],
    ['a label 2', { labels: [0, 2, 1, 0] }, /labels\[1\] is 2; expected 0 or 1/],
    ['a label 0.5', { labels: [0, 1, 0.5, 0] }, /labels\[2\] is 0.5; expected 0 or 1/],
    ['an id that is not a string', { ids: ['a', 'b', 3, 'd'] }, /ids\[2\] is 3; expected an e-mail id/],
    ['an F1 above 1', { candidate: { ...metrics, f1: 1.7 } }, /candidate.f1 is 1.7; expected a number in \[0, 1\]/],
    ['a negative recall', { candidate: { ...metrics, recall: -0.1 } }, /candidate.recall is -0.1/],
    ['a negative p99 latency', { latency: { p99Ms: -3 } }, /latency.p99Ms is -3; expected a duration >= 0 ms/],
    ['a negative overlap', { trainTestOverlap: -1 }, /trainTestOverlap is -1; expected a count >= 0/],
  ])('%s is refused, naming the file and the field', async (_what, over, message) => {
    const f = await write('bad.json', evaluationFile(over));
    await expect(loadEvaluation(f)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(message) });
    await expect(loadEvaluation(f)).rejects.toMatchObject({ message: expect.stringContaining(f) });
  });
});

const gateInput = {
  metrics: { f1: 0.95, rocAuc: 0.98, precision: 0.94, recall: 0.96 },
  latencyP99Ms: 2.5,
  scores: [0.1, 0.9, 0.2, 0.8],
  trainTestOverlap: 0,
  baseline: { metric: 'f1', baselineValue: 0.7, candidateValue: 0.95 },
};

describe('gate report', () => {
  it('round-trips a report, passed or not', async () => {
    for (const f1 of [0.95, 0.5]) {
      const report = evaluateGates({ ...gateInput, metrics: { ...gateInput.metrics, f1 } });
      const f = join(root, 'gates.json');
      await saveGateReport(f, report);
      expect(await loadGateReport(f)).toEqual(report);
    }
  });

  it('refuses a report whose passed flag disagrees with its gates, or that lists none', async () => {
    const report = evaluateGates({ ...gateInput, metrics: { ...gateInput.metrics, f1: 0.5 } });
    const forged = await write('forged.json', { format: 'train-spam/gate-report', version: 1, ...report, passed: true });
    await expect(loadGateReport(forged)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/says passed=true but its gates say false/) });
    const empty = await write('empty.json', { format: 'train-spam/gate-report', version: 1, passed: true, gates: [], thresholds: report.thresholds });
    await expect(loadGateReport(empty)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/lists no gate/) });
    const junk = await write('junk.json', { format: 'train-spam/gate-report', version: 1, passed: true, gates: [{ name: 'f1' }], thresholds: report.thresholds });
    await expect(loadGateReport(junk)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringMatching(/gates\[0\] must be an object/) });
  });
});

describe('comparison report', () => {
  it('refuses a report whose passed flag or decision disagrees with its status', async () => {
    const failed = compareWithStaging({ candidate: { f1: 0.8, auc: 0.9 }, staging: { version: '1', f1: 0.95, auc: 0.97 } });
    const f = join(root, 'comparison.json');
    await saveComparison(f, failed);
    expect((await loadComparison(f)).decision).toBe('reject');
    for (const over of [{ passed: true }, { decision: 'promote' }, { status: 'better' }]) {
      const g = await write('forged-comparison.json', { format: 'train-spam/comparison', version: 1, ...failed, decision: 'reject', ...over });
      await expect(loadComparison(g)).rejects.toMatchObject({ code: 'FORMAT_ERROR', message: expect.stringContaining(g) });
    }
  });
});
