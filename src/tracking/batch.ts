/**
 * Log-batch preparation shared by both stores: key validation, value-length policy, timestamps
 * fixed once (so a retried request carries identical points), and chunking to MLflow's limits.
 */
import { TrainSpamError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';
import type { LogBatchInput, LongValuePolicy } from './contract.js';
import { validateKey, validateStep } from './validation.js';

/** MLflow 2.12.2 server limits (see fixtures README, "Limits"). */
export const LIMITS = {
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  metricsPerBatch: 1000,
  itemsPerBatch: 1000,
  paramValueLength: 6000,
  tagValueLength: 5000,
} as const;

export interface PreparedMetric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export interface PreparedBatch {
  readonly params: KeyValue[];
  readonly metrics: PreparedMetric[];
  readonly tags: KeyValue[];
}

export interface BatchContext {
  readonly now: () => number;
  readonly longValues: LongValuePolicy;
  readonly logger: Logger;
}

/** Applies the long-value policy: truncate with a warning, or reject with INVALID_ARGUMENT. */
export function limitValue(kind: 'param' | 'tag', key: string, value: string, ctx: BatchContext): string {
  const limit = kind === 'param' ? LIMITS.paramValueLength : LIMITS.tagValueLength;
  if (value.length <= limit) return value;
  if (ctx.longValues === 'reject') {
    throw new TrainSpamError('INVALID_ARGUMENT', `${kind} '${key}' value is ${value.length} chars; the limit is ${limit}`, {
      kind,
      key,
      length: value.length,
      limit,
    });
  }
  ctx.logger.log('warn', `tracking: ${kind} '${key}' value truncated from ${value.length} to ${limit} chars`, {
    kind,
    key,
    length: value.length,
    limit,
  });
  return value.slice(0, limit);
}

/** Validates a batch and fixes timestamps/steps; params with one key and two values are rejected. */
export function prepareBatch(batch: LogBatchInput, ctx: BatchContext): PreparedBatch {
  const params = new Map<string, string>();
  for (const [key, raw] of Object.entries(batch.params ?? {})) {
    validateKey('param', key);
    const value = limitValue('param', key, String(raw), ctx);
    const prev = params.get(key);
    if (prev !== undefined && prev !== value) {
      throw new TrainSpamError('INVALID_ARGUMENT', `param '${key}' appears twice in one batch with different values`, { key });
    }
    params.set(key, value);
  }
  const tags = new Map<string, string>();
  for (const [key, raw] of Object.entries(batch.tags ?? {})) {
    validateKey('tag', key);
    tags.set(key, limitValue('tag', key, String(raw), ctx));
  }
  const now = ctx.now();
  const metrics: PreparedMetric[] = [];
  for (const m of batch.metrics ?? []) {
    validateKey('metric', m.key);
    if (typeof m.value !== 'number') {
      throw new TrainSpamError('INVALID_ARGUMENT', `metric '${m.key}': value must be a number`, { key: m.key });
    }
    const step = m.step ?? 0;
    validateStep(step, m.key);
    const timestamp = m.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp)) {
      throw new TrainSpamError('INVALID_ARGUMENT', `metric '${m.key}': timestamp must be integer milliseconds`, { key: m.key });
    }
    metrics.push({ key: m.key, value: m.value, timestamp, step });
  }
  const toList = (m: Map<string, string>) => [...m].map(([key, value]) => ({ key, value }));
  return { params: toList(params), metrics, tags: toList(tags) };
}

/**
 * Splits a prepared batch into requests within the limits (≤100 params, ≤100 tags, ≤1000
 * metrics, ≤1000 items). Params go first so a param conflict fails before metrics are logged.
 */
export function chunkBatch(batch: PreparedBatch): PreparedBatch[] {
  const out: PreparedBatch[] = [];
  let p = 0;
  let t = 0;
  let m = 0;
  while (p < batch.params.length || t < batch.tags.length || m < batch.metrics.length) {
    const params = batch.params.slice(p, p + LIMITS.paramsPerBatch);
    p += params.length;
    const tags = batch.tags.slice(t, t + LIMITS.tagsPerBatch);
    t += tags.length;
    const room = Math.min(LIMITS.metricsPerBatch, LIMITS.itemsPerBatch - params.length - tags.length);
    const metrics = batch.metrics.slice(m, m + room);
    m += metrics.length;
    out.push({ params, metrics, tags });
  }
  return out;
}
