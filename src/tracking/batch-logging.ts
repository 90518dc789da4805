/**
 * The logging conveniences of `TrackingStore` expressed once over `logBatch`, so every store
 * implements the single batch call and inherits params / metrics / metric / tag logging.
 */
import type { RunId } from '../core/ids.js';
import type { LogBatchInput, MetricInput, ParamValue } from './contract.js';

export abstract class BatchLogging {
  abstract logBatch(runId: RunId, batch: LogBatchInput): Promise<void>;

  logParams(runId: RunId, params: Readonly<Record<string, ParamValue>>): Promise<void> {
    return this.logBatch(runId, { params });
  }

  logMetrics(runId: RunId, metrics: readonly MetricInput[]): Promise<void> {
    return this.logBatch(runId, { metrics });
  }

  logMetric(runId: RunId, key: string, value: number, step?: number): Promise<void> {
    return this.logBatch(runId, { metrics: [{ key, value, step }] });
  }

  setTag(runId: RunId, key: string, value: string): Promise<void> {
    return this.logBatch(runId, { tags: { [key]: value } });
  }
}
