/**
 * Step 7: score the model the registry holds in Staging on the same test set as the candidate.
 * No Staging model → "first model" (pass); one that cannot be loaded → this gate fails, no crash.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asRunId } from '../../core/ids.js';
import { TrainSpamError, isTrainSpamError, toErrorData, type ErrorCode } from '../../core/errors.js';
import { streamRowSets, type EmailRowSet } from '../../io/email-table.js';
import { countNonFinite, evaluateBinary } from '../../metrics/evaluation.js';
import type { Scores } from '../../metrics/input.js';
import { decodeIdSet } from '../id-set.js';
import type { ModelRegistry, ModelVersion, TrackingStore } from '../../tracking/contract.js';
import { loadScorer } from '../../serving/scorer.js';
import { compareWithStaging, formatDelta, type ComparisonResult, type StagingInput } from '../comparison.js';
import { logStepMetrics, type RunContext } from '../context.js';
import { recoverInterruptedPromotion, STAGING_ALIAS } from './promotion-recovery.js';

export { STAGING_ALIAS } from './promotion-recovery.js';

/** The version behind the `staging` alias, else the latest in the legacy stage `Staging`, else null. */
export async function findStagingVersion(registry: ModelRegistry, name: string): Promise<ModelVersion | null> {
  const model = await registry.getRegisteredModel(name);
  if (!model) return null;
  const byAlias = await registry.getVersionByAlias(name, STAGING_ALIAS);
  if (byAlias) return byAlias;
  const latest = await registry.getLatestVersions(name, ['Staging']);
  return latest[0] ?? null;
}

/** Resolves a version's `source` to a local artifact directory (downloading `runs:/` sources). */
export async function fetchVersionArtifact(store: TrackingStore, version: ModelVersion, scratch: string): Promise<string> {
  const src = version.source;
  const m = /^runs:\/([^/]+)\/(.+)$/.exec(src);
  if (m) return store.downloadArtifacts(asRunId(m[1]), m[2], scratch);
  if (src.startsWith('file://')) return fileURLToPath(src);
  if (src.startsWith('/') && existsSync(src)) return src;
  throw new TrainSpamError('NOT_FOUND', `model version ${version.name} v${version.version}: cannot fetch its source '${src}' (expected runs:/<run_id>/<path> or a local path)`);
}

export interface StagingScoringInputs {
  /** The test split, scored by the Staging model row group by row group. */
  readonly test: EmailRowSet;
  readonly testLabels: Uint8Array;
}

export interface ComparisonInputs extends StagingScoringInputs {
  readonly candidate: { f1: number; auc: number };
  /** The candidate's test scores (test split order): its metrics on the rows the Staging model is scored on. */
  readonly candidateScores: Scores;
}

/** Metrics on the rows with keep[i] = 1 (every row when keep is null). */
function metricsOn(labels: Uint8Array, scores: Scores, keep: Uint8Array | null): { f1: number; auc: number } {
  if (!keep) {
    const ev = evaluateBinary(labels, scores);
    return { f1: ev.f1, auc: ev.rocAuc };
  }
  let n = 0;
  for (let i = 0; i < keep.length; i++) n += keep[i];
  const y = new Uint8Array(n);
  const s = new Float64Array(n);
  for (let i = 0, j = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    y[j] = labels[i];
    s[j++] = scores[i];
  }
  const ev = evaluateBinary(y, s);
  return { f1: ev.f1, auc: ev.rocAuc };
}

/**
 * The Staging model's test metrics (null: no tracking or no model in Staging). Needs nothing of
 * the candidate, so the in-process pipeline starts it while its refit runs on a trial thread.
 */
export async function scoreStagingModel(ctx: RunContext, input: StagingScoringInputs): Promise<StagingInput> {
  if (!ctx.tracking) return null;
  await recoverInterruptedPromotion(ctx, ctx.params.model_name);
  const version = await findStagingVersion(ctx.tracking.registry, ctx.params.model_name);
  return version ? scoreStaging(ctx, version, input) : null;
}

/**
 * Compares the candidate with the Staging model; `staging`: its scores from scoreStagingModel when
 * started earlier (the Staging version is then the one found at that time), else they are made here.
 */
export async function modelComparison(ctx: RunContext, input: ComparisonInputs, staging?: Promise<StagingInput>): Promise<ComparisonResult> {
  const thresholds = { maxF1Regression: ctx.params.max_f1_regression, maxAucRegression: ctx.params.max_auc_regression };
  const st = await (staging ?? scoreStagingModel(ctx, input));
  // the Staging model was scored without the test e-mails it was trained on: the candidate too
  const keep = st && !('loadError' in st) && st.keep instanceof Uint8Array ? st.keep : null;
  if (keep && keep.length !== input.candidateScores.length) {
    throw new TrainSpamError('INTERNAL', `comparison: ${input.candidateScores.length} candidate scores for ${keep.length} test rows`);
  }
  // scores with NaN have no metrics (the gates reject them): the comparison fails on the candidate's NaN F1
  const candidate = keep && countNonFinite(input.candidateScores) === 0 ? metricsOn(input.testLabels, input.candidateScores, keep) : input.candidate;
  const result = compareWithStaging({ candidate, staging: st, registry: ctx.tracking !== null }, thresholds);
  // the first model's reason already says there is nothing in Staging: said once
  ctx.logger.log(
    'info',
    result.status === 'first_model'
      ? `comparison: first_model: ${result.reasons.join('; ')}`
      : `comparison: ${result.status} (${
          // no Staging model scored when the candidate's own metrics are unusable: no "vundefined"
          result.staging
            ? `against Staging ${result.staging.version ? `v${result.staging.version}` : '(version unknown)'}: ΔF1 ${fmt(result.deltas.f1, thresholds.maxF1Regression)}, ΔAUC ${fmt(result.deltas.auc, thresholds.maxAucRegression)}`
            : 'no Staging model compared'
        })${result.reasons.length ? ': ' + result.reasons.join('; ') : ''}`,
  );
  await logStepMetrics(ctx, 'comparison', {
    passed: result.passed ? 1 : 0,
    ...(result.deltas.f1 !== null ? { delta_f1: result.deltas.f1 } : {}),
    ...(result.deltas.auc !== null ? { delta_auc: result.deltas.auc } : {}),
  });
  return result;
}

