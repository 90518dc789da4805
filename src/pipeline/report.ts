/** Assembles the HTML report's data from whatever the run produced (missing parts are null). */
import type { ReportData, ReportDecision, MetricsColumn } from '../report/report-data.js';
import type { BinaryEvaluation } from '../metrics/evaluation.js';
import type { ComparisonResult } from './comparison.js';
import type { GateReport } from './gates.js';
import { redactUrl } from '../tracking/redact.js';
import type { PipelineParams } from './params.js';
import type { BaselineResult, Evaluation, FeatureSet, PreparedData, PromotionResult, TunedModel } from './state.js';

export interface RunRecord {
  runId: string;
  startedAt: string;
  params: PipelineParams;
  data?: PreparedData;
  features?: FeatureSet;
  baseline?: BaselineResult;
  tuned?: TunedModel;
  evaluation?: Evaluation;
  gates?: GateReport;
  comparison?: ComparisonResult;
  promotion?: PromotionResult;
  error?: { code: string; message: string };
  timings: { step: string; durationMs: number; status: string }[];
}

/**
 * The pipeline parameters as they may be stored or shown (MLflow params, the HTML report): the
 * tracking URI without user-info or token-like query values, since both end up on the server.
 */
export function shareableParams(params: PipelineParams): PipelineParams {
  const uri = params.mlflow_tracking_uri;
  return typeof uri === 'string' && uri ? { ...params, mlflow_tracking_uri: redactUrl(uri) } : params;
}

function metricsOf(e: BinaryEvaluation): Record<string, number> {
  return {
    f1: e.f1,
    roc_auc: e.rocAuc,
    precision: e.precision,
    recall: e.recall,
    accuracy: e.accuracy,
    average_precision: e.averagePrecision,
    log_loss: e.logLoss,
    brier: e.brier,
  };
}

export function decisionOf(r: RunRecord): ReportDecision {
  const name = r.params.model_name;
  if (r.error) return { outcome: 'error', headline: `The run failed: ${r.error.code}`, reasons: [r.error.message], modelName: name };
  const p = r.promotion;
  if (p && (p.status === 'promoted' || p.status === 'already_promoted')) {
    return { outcome: 'promoted', headline: `Promoted ${name} v${p.version} to Staging`, reasons: [p.reason], modelName: name, modelVersion: p.version };
  }
  if (r.gates && !r.gates.passed) {
    // a comparison that failed too is said as well: fixing the gates alone would not get the model promoted
    const cmp = r.comparison && !r.comparison.passed ? r.comparison.reasons.map((x) => `comparison: ${x}`) : [];
    const headline = `Rejected: validation gates failed${cmp.length ? ' and the comparison with Staging failed' : ''}; nothing registered`;
    return { outcome: 'rejected', headline, reasons: [...r.gates.gates.filter((g) => !g.passed).map((g) => g.message), ...cmp], modelName: name };
  }
  if (r.comparison && !r.comparison.passed) {
    const st = r.comparison.staging;
    const headline = st?.loadError
      ? `Rejected: the model in Staging${st.version ? ` (v${st.version})` : ''} could not be loaded to compare with; nothing registered (repair or archive it)`
      : 'Rejected: worse than the model in Staging; nothing registered';
    return { outcome: 'rejected', headline, reasons: r.comparison.reasons, modelName: name };
  }
  return { outcome: 'not_promoted', headline: p ? `Not promoted: ${p.reason}` : 'Not promoted', reasons: p ? [p.reason] : [], modelName: name };
}

export function buildReportData(r: RunRecord, generatedAt: string): ReportData {
  const metrics: MetricsColumn[] = [];
  if (r.evaluation) {
    metrics.push({ label: `candidate: ${r.tuned?.kind ?? 'model'} (test)`, values: metricsOf(r.evaluation.candidate) });
    metrics.push({ label: 'baseline: logistic (test)', values: metricsOf(r.evaluation.baseline) });
  }
  if (r.baseline) metrics.push({ label: 'baseline (validation)', values: { f1: r.baseline.validation.f1, roc_auc: r.baseline.validation.auc, precision: r.baseline.validation.precision, recall: r.baseline.validation.recall } });
  if (r.tuned?.study.best?.metrics) {
    // trials name ROC AUC `auc`: the same row as the other columns' roc_auc, not a row of its own
    const { auc, ...rest } = r.tuned.study.best.metrics as Record<string, number>;
    metrics.push({ label: `best HPO trial (validation)`, values: auc === undefined ? rest : { roc_auc: auc, ...rest } });
  }
  const d = r.data;
  const lat = r.evaluation?.latency;
  return {
    title: `train-spam run ${r.runId}`,
    runId: r.runId,
    generatedAt,
    decision: decisionOf(r),
    metrics,
    plots: r.evaluation?.plots ?? [],
    gates: r.gates ?? null,
    comparison: r.comparison ?? null,
    model: {
      name: r.params.model_name,
      kind: r.tuned?.kind ?? null,
      params: r.tuned ? JSON.stringify(r.tuned.params) : null,
      features: r.features?.pipeline.numFeatures ?? null,
      iterations: r.tuned?.model.iterations ?? null,
      artifact: r.tuned?.artifactDir ?? null,
      hpo_trials: r.tuned?.study.trials.length ?? null,
      hpo_best_trial: r.tuned?.study.best?.trial ?? null,
      registered_version: r.promotion?.version ?? null,
    },
    data: d
      ? {
          source: d.source.file,
          rows: d.source.rows,
          spam: d.source.spam,
          ham: d.source.ham,
          unparseable_dates: d.source.nullTimestamps,
          train_rows: d.train.ids.length,
          test_rows: d.test.ids.length,
          duplicate_groups: d.split.duplicateGroups,
          duplicate_rows: d.split.duplicateRows,
          train_test_overlap: d.trainTestOverlap,
          digest: d.digest.slice(0, 16),
        }
      : {},
    parameters: { ...shareableParams(r.params) },
    timings: r.timings,
    latency: lat ? { count: lat.count, meanMs: lat.meanMs, p50Ms: lat.p50Ms, p95Ms: lat.p95Ms, p99Ms: lat.p99Ms, throughputPerSec: r.evaluation?.batchPerSecond ?? null } : null,
  };
}
