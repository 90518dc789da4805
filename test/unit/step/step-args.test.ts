/**
 * `train-spam step <name>`: flag parsing driven by the pipeline definition, usage errors (exit 64),
 * output-parameter text and the ExecutorOutput shape of Metrics / ClassificationMetrics.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PIPELINE_DEFINITION, getStep, stepFlags, type StepDef } from '../../../src/pipeline/definition.js';
import { executeStep, formatParamValue, kfpMetadata, parseParamValue, parseStepArgs, stepUsage } from '../../../src/cli/commands/step.js';
import { buildExecutorOutput } from '../../../src/kubeflow/executor-io.js';
import { exitCodeFor } from '../../../src/cli/exit-codes.js';
import { buildProgram } from '../../../src/cli/program.js';
import { silentLogger } from '../../../src/core/ports.js';
import { silentProgress } from '../../../src/hpo/progress.js';
import { stepParams, thinCurve, type StepDeps } from '../../../src/pipeline/step-runner.js';

// sample paths of the argument tests: a folder that does not exist (a stray /tmp/x file once made a step fail)
const SAMPLE_DIR = join(tmpdir(), `train-spam-step-args-${process.pid}-absent`);

const root = mkdtempSync(join(tmpdir(), 'train-spam-step-args-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const step = (name: string) => getStep(PIPELINE_DEFINITION, name)!;

/** A valid argv for any step: typed sample values for params, paths for the rest. */
function validArgv(s: StepDef): string[] {
  const argv: string[] = [];
  for (const f of stepFlags(s)) {
    const sample = f.type === 'NUMBER_INTEGER' ? '1' : f.type === 'NUMBER_DOUBLE' ? '0.5' : f.type === 'BOOLEAN' ? 'true' : f.type === 'LIST' ? '[1]' : f.role === 'param' ? 'text' : `${SAMPLE_DIR}/${f.name || f.role}`;
    argv.push(f.flag, sample);
  }
  return argv;
}

function usageError(fn: () => unknown): { message: string; code: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    expect(exitCodeFor(e)).toBe(64);
    return e as never;
  }
  throw new Error('expected a usage error');
}

const noDeps: StepDeps = {
  logger: silentLogger,
  progress: silentProgress,
  workers: 1,
  openTracking: () => {
    throw new Error('not used');
  },
};

