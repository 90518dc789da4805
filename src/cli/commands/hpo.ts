/**
 * `train-spam hpo [run]` and `train-spam hpo merge`: step 4 from the command line.
 * The only place that reads argv / env (JOB_COMPLETION_INDEX) / TTY state for HPO.
 */
import { Command, Option } from 'commander';
import { escapeControls } from '../../core/terminal.js';
import { isTrainSpamError, TrainSpamError } from '../../core/errors.js';
import { checkOutputFolder } from '../../io/output-file.js';
import { localPaths, MAX_TRIAL_TIMEOUT_S } from '../wiring.js';
import { isDecimalText } from '../../pipeline/params.js';
import { bestTrialOf } from '../../pipeline/steps/hpo-tuning.js';
import {
  DEFAULT_ASHA_METRIC, DEFAULT_TIE_TOLERANCE, jsonProgress, loadGroups, loadMatrix, loadSearchSpace, mergeShards, paramSpecs, resolveAshaOptions, runStudy, ttyProgress, writeStudyArtifacts,
  type MetricName, type SchedulerOptions, type StudyResult, type ValidationOptions, METRIC_NAMES,
} from '../../hpo/index.js';
import { makeDirsSync } from '../../io/dirs.js';
import { MAX_SEED } from '../../core/random.js';

interface RunFlags {
  data: string;
  trials: string;
  workers?: string;
  searchSpace?: string;
  scheduler: 'random' | 'asha';
  seed: string;
  shardIndex?: string;
  shardCount: string;
  journalDir?: string;
  resume: boolean;
  trialTimeout?: string;
  out?: string;
  metric: string;
  tieBreak: string;
  tieTolerance: string;
  validation: string;
  ashaMaxT: string;
  ashaGracePeriod: string;
  ashaReductionFactor: string;
  ashaBrackets: string;
  ashaMode: 'deterministic' | 'async';
  ashaMetric: string;
  workerMemoryMb?: string;
  progress: 'auto' | 'tty' | 'json' | 'none';
}

/** The iteration-report metrics of all three families (gbm, logistic and mlp fits report them at every report point). */
const ASHA_REPORT_METRICS: readonly string[] = ['val_auc', 'val_loss', 'train_loss'];

function usage(message: string, flag: string): TrainSpamError {
  return new TrainSpamError('INVALID_ARGUMENT', message, { parameter: flag, usage: true });
}


/** Output folders that are files, or lie under one, fail before any work, naming their flag. */
async function outputFolders(paths: ReadonlyArray<readonly [string, string | undefined]>): Promise<void> {
  for (const [flag, p] of paths) if (p !== undefined) await checkOutputFolder(p, flag);
}

/** A decimal integer ≥ min (not '', ' ', '0x1' or '1e0', which Number() would take). */
function int(flag: string, v: string, min: number, max?: number): number {
  const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    throw usage(`${flag} must be an integer ${max === undefined ? `≥ ${min}` : `in [${min}, ${max}]`}; got ${JSON.stringify(v)}`, flag);
  }
  return n;
}

/** A decimal number ≥ min (not '', which Number() reads as 0, nor '0x10'). */
function num(flag: string, v: string, min: number): number {
  const n = isDecimalText(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min) throw usage(`${flag} must be a number ≥ ${min}; got ${JSON.stringify(v)}`, flag);
  return n;
}

/** A trial timeout in seconds: > 0 (as `train-spam run` requires) and short enough for a timer (a longer one fires at once). */
function trialTimeoutSeconds(flag: string, v: string): number {
  const n = isDecimalText(v) ? Number(v) : NaN;
  if (!(Number.isFinite(n) && n > 0)) throw usage(`${flag} must be a positive number; got ${JSON.stringify(v)}`, flag);
  if (n > MAX_TRIAL_TIMEOUT_S) throw usage(`${flag} must be at most ${MAX_TRIAL_TIMEOUT_S} seconds (the longest timer Node can set); got ${JSON.stringify(v)}; leave it out for no limit`, flag);
  return n;
}

function parseValidation(v: string): ValidationOptions {
  const m = /^(holdout|kfold)(?::([0-9.]+))?$/.exec(v);
  if (!m) throw usage(`--validation must be holdout[:fraction] or kfold[:k]; got ${JSON.stringify(v)}`, '--validation');
  if (m[1] === 'kfold') {
    const k = m[2] ? Number(m[2]) : 5;
    if (!Number.isInteger(k) || k < 2) throw usage(`--validation kfold:k needs an integer k ≥ 2; got ${JSON.stringify(v)}`, '--validation');
    return { kind: 'kfold', k };
  }
  const fraction = m[2] ? Number(m[2]) : 0.2;
  if (!(fraction > 0 && fraction < 1)) throw usage(`--validation holdout:fraction needs a fraction in (0, 1); got ${JSON.stringify(m[2])}`, '--validation');
  return { kind: 'holdout', fraction };
}

