/**
 * Step 8: only when every gate and the comparison passed, register a version whose source is the
 * run's model artifact, tag it with the gate and comparison results, move the `staging` alias to
 * it and set the legacy stage `Staging` (archiving the previous one) where the server supports it.
 * Re-running for the same run finds the version it created instead of making a second one.
 */
import { filterLiteral } from '../../tracking/validation.js';
import { mayHaveCreated } from '../../tracking/lost-answer.js';
import { TrainSpamError, isTrainSpamError, toErrorData, type ErrorData } from '../../core/errors.js';
import type { ModelLock, ModelVersion } from '../../tracking/contract.js';
import type { ComparisonResult } from '../comparison.js';
import type { GateReport } from '../gates.js';
import type { RunContext } from '../context.js';
import type { PromotionResult } from '../state.js';
import { intentNote, registryState, resolveStaleNote, rollBack, STAGING_ALIAS, stagingState, versionsWhere, type Resolved, type StagingState } from './promotion-recovery.js';

export const MODEL_ARTIFACT_PATH = 'model';

export function promotionTags(gates: GateReport, comparison: ComparisonResult): Record<string, string> {
  const tags: Record<string, string> = {
    'train-spam.gates_passed': String(gates.passed),
    'train-spam.comparison': comparison.status,
  };
  for (const g of gates.gates) {
    tags[`gate.${g.name}`] = `${g.passed ? 'pass' : 'fail'} value=${g.value ?? 'null'} ${g.comparator} ${g.threshold ?? 'null'}`;
  }
  if (comparison.deltas.f1 !== null) tags['comparison.delta_f1'] = comparison.deltas.f1.toFixed(6);
  if (comparison.deltas.auc !== null) tags['comparison.delta_auc'] = comparison.deltas.auc.toFixed(6);
  if (comparison.staging?.version) tags['comparison.staging_version'] = comparison.staging.version;
  // the whole test split's figures, from the gates (the comparison's may leave out e-mails the
  // Staging model was trained on)
  const gateValue = (n: string) => gates.gates.find((g) => g.name === n)?.value ?? null;
  const f1 = gateValue('f1') ?? comparison.candidate.f1;
  const auc = gateValue('roc_auc') ?? comparison.candidate.auc;
  tags['test.f1'] = f1.toFixed(6);
  tags['test.roc_auc'] = auc.toFixed(6);
  if (comparison.staging?.excludedRows) {
    tags['comparison.candidate_f1'] = comparison.candidate.f1.toFixed(6);
    tags['comparison.candidate_auc'] = comparison.candidate.auc.toFixed(6);
    tags['comparison.excluded_rows'] = String(comparison.staging.excludedRows);
  }
  // compared on e-mails the Staging model was trained on (too few were left without them)
  if (comparison.staging?.seenRows) tags['comparison.seen_rows'] = String(comparison.staging.seenRows);
  return tags;
}

/** Version tag holding the sha256 of the model artifact's artifact.json (idempotence across KFP retries). */
export const ARTIFACT_SHA_TAG = 'train-spam.artifact_sha256';

export interface PromotionOptions {
  /**
   * sha256 of the model artifact's artifact.json. When given, a version of this model carrying the
   * same sha tag is reused (a retried container step has a new run id, the same artifact), and new
   * versions get the tag.
   */
  readonly artifactSha256?: string;
  /** The tuned configuration ({ model, params }): tagged on a new version as BEST_CONFIG_TAG. */
  readonly bestConfig?: { readonly model: string; readonly params: Readonly<Record<string, unknown>> };
}

/** Version tag holding the tuned configuration as JSON ({"model": ..., "params": {...}}). */
export const BEST_CONFIG_TAG = 'train-spam.best_config';

export async function modelPromotion(ctx: RunContext, gates: GateReport, comparison: ComparisonResult, options: PromotionOptions = {}): Promise<PromotionResult> {
  const name = ctx.params.model_name;
  if (!gates.passed || !comparison.passed) {
    const reasons = [
      ...gates.gates.filter((g) => !g.passed).map((g) => g.message),
      ...(comparison.passed ? [] : comparison.reasons),
    ];
    ctx.logger.log('info', `promotion: skipped, nothing registered (${reasons.join('; ')})`);
    return { status: 'skipped', modelName: name, version: null, reason: reasons.join('; ') };
  }
  if (!ctx.tracking || !ctx.runId) {
    return { status: 'skipped', modelName: name, version: null, reason: 'tracking is off: no registry to promote to' };
  }
  const { registry } = ctx.tracking;
  const runId = ctx.runId;
  stopIfInterrupted(ctx, 'the registry was changed');
  await registry.createRegisteredModel(name, { description: 'E-mail spam detector trained by train-spam' });
  // Where the store can lock the model (the local store), the read-check-write below runs alone:
  // a second run promoting at the same moment waits, then finds Staging changed (CONFLICT).
  const lock = registry.lockModel ? await registry.lockModel(name, { owner: runId }) : null;
  let abandon = false;
  try {
    const ours = options.artifactSha256 ? { tag: ARTIFACT_SHA_TAG, value: options.artifactSha256 } : undefined;
    const recovered = lock ? await resolveStaleNote(ctx, name, lock, ours) : null;
    return await promoteLocked(ctx, name, runId, gates, comparison, options, lock, recovered);
  } catch (e) {
    // A version left half promoted (its roll-back failed): the lock is given up with its note in
    // place, so that the next promotion of this model undoes it first.
    abandon = lock !== null && isTrainSpamError(e) && e.details.rolledBack === false;
    throw e;
  } finally {
    // The promotion's outcome stands whatever happens to the lock now: a lock that cannot be freed
    // is taken over once this process has ended (or STALE_LOCK_MS after its last heartbeat).
    await (abandon ? lock?.abandon() : lock?.release())?.catch((e: unknown) =>
      ctx.logger.log('warn', `promotion: could not ${abandon ? 'leave' : 'free'} the model lock: ${(e as Error).message}`),
    );
  }
}

