/** `train-spam run`: the whole pipeline in process. */
import type { Command } from 'commander';
import { flagName, PIPELINE_PARAMS } from '../../pipeline/definition.js';
import { resolvePipelineParams } from '../../pipeline/params.js';
import { runPipeline, type PipelineRunResult } from '../../pipeline/runner.js';
import { invalidArgument } from '../../core/errors.js';
import { CANONICAL_COLUMNS } from '../../io/email-table.js';
import { loadSearchSpace } from '../../hpo/space-file.js';
import { paramSpecFor } from '../../models/registry.js';
import { MODEL_KINDS } from '../../hpo/space.js';
import { cliLogger, cliProgress, cliTracking, interruptSignal, parseWorkers } from '../wiring.js';
import { formatSummary } from '../summary.js';

/** camelCase key commander gives a `--kebab-flag`. */
export function optionKey(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Adds one flag per pipeline parameter (`--test-split-ratio 0.2`, ...). */
export function addParamFlags(cmd: Command): Command {
  for (const p of PIPELINE_PARAMS) {
    cmd.option(`--${flagName(p.name)} <value>`, `${p.description} (default: ${JSON.stringify(p.default)})`);
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

export function parseColumnMap(entries: string[] | undefined): Record<string, string> | undefined {
  if (!entries || entries.length === 0) return undefined;
  const map: Record<string, string> = {};
  for (const e of entries) {
    const m = /^([^=]+)=([^=]+)$/.exec(e);
    if (!m) throw invalidArgument(`--column-map '${e}': expected file_column=canonical_column, e.g. id=email_id`, { usage: true });
    const to = m[2].trim();
    if (!CANONICAL_COLUMNS.includes(to)) {
      throw invalidArgument(`--column-map '${e}': "${to}" is not a canonical column (known: ${CANONICAL_COLUMNS.join(', ')})`, { usage: true, parameter: '--column-map' });
    }
    map[m[1].trim()] = to;
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
    if (opts.trackingUri !== undefined) overrides.mlflow_tracking_uri = opts.trackingUri;
    if (overrides.mlflow_experiment_name === undefined && process.env.MLFLOW_EXPERIMENT_NAME) overrides.mlflow_experiment_name = process.env.MLFLOW_EXPERIMENT_NAME;
    const params = resolvePipelineParams(overrides);
    const workers = parseWorkers(opts.workers as string | undefined);
    const trialTimeout = opts.trialTimeout === undefined ? undefined : Number(opts.trialTimeout);
    if (trialTimeout !== undefined && !(trialTimeout > 0)) throw invalidArgument(`--trial-timeout '${opts.trialTimeout}' must be a positive number of seconds`, { usage: true });
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
    process.stdout.write('\n' + formatSummary(result) + '\n');
    process.exitCode = result.exitCode;
  });
}
