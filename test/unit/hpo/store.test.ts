import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOURNAL_VERSION, replay, resumableState, type StudyEvent, type StudyHeader } from '../../../src/hpo/store/events.js';
import { JournalTrialStore, parseJournal, readJournal } from '../../../src/hpo/store/journal.js';
import { MemoryTrialStore } from '../../../src/hpo/store/store.js';

const header: StudyHeader = {
  version: 1, seed: 1, trials: 3, shardIndex: 0, shardCount: 1, metric: 'f1', mode: 'max', tieBreak: 'auc', tieTolerance: 0,
  scheduler: { kind: 'fifo' }, validation: { kind: 'holdout', fraction: 0.2 }, space: { model: {} },
  data: { rows: 10, denseCols: 2, sparseCols: 3, nonZeros: 7, digest: '0123456789abcdef' },
};
const cfg = { model: 'gbm' as const, params: { a: 1 } };
const result = { score: 0.9, tieBreak: 0.95, metrics: { f1: 0.9 }, iterations: 5 };
const events: StudyEvent[] = [
  { type: 'study', header, at: 0 },
  { type: 'trial_start', trial: 0, seed: 10, config: cfg, bracket: 0, at: 1 },
  { type: 'report', trial: 0, iteration: 1, time: 1, metrics: { val_auc: 0.7 }, decision: 'continue', at: 2 },
  { type: 'rung', trial: 0, bracket: 0, milestone: 1, value: 0.7, at: 2 },
  { type: 'trial_start', trial: 1, seed: 11, config: cfg, bracket: 0, at: 3 },
  { type: 'rung', trial: 1, bracket: 0, milestone: 1, value: 0.6, at: 4 },
  { type: 'trial_end', trial: 0, state: 'completed', result, durationMs: 5, at: 5 },
  { type: 'trial_start', trial: 2, seed: 12, config: cfg, bracket: 0, at: 6 },
  { type: 'trial_end', trial: 2, state: 'failed', error: { code: 'TIMEOUT', message: 'slow' }, durationMs: 5, at: 7 },
];

describe('study state reducer', () => {
  it('replays events into trial records and rung records', () => {
    const s = replay(events);
    expect(s.header).toEqual(header);
    expect(s.trials.get(0)).toMatchObject({ state: 'completed', result, reports: 1, lastIteration: 1 });
    expect(s.trials.get(1)).toMatchObject({ state: 'running' });
    expect(s.trials.get(2)).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT' } });
    expect(s.rungs).toHaveLength(2);
  });

  it('resumable state keeps finished trials and their rungs only', () => {
    const r = resumableState(replay(events));
    expect([...r.trials.keys()].sort()).toEqual([0, 2]);
    expect(r.rungs).toEqual([{ trial: 0, bracket: 0, milestone: 1, value: 0.7 }]);
  });

  it('a re-started trial forgets the rung records of its earlier attempt', () => {
    const s = replay([...events, { type: 'trial_start', trial: 1, seed: 11, config: cfg, bracket: 0, at: 9 }]);
    expect(s.rungs.map((r) => r.trial)).toEqual([0]);
  });

  it('memory store reduces as it appends', () => {
    const m = new MemoryTrialStore();
    for (const e of events) m.append(e);
    expect(m.state).toEqual(replay(events));
    expect(m.events).toHaveLength(events.length);
  });
});

