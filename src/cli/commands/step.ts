/**
 * `train-spam step <name> [flags...]`: one pipeline step as a Kubeflow container runs it.
 *
 * The flags are exactly those `stepFlags(step)` declares in src/pipeline/definition.ts (the
 * compiler emits the same list), each followed by one value; all are required. This module parses
 * them generically from the definition, reads the ExecutorInput for list inputs, runs the step
 * through pipeline/step-runner.ts, then writes the output-parameter files and the ExecutorOutput
 * (artifact metadata for system.Metrics / system.ClassificationMetrics). Usage errors exit 64.
 */
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { TrainSpamError, invalidArgument } from '../../core/errors.js';
import { silentProgress } from '../../hpo/progress.js';
import {
  PIPELINE_DEFINITION, getStep, stepFlags, type ParamType, type ParamValue, type StepDef, type StepFlag, type StepName,
} from '../../pipeline/definition.js';
import { checkOutputFile, checkOutputFolder, checkOutputPath, writeTextFile } from '../../io/output-file.js';
import { isDecimalText } from '../../pipeline/params.js';
import { DIRECTORY_OUTPUTS, runStep, type MetricsMetadata, type StepDeps, type StepInvocation, type StepOutcome } from '../../pipeline/step-runner.js';
import { wholeCpus } from '../../kubeflow/compiler.js';
import { buildExecutorOutput, classificationMetricsMetadata, inputArtifactPaths, parseExecutorInput, type ExecutorInput } from '../../kubeflow/executor-io.js';
import { cliLogger, cliProgress, cliTracking, defaultWorkers, interruptSignal, parseWorkers } from '../wiring.js';

const usage = (message: string, details: Record<string, unknown> = {}) => new TrainSpamError('INVALID_ARGUMENT', message, { ...details, usage: true });

export interface ParsedStepArgs {
  readonly step: StepDef;
  readonly params: Record<string, ParamValue>;
  readonly inputs: Record<string, string>;
  readonly outputs: Record<string, string>;
  /** Output parameter name → file to write its value to. */
  readonly outParams: Record<string, { file: string; type: ParamType }>;
  /** `--executor-input` value (the ExecutorInput JSON, or a path to a file holding it). */
  readonly executorInput: string | null;
  /** `--executor-output` path. */
  readonly executorOutput: string | null;
}

/** Usage text of one step: its flags, from the definition. */
export function stepUsage(step: StepDef): string {
  const lines = [`usage: train-spam step ${step.name} ${stepFlags(step).map((f) => `${f.flag} <${valueHint(f)}>`).join(' ')}`, '', step.description, ''];
  for (const f of stepFlags(step)) lines.push(`  ${f.flag.padEnd(28)} ${valueHint(f)}`);
  return lines.join('\n') + '\n';
}

function valueHint(f: StepFlag): string {
  switch (f.role) {
    case 'param':
      return f.type === 'NUMBER_INTEGER' ? 'integer' : f.type === 'NUMBER_DOUBLE' ? 'number' : f.type === 'BOOLEAN' ? 'true|false' : f.type === 'STRING' ? 'text' : 'json';
    case 'in-artifact':
      return `path of ${f.type} input`;
    case 'out-artifact':
      return `path for ${f.type} output`;
    case 'out-param':
      return `file for the ${f.type} output parameter`;
    case 'executor-input':
      return 'ExecutorInput JSON or a file holding it';
    default:
      return 'path for the ExecutorOutput JSON';
  }
}

