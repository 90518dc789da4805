/** `train-spam run`: the whole pipeline in process. */
import type { Command } from 'commander';
import { flagName, PIPELINE_PARAMS } from '../../pipeline/definition.js';
import { isDecimalText, resolvePipelineParams, type PipelineParams } from '../../pipeline/params.js';
import { runPipeline, type PipelineRunResult } from '../../pipeline/runner.js';
import { invalidArgument, isTrainSpamError, TrainSpamError } from '../../core/errors.js';
import { hasUriScheme } from '../../core/uri.js';
import { checkOutputFolder } from '../../io/output-file.js';
import { CANONICAL_COLUMNS } from '../../io/email-table.js';
import { loadSearchSpace } from '../../hpo/space-file.js';
import { paramSpecFor } from '../../models/registry.js';
import { MODEL_KINDS } from '../../hpo/space.js';
import { cliLogger, cliProgress, cliTracking, interruptSignal, MAX_TRIAL_TIMEOUT_S, parseWorkers } from '../wiring.js';
import { formatSummary } from '../summary.js';
import { escapeControls } from '../../core/terminal.js';

/** camelCase key commander gives a `--kebab-flag`. */
export function optionKey(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Adds one flag per pipeline parameter (`--test-split-ratio 0.2`, ...). */
export function addParamFlags(cmd: Command): Command {
  for (const p of PIPELINE_PARAMS) {
    // the experiment name falls back to $MLFLOW_EXPERIMENT_NAME before the definition's default (see the action)
    const dflt = p.name === 'mlflow_experiment_name' ? `$MLFLOW_EXPERIMENT_NAME, else ${JSON.stringify(p.default)}` : JSON.stringify(p.default);
    cmd.option(`--${flagName(p.name)} <value>`, `${p.description} (default: ${dflt})`);
  }
  return cmd;
}

export function paramOverrides(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of PIPELINE_PARAMS) {
    const v = opts[optionKey(p.name)];
    if (v !== undefined) out[p.name] = v;
  }
  return out;
}

/**
 * `resolvePipelineParams` with its errors naming where the bad value came from (`--num-hpo-trials: parameter
 * 'num_hpo_trials' = ...`), as `train-spam step` does: `sources` maps a parameter to its flag or env var.
 */
export function resolveRunParams(overrides: Record<string, unknown>, sources: Readonly<Record<string, string>>): PipelineParams {
  try {
    return resolvePipelineParams(overrides);
  } catch (e) {
    const source = isTrainSpamError(e) && typeof e.details.parameter === 'string' ? sources[e.details.parameter] : undefined;
    if (source && isTrainSpamError(e)) throw new TrainSpamError(e.code, `${source}: ${e.message}`, { ...e.details, flag: source });
    throw e;
  }
}

/** `--trial-timeout` in seconds: a positive decimal number a timer can hold (above ~24.8 days Node fires it at once). */
export function parseTrialTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = isDecimalText(text) ? Number(text) : NaN;
  if (!(s > 0)) throw invalidArgument(`--trial-timeout '${text}' must be a positive number of seconds`, { usage: true, parameter: '--trial-timeout' });
  if (s > MAX_TRIAL_TIMEOUT_S) {
    throw invalidArgument(`--trial-timeout '${text}' must be at most ${MAX_TRIAL_TIMEOUT_S} seconds (the longest timer Node can set); leave it out for no limit`, { usage: true, parameter: '--trial-timeout' });
  }
  return s;
}

/** `--out-dir` is usable before a tracking store is opened: a local folder (or one to make), not '', a URI, a file or under one. */
export async function checkOutDir(dir: string): Promise<void> {
  const fail = (why: string) => invalidArgument(`--out-dir ${JSON.stringify(dir)}: ${why}`, { usage: true, parameter: '--out-dir', file: dir });
  if (dir.trim() === '') throw fail('empty; expected a folder for the per-run outputs');
  if (hasUriScheme(dir)) throw fail('is a URI; expected a local folder (mount an object store as a folder to use one)');
  await checkOutputFolder(dir, '--out-dir');
}

