/**
 * TrialStore: where a study's state lives (principle 2: policies are pure, state lives in a store).
 * A store is an append-only list of StudyEvents plus the state they reduce to. Implementations:
 * `MemoryTrialStore` (one process) and `JournalTrialStore` (append-only JSONL file, for resume
 * after a crash and for shards running in several pods).
 */
import { applyEventInPlace, type MutableStudyState, type StudyEvent, type StudyState } from './events.js';

export interface TrialStore {
  /** Appends one event. Journal stores write it before returning (see journal.ts for durability). */
  append(event: StudyEvent): void;
  /** State reduced from every event appended (or replayed) so far. */
  readonly state: StudyState;
  /** Every event, in append order (replayed events first). */
  readonly events: readonly StudyEvent[];
  /** Flushes to durable storage and releases resources. Idempotent. */
  close(): Promise<void>;
}

export class MemoryTrialStore implements TrialStore {
  private readonly list: StudyEvent[] = [];
  private readonly current: MutableStudyState = { header: null, trials: new Map(), rungs: [], ended: null };

  constructor(initial: readonly StudyEvent[] = []) {
    for (const e of initial) this.append(e);
  }

  append(event: StudyEvent): void {
    this.list.push(event);
    applyEventInPlace(this.current, event);
  }

  get state(): StudyState {
    return this.current;
  }

  get events(): readonly StudyEvent[] {
    return this.list;
  }

  async close(): Promise<void> {
    /* nothing to flush */
  }
}
