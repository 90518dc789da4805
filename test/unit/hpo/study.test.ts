import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { journalHeader, mergeShardFiles, mergeShards, studyKey } from '../../../src/hpo/shards.js';
import { choice, constant, randint, uniform, type SearchSpace } from '../../../src/hpo/space.js';
import { readJournal } from '../../../src/hpo/store/journal.js';
import { MemoryTrialStore } from '../../../src/hpo/store/store.js';
import { JOURNAL_VERSION, type StudyEvent } from '../../../src/hpo/store/events.js';
import { TrainSpamError } from '../../../src/core/errors.js';
import { FIFO_MAX_REPORTS, journalFileName, runStudy, type StudyOptions } from '../../../src/hpo/study.js';
import { pickBest, writeStudyArtifacts, type TrialRow } from '../../../src/hpo/results.js';
import { comparable, fakeFamilies, toyData } from './helpers.js';
import type { ProgressEvent } from '../../../src/hpo/progress.js';

const data = toyData(240, 5);
const tmp = () => mkdtempSync(join(tmpdir(), 'hpo-study-'));
const base: StudyOptions = { data, families: fakeFamilies, executor: 'inline', trials: 12, seed: 7 };
const delayed: SearchSpace = {
  families: {
    gbm: { quality: uniform(0, 1), n_estimators: randint(6, 13), delay_ms: constant(1) },
    mlp: { quality: uniform(0, 1), epochs: randint(6, 13), delay_ms: constant(1) },
  },
};