describe('flag parsing from the definition', () => {
  it('parses every step\'s declared flags into typed params and paths', () => {
    for (const s of PIPELINE_DEFINITION.steps) {
      const parsed = parseStepArgs(s, validArgv(s));
      expect(Object.keys(parsed.params).sort()).toEqual(s.inputs.parameters.map((p) => p.name).sort());
      expect(Object.keys(parsed.inputs).sort()).toEqual(s.inputs.artifacts.filter((a) => !a.list).map((a) => a.name).sort());
      expect(Object.keys(parsed.outputs).sort()).toEqual(s.outputs.artifacts.map((a) => a.name).sort());
      expect(Object.keys(parsed.outParams).sort()).toEqual(s.outputs.parameters.map((p) => p.name).sort());
    }
    const t = parseStepArgs(step('hpo-tuning'), validArgv(step('hpo-tuning')));
    expect(t.params.num_trials).toBe(1);
    expect(t.params.scheduler).toBe('text');
    expect(t.inputs.feature_pipeline).toBe(`${SAMPLE_DIR}/feature_pipeline`);
    expect(t.executorOutput).toBe(`${SAMPLE_DIR}/executor-output`);
    expect(parseStepArgs(step('hpo-merge'), validArgv(step('hpo-merge'))).executorInput).toBe(`${SAMPLE_DIR}/executor-input`);
  });

  it('a missing flag is a usage error naming it', () => {
    const argv = validArgv(step('model-validation'));
    const i = argv.indexOf('--min-recall');
    argv.splice(i, 2);
    const e = usageError(() => parseStepArgs(step('model-validation'), argv));
    expect(e.message).toMatch(/missing flag --min-recall/);
    expect(e.details).toMatchObject({ usage: true, flag: '--min-recall' });
  });

  it('an unknown flag, a flag without value, a repeated flag and --flag=value are usage errors', () => {
    const s = step('hpo-plan');
    expect(usageError(() => parseStepArgs(s, [...validArgv(s), '--num-shards', '3'])).message).toMatch(/unknown flag "--num-shards"; expected: --shard-count --num-trials --out-param-shard-indices/);
    expect(usageError(() => parseStepArgs(s, ['--shard-count'])).message).toMatch(/--shard-count needs a value/);
    expect(usageError(() => parseStepArgs(s, ['--shard-count', '2', '--shard-count', '3'])).message).toMatch(/given twice/);
    expect(usageError(() => parseStepArgs(s, ['--shard-count=2'])).message).toMatch(/not '--flag=value'/);
    expect(usageError(() => parseStepArgs(s, ['--shard-count', '2', '--num-trials', '4', '--out-param-shard-indices', ''])).message).toMatch(/needs a non-empty path/);
  });

  it('values are checked against the declared type, the message names the flag', () => {
    const s = step('data-preparation');
    const bad = (flag: string, value: string) => {
      const argv = validArgv(s);
      argv[argv.indexOf(flag) + 1] = value;
      return usageError(() => parseStepArgs(s, argv));
    };
    expect(bad('--seed', 'abc').message).toBe('--seed: expected an integer, got "abc"');
    expect(bad('--seed', '1.5').message).toMatch(/--seed: expected an integer/);
    expect(parseParamValue('--shard-index', 'NUMBER_INTEGER', '1.0')).toBe(1);
    expect(bad('--test-split-ratio', 'x').message).toMatch(/--test-split-ratio: expected a number/);
    expect(bad('--test-split-ratio', '').message).toMatch(/expected a number/);
    expect(usageError(() => parseParamValue('--passed', 'BOOLEAN', 'yes')).message).toMatch(/true or false/);
    expect(usageError(() => parseParamValue('--x', 'LIST', '[1,')).message).toMatch(/expected JSON/);
    expect(parseParamValue('--x', 'STRING', '')).toBe('');
    expect(parseParamValue('--x', 'NUMBER_DOUBLE', '1e-3')).toBe(0.001);
  });

  it('range checks of the pipeline parameters name the step flag (exit 64)', () => {
    const s = step('hpo-tuning');
    const parsed = parseStepArgs(s, validArgv(s));
    const e = usageError(() => stepParams({ step: s, params: { ...parsed.params, num_trials: 0, scheduler: 'random' }, inputs: {}, outputs: {}, lists: {} }));
    expect(e.message).toMatch(/^--num-trials: parameter 'num_hpo_trials' = 0 is out of range/);
    const sched = usageError(() => stepParams({ step: s, params: { ...parsed.params, scheduler: 'grid' }, inputs: {}, outputs: {}, lists: {} }));
    expect(sched.message).toMatch(/^--scheduler: .*'random' or 'asha'/);
  });

  it('unknown step names and bad values surface through executeStep and the program (exit 64)', async () => {
    await expect(executeStep('hpo-tune', [], noDeps)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { usage: true }, message: expect.stringMatching(/unknown step "hpo-tune"; steps: data-preparation, /) });
    const program = buildProgram();
    program.exitOverride();
    const err = await program.parseAsync(['node', 'train-spam', 'step', 'hpo-plan', '--shard-count', 'two', '--num-trials', '20', '--out-param-shard-indices', join(root, 'p')]).catch((e) => e);
    expect(exitCodeFor(err)).toBe(64);
    expect(err.message).toMatch(/--shard-count: expected an integer/);
  });

  it('the program runs hpo-plan end to end and writes the LIST output parameter as JSON', async () => {
    const program = buildProgram();
    program.exitOverride();
    const file = join(root, 'plan', 'nested', 'shard_indices');
    await program.parseAsync(['node', 'train-spam', 'step', 'hpo-plan', '--shard-count', '3', '--num-trials', '20', '--out-param-shard-indices', file]);
    expect(readFileSync(file, 'utf8')).toBe('[0,1,2]');
    // more shards than the default trial count, with the trials for them
    await buildProgram().exitOverride().parseAsync(['node', 'train-spam', 'step', 'hpo-plan', '--shard-count', '30', '--num-trials', '40', '--out-param-shard-indices', file]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(30);
    // more shards than trials: refused here, once, before the fan-out
    const err = await buildProgram().exitOverride().parseAsync(['node', 'train-spam', 'step', 'hpo-plan', '--shard-count', '30', '--num-trials', '20', '--out-param-shard-indices', file]).catch((e) => e);
    expect(exitCodeFor(err)).toBe(64);
    expect(err.message).toMatch(/'hpo_shards' = 30 is more than 'num_hpo_trials' = 20/);
  });

  it('argument checks that need no input run before the tracking run is opened (nothing is left behind)', async () => {
    const withValues = (s: StepDef, values: Record<string, string>) => {
      const argv = validArgv(s).map((a) => a.replace(`${SAMPLE_DIR}/`, `${root}/pre/`));
      for (const [flag, v] of Object.entries(values)) argv[argv.indexOf(flag) + 1] = v;
      return argv;
    };
    // noDeps.openTracking throws 'not used': these errors must come first
    await expect(executeStep('hpo-tuning', withValues(step('hpo-tuning'), { '--shard-index': '3', '--shard-count': '2', '--num-trials': '4', '--scheduler': 'random' }), noDeps)).rejects.toMatchObject({
      message: '--shard-index 3 must be in [0, 1] for --shard-count 2',
      details: { usage: true },
    });
    for (const bad of ['not json{', '[1,2]', 'null']) {
      await expect(executeStep('model-promotion', withValues(step('model-promotion'), { '--best-params': bad }), noDeps)).rejects.toMatchObject({
        message: expect.stringContaining('--best-params must be the JSON object hpo-merge writes'),
        details: { usage: true },
      });
    }
    expect(() => readFileSync(join(root, 'pre'))).toThrow(/ENOENT/);
  });

  it('an output path that cannot take the output is a usage error naming the flag, before any work', async () => {
    const dir = join(root, 'outs');
    mkdirSync(join(dir, 'a-folder'), { recursive: true });
    writeFileSync(join(dir, 'a-file'), 'x');
    const withValues = (s: StepDef, values: Record<string, string>) => {
      const argv = validArgv(s).map((a) => a.replace(`${SAMPLE_DIR}/`, `${dir}/new/`));
      for (const [flag, v] of Object.entries(values)) argv[argv.indexOf(flag) + 1] = v;
      return argv;
    };
    const refused = async (name: string, values: Record<string, string>, message: RegExp) => {
      const err = await executeStep(name, withValues(step(name), values), noDeps).catch((e) => e);
      expect(exitCodeFor(err)).toBe(64);
      expect(err.message).toMatch(message);
    };
    // a file output where a folder is, a folder output where a file is
    await refused('hpo-plan', { '--shard-count': '1', '--num-trials': '2', '--out-param-shard-indices': join(dir, 'a-folder') }, /^--out-param-shard-indices ".*a-folder": is a folder; expected the path of a file$/);
    await refused('model-validation', { '--out-gate-report': join(dir, 'a-folder') }, /^--out-gate-report ".*a-folder": is a folder/);
    await refused('data-preparation', { '--test-split-ratio': '0.2', '--out-train-data': join(dir, 'a-file') }, /^--out-train-data ".*a-file": is a file; expected a folder$/);
    // two outputs at one path (or one inside the other), an output over an input
    await refused('data-preparation', { '--test-split-ratio': '0.2', '--out-train-data': join(dir, 'same'), '--out-test-data': join(dir, 'same') }, /--out-train-data ".*same" and --out-test-data ".*same" are the same path or one holds the other/);
    await refused('feature-retrieval', { '--out-train-features': join(dir, 'f'), '--out-feature-pipeline': join(dir, 'f', 'pipeline') }, /--out-train-features .* and --out-feature-pipeline .* one holds the other/);
    await refused('model-validation', { '--in-evaluation': join(dir, 'ev.json'), '--out-gate-report': join(dir, 'ev.json') }, /--out-gate-report ".*ev\.json" and --in-evaluation ".*ev\.json" .*would write over its input/);
    // a folder that cannot be written (a read-only folder; as root, where permissions do not stop writes, /proc/sys)
    const locked = process.getuid?.() === 0 ? '/proc/sys' : join(dir, 'locked');
    if (locked !== '/proc/sys') {
      mkdirSync(locked);
      chmodSync(locked, 0o555);
    }
    if (existsSync(locked)) await refused('hpo-plan', { '--shard-count': '1', '--num-trials': '2', '--out-param-shard-indices': join(locked, 'x', 'shard_indices') }, /^--out-param-shard-indices ".*": \/.* is not writable \(E[A-Z]+\)/);
    // nothing was written, and noDeps.openTracking ('not used') was never called
    expect(readdirSync(dir).filter((n) => !['a-folder', 'a-file', 'locked'].includes(n))).toEqual([]);
  });

  it('`step --help` prints the steps and exits 0', async () => {
    const program = buildProgram();
    program.exitOverride();
    let out = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'train-spam', 'step', '--help']);
    } finally {
      process.stdout.write = write;
    }
    expect(out).toContain('Usage: train-spam step <name> [flags...]');
    for (const s of PIPELINE_DEFINITION.steps) expect(out).toContain(s.name);
  });

  it('usage text lists every declared flag', () => {
    const text = stepUsage(step('model-evaluation'));
    for (const f of stepFlags(step('model-evaluation'))) expect(text).toContain(f.flag);
  });
});