async function promoteLocked(
  ctx: RunContext,
  name: string,
  runId: string,
  gates: GateReport,
  comparison: ComparisonResult,
  options: PromotionOptions,
  lock: ModelLock | null,
  recovered: Resolved | null,
): Promise<PromotionResult> {
  const { registry } = ctx.tracking!;
  const sha = options.artifactSha256;
  const existing = await versionsWhere(ctx, name, `run_id=${filterLiteral(runId, 'run id')}`);
  if (existing.length === 0 && sha) existing.push(...(await versionsWhere(ctx, name, `tags.\`${ARTIFACT_SHA_TAG}\` = ${filterLiteral(sha, 'artifact digest')}`)));
  // Where the registry stands before this step changes anything: what the comparison must still
  // match, and what a roll-back restores (read before a version is created, so that a failure to
  // read it leaves nothing behind).
  const state = await stagingState(ctx, name);
  checkComparisonCurrent(name, comparison, existing, state, recovered);
  let version: ModelVersion;
  let status: PromotionResult['status'];
  let before: StagingState | null = null;
  if (existing.length > 0) {
    version = existing[0];
    status = 'already_promoted';
  } else {
    before = state;
    // noted before registering: a run killed during the call is found by its run id
    await lock?.note(intentNote(runId, state, null, false));
    // the last point where Ctrl-C leaves the registry as it was; once the version exists the
    // promotion is completed (or rolled back on failure), never left half done
    stopIfInterrupted(ctx, 'a version was registered');
    version = await createVersion(ctx, name, runId, gates, comparison, options);
    status = 'promoted';
  }
  let what = 'note the new version in the model lock';
  let aliasMoved = false;
  let staged = true;
  try {
    if (before) await lock?.note(intentNote(runId, before, version.version, false));
    what = `move the '${STAGING_ALIAS}' alias to it`;
    await registry.setAlias(name, STAGING_ALIAS, version.version);
    aliasMoved = true;
    what = 'set its stage to Staging';
    try {
      await registry.transitionStage(name, version.version, 'Staging', true);
    } catch (e) {
      // Stages are deprecated in MLflow ≥ 2.9; a server that refuses them still has the alias.
      if (!stagesRefused(e)) throw e;
      staged = false;
      ctx.logger.log('warn', `promotion: the server did not accept the legacy stage transition (${(e as Error).message}); the '${STAGING_ALIAS}' alias is set`);
    }
  } catch (e) {
    const d = toErrorData(e);
    if (before) {
      // This step created the version: take the registry back to where it stood, so a failed
      // promotion leaves no half-promoted version behind.
      const undo = await rollBack(ctx, name, version.version, before);
      if (undo.done) {
        throw new TrainSpamError(d.code, `promotion: could not ${what} (${d.message}); rolled back: ${name} v${version.version} deleted, ${undo.restored}`, {
          ...(d.details ?? {}), name, version: version.version, aliasMoved, rolledBack: true,
        });
      }
      throw new TrainSpamError(d.code, `promotion: ${name} v${version.version} is registered but could not ${what} (${d.message}); the roll-back failed too (${undo.failure}); now ${undo.state}`, {
        ...(d.details ?? {}), name, version: version.version, aliasMoved, rolledBack: false,
      });
    }
    // A version registered by an earlier attempt of this run: not rolled back; say what failed and
    // where alias and stage stand, read back (a call whose answer was lost may have done its work).
    throw new TrainSpamError(d.code, `promotion: ${name} v${version.version} is registered (by an earlier attempt of this run); could not ${what} (${d.message}); now ${await registryState(ctx, name)}`, {
      ...(d.details ?? {}), name, version: version.version, aliasMoved,
    });
  }
  // The promotion is made. What follows only records it: a failure there is reported, not undone
  // (a lock left with an unfinished note is resolved by the next run, which keeps a version whose
  // alias and stage are both set).
  try {
    await lock?.note(intentNote(runId, before ?? state, version.version, true));
  } catch (e) {
    ctx.logger.log('warn', `promotion: ${name} v${version.version} is promoted, but the model lock could not note it (${(e as Error).message})`);
  }
  let trackingError: ErrorData | undefined;
  try {
    await ctx.tracking!.store.setTag(ctx.runId!, 'train-spam.registered_version', `${name}/${version.version}`);
  } catch (e) {
    const d = toErrorData(e);
    trackingError = { ...d, message: `${name} v${version.version} is promoted, but the run's tag train-spam.registered_version could not be set (${d.code}: ${d.message})` };
    ctx.logger.log('error', `tracking: ${trackingError.message}`);
  }
  const verb = status === 'promoted' ? 'registered' : 'already registered as';
  const pointers = staged ? `alias '${STAGING_ALIAS}' and stage Staging point to it` : `alias '${STAGING_ALIAS}' points to it (the server keeps no stages)`;
  ctx.logger.log('info', `promotion: ${verb} ${name} v${version.version}; ${pointers}`);
  return {
    status, modelName: name, version: version.version,
    reason: status === 'promoted' ? 'all gates and the comparison passed' : 'this run (or this model artifact) was promoted before',
    ...(trackingError ? { trackingError } : {}),
  };
}

