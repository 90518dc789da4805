import type { PeerFingerprint } from './compare.mjs';
export const PEER_SCRIPT: string;
export const PEER_FEATURES_MODULE: string;
export const DEFAULT_PYTHON: string;
export const DENSE_VIEW_FIELDS: readonly string[];
export function denseViewColumns(records: readonly object[]): Record<string, unknown[]>;
export function peerUnavailable(python?: string): string | null;
export function peerFingerprint(
  input: Readonly<Record<string, unknown>>,
  versions: { readonly python?: string; readonly sklearn?: string; readonly xgboost?: string },
  script?: string,
): PeerFingerprint;
