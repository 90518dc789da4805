/**
 * Sharded studies: shard k of n runs trials i with i % n === k and writes
 * `journal-shard-k-of-n.jsonl` into a shared directory; `mergeShards(dir)` replays every shard
 * journal and picks the best trial over all of them. Random search sharded over n equals the
 * unsharded study (trial i's config and seed depend only on the master seed and i). ASHA runs
 * one independent ASHA per shard (rung records are not shared across pods), so a sharded ASHA
 * study is reproducible per shard but not equal to the unsharded one.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import { canonicalJson, type JsonValue } from '../core/payload.js';
import { createHash } from 'node:crypto';
import { summarize, type StudyResult } from './results.js';
import { JOURNAL_VERSION, describeHeaderDifference, headerDifference, isFinished, replay, type StudyHeader, type StudyState } from './store/events.js';
import { readJournal } from './store/journal.js';
import { shardTrials } from './searcher.js';
import { METRIC_MODE, type MetricName } from './trial.js';

/** A shard journal's file name: groups 1 and 2 are the shard index and count. */
export const SHARD_FILE = /^journal-shard-(\d+)-of-(\d+)\.jsonl$/;

/**
 * What every shard of one study shares (the header but for the shard index), as a sha256: the shards
 * of a sharded study find each other by it (e.g. in tracking), whatever run or pod they ran in.
 */
export function studyKey(header: StudyHeader): string {
  return createHash('sha256').update(canonicalJson({ ...header, shardIndex: 0 } as unknown as JsonValue)).digest('hex');
}

/** The study header of a journal file (FORMAT_ERROR when it has none). */
export function journalHeader(file: string): StudyHeader {
  const header = replay(readJournal(file).events).header;
  if (!header) throw new TrainSpamError('FORMAT_ERROR', `journal '${file}' has no study header`, { file });
  return header;
}

export interface MergeOptions {
  /** Fail when a shard journal is missing or a shard did not finish (default true). */
  readonly requireComplete?: boolean;
  /** What to do about an unfinished shard, for its error (default: resume it with --resume). */
  readonly unfinishedHint?: string;
}

/** Merges the shard journals of a directory (`hpo merge --journal-dir`). */
export function mergeShards(dir: string, options: MergeOptions = {}): StudyResult {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => SHARD_FILE.test(n)).sort();
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `journal directory '${dir}' cannot be read: ${(e as Error).message}`, { dir });
  }
  if (names.length === 0) throw new TrainSpamError('NOT_FOUND', `no shard journals (journal-shard-<i>-of-<n>.jsonl) in '${dir}'`, { dir });
  return mergeShardFiles(names.map((n) => join(dir, n)), `'${dir}'`, options);
}

/**
 * Merges shard journals given as files (each named journal-shard-<i>-of-<n>.jsonl, wherever it
 * lies); `where` names them in errors.
 */
export function mergeShardFiles(files: readonly string[], where: string, options: MergeOptions = {}): StudyResult {
  if (files.length === 0) throw new TrainSpamError('NOT_FOUND', `no shard journals (journal-shard-<i>-of-<n>.jsonl) in ${where}`, { where });
  const states: { index: number; file: string; state: StudyState }[] = [];
  let count: number | null = null;
  const seen = new Map<number, string>();
  for (const file of [...files].sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0))) {
    const m = SHARD_FILE.exec(basename(file));
    if (!m) throw new TrainSpamError('INVALID_DATA', `shard journal '${file}': expected a file named journal-shard-<i>-of-<n>.jsonl`, { file });
    const n = Number(m[2]);
    if (count !== null && n !== count) {
      throw new TrainSpamError('INVALID_DATA', `${where} mixes journals of ${count} and ${n} shards ('${file}'); keep one study per directory`, { where, file });
    }
    count = n;
    const index = Number(m[1]);
    if (index >= n) throw new TrainSpamError('INVALID_DATA', `shard journal '${file}': shard ${index} of ${n} does not exist (shards are 0..${n - 1})`, { file });
    if (seen.has(index)) throw new TrainSpamError('INVALID_DATA', `two journals of shard ${index}: '${seen.get(index)}' and '${file}'`, { file });
    seen.set(index, file);
    const state = replay(readJournal(file).events);
    if (!state.header) throw new TrainSpamError('FORMAT_ERROR', `journal '${file}' has no study header`, { file });
    states.push({ index, file, state });
  }
  const ref = states[0].state.header as StudyHeader;
  const ownCount = new Map<number, number>();
  for (const s of states) {
    const h = s.state.header as StudyHeader;
    if (h.version !== JOURNAL_VERSION) {
      throw new TrainSpamError('INVALID_DATA', `journal '${s.file}' has format version ${JSON.stringify(h.version)}; this train-spam merges version ${JOURNAL_VERSION}: re-run that shard`, { file: s.file, field: 'version' });
    }
    const d = headerDifference({ ...h, shardIndex: 0 }, { ...ref, shardIndex: 0 });
    if (d !== null) {
      throw new TrainSpamError('INVALID_DATA', `journal '${s.file}' belongs to a different study than '${states[0].file}' (${describeHeaderDifference(d, h, 'the one', ref, 'the other')})`, { file: s.file, field: d });
    }
    if (h.shardIndex !== s.index) throw new TrainSpamError('INVALID_DATA', `journal '${s.file}' holds shard ${h.shardIndex}; its name says ${s.index}`, { file: s.file });
    if (h.shardCount !== count) throw new TrainSpamError('INVALID_DATA', `journal '${s.file}' holds a shard of ${h.shardCount}; its name says of ${count}`, { file: s.file });
    // a shard holds its own trials (shardTrials), and no other
    const own = new Set(shardTrials(h.trials, s.index, count as number));
    ownCount.set(s.index, own.size);
    for (const t of s.state.trials.keys()) {
      if (!own.has(t)) {
        throw new TrainSpamError('INVALID_DATA', `journal '${s.file}' holds trial ${t}, which is not one of shard ${s.index} of ${count} in a study of ${h.trials} trials`, { file: s.file, trial: t });
      }
    }
  }
  const present = new Set(states.map((s) => s.index));
  const missing: number[] = [];
  for (let k = 0; k < (count as number); k++) if (!present.has(k)) missing.push(k);
  // a shard is finished when it ended and every one of its own trials ended for good (it holds no other)
  const unfinished = states.filter(
    (s) => s.state.ended !== 'completed' || s.state.trials.size !== ownCount.get(s.index) || [...s.state.trials.values()].some((t) => !isFinished(t)),
  );
  const requireComplete = options.requireComplete ?? true;
  if (requireComplete && missing.length) {
    throw new TrainSpamError('NOT_FOUND', `${where} lacks the journals of shard(s) ${missing.join(', ')} of ${count}`, { where, missing });
  }
  if (requireComplete && unfinished.length) {
    const named = unfinished.map((s) => `${s.index} ('${s.file}')`).join(', ');
    throw new TrainSpamError('INVALID_DATA', `shard(s) ${named} did not finish; ${options.unfinishedHint ?? 'resume them (--resume) before merging'}`, {
      where,
      unfinished: unfinished.map((s) => s.index),
    });
  }
  const tieMode = ref.tieBreak ? METRIC_MODE[ref.tieBreak as MetricName] ?? 'max' : 'max';
  const merged = { ...ref, shardIndex: 0, shardCount: count as number };
  return summarize(merged, states.map((s) => s.state), states.map((s) => s.index), missing.length || unfinished.length ? 'incomplete' : 'completed', tieMode);
}
