/**
 * Every containerised step, one after another, the way Kubeflow wires them: each step's flags come
 * from `stepFlags(step)` (definition.ts), input artifact paths are the producing step's output
 * paths, the two HPO shards are separate invocations and hpo-merge gets their outputs through an
 * ExecutorInput. 240-e-mail fixture, local tracking store in a temp dir, inline HPO executor.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/ports.js';
import { silentProgress } from '../../../src/hpo/progress.js';
import { PIPELINE_DEFINITION, getStep, stepFlags, type StepDef, type StepName } from '../../../src/pipeline/definition.js';
import { executeStep } from '../../../src/cli/commands/step.js';
import type { StepDeps } from '../../../src/pipeline/step-runner.js';
import { openTracking, type TrackingHandle } from '../../../src/tracking/factory.js';
import {
  loadComparison, loadEmailDataset, loadEvaluation, loadFeatureDataset, loadFeaturePipeline, loadGateReport,
} from '../../../src/pipeline/codecs.js';
import { loadScorer } from '../../../src/serving/scorer.js';
import { readRowSet } from '../../../src/io/email-table.js';
import { ARTIFACT_SHA_TAG, BEST_CONFIG_TAG } from '../../../src/pipeline/steps/model-promotion.js';

const FIXTURE = resolve(__dirname, '../../../../shared/fixtures/parquet/emails-snappy.parquet');

let root: string;
let handles: TrackingHandle[] = [];
let inspect: TrackingHandle;

/** Pipeline parameter values of this run (the KFP run form). */
const RUN: Record<string, string> = {
  entity_data_path: FIXTURE,
  test_split_ratio: '0.2',
  seed: '7',
  num_hpo_trials: '4',
  hpo_shards: '2',
  hpo_scheduler: 'random',
  f1_threshold: '0.5',
  min_auc_roc: '0.5',
  min_precision: '0.5',
  min_recall: '0.5',
  max_inference_time_ms: '1000',
  max_f1_regression: '0.05',
  max_auc_regression: '0.05',
  model_name: 'spam-detector',
  mlflow_tracking_uri: '',
  mlflow_experiment_name: 'kfp-steps',
  image_tag: '0.1.0-test',
};

const art = (task: string, name: string) => join(root, 'artifacts', task, name);
const paramFile = (task: string, name: string) => join(root, 'params', task, name);
const execOut = (task: string) => join(root, 'executor', task, 'output.json');
const shardTask = (k: number) => `hpo-tuning-${k}`;

function deps(): StepDeps {
  return {
    logger: silentLogger,
    progress: silentProgress,
    workers: 1,
    hpo: { study: { executor: 'inline' } },
    kfpRunId: KFP_RUN,
    openTracking: (uri) => {
      const h = openTracking({ trackingUri: uri });
      handles.push(h);
      return { tracking: { store: h.store, registry: h.registry, description: 'test store' }, close: () => h.close() };
    },
  };
}

/** The argv Kubeflow would build for `step` (task name for output paths, shard index for hpo-tuning). */
/** The KFP run id a step container may get as KFP_RUN_ID (recorded as a run tag). */
const KFP_RUN = 'kfp-run-123';

function argvFor(step: StepDef, task: string = step.name, shard?: number, over: Record<string, string> = {}): string[] {
  const argv: string[] = [];
  const run: Record<string, string> = { ...RUN, mlflow_tracking_uri: join(root, 'mlruns'), ...over };
  for (const f of stepFlags(step)) {
    let v: string;
    if (f.role === 'param') {
      const def = step.inputs.parameters.find((p) => p.name === f.name)!;
      const src = def.source;
      if (src.kind === 'pipeline') v = run[src.param];
      else if (src.kind === 'shard-index') v = String(shard);
      else v = readFileSync(paramFile(src.step, src.output), 'utf8');
    } else if (f.role === 'in-artifact') {
      const src = step.inputs.artifacts.find((a) => a.name === f.name)!.source;
      v = art(src.step, src.output);
    } else if (f.role === 'out-artifact') v = art(task, f.name);
    else if (f.role === 'out-param') v = paramFile(task, f.name);
    else if (f.role === 'executor-output') v = execOut(task);
    else {
      // the Collected lists of hpo-merge, and an output URI the launcher would give
      const shards = JSON.parse(readFileSync(paramFile('hpo-plan', 'shard_indices'), 'utf8')) as number[];
      const list = (output: string) => ({ artifacts: shards.map((k) => ({ name: output, uri: art(shardTask(k), output) })) });
      v = JSON.stringify({
        inputs: { artifacts: { journals: list('journal'), shard_models: list('shard_model') } },
        outputs: { artifacts: { hpo_metrics: { artifacts: [{ name: 'hpo_metrics', uri: 'minio://mlpipeline/v2/artifacts/run/hpo-merge/hpo_metrics' }] } } },
      });
    }
    argv.push(f.flag, v);
  }
  return argv;
}

