import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PEER_FEATURES_MODULE, PEER_SCRIPT, peerFingerprint } from '../../../bench/lib/peer.mjs';

const input = { denseCols: 24, validIdx: [3, 5, 8], configs: [{ model: 'gbm', params: { n_estimators: 100 }, seed: 1 }], trials: 1, workers: 2, aucSize: 1000, reps: 5, gbmReps: 5, peerGbmReps: 5, e2eReps: 1, only: 'e2e' };
const versions = { python: '3.11.2', sklearn: '1.2.1', xgboost: '1.7.4' };

describe('the peer fingerprint', () => {
  it('ignores how often and which part the peer measures', () => {
    const a = peerFingerprint(input, versions, 'script');
    expect(peerFingerprint({ ...input, reps: 9, gbmReps: 1, peerGbmReps: 2, e2eReps: 0, only: 'kernels' }, versions, 'script')).toEqual(a);
    expect(a.input).toMatch(/^[0-9a-f]{64}$/);
  });
  it('changes with the work: validation rows, trial configs, sizes, the script, the versions', () => {
    const a = peerFingerprint(input, versions, 'script');
    expect(peerFingerprint({ ...input, validIdx: [3, 5, 9] }, versions, 'script').input).not.toBe(a.input);
    expect(peerFingerprint({ ...input, configs: [] }, versions, 'script').input).not.toBe(a.input);
    expect(peerFingerprint({ ...input, aucSize: 2000 }, versions, 'script').input).not.toBe(a.input);
    const b = peerFingerprint(input, versions, 'script v2');
    expect(b.script).not.toBe(a.script);
    expect(b.input).toBe(a.input);
    expect(peerFingerprint(input, { ...versions, xgboost: '2.0.3' }, 'script').versions).not.toBe(a.versions);
  });
  it('hashes the shipped script and the feature module it imports by default', () => {
    const both = readFileSync(PEER_SCRIPT, 'utf8') + readFileSync(PEER_FEATURES_MODULE, 'utf8');
    expect(peerFingerprint(input, versions).script).toBe(createHash('sha256').update(both).digest('hex'));
    expect(readFileSync(PEER_SCRIPT, 'utf8')).toMatch(/^import dense_features\b/m);
  });
});
