/**
 * Progress reporting for a study: a small interface with two implementations. The CLI picks
 * `ttyProgress` when stderr is a terminal (one line rewritten in place) and `jsonProgress`
 * otherwise (one JSON object per trial event, for log collectors).
 */
import type { ErrorData } from '../core/errors.js';
import type { JsonValue } from '../core/payload.js';

export interface ProgressCounts {
  readonly total: number;
  readonly done: number;
  readonly running: number;
  readonly completed: number;
  readonly stopped: number;
  readonly failed: number;
}

export type ProgressEvent =
  | { readonly type: 'trial_start'; readonly trial: number; readonly model: string; readonly params: Readonly<Record<string, JsonValue>>; readonly counts: ProgressCounts; readonly best: BestSoFar | null }
  | { readonly type: 'trial_stop_decision'; readonly trial: number; readonly iteration: number; readonly counts: ProgressCounts; readonly best: BestSoFar | null }
  | {
      readonly type: 'trial_end';
      readonly trial: number;
      readonly state: string;
      readonly score: number | null;
      readonly iterations: number;
      readonly error: ErrorData | null;
      readonly counts: ProgressCounts;
      readonly best: BestSoFar | null;
    }
  | { readonly type: 'study_end'; readonly state: string; readonly counts: ProgressCounts; readonly best: BestSoFar | null };

export interface BestSoFar {
  readonly trial: number;
  readonly metric: string;
  readonly score: number;
}

export interface ProgressReporter {
  event(e: ProgressEvent): void;
  close(): void;
}

export const silentProgress: ProgressReporter = { event: () => undefined, close: () => undefined };

/** One JSON line per event: `{"event":"trial_end","trial":3,...}`. */
export function jsonProgress(write: (line: string) => void, now: () => number = Date.now): ProgressReporter {
  return {
    event(e) {
      const { type, ...rest } = e;
      write(JSON.stringify({ ts: new Date(now()).toISOString(), component: 'hpo', event: type, ...rest }) + '\n');
    },
    close: () => undefined,
  };
}

export function formatProgressLine(c: ProgressCounts, best: BestSoFar | null): string {
  const width = 20;
  const filled = c.total > 0 ? Math.round((c.done / c.total) * width) : 0;
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const b = best ? `best ${best.metric} ${best.score.toFixed(4)} (trial ${best.trial})` : 'best -';
  return `hpo [${bar}] ${c.done}/${c.total} done | ${c.running} running | ${c.stopped} stopped | ${c.failed} failed | ${b}`;
}

/** A progress bar rewritten in place with `\r`; a newline when the study ends. */
export function ttyProgress(write: (s: string) => void): ProgressReporter {
  let lastLen = 0;
  const draw = (line: string) => {
    const pad = lastLen > line.length ? ' '.repeat(lastLen - line.length) : '';
    lastLen = line.length;
    write('\r' + line + pad);
  };
  return {
    event(e) {
      draw(formatProgressLine(e.counts, e.best));
      if (e.type === 'trial_end' && e.state === 'failed' && e.error) {
        write(`\nhpo: trial ${e.trial} failed [${e.error.code}]: ${e.error.message}\n`);
        lastLen = 0;
      }
      if (e.type === 'study_end') {
        write('\n');
        lastLen = 0;
      }
    },
    close: () => undefined,
  };
}