describe('output parameters and the ExecutorOutput', () => {
  it('output parameter text: BOOLEAN true/false, numbers in decimal, STRING raw, LIST/STRUCT JSON', () => {
    expect(formatParamValue('BOOLEAN', false)).toBe('false');
    expect(formatParamValue('NUMBER_DOUBLE', 0.25)).toBe('0.25');
    expect(formatParamValue('NUMBER_INTEGER', 3)).toBe('3');
    expect(formatParamValue('STRING', 'promote')).toBe('promote');
    expect(formatParamValue('STRING', '{"model":"gbm"}')).toBe('{"model":"gbm"}');
    expect(formatParamValue('LIST', [0, 1])).toBe('[0,1]');
    expect(formatParamValue('STRUCT', { a: 1 })).toBe('{"a":1}');
  });

  it('system.Metrics metadata: scalar values by name, non-finite values left out', () => {
    expect(kfpMetadata({ kind: 'metrics', values: { f1: 0.9, log_loss: NaN, auc: 0.95 } })).toEqual({ auc: 0.95, f1: 0.9 });
  });

  it('system.ClassificationMetrics metadata: confusion matrix with labels and the ROC points', () => {
    const meta = kfpMetadata({
      kind: 'classification',
      labels: ['ham', 'spam'],
      matrix: [[30, 2], [3, 13]],
      roc: [{ threshold: 1, falsePositiveRate: 0, recall: 0 }, { threshold: 0.5, falsePositiveRate: 0.06, recall: 0.81 }],
    });
    expect(meta).toEqual({
      confusionMatrix: { annotationSpecs: [{ displayName: 'ham' }, { displayName: 'spam' }], rows: [{ row: [30, 2] }, { row: [3, 13] }] },
      confidenceMetrics: [
        { confidenceThreshold: 1, falsePositiveRate: 0, recall: 0 },
        { confidenceThreshold: 0.5, falsePositiveRate: 0.06, recall: 0.81 },
      ],
    });
    const out = JSON.parse(buildExecutorOutput({ artifacts: { classification_metrics: meta }, parameterValues: { f1_score: 0.84 } }));
    expect(out).toEqual({ artifacts: { classification_metrics: { artifacts: [{ name: 'classification_metrics', metadata: meta }] } }, parameterValues: { f1_score: 0.84 } });
  });

  it('ROC curves are thinned to at most 201 points keeping both ends', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => i);
    const thin = thinCurve(pts);
    expect(thin).toHaveLength(201);
    expect([thin[0], thin[200]]).toEqual([0, 999]);
    expect(thinCurve([1, 2, 3])).toEqual([1, 2, 3]);
  });
});

