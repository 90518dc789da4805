/** Options of `bench/run.mjs` (what parseArgs returns). */
export interface BenchOptions {
  readonly failOnRegression: boolean;
  readonly quick: boolean;
  readonly peer: boolean;
  readonly out: string | null;
  readonly baseline: string | null;
  readonly saveBaseline: boolean;
  readonly e2e: boolean;
  readonly e2eReps: number | null;
  readonly trials: number | null;
  readonly workers: number;
  readonly data: string | null;
  readonly python: string;
  readonly help?: boolean;
}

/** Repetitions and sizes of a run (see settings in run.mjs). */
export interface BenchSettings {
  readonly reps: number;
  readonly gbmReps: number;
  readonly peerGbmReps: number;
  readonly e2eReps: number;
  readonly e2eWarmUp: number;
  readonly trials: number;
  readonly aucSize: number;
  readonly latencyEmails: number;
  readonly poolTasks: number;
  readonly noopTrials: number;
  readonly scaling: { readonly counts: readonly number[]; readonly trials: number; readonly reps: number };
}

export function parseArgs(argv: readonly string[]): BenchOptions;
export function settings(o: BenchOptions): BenchSettings;
export function main(argv?: readonly string[]): Promise<number>;

/** The baseline results, read before anything is measured; throws when `explicit` and missing, or when unusable. */
export function readBaseline(file: string, explicit: boolean): { readonly figures: readonly unknown[] } | null;

/** `file` when free, else the same name with -2, -3, ... before .json. */
export function freeResultPath(file: string): string;
