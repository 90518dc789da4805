/**
 * Kubeflow / Kubernetes commands:
 *   train-spam compile-pipeline [--output f] [--image-tag t] [--registry r] [--mlflow-tracking-uri u]
 *   train-spam kfp validate <file>
 *   train-spam kfp run [--host h] [--pipeline-file f] [--param k=v ...]
 *   train-spam hpo k8s-manifest --shards n [--output f] [--merge-output f] ...
 * (`registerHpoK8sManifest` attaches to the `hpo` command defined elsewhere.)
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { TrainSpamError } from '../../core/errors.js';
import { checkOutputFile, writeTextFile } from '../../io/output-file.js';
import { PIPELINE_DEFINITION, type ParamType, type ParamValue } from '../../pipeline/definition.js';
import { defaultPipelineParams, isDecimalText, resolvePipelineParams } from '../../pipeline/params.js';
import { MAX_SEED } from '../../core/random.js';
import { checkImageTag, checkPipelineTrackingUri, RUN_TRACKING_URI } from '../../kubeflow/param-checks.js';

// The Kubeflow modules (the KFP compiler, its YAML emitter and schema validator, the Kubernetes
// manifests, the KFP client) pull in kubernetes-models, ajv and undici: ~0.3 s of module loading
// that every other command (`run` included) would pay at start-up. They load when a command here runs.
const compiler = () => import('../../kubeflow/compiler.js');
const yamlEmitter = () => import('../../kubeflow/yaml-emitter.js');
const validator = () => import('../../kubeflow/validator.js');
const k8sJob = () => import('../../kubeflow/k8s-job.js');
const kfpClient = () => import('../../kubeflow/kfp-client.js');

const usage = (message: string, details: Record<string, unknown> = {}) => new TrainSpamError('INVALID_ARGUMENT', message, { ...details, usage: true });


const collect = (v: string, prev: string[]) => [...prev, v];

function intOption(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw usage(`${name} must be an integer in ${min}..${max}, got '${v}'`);
    return n;
  };
}

/** `name=value` pairs → typed run parameters (types from the pipeline definition). */
export function parseRunParams(pairs: readonly string[]): Record<string, ParamValue> {
  const types = new Map<string, ParamType>(PIPELINE_DEFINITION.params.map((p) => [p.name, p.type]));
  const out: Record<string, ParamValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(`--param expects name=value, got '${pair}'`);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const type = types.get(name);
    if (!type) throw usage(`unknown pipeline parameter '${name}' (known: ${[...types.keys()].sort().join(', ')})`);
    const bad = (what: string) => usage(`--param ${name}: expected ${what}, got '${raw}'`);
    switch (type) {
      case 'NUMBER_INTEGER':
        if (!/^-?\d+$/.test(raw)) throw bad('an integer');
        out[name] = Number(raw);
        break;
      case 'NUMBER_DOUBLE':
        if (!isDecimalText(raw) || !Number.isFinite(Number(raw))) throw bad('a number');
        out[name] = Number(raw);
        break;
      case 'BOOLEAN':
        if (raw !== 'true' && raw !== 'false') throw bad('true or false');
        out[name] = raw === 'true';
        break;
      case 'STRING':
        out[name] = raw;
        break;
      default:
        try {
          out[name] = JSON.parse(raw) as ParamValue;
        } catch {
          throw bad('JSON');
        }
    }
  }
  // What compile-pipeline refuses for the same values (param-checks.ts), refused here too, before
  // anything is uploaded or sent: a run parameter is stored in the KFP run record and reaches every
  // step's command line (credentials), and a local store would be lost with each step's pod.
  if (typeof out.mlflow_tracking_uri === 'string') checkPipelineTrackingUri(out.mlflow_tracking_uri, RUN_TRACKING_URI);
  if (typeof out.image_tag === 'string') {
    checkImageTag(out.image_tag, { flag: '--param image_tag', parameter: 'image_tag' }, '; it is recorded on the registered model version as the tag of the images, which are fixed at compile time');
  }
  // The ranges the pipeline checks (test_split_ratio in (0, 1), thresholds, ...), here rather than
  // in a run that fails on the cluster.
  const defaults = defaultPipelineParams();
  resolvePipelineParams(Object.fromEntries(Object.entries(out).filter(([k]) => k in defaults)));
  return out;
}