/**
 * A refusal of the legacy stage transition by a server without stages (a 4xx answer other than a
 * timeout or rate limit, or 501), as opposed to a failure (5xx, timeout, lost connection), which
 * fails the promotion.
 */
export function stagesRefused(e: unknown): boolean {
  if (!isTrainSpamError(e)) return false;
  const status = e.details.httpStatus;
  if (typeof status !== 'number') return false;
  return status === 501 || (status >= 400 && status < 500 && status !== 408 && status !== 429);
}

/**
 * The comparison was made against the model in Staging then; another run may have promoted since
 * (two pipeline runs at once, or a cached comparison in KFP). Promoting on an outdated comparison
 * would move Staging back to a model that was never compared with the current one: refused, unless
 * Staging already is this run's version (a retried promotion).
 */
function checkComparisonCurrent(name: string, comparison: ComparisonResult, own: readonly ModelVersion[], state: StagingState, recovered: Resolved | null): void {
  const compared = comparison.staging?.version ?? null;
  // the model findStagingVersion gives: the alias's version, else the latest in stage Staging
  const now = state.alias ?? state.staged[0] ?? null;
  if (now === compared || (now !== null && own.some((v) => v.version === now))) return;
  const then = compared === null ? 'no model in Staging' : `Staging v${compared}`;
  const left = own.length ? `this run's v${own.map((v) => v.version).join(', v')} stays as it is` : 'nothing registered';
  const why =
    recovered && compared !== null && recovered.versions.includes(compared)
      ? `this promotion has just ${recovered.text}, which the comparison had found in Staging`
      : 'another run changed it since';
  throw new TrainSpamError('CONFLICT', `promotion: the comparison was made against ${then}, but Staging is now ${now === null ? 'empty' : `v${now}`} (${why}); ${left}: run the comparison again`, {
    name, compared, current: now,
  });
}

/** Registers the version. After an answer that may have come after the server created it (timeout, lost connection, 5xx), looks for it by run id instead of registering twice. */
async function createVersion(ctx: RunContext, name: string, runId: string, gates: GateReport, comparison: ComparisonResult, options: PromotionOptions): Promise<ModelVersion> {
  const { registry } = ctx.tracking!;
  const sha = options.artifactSha256;
  const best: Record<string, string> = options.bestConfig ? { [BEST_CONFIG_TAG]: JSON.stringify({ model: options.bestConfig.model, params: options.bestConfig.params }) } : {};
  try {
    return await registry.createModelVersion({
      name,
      source: `runs:/${runId}/${MODEL_ARTIFACT_PATH}`,
      runId,
      tags: { ...promotionTags(gates, comparison), 'train-spam.image_tag': ctx.params.image_tag, ...(sha ? { [ARTIFACT_SHA_TAG]: sha } : {}), ...best },
      description: `train-spam run ${runId}`,
    });
  } catch (e) {
    if (!mayHaveCreated(e)) throw e;
    let found: ModelVersion[];
    try {
      found = await versionsWhere(ctx, name, `run_id=${filterLiteral(runId, 'run id')}`);
    } catch {
      throw e;
    }
    if (found.length === 0) throw e;
    const v = found[0];
    ctx.logger.log('warn', `promotion: registering the version failed (${(e as Error).message}), but the server had created it: ${name} v${v.version}`);
    return v;
  }
}

/** Ctrl-C during the step, before anything irreversible: CANCELLED (exit 130, nothing registered). */
function stopIfInterrupted(ctx: RunContext, before: string): void {
  if (ctx.signal.aborted) throw new TrainSpamError('CANCELLED', `promotion: interrupted before ${before}; nothing registered`);
}

