/**
 * Sharded studies: shard k of n runs trials i with i % n === k and writes
 * `journal-shard-k-of-n.jsonl` into a shared directory; `mergeShards(dir)` replays every shard
 * journal and picks the best trial over all of them. Random search sharded over n equals the
 * unsharded study (trial i's config and seed depend only on the master seed and i). ASHA runs
 * one independent ASHA per shard (rung records are not shared across pods), so a sharded ASHA
 * study is reproducible per shard but not equal to the unsharded one.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import type { JsonValue } from '../core/payload.js';
import { summarize, type StudyResult } from './results.js';
import { headerDifference, isFinished, replay, type StudyHeader, type StudyState } from './store/events.js';
import { readJournal } from './store/journal.js';
import { METRIC_MODE, type MetricName } from './trial.js';

const SHARD_FILE = /^journal-shard-(\d+)-of-(\d+)\.jsonl$/;

export interface MergeOptions {
  /** Fail when a shard journal is missing or a shard did not finish (default true). */
  readonly requireComplete?: boolean;
}

export function mergeShards(dir: string, options: MergeOptions = {}): StudyResult {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => SHARD_FILE.test(n)).sort();
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `journal directory '${dir}' cannot be read: ${(e as Error).message}`, { dir });
  }
  if (names.length === 0) throw new TrainSpamError('NOT_FOUND', `no shard journals (journal-shard-<i>-of-<n>.jsonl) in '${dir}'`, { dir });
  const states: { index: number; file: string; state: StudyState }[] = [];
  let count: number | null = null;
  for (const name of names) {
    const m = SHARD_FILE.exec(name)!;
    const n = Number(m[2]);
    if (count !== null && n !== count) {
      throw new TrainSpamError('INVALID_DATA', `'${dir}' mixes journals of ${count} and ${n} shards ('${name}'); keep one study per directory`, { dir, file: name });
    }
    count = n;
    const file = join(dir, name);
    const state = replay(readJournal(file).events);
    if (!state.header) throw new TrainSpamError('FORMAT_ERROR', `journal '${file}' has no study header`, { file });
    states.push({ index: Number(m[1]), file, state });
  }
  const ref = states[0].state.header as StudyHeader;
  for (const s of states) {
    const h = s.state.header as StudyHeader;
    const d = headerDifference({ ...h, shardIndex: 0 }, { ...ref, shardIndex: 0 });
    if (d !== null) {
      throw new TrainSpamError('INVALID_DATA', `journal '${s.file}' belongs to a different study than '${states[0].file}' ('${d}' differs: seed, trials, space, metric, scheduler, validation or training data)`, { file: s.file, field: d });
    }
    if (h.shardIndex !== s.index) throw new TrainSpamError('INVALID_DATA', `journal '${s.file}' holds shard ${h.shardIndex}; its name says ${s.index}`, { file: s.file });
  }
  const present = new Set(states.map((s) => s.index));
  const missing: number[] = [];
  for (let k = 0; k < (count as number); k++) if (!present.has(k)) missing.push(k);
  const unfinished = states.filter((s) => [...s.state.trials.values()].some((t) => !isFinished(t)) || s.state.ended !== 'completed');
  const requireComplete = options.requireComplete ?? true;
  if (requireComplete && missing.length) {
    throw new TrainSpamError('NOT_FOUND', `'${dir}' lacks the journals of shard(s) ${missing.join(', ')} of ${count}`, { dir, missing });
  }
  if (requireComplete && unfinished.length) {
    throw new TrainSpamError('INVALID_DATA', `shard(s) ${unfinished.map((s) => s.index).join(', ')} did not finish; resume them (--resume) before merging`, {
      dir,
      unfinished: unfinished.map((s) => s.index),
    });
  }
  const tieMode = ref.tieBreak ? METRIC_MODE[ref.tieBreak as MetricName] ?? 'max' : 'max';
  const merged = { ...ref, shardIndex: 0, shardCount: count as number };
  return summarize(merged, states.map((s) => s.state), states.map((s) => s.index), missing.length || unfinished.length ? 'incomplete' : 'completed', tieMode);
}