export function parseColumnMap(entries: string[] | undefined): Record<string, string> | undefined {
  if (!entries || entries.length === 0) return undefined;
  const map: Record<string, string> = {};
  for (const e of entries) {
    const m = /^([^=]+)=([^=]+)$/.exec(e);
    if (!m) {
      // several pairs in one argument (id=email_id,date=event_timestamp): say how to separate them
      const several = (e.match(/=/g) ?? []).length > 1 ? '; give several pairs as separate words: --column-map id=email_id date=event_timestamp' : ', e.g. id=email_id';
      throw invalidArgument(`--column-map '${e}': expected file_column=canonical_column${several}`, { usage: true, parameter: '--column-map' });
    }
    const to = m[2].trim();
    if (!CANONICAL_COLUMNS.includes(to)) {
      throw invalidArgument(`--column-map '${e}': "${to}" is not a canonical column (known: ${CANONICAL_COLUMNS.join(', ')})`, { usage: true, parameter: '--column-map' });
    }
    const from = m[1].trim();
    if (map[from] !== undefined && map[from] !== to) {
      throw invalidArgument(`--column-map maps '${from}' twice (to "${map[from]}" and to "${to}"); give each file column one canonical name`, { usage: true, parameter: '--column-map' });
    }
    map[from] = to;
  }
  return map;
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('Run the whole pipeline: data, features, baseline, HPO, evaluation, gates, comparison, promotion')
    .option('--tracking-uri <uri>', 'MLflow tracking URI (http(s)://…) or a local store directory (default: $MLFLOW_TRACKING_URI or ./mlruns)')
    .option('--no-tracking', 'run without tracking or registry (nothing is promoted)')
    .option('--workers <n>', 'worker threads for HPO trials (default: the number of cores)')
    .option('--out-dir <dir>', 'root folder for per-run outputs', 'runs')
    .option('--column-map <file=canonical...>', 'column mapping for the entity data, e.g. id=email_id date=event_timestamp')
    .option('--search-space <file>', 'HPO search space (JSON or YAML)')
    .option('--trial-timeout <seconds>', 'fail an HPO trial that runs longer than this')
    .option('--verbose', 'debug logging');
  addParamFlags(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const logger = cliLogger(opts.verbose === true);
    const overrides = paramOverrides(opts);
    const sources: Record<string, string> = Object.fromEntries(Object.keys(overrides).map((k) => [k, `--${flagName(k)}`]));
    if (opts.trackingUri !== undefined) {
      overrides.mlflow_tracking_uri = opts.trackingUri;
      sources.mlflow_tracking_uri = '--tracking-uri';
    }
    if (overrides.mlflow_experiment_name === undefined && process.env.MLFLOW_EXPERIMENT_NAME) {
      overrides.mlflow_experiment_name = process.env.MLFLOW_EXPERIMENT_NAME;
      sources.mlflow_experiment_name = 'MLFLOW_EXPERIMENT_NAME';
    }
    const params = resolveRunParams(overrides, sources);
    const workers = parseWorkers(opts.workers as string | undefined);
    const trialTimeout = parseTrialTimeout(opts.trialTimeout as string | undefined);
    await checkOutDir(opts.outDir as string);
    const specs = Object.fromEntries(MODEL_KINDS.map((k) => [k, paramSpecFor(k)]));
    const space = typeof opts.searchSpace === 'string' ? loadSearchSpace(opts.searchSpace, specs) : undefined;
    const columnMapping = parseColumnMap(opts.columnMap as string[] | undefined);
    const t = opts.tracking === false ? null : cliTracking(params.mlflow_tracking_uri, logger);
    const interrupt = interruptSignal();
    const progress = cliProgress();
    let result: PipelineRunResult;
    try {
      result = await runPipeline({
        params,
        logger,
        progress,
        tracking: t?.tracking ?? null,
        outRoot: opts.outDir as string,
        workers,
        signal: interrupt.signal,
        data: { columnMapping },
        hpo: { study: { ...(space ? { space } : {}), ...(trialTimeout ? { trialTimeoutMs: trialTimeout * 1000 } : {}) } },
      });
    } finally {
      progress.close();
      interrupt.dispose();
      await t?.handle.close();
    }
    process.stdout.write('\n' + escapeControls(formatSummary(result)) + '\n');
    process.exitCode = result.exitCode;
  });
}