export function registerKubeflowCommands(program: Command): void {
  program
    .command('compile-pipeline')
    .description('Compile the pipeline to a Kubeflow Pipelines v2 YAML (PipelineSpec 2.1.0)')
    .option('--output <file>', 'where to write the YAML (- for stdout)', 'spam_detection_pipeline.yaml')
    .option('--image-tag <tag>', 'tag of the three images (also the image_tag default)', process.env.IMAGE_TAG || 'dev')
    .option('--registry <prefix>', 'registry/namespace prefix of the images, e.g. ghcr.io/acme', process.env.REGISTRY || '')
    .option('--mlflow-tracking-uri <uri>', 'MLflow URI baked into the step env and the parameter default')
    .action(async (o: { output: string; imageTag: string; registry: string; mlflowTrackingUri?: string }) => {
      const toStdout = o.output === '-';
      if (!toStdout) await checkOutputFile(o.output, '--output', 'a YAML file');
      const [{ compilePipeline, imageRef }, { emitPipelineYaml }, { validatePipelineYaml }] = await Promise.all([compiler(), yamlEmitter(), validator()]);
      const spec = compilePipeline(PIPELINE_DEFINITION, { imageTag: o.imageTag, registry: o.registry, mlflowTrackingUri: o.mlflowTrackingUri });
      const yaml = emitPipelineYaml(spec);
      const issues = validatePipelineYaml(yaml);
      if (issues.length) throw new TrainSpamError('INTERNAL', `compiled pipeline failed validation: ${issues[0].path}: ${issues[0].message}`, { issues });
      const summary = `${Object.keys(spec.components).length} components, images ${imageRef('<name>', o)}`;
      if (toStdout) {
        // the YAML alone on stdout (for a pipe), the summary on stderr
        process.stdout.write(yaml);
        process.stderr.write(`compiled the pipeline to stdout (${summary})\n`);
        return;
      }
      await writeTextFile(o.output, yaml);
      process.stdout.write(`wrote ${o.output} (${summary})\n`);
    });

  const kfp = program.command('kfp').description('Kubeflow Pipelines: validate a compiled YAML, upload it and start a run');
  kfp
    .command('validate <file>')
    .description('Check a pipeline YAML the way the KFP API server does, and stricter')
    .action(async (file: string) => {
      const { validatePipelineYaml } = await validator();
      const issues = validatePipelineYaml(await readFile(file, 'utf8'));
      if (issues.length) {
        for (const i of issues) process.stderr.write(`${file}: ${i.path}: ${i.message}\n`);
        throw new TrainSpamError('INVALID_DATA', `${file}: ${issues.length} problem(s)`, { issues: issues.length });
      }
      process.stdout.write(`${file}: valid\n`);
    });
  kfp
    .command('run')
    .description('Upload the compiled pipeline (or a new version of it) and start a run')
    .option('--host <url>', 'KFP API endpoint (env KFP_HOST)', process.env.KFP_HOST)
    .option('--pipeline-file <file>', 'compiled pipeline YAML', 'spam_detection_pipeline.yaml')
    .option('--pipeline-name <name>', 'pipeline name in KFP', PIPELINE_DEFINITION.name)
    .option('--run-name <name>', 'display name of the run')
    .option('--param <name=value>', 'run parameter (repeatable)', collect, [] as string[])
    .option('--namespace <ns>', 'Kubeflow profile namespace (env KFP_NAMESPACE)', process.env.KFP_NAMESPACE)
    .option('--experiment-id <id>', 'KFP experiment id')
    .option('--experiment-name <name>', 'KFP experiment to run in, created when missing (default with --namespace and no --experiment-id: "Default")')
    .option('--timeout-ms <ms>', 'connect/response timeout', intOption('--timeout-ms', 100, 600_000), 30_000)
    .action(async (o: { host?: string; pipelineFile: string; pipelineName: string; runName?: string; param: string[]; namespace?: string; experimentId?: string; experimentName?: string; timeoutMs: number }) => {
      if (!o.host) throw usage('KFP_HOST is not set: pass --host or set KFP_HOST (e.g. http://localhost:8888)');
      if (o.experimentId !== undefined && o.experimentName !== undefined) throw usage('--experiment-id and --experiment-name exclude each other: give one');
      if (o.experimentName !== undefined && o.experimentName.trim() === '') throw usage('--experiment-name must not be empty');
      const parameters = parseRunParams(o.param);
      const yaml = await readFile(o.pipelineFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new TrainSpamError('NOT_FOUND', `${o.pipelineFile}: ${e.code ?? e.message}; run \`train-spam compile-pipeline\` (or \`make compile-pipeline\`) first`);
      });
      const [{ validatePipelineYaml }, { KfpClient }] = await Promise.all([validator(), kfpClient()]);
      const issues = validatePipelineYaml(yaml);
      if (issues.length) throw new TrainSpamError('INVALID_DATA', `${o.pipelineFile} is not a valid pipeline: ${issues[0].path}: ${issues[0].message}`, { issues });
      const client = new KfpClient({ host: o.host, token: process.env.KFP_TOKEN, namespace: o.namespace, timeoutMs: o.timeoutMs });
      try {
        const r = await client.uploadAndRun({
          yaml, pipelineName: o.pipelineName, runName: o.runName ?? `${o.pipelineName}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
          parameters, description: PIPELINE_DEFINITION.description, experimentId: o.experimentId, experimentName: o.experimentName,
        });
        process.stdout.write(`pipeline ${r.pipelineId} version ${r.pipelineVersionId}\n${r.experimentId ? `experiment ${r.experimentId}\n` : ''}run ${r.runId}\n${r.runUrl}\n`);
      } finally {
        await client.close();
      }
    });
}

export function registerHpoK8sManifest(hpo: Command): void {
  hpo
    .command('k8s-manifest')
    .description('Write Kubernetes manifests for sharded HPO: a PVC, an Indexed Job (one pod per shard) and the merge Job')
    .requiredOption('--shards <n>', 'number of shards (pods)', intOption('--shards', 1, 1000))
    .option('--output <file>', 'PVC + Indexed Job', 'hpo-job.yaml')
    .option('--merge-output <file>', 'merge Job (apply after the shard Job completes); default: <output>-merge.yaml')
    .option('--image <ref>', 'hpo-train image; default from --registry/--image-tag')
    .option('--image-tag <tag>', 'image tag', process.env.IMAGE_TAG || 'dev')
    .option('--registry <prefix>', 'registry prefix', process.env.REGISTRY || '')
    .option('--name <name>', 'Job name', 'train-spam-hpo')
    .option('--namespace <ns>', 'namespace')
    .option('--trials <n>', 'total trials', intOption('--trials', 1, 1_000_000), 20)
    .option('--seed <n>', 'master seed', intOption('--seed', 0, MAX_SEED), 42)
    .option('--scheduler <s>', 'random or asha', 'random')
    .option('--data <path>', 'training features on the shared volume', '/work/data/train_features')
    .option('--journal-dir <dir>', 'shard journals: a directory on the shared volume (/work)', '/work/journals')
    .option('--storage-class <name>', 'storage class of the shared (ReadWriteMany) volume')
    .option('--storage-size <q>', 'size of the shared volume', '5Gi')
    .option('--cpu <q>', 'cpu per shard pod', '2')
    .option('--memory <q>', 'memory request per shard pod (limit = 2x)', '4Gi')
    .option('--backoff-limit-per-index <n>', 'retries per shard', intOption('--backoff-limit-per-index', 0, 100), 2)
    .action(async (o: {
      shards: number; output: string; mergeOutput?: string; image?: string; imageTag: string; registry: string; name: string; namespace?: string;
      trials: number; seed: number; scheduler: string; data: string; journalDir: string; storageClass?: string; storageSize: string; cpu: string; memory: string; backoffLimitPerIndex: number;
    }) => {
      if (o.scheduler !== 'random' && o.scheduler !== 'asha') throw usage(`--scheduler must be random or asha, got '${o.scheduler}'`);
      // a pod beyond the trial count would run no trial and fail (and be retried) on the cluster
      if (o.shards > o.trials) throw usage(`--shards ${o.shards} is more than --trials ${o.trials}; every shard needs at least one trial`, { parameter: '--shards' });
      const mergeOut = o.mergeOutput ?? o.output.replace(/(\.ya?ml)?$/, '-merge$1');
      if (resolve(mergeOut) === resolve(o.output)) {
        throw usage(`--merge-output ${JSON.stringify(mergeOut)} is the --output file; the merge Job needs a file of its own (it is applied after the shard Job completes)`, { parameter: '--merge-output' });
      }
      await checkOutputFile(o.output, '--output', 'a YAML file');
      await checkOutputFile(mergeOut, '--merge-output', 'a YAML file');
      const [{ imageRef, parseQuantity }, { buildHpoManifests, manifestsToYaml, DNS1123_LABEL }] = await Promise.all([compiler(), k8sJob()]);
      if (o.namespace !== undefined && !DNS1123_LABEL.test(o.namespace)) {
        throw usage(`--namespace '${o.namespace}' is not a Kubernetes namespace name (a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)`, { parameter: '--namespace' });
      }
      for (const [flag, q] of [['--cpu', o.cpu], ['--memory', o.memory], ['--storage-size', o.storageSize]] as const) {
        try {
          parseQuantity(q);
        } catch {
          throw usage(`${flag} '${q}' is not a Kubernetes quantity (e.g. 500m, 2, 4Gi, 1e9)`, { parameter: flag });
        }
      }
      const m = buildHpoManifests({
        shards: o.shards, image: o.image ?? imageRef('hpo-train', o), name: o.name, namespace: o.namespace, numTrials: o.trials, seed: o.seed,
        scheduler: o.scheduler, dataPath: o.data, journalDir: o.journalDir, storageClassName: o.storageClass, storageSize: o.storageSize,
        cpu: o.cpu, memory: o.memory, backoffLimitPerIndex: o.backoffLimitPerIndex,
      });
      const ns = o.namespace ? ` -n ${o.namespace}` : '';
      await writeTextFile(o.output, manifestsToYaml([m.pvc, m.shardJob],
        `train-spam sharded HPO: ${o.shards} shards.\nkubectl apply -f ${o.output}${ns} && kubectl wait --for=condition=complete --timeout=6h job/${m.shardJob.metadata.name}${ns}\nthen: kubectl apply -f ${mergeOut}${ns}`));
      await writeTextFile(mergeOut, manifestsToYaml([m.mergeJob], `train-spam HPO merge: apply after job/${m.shardJob.metadata.name} is complete.`));
      process.stdout.write(`wrote ${o.output} and ${mergeOut}\n`);
    });
}
