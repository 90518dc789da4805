/**
 * Rebuilding a fitted GBM from its payload. Everything is validated before use: kind, version,
 * array types and lengths, feature indices, and that every child index is larger than its parent's
 * (so prediction always terminates), finite thresholds and leaf values.
 */
import { TrainSpamError } from '../../core/errors.js';
import { resolveParams } from '../../core/params.js';
import type { JsonValue, Payload } from '../../core/payload.js';
import { FittedGbm, GBM_PAYLOAD_KIND, GBM_PAYLOAD_VERSION } from './booster.js';
import { gbmParamSpec, type GbmParams } from './params.js';

export function gbmFromPayload(payload: Payload): FittedGbm {
  const bad = (why: string) => new TrainSpamError('FORMAT_ERROR', `gbm payload: ${why}`, { kind: payload.kind, version: payload.version });
  if (payload.kind !== GBM_PAYLOAD_KIND) throw bad(`kind is '${payload.kind}', expected '${GBM_PAYLOAD_KIND}'`);
  if (payload.version !== GBM_PAYLOAD_VERSION) throw bad(`version ${payload.version} is not supported (expected ${GBM_PAYLOAD_VERSION})`);
  const m = payload.meta;
  const dc = m.denseCols;
  const sc = m.sparseCols;
  if (typeof dc !== 'number' || typeof sc !== 'number' || !Number.isInteger(dc) || !Number.isInteger(sc) || dc < 0 || sc < 0) {
    throw bad('denseCols / sparseCols must be non-negative integers');
  }
  const base = m.baseMargin;
  if (typeof base !== 'number' || !Number.isFinite(base)) throw bad('baseMargin must be a finite number');
  const a = payload.arrays;
  const i32 = (k: string): Int32Array => {
    const v = a[k];
    if (!(v instanceof Int32Array)) throw bad(`array '${k}' must be an Int32Array`);
    return v.slice();
  };
  const f64 = (k: string): Float64Array => {
    const v = a[k];
    if (!(v instanceof Float64Array)) throw bad(`array '${k}' must be a Float64Array`);
    return v.slice();
  };
  const roots = i32('roots');
  const feature = i32('feature');
  const bin = i32('bin');
  const left = i32('left');
  const right = i32('right');
  const threshold = f64('threshold');
  const value = f64('value');
  const gain = f64('gain');
  const n = feature.length;
  for (const [k, v] of [['bin', bin], ['left', left], ['right', right], ['threshold', threshold], ['value', value], ['gain', gain]] as const) {
    if (v.length !== n) throw bad(`array '${k}' has ${v.length} entries, expected ${n}`);
  }
  const F = dc + sc;
  for (let t = 0; t < roots.length; t++) if (roots[t] < 0 || roots[t] >= n) throw bad(`tree ${t} root ${roots[t]} is out of range`);
  // Every node has at most one parent (and no root has one): a tree, not a graph whose shared
  // nodes would make a walk over all paths take exponential time on a crafted artifact.
  const parents = new Uint8Array(n);
  for (let t = 0; t < roots.length; t++) if (parents[roots[t]]++ > 0) throw bad(`tree ${t} shares its root ${roots[t]} with another tree`);
  for (let i = 0; i < n; i++) {
    if (feature[i] >= 0) {
      if (feature[i] >= F) throw bad(`node ${i} splits on feature ${feature[i]}, but the model has ${F} features`);
      if (!(left[i] > i && left[i] < n && right[i] > i && right[i] < n)) throw bad(`node ${i} has invalid children ${left[i]}, ${right[i]}`);
      if (left[i] === right[i] || parents[left[i]]++ > 0 || parents[right[i]]++ > 0) throw bad(`node ${i}'s children ${left[i]}, ${right[i]} are reached from elsewhere too; the trees are not trees`);
      if (!Number.isFinite(threshold[i])) throw bad(`node ${i} has a non-finite threshold`);
    } else if (!Number.isFinite(value[i])) throw bad(`leaf ${i} has a non-finite value`);
  }
  const params = m.params && typeof m.params === 'object' && !Array.isArray(m.params) ? (m.params as Record<string, unknown>) : {};
  let resolved: GbmParams;
  try {
    resolved = resolveParams('gbm', gbmParamSpec, params);
  } catch (e) {
    // a damaged artifact, not a bad argument of the caller's: same code as every other payload fault
    throw bad(`meta.params are invalid: ${e instanceof Error ? e.message : String(e)}`);
  }
  const count = (key: string, v: JsonValue | undefined): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`${key} is ${JSON.stringify(v)}; expected a non-negative integer`);
  };
  const rounds = m.roundsTrained === undefined ? roots.length : m.roundsTrained;
  count('roundsTrained', rounds);
  const best = m.bestIteration === undefined || m.bestIteration === null ? null : m.bestIteration;
  if (best !== null) count('bestIteration', best);
  return new FittedGbm(resolved, dc, sc, base, { roots, feature, bin, threshold, left, right, value, gain }, rounds as number, best as number | null);
}