/** Parses a parameter's text into its declared type; usage error naming the flag otherwise. */
export function parseParamValue(flag: string, type: ParamType | string, text: string): ParamValue {
  const bad = (what: string) => usage(`${flag}: expected ${what}, got ${JSON.stringify(text)}`, { flag });
  switch (type) {
    case 'STRING':
      return text;
    case 'NUMBER_INTEGER':
      // '3.0' is accepted: a ParallelFor item from a JSON list may be rendered as a float
      if (!/^-?\d+(\.0*)?$/.test(text.trim())) throw bad('an integer');
      return Number(text);
    case 'NUMBER_DOUBLE': {
      // decimal notation, as `train-spam run` takes it: Number() would also read '0x1' and '0b1'
      const v = Number(text);
      if (!isDecimalText(text) || !Number.isFinite(v)) throw bad('a number');
      return v;
    }
    case 'BOOLEAN':
      if (text === 'true' || text === 'false') return text === 'true';
      throw bad('true or false');
    default:
      try {
        return JSON.parse(text) as ParamValue;
      } catch {
        throw bad('JSON');
      }
  }
}

/** Generic parser of `stepFlags(step)`: every flag once, each with one value, nothing else. */
export function parseStepArgs(step: StepDef, argv: readonly string[]): ParsedStepArgs {
  const flags = new Map(stepFlags(step).map((f) => [f.flag, f]));
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const known = flags.get(flag);
    if (!known) {
      const hint = flag.startsWith('--') && flag.includes('=') ? ` (write '${flag.split('=')[0]} <value>', not '--flag=value')` : '';
      throw usage(`step ${step.name}: unknown flag ${JSON.stringify(flag)}${hint}; expected: ${[...flags.keys()].join(' ')}`, { flag });
    }
    if (i + 1 >= argv.length) throw usage(`step ${step.name}: flag ${flag} needs a value`, { flag });
    if (values.has(flag)) throw usage(`step ${step.name}: flag ${flag} is given twice`, { flag });
    values.set(flag, argv[i + 1]);
  }
  const missing = [...flags.keys()].filter((f) => !values.has(f));
  if (missing.length) throw usage(`step ${step.name}: missing flag${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, { flag: missing[0], missing });
  const out: ParsedStepArgs = { step, params: {}, inputs: {}, outputs: {}, outParams: {}, executorInput: null, executorOutput: null };
  const mutable = out as { executorInput: string | null; executorOutput: string | null };
  for (const [flag, f] of flags) {
    const text = values.get(flag)!;
    const path = () => {
      if (text.trim() === '') throw usage(`step ${step.name}: ${flag} needs a non-empty path`, { flag });
      return text;
    };
    switch (f.role) {
      case 'param':
        out.params[f.name] = parseParamValue(flag, f.type, text);
        break;
      case 'in-artifact':
        out.inputs[f.name] = path();
        break;
      case 'out-artifact':
        out.outputs[f.name] = path();
        break;
      case 'out-param':
        out.outParams[f.name] = { file: path(), type: f.type as ParamType };
        break;
      case 'executor-input':
        mutable.executorInput = path();
        break;
      case 'executor-output':
        mutable.executorOutput = path();
        break;
    }
  }
  return out;
}

/** Text of an output parameter file: BOOLEAN true/false, numbers in decimal, STRING raw, LIST/STRUCT JSON. */
export function formatParamValue(type: ParamType, value: ParamValue): string {
  if (type === 'STRING') return typeof value === 'string' ? value : JSON.stringify(value);
  if (type === 'BOOLEAN' || type === 'NUMBER_INTEGER' || type === 'NUMBER_DOUBLE') return String(value);
  return JSON.stringify(value);
}

/** KFP artifact metadata of one metrics output (non-finite values are left out: JSON cannot hold them). */
export function kfpMetadata(m: MetricsMetadata): Record<string, unknown> {
  if (m.kind === 'classification') return classificationMetricsMetadata(m.labels, m.matrix, m.roc);
  const out: Record<string, number> = {};
  for (const k of Object.keys(m.values).sort()) if (Number.isFinite(m.values[k])) out[k] = m.values[k];
  return out;
}

async function readExecutorInput(value: string): Promise<ExecutorInput> {
  const text = value.trimStart().startsWith('{')
    ? value
    : await readFile(value, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw usage(`--executor-input: ${value} is neither ExecutorInput JSON nor a readable file (${e.code ?? e.message})`, { flag: '--executor-input' });
      });
  return parseExecutorInput(text);
}

/**
 * Before any work (no tracking run, no output written), each output path can take what the step
 * writes there: a folder or a file as the artifact is one (not the other kind already there, not
 * under a file, in a writable folder), and no output shares its path with another output or an
 * input (one inside the other included). A usage error naming the flag(s) otherwise.
 */
export async function checkStepOutputs(step: StepDef, args: ParsedStepArgs): Promise<void> {
  const dirs = new Set(DIRECTORY_OUTPUTS[step.name as StepName] ?? []);
  const outs: { flag: string; path: string }[] = [];
  const ins: { flag: string; path: string }[] = [];
  for (const f of stepFlags(step)) {
    const target = f.role === 'out-artifact' ? args.outputs[f.name] : f.role === 'out-param' ? args.outParams[f.name]?.file : f.role === 'executor-output' ? args.executorOutput : null;
    if (f.role === 'in-artifact' && args.inputs[f.name] !== undefined) ins.push({ flag: f.flag, path: args.inputs[f.name] });
    if (target === null || target === undefined) continue;
    await checkOutputPath(target, f.flag);
    if (f.role === 'out-artifact' && dirs.has(f.name)) await checkOutputFolder(target, f.flag);
    else await checkOutputFile(target, f.flag, 'a file');
    outs.push({ flag: f.flag, path: target });
  }
  const overlap = (a: string, b: string) => {
    const [x, y] = [resolve(a), resolve(b)];
    return x === y || x.startsWith(y + sep) || y.startsWith(x + sep);
  };
  for (const [i, o] of outs.entries()) {
    for (const p of outs.slice(i + 1)) {
      if (overlap(o.path, p.path)) throw usage(`step ${step.name}: ${o.flag} ${JSON.stringify(o.path)} and ${p.flag} ${JSON.stringify(p.path)} are the same path or one holds the other; each output needs its own path`, { flag: p.flag });
    }
    for (const n of ins) {
      if (overlap(o.path, n.path)) throw usage(`step ${step.name}: ${o.flag} ${JSON.stringify(o.path)} and ${n.flag} ${JSON.stringify(n.path)} are the same path or one holds the other; the step would write over its input`, { flag: o.flag });
    }
  }
}

/** Parses argv, runs the step, writes the output-parameter files and the ExecutorOutput. */
export async function executeStep(name: string, argv: readonly string[], deps: StepDeps): Promise<StepOutcome> {
  const step = getStep(PIPELINE_DEFINITION, name);
  if (!step) throw usage(`unknown step ${JSON.stringify(name)}; steps: ${PIPELINE_DEFINITION.steps.map((s) => s.name).join(', ')}`);
  const args = parseStepArgs(step, argv);
  await checkStepOutputs(step, args);
  const executorInput = args.executorInput !== null ? await readExecutorInput(args.executorInput) : undefined;
  const lists: Record<string, string[]> = {};
  for (const a of step.inputs.artifacts) if (a.list) lists[a.name] = inputArtifactPaths(executorInput!, a.name);
  const invocation: StepInvocation = { step, params: args.params, inputs: args.inputs, outputs: args.outputs, lists };
  const outcome = await runStep(invocation, deps);
  const parameterValues: Record<string, string | number | boolean | unknown[] | Record<string, unknown>> = {};
  for (const o of step.outputs.parameters) {
    const v = outcome.parameters[o.name];
    if (v === undefined) throw new TrainSpamError('INTERNAL', `step ${step.name} produced no value for its output parameter '${o.name}'`);
    await writeTextFile(args.outParams[o.name].file, formatParamValue(o.type, v));
    parameterValues[o.name] = v as (typeof parameterValues)[string];
  }
  if (args.executorOutput !== null) {
    const artifacts: Record<string, Record<string, unknown>> = {};
    for (const [k, m] of Object.entries(outcome.metadata)) artifacts[k] = kfpMetadata(m);
    await writeTextFile(args.executorOutput, buildExecutorOutput({ artifacts, parameterValues, executorInput }));
  }
  return outcome;
}

/** CPUs of a Kubernetes quantity ('2', '500m'); at least 1, and 1 for a value that is no quantity. */
export function cpuCount(quantity: string): number {
  try {
    return wholeCpus(quantity.trim());
  } catch {
    return 1;
  }
}

/** HPO worker threads: the cores Node sees, at most the step's cpu limit (a pod sees the node's cores). */
export function stepWorkers(step: StepDef | undefined, env: NodeJS.ProcessEnv): number {
  const text = env.TRAIN_SPAM_WORKERS;
  // a set but unusable value is an error, not silently the default (nor '0x2' read as 2)
  if (text !== undefined && text.trim() !== '') return parseWorkers(text, 'TRAIN_SPAM_WORKERS');
  return Math.min(defaultWorkers(), step ? cpuCount(step.resources.cpuLimit) : defaultWorkers());
}

export function registerStepCommand(program: Command): void {
  program
    .command('step')
    .description('Run one pipeline step as a Kubeflow container does (flags: `train-spam step <name> --help`)')
    .argument('<name>', `step: ${PIPELINE_DEFINITION.steps.map((s) => s.name).join(', ')}`)
    .argument('[flags...]', 'the flags the pipeline definition declares for this step, each with one value')
    .allowUnknownOption(true)
    .helpOption(false)
    .action(async (name: string, flags: string[]) => {
      if (name === '--help' || name === '-h') {
        // helpOption(false) passes the step flags through untouched, so `step --help` lands here.
        process.stdout.write(`Usage: train-spam step <name> [flags...]\nsteps: ${PIPELINE_DEFINITION.steps.map((s) => s.name).join(', ')}\n(flags of a step: train-spam step <name> --help)\n`);
        return;
      }
      const step = getStep(PIPELINE_DEFINITION, name);
      if (step && (flags.length === 0 || flags[0] === '--help' || flags[0] === '-h')) {
        // asked for (--help): on stdout; shown because of a usage error: on stderr, beside the error
        if (flags.length === 0) {
          process.stderr.write(stepUsage(step));
          throw usage(`step ${name}: no flags given (see the usage above)`);
        }
        process.stdout.write(stepUsage(step));
        return;
      }
      const interrupt = interruptSignal();
      const progress = cliProgress();
      try {
        await executeStep(name, flags, {
          logger: cliLogger(process.env.TRAIN_SPAM_VERBOSE === '1'),
          progress: progress ?? silentProgress,
          workers: stepWorkers(step, process.env),
          openTracking: (uri) => {
            requireTrackingTarget(name, uri, process.env);
            const t = cliTracking(uri, cliLogger(), '--mlflow-tracking-uri / MLFLOW_TRACKING_URI');
            return { tracking: t.tracking, close: () => t.handle.close() };
          },
          kfpRunId: process.env.KFP_RUN_ID || undefined,
          signal: interrupt.signal,
        });
      } finally {
        progress.close();
        interrupt.dispose();
      }
    });
}

/**
 * A step records to MLflow only where the record outlives its container: a tracking URI must be
 * given (--mlflow-tracking-uri, from the pipeline parameter or the compiled default, or
 * MLFLOW_TRACKING_URI). Without one, the local store would be created in the pod's working folder
 * and lost with it (the comparison would never find a Staging model).
 */
export function requireTrackingTarget(step: string, uri: string, env: NodeJS.ProcessEnv): void {
  if (uri.trim() !== '' || (env.MLFLOW_TRACKING_URI ?? '').trim() !== '') return;
  throw invalidArgument(
    `step ${step} records to MLflow but no tracking URI is set: pass --mlflow-tracking-uri (the pipeline parameter mlflow_tracking_uri, or compile-pipeline --mlflow-tracking-uri) or set MLFLOW_TRACKING_URI; for a local store give its path`,
    { usage: true, flag: '--mlflow-tracking-uri' },
  );
}