describe('JSONL journal', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'hpo-journal-'));

  it('writes one JSON line per event and replays them', async () => {
    const file = join(dir(), 'j.jsonl');
    const j = new JournalTrialStore(file, { mode: 'create' });
    for (const e of events) j.append(e);
    await j.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(events.length);
    expect(readJournal(file).events).toEqual(events);
    expect(() => new JournalTrialStore(file, { mode: 'create' })).toThrow(/already exists; pass --resume/);
  });

  it('tolerates a torn last line and truncates it before appending', async () => {
    const file = join(dir(), 'j.jsonl');
    writeFileSync(file, events.slice(0, 4).map((e) => JSON.stringify(e) + '\n').join(''));
    const torn = JSON.stringify(events[4]);
    appendFileSync(file, torn.slice(0, torn.length - 9));
    const read = readJournal(file);
    expect(read.tornTail).toBe(true);
    expect(read.events).toEqual(events.slice(0, 4));
    const j = new JournalTrialStore(file, { mode: 'resume' });
    expect(j.events).toEqual(events.slice(0, 4));
    j.append(events[4]);
    await j.close();
    expect(readJournal(file)).toMatchObject({ tornTail: false, events: events.slice(0, 5) });
  });

  it('a last line that is not the start of an event is an error, and resume leaves the file as it was', () => {
    const file = join(dir(), 'j.jsonl');
    for (const text of ['hello, not a journal', JSON.stringify(events[0]) + '\nsome notes']) {
      writeFileSync(file, text);
      expect(() => readJournal(file)).toThrow(/line \d is neither a JSON event nor the start of one cut short by a crash/);
      expect(() => new JournalTrialStore(file, { mode: 'resume' })).toThrow(/is this a train-spam trial journal\?/);
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
  });

  it('keeps a complete last record that lacks its newline', async () => {
    const file = join(dir(), 'j.jsonl');
    writeFileSync(file, events.slice(0, 3).map((e) => JSON.stringify(e)).join('\n'));
    const j = new JournalTrialStore(file, { mode: 'resume' });
    j.append(events[3]);
    await j.close();
    expect(readJournal(file).events).toEqual(events.slice(0, 4));
  });

  it('refuses whole JSON lines that are not events of ours, naming the line and the field, even as the last line', () => {
    const good = events.slice(0, 2).map((e) => JSON.stringify(e));
    const cases: [string, RegExp][] = [
      ['{"type":"trial_start","trial":0,"at":1}', /line 2: 'trial_start' event: 'seed' must be an integer/],
      ['{"type":"trial_start","trial":0,"seed":3,"bracket":0,"at":1}', /line 2: 'trial_start' event: 'config\.model' must be one of gbm, logistic, mlp/],
      ['{"type":"trial_end","trial":0,"state":"completed","durationMs":5,"at":5}', /line 2: 'trial_end' event: 'result' must be an object/],
      ['{"type":"trial_end","trial":0,"state":"done","durationMs":5,"at":5}', /'state' must be one of completed, stopped, failed, cancelled/],
      ['{"type":"report","trial":0,"iteration":1,"time":1,"metrics":{},"decision":"maybe","at":2}', /'decision' must be 'continue' or 'stop'/],
      ['{"type":"checkpoint","at":3}', /line 2: unknown event type 'checkpoint'/],
      ['[1,2]', /line 2: expected a JSON object with a string 'type'/],
    ];
    for (const [line, err] of cases) {
      expect(() => parseJournal([good[0], line, good[1], ''].join('\n'), 'x.jsonl')).toThrow(err);
      // whole JSON is not a torn write: an error as the last line too, not dropped
      expect(() => parseJournal([good[0], line].join('\n'), 'x.jsonl')).toThrow(err);
    }
    // a header of this format version must carry its fields; another version is left to the version check
    const current = { ...header, version: JOURNAL_VERSION };
    const { data: _d, ...noData } = current;
    expect(() => parseJournal(JSON.stringify({ type: 'study', header: noData, at: 0 }) + '\n', 'x.jsonl')).toThrow(/'header\.data' must be an object/);
    for (const tieTolerance of [-0.001, null, '0.001']) {
      expect(() => parseJournal(JSON.stringify({ type: 'study', header: { ...current, tieTolerance }, at: 0 }) + '\n', 'x.jsonl')).toThrow(/'header\.tieTolerance' must be a number ≥ 0/);
    }
    expect(parseJournal(JSON.stringify({ type: 'study', header: { ...noData, version: 1 }, at: 0 }) + '\n').events).toHaveLength(1);
    // a metric written as null (JSON's NaN) is a valid record
    const nanResult = { ...events[6], result: { ...result, score: null, metrics: { f1: null } } };
    expect(parseJournal(JSON.stringify(nanResult) + '\n').events).toHaveLength(1);
  });

  it('after a failed write every later append fails too (nothing is glued to a torn line)', async () => {
    const file = join(dir(), 'j.jsonl');
    const j = new JournalTrialStore(file, { mode: 'create' });
    j.append(events[0]);
    const internals = j as unknown as { fd: number };
    const writable = internals.fd;
    internals.fd = openSync(file, 'r'); // the next write fails (EBADF)
    expect(() => j.append(events[1])).toThrow(expect.objectContaining({ code: 'IO_ERROR', message: expect.stringMatching(/j\.jsonl': append failed: EBADF/) }));
    closeSync(internals.fd);
    internals.fd = writable; // the file could be written again, but the journal stays failed
    expect(() => j.append(events[1])).toThrow(/append failed: EBADF/);
    await j.close();
    expect(readJournal(file).events).toEqual(events.slice(0, 1));
  });

  it('creates a journal exclusively: a second store on the same file is refused', () => {
    const file = join(dir(), 'j.jsonl');
    const a = new JournalTrialStore(file, { mode: 'create' });
    expect(() => new JournalTrialStore(file, { mode: 'create' })).toThrow(expect.objectContaining({ code: 'ALREADY_EXISTS' }));
    void a.close();
  });

  it('a first line that is whole but not JSON (another file with a trailing newline: CSV, notes) asks whether the file is a journal, not about corruption', () => {
    for (const text of ['hello\n', 'a,b\n1,2\n']) {
      expect(() => parseJournal(text, 'x.jsonl')).toThrow(/x\.jsonl: line 1 is not a JSON event \(a journal starts with its study header\); is this a train-spam trial journal\?/);
    }
  });

  it('rejects corruption before the last line, naming the line', () => {
    const text = [JSON.stringify(events[0]), '{oops', JSON.stringify(events[1]), ''].join('\n');
    expect(() => parseJournal(text, 'x.jsonl')).toThrow(/x\.jsonl: line 2 is not a JSON event/);
  });
});
