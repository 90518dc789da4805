export const LINEAR_BAND: readonly [number, number];
export interface Linearity {
  readonly from: number;
  readonly to: number;
  readonly exponent: number;
  readonly perRowGrowth: number;
  readonly verdict: 'linear' | 'superlinear' | 'sublinear';
}
export function linearity(points: readonly { rows: number; seconds: number }[], band?: readonly [number, number]): Linearity | null;
export function speedups(runs: readonly { workers: number; seconds: number }[]): { workers: number; seconds: number; speedup: number; efficiency: number }[];
