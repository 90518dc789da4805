import type { Summary } from './stats.mjs';
import type { Comparison, Figure } from './compare.mjs';
export interface QualitySide {
  readonly best_model?: string;
  readonly test_f1?: number;
  readonly test_auc?: number;
  /** Peer only: largest |ours − peer's| over the 24 dense features it built (0: the same features). */
  readonly dense_max_abs_diff?: number;
}
export function formatValue(v: number | null | undefined, unit: string): string;
export function formatSummary(s: Summary | null | undefined, unit: string): string;
export function formatRatio(r: number | null | undefined): string;
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string;
export function formatFigureTable(figures: readonly Figure[]): string;
export function formatNotes(figures: readonly Figure[]): string[];
export function formatQuality(quality: { ours?: QualitySide | null; peer?: QualitySide | null } | null | undefined): string;
export function formatComparison(cmp: Comparison, baselineLabel?: string): string;