/**
 * Shard index from --shard-index, else the Kubernetes Indexed Job's JOB_COMPLETION_INDEX, else 0
 * for an unsharded study. A sharded one (shardCount > 1) without either is refused: every pod of a
 * Job that is not Indexed would otherwise run shard 0.
 */
export function resolveShardIndex(flag: string | undefined, env: NodeJS.ProcessEnv, shardCount = 1): number {
  if (flag !== undefined) return int('--shard-index', flag, 0);
  const v = env.JOB_COMPLETION_INDEX;
  if (v !== undefined) return int('JOB_COMPLETION_INDEX', v, 0);
  if (shardCount > 1) {
    throw usage(`--shard-count ${shardCount} needs the shard's index: --shard-index, or JOB_COMPLETION_INDEX (set in the pods of a Kubernetes Indexed Job)`, '--shard-index');
  }
  return 0;
}

function summaryLines(r: StudyResult, artifacts?: { bestConfig: string; trialsCsv: string; trialsJson: string }): string {
  const count = (s: string) => r.trials.filter((t) => t.state === s).length;
  const lines = [
    `hpo: ${r.state}; ${r.trials.length} trials (${count('completed')} completed, ${count('stopped')} stopped, ${count('failed')} failed${count('cancelled') ? `, ${count('cancelled')} cancelled` : ''}${count('running') ? `, ${count('running')} unfinished` : ''}); ${r.totalIterations} iterations`,
    r.best ? `best: trial ${r.best.trial} ${r.best.model} ${r.metric}=${r.bestScore?.toFixed(4)} params=${JSON.stringify(r.best.params)}` : 'best: none (no trial finished)',
  ];
  if (artifacts) lines.push(`artifacts: ${artifacts.bestConfig}, ${artifacts.trialsCsv}, ${artifacts.trialsJson}`);
  return lines.join('\n') + '\n';
}

