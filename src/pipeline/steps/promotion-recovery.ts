/**
 * Where Staging stands in the registry, how a promotion is undone, and how a promotion that a
 * killed run left half-way (noted in the local store's model lock) is resolved: by the next
 * promotion of the model, and before the comparison reads Staging, so that a run never compares
 * with a version that is about to be rolled back.
 */
import { filterLiteral } from '../../tracking/validation.js';
import { TrainSpamError, isTrainSpamError } from '../../core/errors.js';
import type { JsonValue } from '../../core/payload.js';
import type { ModelLock, ModelVersion } from '../../tracking/contract.js';
import type { RunContext } from '../context.js';

export const STAGING_ALIAS = 'staging';

/** The `staging` alias target and the versions in stage Staging. */
export interface StagingState {
  readonly alias: string | null;
  readonly staged: readonly string[];
}

/** What a promotion holding the model lock notes there, so that the next holder can undo it if this run dies half-way. */
export interface PromotionIntent {
  readonly run: string;
  readonly before: StagingState;
  /** The version it created (null: creating it now; a version of `run` may exist). */
  readonly version: string | null;
  /** Alias and stage are set: nothing to undo. */
  readonly done: boolean;
}

/** The note of a PromotionIntent, as the lock stores it. */
export function intentNote(run: string, before: StagingState, version: string | null, done: boolean): JsonValue {
  return { run, before: { alias: before.alias, staged: [...before.staged] }, version, done };
}

function isIntent(x: unknown): x is PromotionIntent {
  const o = x as Partial<PromotionIntent> | null;
  return (
    typeof o === 'object' && o !== null && typeof o.run === 'string' && typeof o.done === 'boolean' && (o.version === null || typeof o.version === 'string') &&
    typeof o.before === 'object' && o.before !== null && (o.before.alias === null || typeof o.before.alias === 'string') && Array.isArray(o.before.staged)
  );
}

/** The versions of model `name` matching `clause` (a search-filter clause), oldest first. */
export async function versionsWhere(ctx: RunContext, name: string, clause: string): Promise<ModelVersion[]> {
  const found = await ctx.tracking!.registry.searchModelVersions(`name=${filterLiteral(name, 'model name')} and ${clause}`);
  return found.sort((a, b) => Number(a.version) - Number(b.version));
}

export async function stagingState(ctx: RunContext, name: string): Promise<StagingState> {
  const { registry } = ctx.tracking!;
  const byAlias = await registry.getVersionByAlias(name, STAGING_ALIAS);
  // the latest one (promotion archives the others each time, so there is normally one)
  const staged = (await registry.getLatestVersions(name, ['Staging'])).map((v) => v.version);
  return { alias: byAlias?.version ?? null, staged };
}

/** Where the alias and the stage stand, for an error message (best effort). */
export async function registryState(ctx: RunContext, name: string): Promise<string> {
  try {
    const { alias, staged } = await stagingState(ctx, name);
    return `the '${STAGING_ALIAS}' alias is on ${alias ? `v${alias}` : 'no version'} and stage Staging on ${staged.length ? staged.map((v) => `v${v}`).join(', ') : 'no version'}`;
  } catch (e) {
    return `the registry could not be read to say where the alias and the stage stand (${(e as Error).message})`;
  }
}

/**
 * Undoes a failed promotion of a version this step created: the version leaves Staging (a
 * transition whose answer was lost may have happened), the previous Staging version gets its stage
 * back (a failed transition may have archived it) and the alias returns to where it pointed (or
 * goes), each only if no other run has changed it since; then the version is deleted. Stops at the
 * first failing call and then says where the alias and the stage stand.
 */
export async function rollBack(
  ctx: RunContext,
  name: string,
  version: string,
  before: StagingState,
): Promise<{ done: true; restored: string } | { done: false; failure: string; state: string }> {
  const { registry } = ctx.tracking!;
  const notes: string[] = [];
  let doing = '';
  try {
    doing = `reading v${version}`;
    if ((await registry.getModelVersion(name, version)).currentStage === 'Staging') {
      doing = `moving v${version} out of Staging`;
      await registry.transitionStage(name, version, 'None', false);
    }
    doing = 'reading the version in Staging';
    const stagedNow = (await registry.getLatestVersions(name, ['Staging'])).map((v) => v.version);
    const other = stagedNow.filter((v) => v !== version && !before.staged.includes(v));
    if (other.length) notes.push(`stage Staging left on v${other.join(', v')} (set by another run since)`);
    else {
      for (const prev of before.staged) {
        doing = `reading v${prev}`;
        if ((await registry.getModelVersion(name, prev)).currentStage !== 'Staging') {
          doing = `putting v${prev} back in Staging`;
          await registry.transitionStage(name, prev, 'Staging', false);
        }
      }
      notes.push(before.staged.length ? `stage Staging on v${before.staged.join(', v')}` : 'no version in stage Staging');
    }
    doing = `reading the '${STAGING_ALIAS}' alias`;
    const aliasNow = (await registry.getVersionByAlias(name, STAGING_ALIAS))?.version ?? null;
    if (aliasNow === version) {
      if (before.alias) {
        doing = `moving the '${STAGING_ALIAS}' alias back to v${before.alias}`;
        await registry.setAlias(name, STAGING_ALIAS, before.alias);
      } else {
        doing = `removing the '${STAGING_ALIAS}' alias`;
        await registry.deleteAlias(name, STAGING_ALIAS);
      }
    }
    notes.unshift(
      aliasNow === version || aliasNow === before.alias
        ? before.alias ? `the '${STAGING_ALIAS}' alias back on v${before.alias}` : `no '${STAGING_ALIAS}' alias (there was none)`
        : `the '${STAGING_ALIAS}' alias left on ${aliasNow ? `v${aliasNow}` : 'no version'} (moved by another run since)`,
    );
    doing = `deleting v${version}`;
    await registry.deleteModelVersion(name, version);
  } catch (e) {
    return { done: false, failure: `${doing}: ${(e as Error).message}`, state: await registryState(ctx, name) };
  }
  return { done: true, restored: notes.join(', ') };
}