/** Error codes of failures around the Staging model rather than in it (see scoreStaging). */
const ENVIRONMENT_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['NETWORK_ERROR', 'REMOTE_ERROR', 'TIMEOUT', 'CANCELLED', 'IO_ERROR', 'OUT_OF_MEMORY']);

async function scoreStaging(ctx: RunContext, version: ModelVersion, input: StagingScoringInputs): Promise<StagingInput> {
  const t = ctx.tracking!;
  const scratch = mkdtempSync(join(tmpdir(), 'train-spam-staging-'));
  let dir: string | null = null;
  try {
    dir = await fetchVersionArtifact(t.store, version, scratch);
    const scorer = await loadScorer(dir);
    const scores = new Float64Array(input.test.ids.length);
    let at = 0;
    for await (const [records] of streamRowSets([input.test])) {
      scores.set(scorer.scoreRecords(records), at);
      at += records.length;
    }
    const rows = stagingRows(ctx, version, scorer.metadata.train_ids, input);
    // Only the model is read: the metrics its run logged are not needed (both models are scored
    // here), and a damaged metric file of that run must not stand for a broken model.
    const ev = metricsOn(input.testLabels, scores, rows.keep);
    return {
      version: version.version, f1: ev.f1, auc: ev.auc, runId: version.runId,
      excludedRows: rows.keep ? rows.seen : 0, seenRows: rows.seen, ...(rows.keep ? { keep: rows.keep } : {}),
    };
  } catch (e) {
    // The tracking server or this machine failing (unreachable, 5xx, time-out, disk, memory, Ctrl-C)
    // says nothing about the Staging model: an error of this run (exit 1, or 130), not a rejection
    // that asks to repair or archive a model that may be fine.
    if (isTrainSpamError(e) && ENVIRONMENT_FAULTS.has(e.code)) throw e;
    // name the registry's source, not the scratch copy (deleted below) the error may point into
    const d = toErrorData(e);
    const shown = dir && dir.startsWith(scratch) ? d.message.split(dir).join(version.source) : d.message.split(scratch).join(`(download of ${version.source})`);
    const message = `${version.name} v${version.version} (source ${version.source || "''"}): ${shown}`;
    ctx.logger.log('warn', `comparison: the Staging model v${version.version} could not be loaded: ${message}`);
    return { loadError: { ...d, message }, version: version.version };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The test rows to score the Staging model on: those it was not trained on (its artifact lists its
 * training e-mails), null for all of them (none left out, or the list is missing: an older
 * artifact). All rows too, with a warning, when leaving them out would leave one class empty.
 */
function stagingRows(ctx: RunContext, version: ModelVersion, trainIds: unknown, input: StagingScoringInputs): { keep: Uint8Array | null; seen: number } {
  if (typeof trainIds !== 'string') {
    ctx.logger.log('info', `comparison: the Staging model v${version.version} does not list the e-mails it was trained on; it is scored on every test e-mail`);
    return { keep: null, seen: 0 };
  }
  const seen = decodeIdSet(trainIds, `Staging model v${version.version}`);
  const ids = input.test.ids;
  const keep = new Uint8Array(ids.length);
  let excluded = 0;
  const kept = [0, 0];
  for (let i = 0; i < ids.length; i++) {
    if (seen.has(ids[i])) excluded++;
    else {
      keep[i] = 1;
      kept[input.testLabels[i]]++;
    }
  }
  if (excluded === 0) return { keep: null, seen: 0 };
  if (kept[0] === 0 || kept[1] === 0) {
    const left = excluded === ids.length ? 'no test e-mail is left' : `the other ${ids.length - excluded} hold no ${kept[1] === 0 ? 'spam' : 'ham'}`;
    ctx.logger.log('warn', `comparison: the Staging model v${version.version} was trained on ${excluded} of the ${ids.length} test e-mails and ${left}; both models are compared on every test e-mail, which flatters the Staging model`);
    return { keep: null, seen: excluded };
  }
  ctx.logger.log('info', `comparison: the Staging model v${version.version} was trained on ${excluded} of the ${ids.length} test e-mails; both models are compared on the other ${ids.length - excluded}`);
  return { keep, seen: excluded };
}

function fmt(v: number | null, limit: number): string {
  return v === null ? 'n/a' : formatDelta(v, limit);
}
