/** Options of `bench/scale.mjs` (what parseScaleArgs returns). */
export interface ScaleOptions {
  readonly sizes: number[];
  readonly trials: number;
  /** Absolute path of the search-space file; null = the built-in space (`--space default`). */
  readonly space: string | null;
  readonly workers: number;
  readonly dir: string;
  readonly seed: number;
  readonly out: string | null;
  readonly help?: boolean;
}
export function parseScaleArgs(argv: readonly string[]): ScaleOptions;
