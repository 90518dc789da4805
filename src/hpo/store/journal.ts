/**
 * Append-only JSONL journal of study events.
 *
 * Durability: every event is written with one synchronous write(2) of `JSON + '\n'` (so a process
 * killed with SIGKILL loses at most the line being written: the page cache keeps the rest);
 * `trial_end`, `study` and `study_end` are followed by fsync, which makes every earlier line
 * durable too (power loss loses at most the reports of running trials, which a resume re-runs);
 * a new journal's directory is synced once, so that the file itself survives. A write that fails
 * (or is cut short) fails that append and every later one: nothing is glued to a torn line.
 *
 * Reading is tolerant of a torn last line (a kill during a write): an unparsable final line
 * without a trailing newline that starts as our lines do (`{`) is dropped, and the file is
 * truncated to the last complete line before new events are appended. Any other unparsable line
 * is a FORMAT_ERROR naming the line.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TrainSpamError } from '../../core/errors.js';
import { eventShapeError, type StudyEvent, type StudyState } from './events.js';
import { MemoryTrialStore, type TrialStore } from './store.js';
import { makeDirsSync } from '../../io/dirs.js';

const DURABLE = new Set<StudyEvent['type']>(['study', 'trial_end', 'study_end']);

export interface JournalRead {
  readonly events: StudyEvent[];
  /** Byte length of the complete, valid prefix (where appends continue). */
  readonly validBytes: number;
  /** True when a torn final line was dropped. */
  readonly tornTail: boolean;
}

/** Parses journal text; tolerant of a torn last line only. */
export function parseJournal(text: string, file = '<journal>'): JournalRead {
  const events: StudyEvent[] = [];
  let pos = 0;
  let line = 0;
  while (pos < text.length) {
    line++;
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl;
    const raw = text.slice(pos, end);
    if (raw.trim() !== '') {
      let ev: unknown;
      try {
        ev = JSON.parse(raw);
      } catch {
        ev = undefined;
      }
      if (ev === undefined) {
        // a torn write is the start of one of our JSON lines; a last line that is anything else
        // (another file given as the journal) is an error, not text to truncate away on resume
        if (nl < 0 && raw.startsWith('{')) return { events, validBytes: Buffer.byteLength(text.slice(0, pos)), tornTail: true };
        if (nl < 0) throw new TrainSpamError('FORMAT_ERROR', `journal ${file}: line ${line} is neither a JSON event nor the start of one cut short by a crash; is this a train-spam trial journal?`, { file, line });
        // nothing of ours before it: a whole first line that is not JSON is another file, not a corrupt journal
        if (events.length === 0) throw new TrainSpamError('FORMAT_ERROR', `journal ${file}: line ${line} is not a JSON event (a journal starts with its study header); is this a train-spam trial journal?`, { file, line });
        throw new TrainSpamError('FORMAT_ERROR', `journal ${file}: line ${line} is not a JSON event; the journal is corrupt before its last line`, { file, line });
      }
      // whole JSON that is not an event of ours: not a torn write, so an error wherever it is
      const wrong = eventShapeError(ev);
      if (wrong !== null) throw new TrainSpamError('FORMAT_ERROR', `journal ${file}: line ${line}: ${wrong}`, { file, line });
      events.push(ev as StudyEvent);
    }
    if (nl < 0) {
      // a complete JSON object whose newline was not written: keep it, newline added on append
      return { events, validBytes: Buffer.byteLength(text), tornTail: false };
    }
    pos = nl + 1;
  }
  return { events, validBytes: Buffer.byteLength(text), tornTail: false };
}

/** fsync of a directory, so that a file just created in it survives a power loss (best effort: not every file system allows it). */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    /* e.g. EISDIR/EINVAL on file systems that do not sync directories */
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export function readJournal(file: string): JournalRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `journal '${file}' cannot be read: ${(e as Error).message}`, { file });
  }
  return parseJournal(text, file);
}

/** The `hpo run` flag that names a journal's directory: what messages name unless told otherwise. */
export const DEFAULT_JOURNAL_SETTING = '--journal-dir';

export interface JournalOptions {
  /** 'create' fails when the file exists; 'resume' replays it; 'overwrite' starts afresh. */
  readonly mode: 'create' | 'resume' | 'overwrite';
  /** The flag that names the journal's directory, for messages (default '--journal-dir'). */
  readonly setting?: string;
}

export class JournalTrialStore implements TrialStore {
  private fd: number | null;
  /** The events and the state they reduce to (the file holds the same events). */
  private readonly memory = new MemoryTrialStore();
  private needsNewline = false;
  private failure: TrainSpamError | null = null;

  constructor(readonly file: string, options: JournalOptions) {
    makeDirsSync(dirname(file));
    const exists = existsSync(file);
    const setting = options.setting ?? DEFAULT_JOURNAL_SETTING;
    const taken = () => new TrainSpamError('ALREADY_EXISTS', `journal '${file}' already exists; ${setting === DEFAULT_JOURNAL_SETTING ? 'pass --resume to continue it or ' : ''}choose another ${setting}`, { file });
    if (exists && options.mode === 'create') {
      throw taken();
    }
    if (options.mode === 'resume' && exists) {
      const read = readJournal(file);
      for (const e of read.events) this.memory.append(e);
      this.fd = openSync(file, 'r+');
      ftruncateSync(this.fd, read.validBytes);
      closeSync(this.fd);
      const text = readFileSync(file, 'utf8');
      this.needsNewline = text.length > 0 && !text.endsWith('\n');
      this.fd = openSync(file, 'a');
    } else {
      try {
        // create: exclusive, so that of two processes started on one shard only one gets it
        this.fd = openSync(file, options.mode === 'create' ? 'wx' : 'w');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw taken();
        throw new TrainSpamError('IO_ERROR', `journal '${file}' cannot be created: ${(e as Error).message}`, { file });
      }
      fsyncSync(this.fd);
      syncDirectory(dirname(file));
    }
  }

  append(event: StudyEvent): void {
    if (this.fd === null) throw new TrainSpamError('IO_ERROR', `journal '${this.file}' is closed`, { file: this.file });
    // After a failed write the file may end in part of a line: a later line would be glued to it
    // and corrupt the journal mid-file. So one failure fails every later append; a resume drops
    // the torn tail.
    if (this.failure) throw this.failure;
    const line = Buffer.from((this.needsNewline ? '\n' : '') + JSON.stringify(event) + '\n', 'utf8');
    this.needsNewline = false;
    try {
      // write(2) may write less than asked (a full disk, a signal): finish the line or fail
      for (let off = 0; off < line.length; ) {
        const n = writeSync(this.fd, line, off, line.length - off);
        if (n <= 0) throw new Error(`wrote ${off} of ${line.length} bytes, then nothing`);
        off += n;
      }
      if (DURABLE.has(event.type)) fsyncSync(this.fd);
    } catch (e) {
      this.failure = new TrainSpamError('IO_ERROR', `journal '${this.file}': append failed: ${(e as Error).message}`, { file: this.file });
      throw this.failure;
    }
    this.memory.append(event);
  }

  get state(): StudyState {
    return this.memory.state;
  }

  get events(): readonly StudyEvent[] {
    return this.memory.events;
  }

  async close(): Promise<void> {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
