import type { Summary } from './stats.mjs';
export const REGRESSION_THRESHOLD: number;
export type Better = 'lower' | 'higher';
export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly better: Better;
  readonly ours: Summary | null;
  readonly peer: Summary | null;
  /** The figure whose peer measurement this one shows too (counted once in machineDrift). */
  readonly peerOf?: string;
  readonly note?: string;
}
export interface BenchData {
  readonly rows: number;
  readonly trainRows: number;
  readonly testRows: number;
}
/** What identifies the peer's work: hashes of its script, of its input and its library versions. */
export interface PeerFingerprint {
  readonly script: string;
  readonly input: string;
  readonly versions: string;
}
export interface BenchResults {
  readonly mode: 'full' | 'quick';
  readonly data: BenchData | null;
  readonly figures: readonly Figure[];
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly peer?: { readonly fingerprint?: PeerFingerprint; readonly skipped?: string; readonly [k: string]: unknown };
}
export type RowStatus = 'regression' | 'improvement' | 'ok' | 'new' | 'missing';
export interface ComparisonRow {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly status: RowStatus;
  readonly current: number | null;
  readonly baseline: number | null;
  readonly change: number | null;
  /** The change with the machine's drift taken out (see compareToBaseline); null when unknown. */
  readonly corrected?: number | null;
  /** 'peer': against the peer of the same figure; 'drift': divided by the peers' median drift. */
  readonly correctedBy?: 'peer' | 'drift' | null;
  readonly overlap: boolean | null;
}
export interface MachineDrift {
  /** The peers' median slow-down against the baseline (0.3 = 30 % slower). */
  readonly change: number;
  readonly figures: number;
}
export interface PeerComparison {
  readonly comparable: boolean;
  readonly reason: string | null;
}
export interface Comparison {
  readonly comparable: boolean;
  readonly reason: string | null;
  readonly rows: readonly ComparisonRow[];
  readonly regressions?: readonly string[];
  readonly drift?: MachineDrift | null;
  /** Whether the peer did the same work in both runs (only then does it correct for drift). */
  readonly peer?: PeerComparison;
}
export function speedRatio(figure: Pick<Figure, 'better' | 'ours' | 'peer'>): number | null;
export function cpuRatio(figure: Pick<Figure, 'better' | 'ours' | 'peer'>): number | null;
export const MIN_DRIFT_FIGURES: number;
export function peerComparison(current: BenchResults, baseline: BenchResults): PeerComparison;
export function settingsDiff(current: BenchResults, baseline: BenchResults): string[];
export function machineDrift(current: BenchResults, baseline: BenchResults | null): MachineDrift | null;
export function slowdown(better: Better, current: number, baseline: number): number | null;
export function compareToBaseline(current: BenchResults, baseline: BenchResults | null, threshold?: number): Comparison;
