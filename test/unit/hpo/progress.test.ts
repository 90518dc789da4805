import { describe, expect, it } from 'vitest';
import { formatProgressLine, jsonProgress, ttyProgress, type ProgressCounts } from '../../../src/hpo/progress.js';
import { runStudy } from '../../../src/hpo/study.js';
import { fakeFamilies, toyData } from './helpers.js';

const counts: ProgressCounts = { total: 20, done: 5, running: 2, completed: 3, stopped: 1, failed: 1 };

describe('progress reporters', () => {
  it('formats the TTY line with done/running/stopped/failed and the best score', () => {
    expect(formatProgressLine(counts, { trial: 4, metric: 'f1', score: 0.91234 })).toBe(
      'hpo [#####---------------] 5/20 done | 2 running | 1 stopped | 1 failed | best f1 0.9123 (trial 4)',
    );
    let out = '';
    const r = ttyProgress((s) => (out += s));
    r.event({ type: 'trial_end', trial: 1, state: 'failed', score: null, iterations: 0, error: { code: 'TIMEOUT', message: 'slow' }, counts, best: null });
    r.event({ type: 'study_end', state: 'completed', counts, best: null });
    expect(out).toContain('\rhpo [');
    expect(out).toContain('trial 1 failed [TIMEOUT]: slow');
    expect(out.endsWith('\n')).toBe(true);
  });

  it('writes one JSON line per trial event when not on a TTY', async () => {
    const lines: string[] = [];
    await runStudy({ data: toyData(120), families: fakeFamilies, executor: 'inline', trials: 3, workers: 1, progress: jsonProgress((l) => lines.push(l), () => 0) });
    const events = lines.map((l) => JSON.parse(l));
    expect(lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n'))).toBe(true);
    expect(events.map((e) => e.event)).toEqual(['trial_start', 'trial_end', 'trial_start', 'trial_end', 'trial_start', 'trial_end', 'study_end']);
    expect(events[1]).toMatchObject({ ts: '1970-01-01T00:00:00.000Z', component: 'hpo', trial: 0, state: 'completed', counts: { total: 3, done: 1 } });
    expect(events[6].best).toMatchObject({ metric: 'f1' });
  });
});