describe('runStudy (in-process runner, fake estimators)', () => {
  it('a progress report whose journal write fails fails its trial with that error (no unhandled rejection), under random search too', async () => {
    class FullDisk extends MemoryTrialStore {
      override append(e: StudyEvent): void {
        if (e.type === 'report') throw new TrainSpamError('IO_ERROR', "journal 'j.jsonl': EFBIG: file too large, write", { file: 'j.jsonl' });
        super.append(e);
      }
    }
    const r = await runStudy({ ...base, trials: 3, workers: 2, space: delayed, store: new FullDisk() });
    expect(r.trials).toHaveLength(3);
    for (const t of r.trials) {
      expect(t.state).toBe('failed');
      expect(t.error).toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining('EFBIG') });
    }
  });

  it('a trial end whose journal write fails fails the study with that error, after cancelling the trials still running (2 lanes)', async () => {
    let failed = -1;
    class FullDiskAtEnd extends MemoryTrialStore {
      override append(e: StudyEvent): void {
        if (e.type === 'trial_end' && failed < 0) {
          failed = e.trial;
          throw new TrainSpamError('IO_ERROR', "journal 'j.jsonl': EFBIG: file too large, write", { file: 'j.jsonl' });
        }
        super.append(e);
      }
    }
    // in index order, trials 0 and 1 (seed 7) run 32 and 140 iterations of 2 ms: 1 is running when 0 ends
    const slow: SearchSpace = { families: { gbm: { quality: uniform(0, 1), n_estimators: randint(5, 150), delay_ms: constant(2) } } };
    const store = new FullDiskAtEnd();
    await expect(runStudy({ ...base, trials: 6, workers: 2, launchOrder: 'index', space: slow, store })).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining('EFBIG') });
    const events = store.events;
    // trial 1 was cancelled, not run to its end, and nothing started after the failure
    expect(failed).toBe(0);
    expect(events.filter((e) => e.type === 'trial_start').map((e) => e.trial)).toEqual([0, 1]);
    expect(events.filter((e) => e.type === 'trial_end')).toEqual([expect.objectContaining({ trial: 1, state: 'cancelled', error: expect.objectContaining({ code: 'CANCELLED' }) })]);
    expect(events.some((e) => e.type === 'study_end')).toBe(false);
  });

  it('the live best so far equals pickBest over the trials ended so far, at every trial end (40 trials, tie tolerance 0.05)', async () => {
    const ends: { trial: number; best: { trial: number } | null }[] = [];
    const r = await runStudy({
      ...base,
      trials: 40,
      tieTolerance: 0.05,
      progress: { event: (e) => void (e.type === 'trial_end' && ends.push({ trial: e.trial, best: e.best })), close() {} },
    });
    const byTrial = new Map(r.trials.map((t) => [t.trial, t]));
    const seen: TrialRow[] = [];
    let changes = 0;
    for (const e of ends) {
      seen.push(byTrial.get(e.trial)!);
      const expected = pickBest(seen, 'max', 'max', 0.05);
      expect(e.best?.trial ?? null, `after trial ${e.trial}`).toBe(expected?.trial ?? null);
      if (seen.length > 1 && expected?.trial !== pickBest(seen.slice(0, -1), 'max', 'max', 0.05)?.trial) changes++;
    }
    expect(changes).toBeGreaterThan(1); // the choice moved during the study
  });

  it('random search gives identical trials for 1 and 3 concurrent trials', async () => {
    const a = await runStudy({ ...base, workers: 1, space: delayed });
    const b = await runStudy({ ...base, workers: 3, space: delayed });
    expect(a.state).toBe('completed');
    expect(a.trials).toHaveLength(12);
    expect(a.trials.every((t) => t.state === 'completed')).toBe(true);
    expect(comparable(b.trials)).toEqual(comparable(a.trials));
    expect(b.best).toEqual({ ...a.best, durationMs: b.best!.durationMs });
    // best = highest AUC (the tie-break) among completed trials within the default tolerance 0.001 of the top val F1
    const maxF1 = Math.max(...a.trials.map((t) => t.score ?? -1));
    const near = a.trials.filter((t) => (t.score as number) >= maxF1 - 0.001);
    expect(a.best!.tieBreak).toBe(Math.max(...near.map((t) => t.tieBreak as number)));
    expect(a.bestScore).toBe(a.best!.score);
    expect(a.tieTolerance).toBe(0.001);
    expect(a.bestConfig).toEqual({ model: a.best!.model, params: a.best!.params });
  });

  it('a different seed gives different configs', async () => {
    const a = await runStudy({ ...base, trials: 4 });
    const b = await runStudy({ ...base, trials: 4, seed: 8 });
    expect(a.trials.map((t) => t.params)).not.toEqual(b.trials.map((t) => t.params));
  });

  it('deterministic ASHA gives identical decisions for 1, 2 and 4 concurrent trials, and stops some trials', async () => {
    const opts: StudyOptions = { ...base, trials: 16, space: delayed, scheduler: { kind: 'asha', maxT: 9, gracePeriod: 1, reductionFactor: 3 } };
    const one = await runStudy({ ...opts, workers: 1 });
    const two = await runStudy({ ...opts, workers: 2 });
    const four = await runStudy({ ...opts, workers: 4 });
    expect(comparable(two.trials)).toEqual(comparable(one.trials));
    expect(comparable(four.trials)).toEqual(comparable(one.trials));
    const stopped = one.trials.filter((t) => t.state === 'stopped');
    expect(stopped.length).toBeGreaterThan(3);
    expect(one.trials.filter((t) => t.state === 'completed').length).toBeGreaterThan(0);
    const fifo = await runStudy({ ...opts, scheduler: { kind: 'fifo' }, workers: 2 });
    expect(one.totalIterations).toBeLessThan(fifo.totalIterations * 0.8);
    // a stopped trial never trains its full budget
    for (const t of stopped) expect(t.iterations).toBeLessThan((t.params.n_estimators ?? t.params.epochs) as number);
  });

  it('random search thins progress reports to FIFO_MAX_REPORTS per trial (last iteration included); ASHA sees every iteration', async () => {
    const long: SearchSpace = { families: { gbm: { quality: uniform(0, 1), n_estimators: randint(40, 200) } } };
    const reportsOf = (dir: string) => {
      const byTrial = new Map<number, number[]>();
      for (const e of readJournal(join(dir, journalFileName(0, 1))).events) {
        if (e.type !== 'report') continue;
        const r = e as { trial: number; iteration: number };
        byTrial.set(r.trial, [...(byTrial.get(r.trial) ?? []), r.iteration]);
      }
      return byTrial;
    };
    const dir = tmp();
    const fifo = await runStudy({ ...base, trials: 6, space: long, journalDir: dir });
    const thinned = reportsOf(dir);
    for (const t of fifo.trials) {
      const its = thinned.get(t.trial)!;
      const budget = t.params.n_estimators as number;
      expect(its.length).toBeLessThanOrEqual(FIFO_MAX_REPORTS + 1);
      // every ceil(budget / max) iterations: more than half the allowance
      expect(its.length).toBeGreaterThanOrEqual(Math.min(budget, FIFO_MAX_REPORTS / 2));
      expect(its[its.length - 1]).toBe(budget);
    }
    const adir = tmp();
    const asha = await runStudy({ ...base, trials: 6, space: long, journalDir: adir, scheduler: { kind: 'asha', maxT: 9 } });
    const all = reportsOf(adir);
    for (const t of asha.trials) expect(all.get(t.trial)).toEqual(Array.from({ length: t.iterations }, (_, k) => k + 1));
  });

  it('asynchronous ASHA finishes every trial; with one worker it equals the deterministic mode', async () => {
    const opts: StudyOptions = { ...base, trials: 10, space: delayed };
    const asyncOne = await runStudy({ ...opts, workers: 1, scheduler: { kind: 'asha', maxT: 9, gracePeriod: 1, deterministic: false } });
    const detOne = await runStudy({ ...opts, workers: 1, scheduler: { kind: 'asha', maxT: 9, gracePeriod: 1, deterministic: true } });
    expect(comparable(asyncOne.trials)).toEqual(comparable(detOne.trials));
    const asyncThree = await runStudy({ ...opts, workers: 3, scheduler: { kind: 'asha', maxT: 9, gracePeriod: 1, deterministic: false } });
    expect(asyncThree.trials.every((t) => t.state === 'completed' || t.state === 'stopped')).toBe(true);
  });

  it('a seed outside uint32 is refused before anything runs (2^32 + 7 would run as seed 7)', async () => {
    for (const seed of [2 ** 32 + 7, -1, 1.5]) {
      await expect(runStudy({ ...base, seed })).rejects.toThrow(`seed = ${seed}; expected an integer in [0, 4294967295]`);
    }
    expect((await runStudy({ ...base, trials: 1, seed: 2 ** 32 - 1 })).state).toBe('completed');
  });

  it('records failing and timed-out trials with their errors and goes on', async () => {
    const space: SearchSpace = {
      families: { gbm: { quality: uniform(0, 1), n_estimators: randint(4, 8), fail: choice(['none', 'none', 'throw', 'throw_at']), delay_ms: choice([0, 0, 200]) } },
    };
    const r = await runStudy({ ...base, trials: 12, space, workers: 2, trialTimeoutMs: 100 });
    expect(r.state).toBe('completed');
    const failed = r.trials.filter((t) => t.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const t of failed) {
      expect(t.error).not.toBeNull();
      if (t.params.fail === 'throw') expect(t.error).toMatchObject({ code: 'INVALID_DATA', message: expect.stringContaining('asked to fail') });
      else if (t.params.fail === 'throw_at' && t.params.delay_ms === 0) expect(t.error!.message).toMatch(/iteration 3/);
    }
    const slow = r.trials.filter((t) => t.params.fail === 'none' && t.params.delay_ms === 200);
    expect(slow.length).toBeGreaterThan(0);
    for (const t of slow) expect(t.error?.code).toBe('TIMEOUT');
    const ok = r.trials.filter((t) => t.params.fail === 'none' && t.params.delay_ms === 0);
    expect(ok.length).toBeGreaterThan(0);
    for (const t of ok) expect(t.state).toBe('completed');
    expect(r.best && r.best.state).toBe('completed');
  });

  it.each([
    ['random search', { kind: 'fifo' } as const],
    ['deterministic ASHA', { kind: 'asha', maxT: 9 } as const],
  ])('%s: resume after a crash (journal cut mid-line) equals the uninterrupted run, re-running only unfinished trials', async (_n, scheduler) => {
    const opts: StudyOptions = { ...base, trials: 10, space: delayed, workers: 2, scheduler };
    const full = await runStudy({ ...opts, journalDir: tmp() });
    const dir = tmp();
    await runStudy({ ...opts, journalDir: dir });
    const file = join(dir, journalFileName(0, 1));
    const text = readFileSync(file, 'utf8');
    // cut inside the line of the 5th trial_end: as if killed while writing it
    let pos = -1;
    for (let k = 0; k < 5; k++) pos = text.indexOf('"type":"trial_end"', pos + 1);
    truncateSync(file, Buffer.byteLength(text.slice(0, pos + 10)));
    expect(statSync(file).size).toBeLessThan(text.length);
    const before = readJournal(file);
    expect(before.tornTail).toBe(true);
    const finishedBefore = new Set(before.events.filter((e) => e.type === 'trial_end').map((e) => (e as { trial: number }).trial));
    expect(finishedBefore.size).toBe(4);
    const resumed = await runStudy({ ...opts, journalDir: dir, resume: true });
    expect(comparable(resumed.trials)).toEqual(comparable(full.trials));
    expect(resumed.best?.trial).toBe(full.best?.trial);
    const after = readJournal(file).events.slice(before.events.length);
    const rerun = after.filter((e) => e.type === 'trial_start').map((e) => (e as { trial: number }).trial);
    for (const t of finishedBefore) expect(rerun).not.toContain(t);
    expect(rerun.length).toBe(10 - finishedBefore.size);
    // resumed again once complete (a step run again after it succeeded): the same result, the journal unchanged
    const done = readFileSync(file);
    const again = await runStudy({ ...opts, journalDir: dir, resume: true });
    expect(comparable(again.trials)).toEqual(comparable(full.trials));
    expect(readFileSync(file).equals(done)).toBe(true);
    await expect(runStudy({ ...opts, seed: 99, journalDir: dir, resume: true })).rejects.toThrow(/different settings \('(seed|scheduler.seed)' differs: \d+ in the journal, 99 in this run\)/);
  });

  it('sharded random search over 3 shards merges to the unsharded result', async () => {
    const opts: StudyOptions = { ...base, trials: 11, workers: 2 };
    const whole = await runStudy(opts);
    const dir = tmp();
    const parts = [];
    for (let k = 0; k < 3; k++) parts.push(await runStudy({ ...opts, shard: { index: k, count: 3 }, journalDir: dir }));
    expect(parts[1].trials.map((t) => t.trial)).toEqual([1, 4, 7, 10]);
    const merged = mergeShards(dir);
    expect(merged.state).toBe('completed');
    expect(merged.shards).toEqual([0, 1, 2]);
    expect(comparable(merged.trials)).toEqual(comparable(whole.trials));
    expect(merged.best?.trial).toBe(whole.best?.trial);
    expect(merged.bestConfig).toEqual(whole.bestConfig);
  });

  it('a journal resumes and merges only on the data it was written for; a bad validation split writes no journal', async () => {
    const dir = tmp();
    await runStudy({ ...base, trials: 4, journalDir: dir });
    const other = toyData(240, 6); // same shape, other values
    await expect(runStudy({ ...base, trials: 4, data: other, journalDir: dir, resume: true })).rejects.toThrow(
      /different settings \('data.digest' differs: "[0-9a-f]{16}" in the journal, "[0-9a-f]{16}" in this run\)/,
    );
    // another row count is named as such, not as another digest
    await expect(runStudy({ ...base, trials: 4, data: toyData(239, 5), journalDir: dir, resume: true })).rejects.toThrow(
      "different settings ('data.rows' differs: 240 in the journal, 239 in this run)",
    );
    await expect(runStudy({ ...base, trials: 4, seed: 8, journalDir: dir, resume: true })).rejects.toThrow("('seed' differs: 7 in the journal, 8 in this run)");
    // a journal of the previous format version is refused by its version, not by a missing field
    const file = join(dir, journalFileName(0, 1));
    const lines = readFileSync(file, 'utf8').split('\n');
    const first = JSON.parse(lines[0]) as { header: Record<string, unknown> };
    const { data: _omitted, ...v1 } = first.header;
    const old = tmp();
    writeFileSync(join(old, journalFileName(0, 1)), [JSON.stringify({ ...first, header: { ...v1, version: 1 } }), ...lines.slice(1)].join('\n'));
    await expect(runStudy({ ...base, trials: 4, journalDir: old, resume: true })).rejects.toThrow(new RegExp(`has format version 1; this train-spam writes and resumes version ${JOURNAL_VERSION}:`));
    // the same data resumes (nothing left to run)
    expect((await runStudy({ ...base, trials: 4, journalDir: dir, resume: true })).trials).toHaveLength(4);

    const shards = tmp();
    await runStudy({ ...base, trials: 4, shard: { index: 0, count: 2 }, journalDir: shards });
    await runStudy({ ...base, trials: 4, data: other, shard: { index: 1, count: 2 }, journalDir: shards });
    expect(() => mergeShards(shards)).toThrow(/'data.digest' differs/);

    const fresh = tmp();
    await expect(runStudy({ ...base, trials: 2, journalDir: fresh, validation: { kind: 'holdout', fraction: 1.5 } })).rejects.toThrow(/fraction = 1.5/);
    expect(existsSync(join(fresh, journalFileName(0, 1)))).toBe(false);
    // and the corrected run starts afresh in the same directory
    expect((await runStudy({ ...base, trials: 2, journalDir: fresh })).state).toBe('completed');
  });

  it('merge checks what a shard journal holds against its name and its study: shard count, index, version, its own trials', async () => {
    const opts: StudyOptions = { ...base, trials: 6, workers: 1 };
    const dir = tmp();
    for (let k = 0; k < 2; k++) await runStudy({ ...opts, shard: { index: k, count: 2 }, journalDir: dir });
    const text = (k: number) => readFileSync(join(dir, journalFileName(k, 2)), 'utf8');
    const into = (files: Record<string, string>) => {
      const d = tmp();
      for (const [name, body] of Object.entries(files)) writeFileSync(join(d, name), body);
      return d;
    };
    // shard 0 of 2 renamed as the only shard of 1: its header says 2 shards (and it lacks trials 1, 3, 5)
    expect(() => mergeShards(into({ 'journal-shard-0-of-1.jsonl': text(0) }))).toThrow(/holds a shard of 2; its name says of 1/);
    expect(() => mergeShards(into({ 'journal-shard-2-of-2.jsonl': text(0) }))).toThrow(/shard 2 of 2 does not exist/);
    // a trial that belongs to the other shard
    const lines = text(0).trimEnd().split('\n');
    const foreign = lines.map((l) => l.replace(/"trial":0,/g, '"trial":1,')).join('\n') + '\n';
    expect(() => mergeShards(into({ 'journal-shard-0-of-2.jsonl': foreign, 'journal-shard-1-of-2.jsonl': text(1) }))).toThrow(/holds trial 1, which is not one of shard 0 of 2 in a study of 6 trials/);
    // a shard that ended without all of its trials is unfinished
    const short = lines.filter((l) => !/"trial":4[,}]/.test(l)).join('\n') + '\n';
    expect(() => mergeShards(into({ 'journal-shard-0-of-2.jsonl': short, 'journal-shard-1-of-2.jsonl': text(1) }))).toThrow(/shard\(s\) 0 .* did not finish/);
    // another format version, though otherwise alike
    const v = `"version":${JOURNAL_VERSION}`;
    expect(lines[0]).toContain(v);
    const v2 = lines.map((l, i) => (i === 0 ? l.replace(v, '"version":2') : l)).join('\n') + '\n';
    const v2b = text(1).replace(v, '"version":2');
    expect(() => mergeShards(into({ 'journal-shard-0-of-2.jsonl': v2, 'journal-shard-1-of-2.jsonl': v2b }))).toThrow(new RegExp(`has format version 2; this train-spam merges version ${JOURNAL_VERSION}:`));
    expect(mergeShards(dir).state).toBe('completed');
  });

  it('--resume refuses a directory of journals written with another shard count', async () => {
    const dir = tmp();
    await runStudy({ ...base, trials: 4, shard: { index: 0, count: 2 }, journalDir: dir });
    await expect(runStudy({ ...base, trials: 4, shard: { index: 0, count: 3 }, journalDir: dir, resume: true })).rejects.toThrow(
      /--resume with 3 shard\(s\), but '.*' holds journals of another shard count \(journal-shard-0-of-2\.jsonl\)/,
    );
    expect(readdirSync(dir)).toEqual(['journal-shard-0-of-2.jsonl']);
    // the same count resumes (nothing left to run)
    expect((await runStudy({ ...base, trials: 4, shard: { index: 0, count: 2 }, journalDir: dir, resume: true })).state).toBe('completed');
  });

  it('mergeShards reports missing and unfinished shards', async () => {
    const dir = tmp();
    await runStudy({ ...base, trials: 4, shard: { index: 0, count: 2 }, journalDir: dir });
    expect(() => mergeShards(dir)).toThrow(/lacks the journals of shard\(s\) 1 of 2/);
    expect(mergeShards(dir, { requireComplete: false }).state).toBe('incomplete');
    expect(() => mergeShards(tmp())).toThrow(/no shard journals/);
  });

  it('studyKey is shared by the shards of one study and differs for another study', async () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    await runStudy({ ...base, trials: 4, shard: { index: 0, count: 2 }, journalDir: a });
    await runStudy({ ...base, trials: 4, shard: { index: 1, count: 2 }, journalDir: b });
    await runStudy({ ...base, trials: 4, seed: 8, shard: { index: 1, count: 2 }, journalDir: c });
    const key = (d: string, i: number) => studyKey(journalHeader(join(d, journalFileName(i, 2))));
    expect(key(a, 0)).toMatch(/^[0-9a-f]{64}$/);
    expect(key(b, 1)).toBe(key(a, 0));
    expect(key(c, 1)).not.toBe(key(a, 0));
  });

  it('mergeShardFiles merges journals where they lie and names them (not a copy) in its errors', async () => {
    const [a, b] = [tmp(), tmp()];
    await runStudy({ ...base, trials: 4, shard: { index: 0, count: 2 }, journalDir: a });
    await runStudy({ ...base, trials: 4, shard: { index: 1, count: 2 }, journalDir: b });
    const fa = join(a, journalFileName(0, 2));
    const fb = join(b, journalFileName(1, 2));
    expect(comparable(mergeShardFiles([fb, fa], 'the list').trials)).toEqual(comparable(mergeShards(a, { requireComplete: false }).trials.concat(mergeShards(b, { requireComplete: false }).trials).sort((x, y) => x.trial - y.trial)));
    expect(() => mergeShardFiles([fa], 'the journals input (1 item)')).toThrow('the journals input (1 item) lacks the journals of shard(s) 1 of 2');
    expect(() => mergeShardFiles([fa, fa], 'x')).toThrow(`two journals of shard 0: '${fa}' and '${fa}'`);
    // an unfinished shard: its file and the caller's advice
    const lines = readFileSync(fb, 'utf8').trimEnd().split('\n');
    writeFileSync(fb, lines.slice(0, -2).join('\n') + '\n');
    expect(() => mergeShardFiles([fa, fb], 'x', { unfinishedHint: 're-run their hpo-tuning step' })).toThrow(`shard(s) 1 ('${fb}') did not finish; re-run their hpo-tuning step`);
  });

  it('abort cancels running trials, marks the study killed, and a resume completes it', async () => {
    const dir = tmp();
    const ac = new AbortController();
    let ends = 0;
    const opts: StudyOptions = { ...base, trials: 8, space: delayed, workers: 2 };
    const endStates: string[] = [];
    const killed = await runStudy({
      ...opts,
      journalDir: dir,
      signal: ac.signal,
      hooks: {
        onTrialEnd: (row) => {
          endStates.push(row.state);
          if (++ends === 2) ac.abort();
        },
      },
    });
    expect(killed.state).toBe('killed');
    expect(killed.trials.some((t) => t.state === 'cancelled')).toBe(true);
    // the cancelled trials reach onTrialEnd too (the pipeline closes their nested runs as KILLED)
    expect(endStates.filter((st) => st === 'cancelled').length).toBe(killed.trials.filter((t) => t.state === 'cancelled').length);
    const events = readJournal(join(dir, journalFileName(0, 1))).events;
    expect(events[events.length - 1]).toMatchObject({ type: 'study_end', state: 'killed' });
    const resumed = await runStudy({ ...opts, journalDir: dir, resume: true });
    const full = await runStudy(opts);
    expect(resumed.state).toBe('completed');
    expect(comparable(resumed.trials)).toEqual(comparable(full.trials));
  });

  it('calls the tracking hooks per trial and survives a throwing hook', async () => {
    const calls: string[] = [];
    const hookErrors: string[] = [];
    const r = await runStudy({
      ...base,
      trials: 3,
      workers: 1,
      hooks: {
        onTrialStart: (e) => void calls.push(`start ${e.trial} ${e.config.model}`),
        onTrialReport: (e) => {
          if (e.iteration === 1) calls.push(`report ${e.trial}`);
        },
        onTrialEnd: (row) => {
          calls.push(`end ${row.trial} ${row.state}`);
          if (row.trial === 1) throw new Error('tracking down');
        },
        onHookError: (hook, e) => void hookErrors.push(`${hook}: ${e.message}`),
      },
    });
    expect(r.state).toBe('completed');
    expect(calls.filter((c) => c.startsWith('start'))).toHaveLength(3);
    expect(calls.filter((c) => c.startsWith('report'))).toHaveLength(3);
    expect(calls.filter((c) => c.startsWith('end'))).toEqual(['end 0 completed', 'end 1 completed', 'end 2 completed']);
    expect(hookErrors).toEqual(['onTrialEnd: tracking down']);
  });

  it('scores on a validation split of the training data; k-fold averages folds', async () => {
    const hold = await runStudy({ ...base, trials: 2, workers: 1 });
    const kfold = await runStudy({ ...base, trials: 2, workers: 1, validation: { kind: 'kfold', k: 3 } });
    expect(kfold.trials[0].params).toEqual(hold.trials[0].params);
    expect(kfold.trials[0].iterations).toBe(3 * hold.trials[0].iterations);
    for (const t of hold.trials) expect(Object.keys(t.metrics!)).toEqual(['accuracy', 'auc', 'average_precision', 'f1', 'log_loss', 'precision', 'recall']);
    await expect(runStudy({ ...base, scheduler: { kind: 'asha' }, validation: { kind: 'kfold', k: 3 } })).rejects.toThrow(/holdout/);
  });

  it('the tie tolerance widens the best-trial choice, goes into the journal header (merges use it) and into best-config.json', async () => {
    // fake families whose top-F1 trial is not the one of lowest log loss within 0.1 of it
    const opts: StudyOptions = { ...base, seed: 4, tieBreak: 'log_loss' };
    const exact = await runStudy({ ...opts, tieTolerance: 0 });
    expect(exact.bestScore).toBe(Math.max(...exact.trials.map((t) => t.score as number)));
    const dir = tmp();
    for (const index of [0, 1]) await runStudy({ ...opts, tieTolerance: 0.1, journalDir: dir, shard: { index, count: 2 } });
    const merged = mergeShards(dir);
    expect(merged.tieTolerance).toBe(0.1);
    const near = merged.trials.filter((t) => (t.score as number) >= (exact.bestScore as number) - 0.1);
    expect(merged.best!.tieBreak).toBe(Math.min(...near.map((t) => t.tieBreak as number)));
    expect(merged.best!.trial).not.toBe(exact.best!.trial);
    expect(JSON.parse(readFileSync(writeStudyArtifacts(merged, tmp()).bestConfig, 'utf8'))).toMatchObject({ tie_break: 'log_loss', tie_tolerance: 0.1, trial: merged.best!.trial });
    // the progress end line names the chosen trial, not the top score's
    const ends: ProgressEvent[] = [];
    const trialEnds: ProgressEvent[] = [];
    const whole = await runStudy({
      ...opts,
      tieTolerance: 0.1,
      progress: { event: (e) => void (e.type === 'study_end' ? ends.push(e) : e.type === 'trial_end' ? trialEnds.push(e) : undefined), close() {} },
    });
    expect(whole.best!.trial).toBe(merged.best!.trial);
    expect(ends).toHaveLength(1);
    expect(ends[0].best).toEqual({ trial: whole.best!.trial, metric: 'f1', score: whole.bestScore });
    // so do the live lines: the best so far is chosen by the same rule, not the top score so far
    expect(trialEnds[trialEnds.length - 1].best).toEqual(ends[0].best);
    for (const bad of [-0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(runStudy({ ...base, tieTolerance: bad })).rejects.toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/tie tolerance = .*; expected a finite number ≥ 0/) }));
    }
  });

  it('writes the best config and the trials table as artifacts', async () => {
    const r = await runStudy({ ...base, trials: 3, workers: 1 });
    const dir = tmp();
    const p = writeStudyArtifacts(r, dir);
    const best = JSON.parse(readFileSync(p.bestConfig, 'utf8'));
    expect(best).toMatchObject({ model: r.bestConfig!.model, params: r.bestConfig!.params, score: r.bestScore, metric: 'f1' });
    const csv = readFileSync(p.trialsCsv, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[0]).toMatch(/^trial,seed,model,bracket,state,score,/);
    expect(csv[0]).toContain('param.quality');
    expect(JSON.parse(readFileSync(p.trialsJson, 'utf8')).trials).toHaveLength(3);
    expect(existsSync(p.trialsJson)).toBe(true);
  });

  it('writes each artifact whole or not at all, best-config.json last, and a failure names the file', async () => {
    const r = await runStudy({ ...base, trials: 3, workers: 1 });
    const dir = tmp();
    writeFileSync(join(dir, 'best-config.json'), 'old\n');
    // the temporary sibling of best-config.json cannot be written (a folder stands in its way)
    mkdirSync(join(dir, `best-config.json.tmp-${process.pid}`));
    expect(() => writeStudyArtifacts(r, dir)).toThrow(expect.objectContaining({ code: 'IO_ERROR', message: expect.stringMatching(/cannot write .*best-config\.json: /) }));
    expect(readFileSync(join(dir, 'best-config.json'), 'utf8')).toBe('old\n');
    // the files written before it are whole
    expect(JSON.parse(readFileSync(join(dir, 'trials.json'), 'utf8')).trials).toHaveLength(3);
    expect(readdirSync(dir).sort()).toEqual(['best-config.json', `best-config.json.tmp-${process.pid}`, 'trials.csv', 'trials.json']);
  });
});
