/** Step 6: every validation gate with value, threshold and verdict. */
import { evaluateGates, resolveGateThresholds, type GateReport } from '../gates.js';
import { logStepMetrics, type RunContext } from '../context.js';
import type { Evaluation } from '../state.js';

export function gateThresholdsOf(ctx: RunContext) {
  const p = ctx.params;
  return resolveGateThresholds({
    f1Threshold: p.f1_threshold,
    minAucRoc: p.min_auc_roc,
    minPrecision: p.min_precision,
    minRecall: p.min_recall,
    maxInferenceTimeMs: p.max_inference_time_ms,
  });
}

export async function modelValidation(ctx: RunContext, evaluation: Evaluation, trainTestOverlap: number): Promise<GateReport> {
  const c = evaluation.candidate;
  const report = evaluateGates(
    {
      metrics: { f1: c.f1, rocAuc: c.rocAuc, precision: c.precision, recall: c.recall },
      latencyP99Ms: evaluation.latency.p99Ms,
      scores: evaluation.scores,
      decisionThreshold: c.threshold,
      trainTestOverlap,
      baseline: { metric: 'f1', baselineValue: evaluation.baseline.f1, candidateValue: c.f1 },
    },
    gateThresholdsOf(ctx),
  );
  const failed = report.gates.filter((g) => !g.passed);
  ctx.logger.log('info', `validation: ${report.gates.length - failed.length}/${report.gates.length} gates passed${failed.length ? ` (failed: ${failed.map((g) => g.name).join(', ')})` : ''}`);
  await logStepMetrics(ctx, 'gates', { passed: report.passed ? 1 : 0, failed: failed.length });
  return report;
}