async function runAction(flags: RunFlags, cmd?: Command): Promise<void> {
  const shardCount = int('--shard-count', flags.shardCount, 1);
  const shardIndex = resolveShardIndex(flags.shardIndex, process.env, shardCount);
  if (shardIndex >= shardCount) throw usage(`shard index ${shardIndex} must be < --shard-count ${shardCount}`, '--shard-index');
  if (flags.resume && !flags.journalDir) throw usage('--resume needs --journal-dir', '--resume');
  // a shard's trials reach `hpo merge` only through its journal: without one its work would be lost
  if (shardCount > 1 && !flags.journalDir) throw usage(`--shard-count ${shardCount} needs --journal-dir, the folder the shards' journals are merged from`, '--journal-dir');
  localPaths([['--data', flags.data], ['--journal-dir', flags.journalDir], ['--out', flags.out], ['--search-space', flags.searchSpace]]);
  await outputFolders([['--journal-dir', flags.journalDir], ['--out', flags.out]]);
  if (!(METRIC_NAMES as readonly string[]).includes(flags.metric)) throw usage(`--metric must be one of ${METRIC_NAMES.join(', ')}`, '--metric');
  const tieBreak = flags.tieBreak === 'none' ? null : (flags.tieBreak as MetricName);
  if (tieBreak && !(METRIC_NAMES as readonly string[]).includes(tieBreak)) throw usage(`--tie-break must be none or one of ${METRIC_NAMES.join(', ')}`, '--tie-break');
  // the metric itself cannot decide between scores it found tied (the default auc with --metric auc stays: a no-op)
  if (tieBreak === flags.metric && cmd?.getOptionValueSource('tieBreak') !== 'default') {
    throw usage(`--tie-break ${tieBreak} is the --metric itself, which cannot decide between its own near-ties; give another metric, or none`, '--tie-break');
  }
  const tieTolerance = num('--tie-tolerance', flags.tieTolerance, 0);
  // a name no family reports would leave every trial without a rung value: ASHA would silently stop nothing
  if (flags.scheduler === 'asha' && !ASHA_REPORT_METRICS.includes(flags.ashaMetric)) {
    throw usage(`--asha-metric must be a metric every family reports per iteration (${ASHA_REPORT_METRICS.join(', ')}); got ${JSON.stringify(flags.ashaMetric)}`, '--asha-metric');
  }
  const scheduler: SchedulerOptions =
    flags.scheduler === 'asha'
      ? {
          kind: 'asha',
          maxT: num('--asha-max-t', flags.ashaMaxT, 0),
          gracePeriod: num('--asha-grace-period', flags.ashaGracePeriod, 0),
          reductionFactor: num('--asha-reduction-factor', flags.ashaReductionFactor, 1),
          brackets: int('--asha-brackets', flags.ashaBrackets, 1),
          deterministic: flags.ashaMode === 'deterministic',
          metric: flags.ashaMetric,
          mode: flags.ashaMetric.endsWith('loss') ? 'min' : 'max',
        }
      : { kind: 'fifo' };
  if (scheduler.kind === 'asha') {
    // the scheduler's own rules (reduction factor > 1, max_t > grace period, brackets that fit), checked before any work
    try {
      resolveAshaOptions(scheduler);
    } catch (e) {
      const p = isTrainSpamError(e) && typeof e.details.parameter === 'string' ? e.details.parameter : 'asha';
      const flag = `--asha-${p.replace(/_/g, '-')}`;
      throw usage(`${flag}: ${(e as Error).message}`, flag);
    }
  }
  const validation = parseValidation(flags.validation);
  if (scheduler.kind === 'asha' && validation.kind === 'kfold') {
    throw usage('--scheduler asha needs a holdout validation split (--validation holdout[:fraction]); k-fold works with --scheduler fifo only', '--validation');
  }
  // every flag is checked before the matrix is read and the --out folder is made
  const trials = int('--trials', flags.trials, 1);
  // shard k runs trials i % n == k: a shard beyond the trial count would run none and fail after writing its journal
  if (shardCount > trials) throw usage(`--shard-count ${shardCount} is more than --trials ${trials}; every shard needs at least one trial`, '--shard-count');
  const seed = int('--seed', flags.seed, 0, MAX_SEED);
  const workers = flags.workers === undefined ? undefined : int('--workers', flags.workers, 1);
  const trialTimeoutMs = flags.trialTimeout === undefined ? undefined : Math.round(trialTimeoutSeconds('--trial-timeout', flags.trialTimeout) * 1000);
  const workerMemoryMb = flags.workerMemoryMb === undefined ? undefined : int('--worker-memory-mb', flags.workerMemoryMb, 16);
  const { X, y } = loadMatrix(flags.data);
  if (!y) throw new TrainSpamError('INVALID_DATA', `matrix '${flags.data}' has no labels; HPO needs labelled training data`, { file: flags.data });
  // feature-retrieval's training matrix carries the duplicate-body groups: the validation cut keeps
  // each group on one side, as in the pipeline (same trials, same scores)
  const groups = loadGroups(flags.data, X.rows) ?? undefined;
  const { registryFamilies } = await import('../../hpo/registry-families.js');
  const space = flags.searchSpace ? loadSearchSpace(flags.searchSpace, paramSpecs(registryFamilies)) : undefined;
  const mode = flags.progress === 'auto' ? (process.stderr.isTTY ? 'tty' : 'json') : flags.progress;
  const write = (s: string) => void process.stderr.write(s);
  const progress = mode === 'tty' ? ttyProgress(write) : mode === 'json' ? jsonProgress(write) : undefined;
  const ac = new AbortController();
  const onSigint = () => {
    if (ac.signal.aborted) process.exit(130); // a second Ctrl-C: leave now
    process.stderr.write('\nhpo: interrupted; cancelling running trials (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  // The artifact folder is made before the study, so an unusable --out fails before any trial runs.
  const outDir = flags.out ?? (shardCount === 1 ? flags.journalDir : undefined);
  if (flags.out !== undefined) {
    try {
      makeDirsSync(flags.out);
    } catch (e) {
      throw new TrainSpamError('IO_ERROR', `--out: cannot create the artifact folder '${flags.out}': ${(e as Error).message}`, { parameter: '--out', path: flags.out });
    }
  }
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await runStudy({
      data: { X, y },
      groups,
      trials,
      seed,
      workers,
      space,
      scheduler,
      metric: flags.metric as MetricName,
      tieBreak,
      tieTolerance,
      validation,
      shard: { index: shardIndex, count: shardCount },
      journalDir: flags.journalDir,
      resume: flags.resume,
      trialTimeoutMs,
      workerMemoryMb,
      progress,
      signal: ac.signal,
    });
    const artifacts = outDir ? writeStudyArtifacts(result, outDir) : undefined;
    process.stdout.write(escapeControls(summaryLines(result, artifacts)));
    if (result.state === 'killed') process.exitCode = 130;
    // a study without a single finished trial has no result: the artifacts show why, the exit says so
    else bestTrialOf(result);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

/** Registers `hpo` (default subcommand `run`) and `hpo merge`; returns the `hpo` command. */
export function registerHpoCommands(program: Command): Command {
  const hpo = program.command('hpo').description('Step 4: hyperparameter search (random search or ASHA on a worker-thread pool)');
  // `run` is the default subcommand, so a mistyped one (`hpo merg`, `hpo plan`) would reach it as an
  // operand and fail as "required option '--data'" or "too many arguments for 'run'": name it instead
  hpo.hook('preSubcommand', (self, sub) => {
    const first = self.args[0];
    if (sub.name() === 'run' && first !== undefined && first !== 'run' && !first.startsWith('-')) {
      const names = self.commands.map((c) => c.name()).filter((n) => n !== 'help');
      throw usage(`unknown command 'hpo ${first}'; expected one of: ${names.join(', ')} (plain \`hpo\` runs \`hpo run\`)`, 'hpo');
    }
  });
  hpo
    .command('run', { isDefault: true })
    .description('Run a study (or one shard of it) on the training feature matrix')
    .requiredOption('--data <dir>', 'training feature matrix directory (matrix.json + arrays, with labels)')
    .option('--trials <n>', 'total trials over all shards', '20')
    .option('--workers <n>', 'worker threads (default: available cores)')
    .option('--search-space <file>', 'search space as YAML or JSON (default: every model family, ranges from their paramSpec)')
    .addOption(new Option('--scheduler <kind>', 'random search without early stopping, or ASHA').choices(['random', 'asha']).default('random'))
    .option('--seed <n>', 'master seed', '42')
    .option('--shard-index <i>', 'this shard (default: $JOB_COMPLETION_INDEX, else 0)')
    .option('--shard-count <n>', 'number of shards', '1')
    .option('--journal-dir <dir>', 'directory for the trial journal(s), shared by all shards')
    .option('--resume', 'continue the journal in --journal-dir: re-run only unfinished trials (running or cancelled ones; a failed trial stays failed)', false)
    .option('--trial-timeout <seconds>', 'fail a trial that runs longer than this')
    .option('--out <dir>', 'artifact directory for best-config.json, trials.csv, trials.json (default: --journal-dir when unsharded)')
    .option('--metric <name>', `validation metric to optimise (${METRIC_NAMES.join(', ')})`, 'f1')
    .option('--tie-break <name>', 'second metric for ties, or none', 'auc')
    .option('--tie-tolerance <delta>', 'scores within this of the best count as ties, decided by --tie-break (0: exact ties only)', String(DEFAULT_TIE_TOLERANCE))
    .option('--validation <spec>', 'holdout[:fraction] or kfold[:k] of the training data', 'holdout:0.2')
    .option('--asha-max-t <t>', "ASHA max_t in normalised time (max_t = the family's largest iteration budget in the space)", '243')
    .option('--asha-grace-period <t>', 'ASHA grace period (first rung)', '1')
    .option('--asha-reduction-factor <rf>', 'ASHA reduction factor', '3')
    .option('--asha-brackets <n>', 'ASHA brackets', '1')
    .addOption(new Option('--asha-mode <mode>', 'deterministic (as if sequential) or async (Ray-like)').choices(['deterministic', 'async']).default('deterministic'))
    .option('--asha-metric <name>', `iteration-report metric ASHA compares at rungs (${ASHA_REPORT_METRICS.join(', ')})`, DEFAULT_ASHA_METRIC)
    .option('--worker-memory-mb <mb>', 'heap limit per worker thread')
    .addOption(new Option('--progress <mode>', 'progress output on stderr').choices(['auto', 'tty', 'json', 'none']).default('auto'))
    .action(runAction);
  hpo
    .command('merge')
    .description('Merge shard journals (journal-shard-<i>-of-<n>.jsonl) and pick the best trial')
    .requiredOption('--journal-dir <dir>', 'directory holding every shard journal')
    .option('--out <dir>', 'artifact directory (default: --journal-dir)')
    .option('--allow-incomplete', 'merge even when shards are missing or unfinished', false)
    .action(async (flags: { journalDir: string; out?: string; allowIncomplete: boolean }) => {
      localPaths([['--journal-dir', flags.journalDir], ['--out', flags.out]]);
      await outputFolders([['--out', flags.out]]);
      const result = mergeShards(flags.journalDir, { requireComplete: !flags.allowIncomplete });
      const artifacts = writeStudyArtifacts(result, flags.out ?? flags.journalDir);
      process.stdout.write(escapeControls(summaryLines(result, artifacts)));
      bestTrialOf(result);
    });
  return hpo;
}