describe('HPO worker threads in a pod', () => {
  it('at most the step\'s cpu limit; TRAIN_SPAM_WORKERS overrides', async () => {
    const { cpuCount, stepWorkers } = await import('../../../src/cli/commands/step.js');
    expect([cpuCount('2'), cpuCount('500m'), cpuCount('2500m'), cpuCount('weird')]).toEqual([2, 1, 2, 1]);
    expect(stepWorkers(step('hpo-tuning'), {})).toBeLessThanOrEqual(2);
    expect(stepWorkers(step('hpo-tuning'), { TRAIN_SPAM_WORKERS: '5' })).toBe(5);
    for (const bad of ['0x2', '0', 'abc', '1.5']) {
      expect(() => stepWorkers(step('hpo-tuning'), { TRAIN_SPAM_WORKERS: bad })).toThrow(`TRAIN_SPAM_WORKERS '${bad}' must be an integer in [1, 1024]`);
    }
    expect(stepWorkers(step('hpo-tuning'), { TRAIN_SPAM_WORKERS: '' })).toBeLessThanOrEqual(2);
  });
});

describe('--executor-input', () => {
  const merge = step('hpo-merge');
  const argvWith = (value: string) => {
    const argv = validArgv(merge);
    argv[argv.indexOf('--executor-input') + 1] = value;
    return argv;
  };
  it('a value that is neither JSON nor a readable file is a usage error', async () => {
    const e = await executeStep('hpo-merge', argvWith(join(root, 'no-such-file')), noDeps).catch((x) => x);
    expect(exitCodeFor(e)).toBe(64);
    expect(e.message).toMatch(/--executor-input: .* is neither ExecutorInput JSON nor a readable file/);
  });
  it('inline text that is not a JSON object is a usage error too (as an unreadable file is)', async () => {
    for (const [value, msg] of [['{"inputs": ', /--executor-input is not JSON/], ['{}x', /--executor-input is not JSON/]] as const) {
      const e = await executeStep('hpo-merge', argvWith(value), noDeps).catch((x) => x);
      expect(exitCodeFor(e)).toBe(64);
      expect(e.message).toMatch(msg);
    }
    const file = join(root, 'array.json');
    writeFileSync(file, '[1, 2]');
    const e = await executeStep('hpo-merge', argvWith(file), noDeps).catch((x) => x);
    expect(exitCodeFor(e)).toBe(64);
    expect(e.message).toBe('--executor-input must be a JSON object (the KFP ExecutorInput)');
  });
  it('an ExecutorInput without the Collected list names the missing input', async () => {
    await expect(executeStep('hpo-merge', argvWith('{"inputs": {"artifacts": {"shard_models": {"artifacts": []}}}}'), noDeps)).rejects.toMatchObject({
      code: 'NOT_FOUND', message: expect.stringMatching(/no artifact input 'journals'/),
    });
  });
});

describe('requireTrackingTarget', () => {
  it('needs a tracking URI from the flag or MLFLOW_TRACKING_URI for a step that records to MLflow (a local store in a pod is lost with it)', async () => {
    const { requireTrackingTarget } = await import('../../../src/cli/commands/step.js');
    expect(() => requireTrackingTarget('model-comparison', 'http://mlflow:5000', {})).not.toThrow();
    expect(() => requireTrackingTarget('model-comparison', '', { MLFLOW_TRACKING_URI: 'http://mlflow:5000' })).not.toThrow();
    expect(() => requireTrackingTarget('model-comparison', '/mnt/mlruns', {})).not.toThrow();
    expect(() => requireTrackingTarget('model-comparison', ' ', { MLFLOW_TRACKING_URI: '' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^step model-comparison records to MLflow but no tracking URI is set: pass --mlflow-tracking-uri/),
        details: { usage: true, flag: '--mlflow-tracking-uri' },
      }),
    );
  });
});