async function step(name: StepName, shard?: number, over?: Record<string, string>) {
  const def = getStep(PIPELINE_DEFINITION, name)!;
  const task = shard === undefined ? name : shardTask(shard);
  return executeStep(name, argvFor(def, task, shard, over), deps());
}

const readParam = (task: string, name: string) => readFileSync(paramFile(task, name), 'utf8');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'train-spam-steps-'));
});

afterAll(async () => {
  for (const h of handles) await h.close();
  await inspect?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the containerised steps, chained as Kubeflow runs them', () => {
  it('runs all ten steps and leaves loadable artifacts at every output path', async () => {
    await step('data-preparation');
    const trainSet = await loadEmailDataset(art('data-preparation', 'train_data'));
    const testSet = await loadEmailDataset(art('data-preparation', 'test_data'));
    const train = { ...trainSet, records: await readRowSet(trainSet.rows) };
    const test = { ...testSet, records: await readRowSet(testSet.rows) };
    expect(trainSet.groups).toHaveLength(train.records.length);
    expect(testSet.groups).toBeNull();
    expect(train.records.length + test.records.length).toBe(240);
    expect(test.records.length).toBeGreaterThan(30);
    expect(train.info.role).toBe('train');
    expect(test.info.digest).toMatch(/^[0-9a-f]{64}$/);
    const trainIds = new Set(train.records.map((r) => r.email_id));
    expect(test.records.some((r) => trainIds.has(r.email_id))).toBe(false);

    await step('feature-retrieval');
    const trainF = await loadFeatureDataset(art('feature-retrieval', 'train_features'));
    const testF = await loadFeatureDataset(art('feature-retrieval', 'test_features'));
    const fp = await loadFeaturePipeline(art('feature-retrieval', 'feature_pipeline'));
    expect(trainF.ids).toEqual(train.records.map((r) => r.email_id));
    expect(testF.X.rows).toBe(test.records.length);
    expect(fp.numFeatures).toBe(trainF.X.dense.cols + trainF.X.sparse.cols);
    // the saved pipeline reproduces the saved matrix
    expect(Array.from(fp.transform(test.records).dense.data)).toEqual(Array.from(testF.X.dense.data));

    await step('baseline-training');
    const baseline = await loadScorer(art('baseline-training', 'model'));
    expect(baseline.model.kind).toBe('logistic');
    expect(readJson(art('baseline-training', 'metrics')).val_auc).toBeGreaterThan(0.6);
    expect(readJson(execOut('baseline-training')).artifacts.metrics.artifacts[0].metadata.val_f1).toBeTypeOf('number');

    await step('hpo-plan');
    expect(readParam('hpo-plan', 'shard_indices')).toBe('[0,1]');

    for (const k of [0, 1]) {
      await step('hpo-tuning', k);
      expect(existsSync(join(art(shardTask(k), 'journal'), `journal-shard-${k}-of-2.jsonl`))).toBe(true);
      const m = await loadScorer(art(shardTask(k), 'shard_model'));
      expect(m.metadata.shard_index).toBe(k);
      expect(Number(readParam(shardTask(k), 'best_score'))).toBe(m.metadata.validation_score);
      expect(readJson(execOut(shardTask(k))).artifacts.shard_metrics.artifacts[0].metadata.trials).toBe(2);
    }

    await step('hpo-merge');
    const best = await loadScorer(art('hpo-merge', 'best_model'));
    const shardScores = [0, 1].map((k) => Number(readParam(shardTask(k), 'best_score')));
    expect(best.metadata.validation_score).toBe(Math.max(...shardScores));
    const bestParams = JSON.parse(readParam('hpo-merge', 'best_params'));
    expect(bestParams.model).toBe(best.metadata.model_kind);
    const csv = readFileSync(art('hpo-merge', 'trials'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 4);
    const mergeOut = readJson(execOut('hpo-merge'));
    expect(mergeOut.artifacts.hpo_metrics.artifacts[0]).toMatchObject({ uri: expect.stringMatching(/^minio:/), metadata: { trials: 4 } });
    expect(mergeOut.parameterValues.best_params).toBe(readParam('hpo-merge', 'best_params'));

    await step('model-evaluation');
    const ev = await loadEvaluation(art('model-evaluation', 'evaluation'));
    expect(ev.ids).toEqual(testF.ids);
    expect(ev.scores).toHaveLength(testF.X.rows);
    expect(ev.latency.count).toBe(testF.X.rows);
    expect(ev.trainTestOverlap).toBe(test.info.trainTestOverlap);
    expect(Number(readParam('model-evaluation', 'f1_score'))).toBe(ev.candidate.f1);
    const html = readFileSync(art('model-evaluation', 'report'), 'utf8');
    expect(html).toMatch(/<html[\s\S]*<\/html>/i);
    // the step is given no seed or thresholds: its report shows none (not the defaults 42, 0.85, ... as the run's)
    const paramsSection = /<section id="parameters">([\s\S]*?)<\/section>/.exec(html)![1];
    expect(paramsSection).toContain('mlflow_experiment_name');
    for (const absent of ['>seed<', 'f1_threshold', 'num_hpo_trials', 'entity_data_path']) expect(paramsSection).not.toContain(absent);
    const evalOut = readJson(execOut('model-evaluation'));
    expect(evalOut.parameterValues).toEqual({ f1_score: ev.candidate.f1, auc_roc: ev.candidate.rocAuc });
    expect(evalOut.artifacts.metrics.artifacts[0].metadata).toMatchObject({ f1: ev.candidate.f1, roc_auc: ev.candidate.rocAuc });
    const cm = evalOut.artifacts.classification_metrics.artifacts[0].metadata;
    expect(cm.confusionMatrix.annotationSpecs).toEqual([{ displayName: 'ham' }, { displayName: 'spam' }]);
    expect(cm.confusionMatrix.rows.map((r: { row: number[] }) => r.row)).toEqual(ev.candidate.confusionMatrix);
    expect(cm.confidenceMetrics.length).toBeGreaterThan(2);
    // the first point calls nothing spam: its threshold is above every test score (a score may be exactly 1)
    const top = Math.max(...ev.scores);
    expect(cm.confidenceMetrics[0]).toMatchObject({ falsePositiveRate: 0, recall: 0 });
    expect(cm.confidenceMetrics[0].confidenceThreshold).toBeGreaterThan(top);
    for (const p of cm.confidenceMetrics.slice(1)) expect(p.confidenceThreshold).toBeLessThanOrEqual(top);

    await step('model-validation');
    expect(readParam('model-validation', 'passed')).toBe('true');
    expect((await loadGateReport(art('model-validation', 'gate_report'))).gates.length).toBeGreaterThan(5);

    await step('model-comparison');
    expect(readParam('model-comparison', 'decision')).toBe('promote');
    expect((await loadComparison(art('model-comparison', 'comparison_report'))).status).toBe('first_model');

    await step('model-promotion');
    expect(readParam('model-promotion', 'model_version')).toBe('1');

    inspect = openTracking({ trackingUri: join(root, 'mlruns') });
    const staging = await inspect.registry.getVersionByAlias('spam-detector', 'staging');
    expect(staging?.version).toBe('1');
    expect(staging?.tags[ARTIFACT_SHA_TAG]).toMatch(/^[0-9a-f]{64}$/);
    expect(staging?.tags['train-spam.image_tag']).toBe('0.1.0-test');
    // the tuned configuration hpo-merge handed over (--best-params) is on the version
    expect(JSON.parse(staging!.tags[BEST_CONFIG_TAG])).toEqual(JSON.parse(readParam('hpo-merge', 'best_params')));
    // the registered source downloads to an artifact that scores raw e-mails
    const runId = /^runs:\/([^/]+)\/model$/.exec(staging!.source)![1];
    const dl = await inspect.store.downloadArtifacts(runId as never, 'model', join(root, 'download'));
    const scorer = await loadScorer(dl);
    expect(scorer.scoreRecords(test.records.slice(0, 3))).toHaveLength(3);
    // one MLflow run per MLflow step (and one nested run per trial), tagged with the step and the KFP run
    const exp = await inspect.store.getExperimentByName('kfp-steps');
    const runs = await inspect.store.searchRuns({ experimentIds: [exp!.experimentId], filter: "tags.`train-spam.kfp_run_id` = 'kfp-run-123'" });
    const steps = runs.map((r) => r.data.tags['train-spam.step']).sort();
    expect(steps).toEqual(['baseline-training', 'hpo-merge', 'hpo-tuning', 'hpo-tuning', 'model-comparison', 'model-evaluation', 'model-promotion']);
    expect(runs.every((r) => r.info.status === 'FINISHED')).toBe(true);
  }, 180_000);

  it('a retried promotion (new MLflow run, same artifact) reuses version 1', async () => {
    await step('model-promotion');
    expect(readParam('model-promotion', 'model_version')).toBe('1');
    expect(await inspect.registry.searchModelVersions("name='spam-detector'")).toHaveLength(1);
  }, 60_000);

  it('a retried HPO shard at the same output path resumes its journal instead of failing', async () => {
    const before = readFileSync(join(art(shardTask(1), 'journal'), 'journal-shard-1-of-2.jsonl'), 'utf8');
    await step('hpo-tuning', 1);
    const after = readFileSync(join(art(shardTask(1), 'journal'), 'journal-shard-1-of-2.jsonl'), 'utf8');
    // finished trials are not re-run: no new trial_start events
    const starts = (t: string) => t.split('\n').filter((l) => l.includes('"trial_start"')).length;
    expect(starts(after)).toBe(starts(before));
  }, 60_000);

  it('a retried HPO shard whose journal was written with other settings is refused, naming the step\'s own journal flag', async () => {
    const file = join(art(shardTask(1), 'journal'), 'journal-shard-1-of-2.jsonl');
    const before = readFileSync(file, 'utf8');
    await expect(step('hpo-tuning', 1, { seed: '8' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^journal '.*journal-shard-1-of-2\.jsonl' was written with different settings \(.*seed.*\); resume with the same flags and data, or use another --out-journal$/),
    });
    expect(readFileSync(file, 'utf8')).toBe(before);
  }, 60_000);

  it('failing gates are not an error: passed=false, exit normally', async () => {
    await step('model-validation', undefined, { f1_threshold: '0.9999' });
    expect(readParam('model-validation', 'passed')).toBe('false');
    const report = await loadGateReport(art('model-validation', 'gate_report'));
    expect(report.gates.find((g) => g.name === 'f1')?.passed).toBe(false);
  });

  it('a second comparison scores the Staging model with its own feature pipeline on the test split', async () => {
    await step('model-comparison');
    const c = await loadComparison(art('model-comparison', 'comparison_report'));
    expect(c.status).toBe('passed');
    expect(c.staging?.version).toBe('1');
    // the same model as Staging: no regression
    expect(c.deltas.f1).toBeCloseTo(0, 12);
    expect(readParam('model-comparison', 'decision')).toBe('promote');
  }, 60_000);

  it('records which feature pipeline made each matrix, and refuses a matrix made by another one (same width)', async () => {
    const recorded = readJson(join(art('feature-retrieval', 'train_features'), 'features.json'));
    expect(recorded).toMatchObject({ format: 'train-spam/feature-dataset', version: 1, featurePipelineSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(readJson(join(art('feature-retrieval', 'test_features'), 'features.json'))).toEqual(recorded);
    // a copy of the training matrix that says another pipeline made it
    const other = join(root, 'other-train-features');
    cpSync(art('feature-retrieval', 'train_features'), other, { recursive: true });
    writeFileSync(join(other, 'features.json'), JSON.stringify({ ...recorded, featurePipelineSha256: 'f'.repeat(64) }));
    const argv = argvFor(getStep(PIPELINE_DEFINITION, 'baseline-training')!, 'baseline-other');
    argv[argv.indexOf('--in-train-features') + 1] = other;
    await expect(executeStep('baseline-training', argv, deps())).rejects.toMatchObject({
      code: 'INVALID_DATA', message: expect.stringMatching(/^train_features was made by another feature pipeline \(sha256 ffffffffffff…, this one [0-9a-f]{12}…\): the artifacts come from different feature-retrieval runs$/),
    });
    expect(existsSync(art('baseline-other', 'model'))).toBe(false);
  }, 60_000);

  it('hpo-merge refuses shard models that were not refitted from the best trial of the journals', async () => {
    const bestTrial = (await loadScorer(art('hpo-merge', 'best_model'))).metadata.best_trial;
    const holder = [0, 1].map((k) => art(shardTask(k), 'shard_model')).find((d) => readJson(join(d, 'artifact.json')).metadata.best_trial === bestTrial)!;
    const saved = readFileSync(join(holder, 'artifact.json'), 'utf8');
    try {
      // same trial number, other parameters: a shard model of another study
      const doc = JSON.parse(saved);
      doc.metadata.params = { ...doc.metadata.params, injected: 1 };
      writeFileSync(join(holder, 'artifact.json'), JSON.stringify(doc));
      await expect(step('hpo-merge')).rejects.toMatchObject({
        code: 'NOT_FOUND', message: expect.stringMatching(new RegExp(`^none of the 2 shard models was refitted from the best trial ${bestTrial} `)),
      });
    } finally {
      writeFileSync(join(holder, 'artifact.json'), saved);
    }
  }, 60_000);

  it('hpo-merge fetches from MLflow the shard outputs KFP\'s launcher did not download (all list items but the first)', async () => {
    const def = getStep(PIPELINE_DEFINITION, 'hpo-merge')!;
    const argv = argvFor(def, 'hpo-merge-launcher');
    const at = argv.indexOf('--executor-input') + 1;
    const input = JSON.parse(argv[at]);
    // the launcher's view: shard 1's items point to paths that were never downloaded
    for (const name of ['journals', 'shard_models']) input.inputs.artifacts[name].artifacts[1].uri = `minio://mlpipeline/v2/never-downloaded/${name}`;
    argv[at] = JSON.stringify(input);
    const lines: string[] = [];
    await executeStep('hpo-merge', argv, { ...deps(), logger: { log: (_l, m) => void lines.push(m) } });
    expect(lines.join('\n')).toMatch(/hpo-merge: shard 1's outputs were not downloaded by KFP; fetched them from its MLflow run [0-9a-f]{32}/);
    expect(readParam('hpo-merge-launcher', 'best_params')).toBe(readParam('hpo-merge', 'best_params'));
    expect(readFileSync(art('hpo-merge-launcher', 'trials'), 'utf8')).toBe(readFileSync(art('hpo-merge', 'trials'), 'utf8'));
    // a shard whose MLflow run is gone: named, with the launcher's limit
    const shardRuns = await inspect.store.searchRuns({ experimentIds: [(await inspect.store.getExperimentByName('kfp-steps'))!.experimentId], filter: "tags.`train-spam.hpo_shard` = '1/2'" });
    expect(shardRuns.length).toBeGreaterThan(0);
    for (const r of shardRuns) await inspect.store.deleteRun(r.info.runId);
    await expect(executeStep('hpo-merge', argvFor(def, 'hpo-merge-bare').map((a, i, all) => (all[i - 1] === '--executor-input' ? JSON.stringify(input) : a)), deps())).rejects.toMatchObject({
      code: 'NOT_FOUND', message: expect.stringMatching(/^the journals input \(1 item; 1 neither in this container nor in MLflow \(study [0-9a-f]{12}…\): the Kubeflow launcher downloads only the first artifact of a Collected list/),
    });
  }, 120_000);

  it('a missing input artifact is an error naming the path', async () => {
    const def = getStep(PIPELINE_DEFINITION, 'model-validation')!;
    const argv = argvFor(def);
    argv[argv.indexOf('--in-evaluation') + 1] = join(root, 'nope', 'evaluation');
    await expect(executeStep('model-validation', argv, deps())).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(join(root, 'nope')) });
    expect(statSync(art('model-validation', 'gate_report')).isFile()).toBe(true);
  });

  it('a step that fails leaves none of the output folders it made for its outputs', async () => {
    const def = getStep(PIPELINE_DEFINITION, 'model-validation')!;
    const argv = argvFor(def);
    argv[argv.indexOf('--in-evaluation') + 1] = join(root, 'nope', 'evaluation');
    const fresh = join(root, 'fresh-outputs');
    for (let i = 0; i < argv.length; i++) if (argv[i].startsWith('--out-') || argv[i] === '--executor-output') argv[i + 1] = join(fresh, argv[i].slice(2), 'deeper', 'out');
    await expect(executeStep('model-validation', argv, deps())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(fresh)).toBe(false);
  });

  it('an e-mail split whose emails.parquet does not match the sha256 in its split.json is a FORMAT_ERROR naming the file', async () => {
    const copy = join(root, 'train-data-damaged');
    cpSync(art('data-preparation', 'train_data'), copy, { recursive: true });
    const emails = join(copy, 'emails.parquet');
    const bytes = readFileSync(emails);
    expect(readJson(join(copy, 'split.json')).emailsSha256).toMatch(/^[0-9a-f]{64}$/);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(emails, bytes);
    await expect(loadEmailDataset(copy)).rejects.toMatchObject({
      code: 'FORMAT_ERROR',
      message: `${emails}: does not match the sha256 split.json records for it (damaged, or replaced after data-preparation wrote it)`,
    });
    // a split written before the sum was recorded still loads (its file intact)
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(emails, bytes);
    const doc = readJson(join(copy, 'split.json'));
    delete doc.emailsSha256;
    writeFileSync(join(copy, 'split.json'), JSON.stringify(doc));
    expect((await loadEmailDataset(copy)).rows.ids.length).toBe(doc.rows);
  });

  it('refuses the other side of the split, or a split of another data-preparation run, where a step reads train or test e-mails', async () => {
    const swap = (name: StepName, task: string, values: Record<string, string>) => {
      const argv = argvFor(getStep(PIPELINE_DEFINITION, name)!, task);
      for (const [flag, v] of Object.entries(values)) argv[argv.indexOf(flag) + 1] = v;
      return executeStep(name, argv, deps());
    };
    const trainData = art('data-preparation', 'train_data');
    const testData = art('data-preparation', 'test_data');
    await expect(swap('feature-retrieval', 'fr-swapped', { '--in-train-data': testData, '--in-test-data': trainData })).rejects.toMatchObject({
      code: 'INVALID_DATA', message: `${join(testData, 'split.json')}: role "test"; expected the train split (data-preparation's train_data output)`,
    });
    await expect(swap('feature-retrieval', 'fr-train-twice', { '--in-test-data': trainData })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringContaining('expected the test split') });
    // the test split of the same table split with another seed: its e-mails overlap this training split
    await executeStep('data-preparation', argvFor(getStep(PIPELINE_DEFINITION, 'data-preparation')!, 'dp-seed-8', undefined, { seed: '8' }), deps());
    await expect(swap('feature-retrieval', 'fr-mixed', { '--in-test-data': art('dp-seed-8', 'test_data') })).rejects.toMatchObject({
      code: 'INVALID_DATA', message: expect.stringMatching(/^train_data .* and test_data .*dp-seed-8.* come from different data-preparation runs \(their split\.json differ in split\.seed\)/),
    });
    // the training split as the test set of the evaluation (features and e-mails alike) or of the comparison
    await expect(swap('model-evaluation', 'me-train', { '--in-test-features': art('feature-retrieval', 'train_features'), '--in-test-data': trainData })).rejects.toMatchObject({
      code: 'INVALID_DATA', message: expect.stringContaining(`${join(trainData, 'split.json')}: role "train"; expected the test split`),
    });
    await expect(swap('model-comparison', 'mc-train', { '--in-test-data': trainData })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringContaining('expected the test split') });
    // the test matrix as training features: no model is trained on the test e-mails
    for (const name of ['baseline-training', 'hpo-tuning'] as const) {
      const argv = argvFor(getStep(PIPELINE_DEFINITION, name)!, `${name}-test-features`, 0, { hpo_shards: '1' });
      argv[argv.indexOf('--in-train-features') + 1] = art('feature-retrieval', 'test_features');
      await expect(executeStep(name, argv, deps())).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/^train_features .*test_features has no groups\.json .*: it is not a training feature matrix/) });
    }
    // nothing written at their output paths (the runner makes only the parent folders KFP may not have made)
    for (const task of ['fr-swapped', 'fr-train-twice', 'fr-mixed', 'me-train', 'mc-train', 'baseline-training-test-features', 'hpo-tuning-test-features']) {
      const dir = join(root, 'artifacts', task);
      expect(existsSync(dir) ? readdirSync(dir, { recursive: true }) : []).toEqual([]);
    }
  }, 60_000);

  it('data-preparation run again with its outputs swapped leaves no file of the old artifact in either folder', async () => {
    const def = getStep(PIPELINE_DEFINITION, 'data-preparation')!;
    const argv = argvFor(def, 'dp-swap');
    await executeStep('data-preparation', argv, deps());
    const a = art('dp-swap', 'train_data');
    const b = art('dp-swap', 'test_data');
    argv[argv.indexOf('--out-train-data') + 1] = b;
    argv[argv.indexOf('--out-test-data') + 1] = a;
    await executeStep('data-preparation', argv, deps());
    // the folder that held the training split (with its groups.json) now holds a readable test split
    const test = await loadEmailDataset(a, 'test');
    expect(test.groups).toBeNull();
    expect(test.info.role).toBe('test');
    expect((await loadEmailDataset(b, 'train')).groups).not.toBeNull();
  }, 60_000);

  it('model-promotion registers only the evaluated model, with gate and comparison reports of that evaluation', async () => {
    const versions = async () => (await inspect.registry.searchModelVersions("name='spam-detector'")).length;
    const before = await versions();
    const promote = (task: string, values: Record<string, string>) => {
      const argv = argvFor(getStep(PIPELINE_DEFINITION, 'model-promotion')!, task);
      for (const [flag, v] of Object.entries(values)) argv[argv.indexOf(flag) + 1] = v;
      return executeStep('model-promotion', argv, deps());
    };
    // the baseline model with the best model's evaluation, gates and comparison
    await expect(promote('promote-baseline', { '--in-model': art('baseline-training', 'model') })).rejects.toMatchObject({
      code: 'INVALID_DATA', message: expect.stringMatching(/^model .*baseline-training\/model: its artifact\.json has sha256 [0-9a-f]{12}…, but evaluation .* was made with [0-9a-f]{12}…; the promotion's inputs come from different runs/),
    });
    // an evaluation written before it recorded the model's sha256: the metadata still tells the models apart
    const evFile = art('model-evaluation', 'evaluation');
    const old = join(root, 'evaluation-without-sha.json');
    const doc = readJson(evFile);
    delete doc.modelSha256;
    writeFileSync(old, JSON.stringify(doc));
    await expect(promote('promote-baseline-old', { '--in-model': art('baseline-training', 'model'), '--in-evaluation': old })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringContaining('its metadata differs from the evaluated model') });
    // gate and comparison reports of another evaluation (the same checks, other values)
    const gates = readJson(art('model-validation', 'gate_report'));
    const f1Gate = gates.gates.find((g: { name: string }) => g.name === 'f1');
    f1Gate.value = f1Gate.value / 2;
    const otherGates = join(root, 'gates-other.json');
    writeFileSync(otherGates, JSON.stringify(gates));
    await expect(promote('promote-other-gates', { '--in-gate-report': otherGates })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/^gate report .*gates-other\.json: gate 'f1' has value/) });
    const cmp = readJson(art('model-comparison', 'comparison_report'));
    cmp.candidate.auc = 0.5;
    const otherCmp = join(root, 'comparison-other.json');
    writeFileSync(otherCmp, JSON.stringify(cmp));
    await expect(promote('promote-other-cmp', { '--in-comparison-report': otherCmp })).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/^comparison report .*comparison-other\.json: candidate F1/) });
    expect(await versions()).toBe(before);
    // a model that scored NaN: the gate report keeps its F1 as null, the evaluation and the comparison as NaN; still one run
    const nanEv = readJson(evFile);
    nanEv.candidate.f1 = { $number: 'NaN' };
    const nanEvFile = join(root, 'evaluation-nan.json');
    writeFileSync(nanEvFile, JSON.stringify(nanEv));
    const nanGates = readJson(art('model-validation', 'gate_report'));
    nanGates.gates.find((g: { name: string }) => g.name === 'f1').value = null;
    const nanGatesFile = join(root, 'gates-nan.json');
    writeFileSync(nanGatesFile, JSON.stringify(nanGates));
    const nanCmp = readJson(art('model-comparison', 'comparison_report'));
    nanCmp.candidate.f1 = { $number: 'NaN' };
    const nanCmpFile = join(root, 'comparison-nan.json');
    writeFileSync(nanCmpFile, JSON.stringify(nanCmp));
    await expect(promote('promote-nan', { '--in-evaluation': nanEvFile, '--in-gate-report': nanGatesFile, '--in-comparison-report': nanCmpFile })).resolves.toMatchObject({
      parameters: { model_version: '' },
    });
    // the inputs of one run are accepted (the gates failed in an earlier test here: nothing to register)
    await expect(promote('promote-same-run', {})).resolves.toMatchObject({ parameters: { model_version: '' } });
    expect(await versions()).toBe(before);
  }, 60_000);
});