/**
 * A run that died while promoting left a version that is half promoted or not at all: it is rolled
 * back as a failed promotion would have been (a version whose alias and stage were both set is
 * kept: that promotion had finished but for its note). Returns what was done, for messages; throws
 * (with `rolledBack: false`) when a roll-back fails.
 */
export interface Resolved {
  /** The versions rolled back. */
  readonly versions: readonly string[];
  /** What was done, for messages. */
  readonly text: string;
}

/**
 * `ours`: a tag this promotion's own version would carry (the KFP step's artifact digest). A dead
 * attempt's version that carries it holds this very model (a retry of the same step, whose earlier
 * attempt was killed): it is kept for this promotion to complete, not rolled back and registered
 * again under a new number.
 */
export interface OwnVersionTag {
  readonly tag: string;
  readonly value: string;
}

export async function resolveInterrupted(ctx: RunContext, name: string, stale: unknown, ours?: OwnVersionTag): Promise<Resolved | null> {
  if (!isIntent(stale)) {
    ctx.logger.log('warn', `promotion: the model lock held an unreadable note of an interrupted promotion (${JSON.stringify(stale).slice(0, 200)}); ignored`);
    return null;
  }
  if (stale.done) return null;
  const { registry } = ctx.tracking!;
  const versions = stale.version !== null ? [stale.version] : (await versionsWhere(ctx, name, `run_id=${filterLiteral(stale.run, 'run id')}`)).map((v) => v.version);
  const rolled: string[] = [];
  for (const v of versions) {
    let found: ModelVersion;
    try {
      found = await registry.getModelVersion(name, v);
    } catch (e) {
      if (isTrainSpamError(e) && e.code === 'NOT_FOUND') continue; // already gone
      throw e;
    }
    if (ours && found.tags?.[ours.tag] === ours.value) {
      ctx.logger.log('warn', `promotion: run ${stale.run} was stopped while promoting ${name} v${v}, which holds this step's model (same ${ours.tag}); kept for this promotion to complete`);
      continue;
    }
    const alias = (await registry.getVersionByAlias(name, STAGING_ALIAS))?.version ?? null;
    if (alias === v && found.currentStage === 'Staging') {
      ctx.logger.log('warn', `promotion: run ${stale.run} was stopped right after promoting ${name} v${v} (alias and stage set); kept`);
      continue;
    }
    const undo = await rollBack(ctx, name, v, stale.before);
    if (!undo.done) {
      throw new TrainSpamError('CONFLICT', `promotion: run ${stale.run} was stopped while promoting ${name} v${v}, and undoing it failed (${undo.failure}); now ${undo.state}`, {
        name, version: v, run: stale.run, rolledBack: false,
      });
    }
    ctx.logger.log('warn', `promotion: run ${stale.run} was stopped while promoting ${name} v${v}; rolled back: v${v} deleted, ${undo.restored}`);
    rolled.push(v);
  }
  return rolled.length ? { versions: rolled, text: `rolled back run ${stale.run}'s interrupted promotion of v${rolled.join(', v')}` } : null;
}

/**
 * Resolves the note a dead holder left in the lock, keeping the lock for the caller. When that
 * fails, the lock is given up with the note in place (the next run takes it over at once and tries
 * again) and the error goes on.
 */
export async function resolveStaleNote(ctx: RunContext, name: string, lock: ModelLock, ours?: OwnVersionTag): Promise<Resolved | null> {
  if (lock.stale === null) return null;
  try {
    return await resolveInterrupted(ctx, name, lock.stale, ours);
  } catch (e) {
    await lock.abandon().catch((a: unknown) => ctx.logger.log('warn', `promotion: could not leave the model lock for the next run: ${(a as Error).message}`));
    throw e;
  }
}

/**
 * Before Staging is read for the comparison: a promotion left half-way by a killed run is rolled
 * back now (when the store has a lock and a dead holder left one), not after this run has compared
 * its candidate with the version about to be removed. A live promotion is not waited for.
 */
export async function recoverInterruptedPromotion(ctx: RunContext, name: string): Promise<void> {
  const registry = ctx.tracking?.registry;
  if (!registry?.takeStaleLock || !ctx.runId) return;
  const lock = await registry.takeStaleLock(name, { owner: ctx.runId });
  if (!lock) return;
  await resolveStaleNote(ctx, name, lock); // on failure the lock was abandoned
  // resolved: a lock that cannot be freed now is taken over when this process ends (or is stale)
  await lock.release().catch((e: unknown) => ctx.logger.log('warn', `promotion: could not free the model lock: ${(e as Error).message}`));
}
