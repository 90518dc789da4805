/**
 * The two JSON documents the KFP launcher exchanges with a container step, for the step CLI:
 *  - ExecutorInput (`--executor-input {{$}}`): where list-of-artifact inputs (Collected) arrive;
 *  - ExecutorOutput (`--executor-output {{$.outputs.output_file}}`): how a container step gives
 *    `system.Metrics` / `system.ClassificationMetrics` their metadata so the KFP UI renders the
 *    scalar metrics, the confusion matrix and the ROC curve. Values there win over the
 *    output-parameter files, so `parameterValues` must repeat every output parameter.
 * Pure functions over plain data; no I/O.
 */
import { TrainSpamError } from '../core/errors.js';

export interface RuntimeArtifact {
  readonly name?: string;
  readonly uri?: string;
  readonly metadata?: Record<string, unknown>;
}
export interface ExecutorInput {
  readonly inputs?: {
    readonly parameterValues?: Record<string, unknown>;
    readonly artifacts?: Record<string, { readonly artifacts?: readonly RuntimeArtifact[] }>;
  };
  readonly outputs?: {
    readonly parameters?: Record<string, { readonly outputFile?: string }>;
    readonly artifacts?: Record<string, { readonly artifacts?: readonly RuntimeArtifact[] }>;
    readonly outputFile?: string;
  };
}

export function parseExecutorInput(text: string): ExecutorInput {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TrainSpamError('INVALID_ARGUMENT', `--executor-input is not JSON: ${(e as Error).message}`, { usage: true, flag: '--executor-input' });
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new TrainSpamError('INVALID_ARGUMENT', '--executor-input must be a JSON object (the KFP ExecutorInput)', { usage: true, flag: '--executor-input' });
  checkExecutorInputShape(v as Record<string, unknown>);
  return v as ExecutorInput;
}

const kindOf = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'a list' : typeof x === 'object' ? 'an object' : `a ${typeof x}`);
const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/**
 * The fields this program reads must have the types of the KFP ExecutorInput: a wrong one is a
 * usage error naming the field (`inputs.artifacts.journals.artifacts[1].uri`), not a TypeError
 * deep in a step. Fields it does not read are not checked; absent ones are allowed.
 */
function checkExecutorInputShape(v: Record<string, unknown>): void {
  const bad = (field: string, want: string, got: unknown) =>
    new TrainSpamError('INVALID_ARGUMENT', `--executor-input: ${field} must be ${want}, got ${kindOf(got)}`, { usage: true, flag: '--executor-input', field });
  const optObject = (x: unknown, field: string): Record<string, unknown> | undefined => {
    if (x === undefined) return undefined;
    if (!isObject(x)) throw bad(field, 'an object', x);
    return x;
  };
  const artifactLists = (x: unknown, field: string) => {
    for (const [name, entry] of Object.entries(optObject(x, field) ?? {})) {
      const e = optObject(entry, `${field}.${name}`);
      if (e?.artifacts === undefined) continue;
      if (!Array.isArray(e.artifacts)) throw bad(`${field}.${name}.artifacts`, 'a list', e.artifacts);
      e.artifacts.forEach((a, i) => {
        const at = `${field}.${name}.artifacts[${i}]`;
        if (!isObject(a)) throw bad(at, 'an object (a RuntimeArtifact)', a);
        for (const k of ['name', 'uri'] as const) if (a[k] !== undefined && typeof a[k] !== 'string') throw bad(`${at}.${k}`, 'a string', a[k]);
        optObject(a.metadata, `${at}.metadata`);
      });
    }
  };
  const inputs = optObject(v.inputs, 'inputs');
  optObject(inputs?.parameterValues, 'inputs.parameterValues');
  artifactLists(inputs?.artifacts, 'inputs.artifacts');
  const outputs = optObject(v.outputs, 'outputs');
  for (const [name, p] of Object.entries(optObject(outputs?.parameters, 'outputs.parameters') ?? {})) {
    const o = optObject(p, `outputs.parameters.${name}`);
    if (o?.outputFile !== undefined && typeof o.outputFile !== 'string') throw bad(`outputs.parameters.${name}.outputFile`, 'a string', o.outputFile);
  }
  artifactLists(outputs?.artifacts, 'outputs.artifacts');
  if (outputs?.outputFile !== undefined && typeof outputs.outputFile !== 'string') throw bad('outputs.outputFile', 'a string', outputs.outputFile);
}

/** Where the KFP launcher mounts remote artifact URIs inside the container. */
const MOUNTS: readonly [string, string][] = [['gs://', '/gcs/'], ['s3://', '/s3/'], ['minio://', '/minio/'], ['oci://', '/oci/']];

export function localPathOf(uri: string): string {
  for (const [scheme, mount] of MOUNTS) if (uri.startsWith(scheme)) return mount + uri.slice(scheme.length);
  if (uri.startsWith('/')) return uri;
  throw new TrainSpamError('INVALID_ARGUMENT', `artifact URI '${uri}' has no local mount (expected gs://, s3://, minio://, oci:// or an absolute path)`);
}

/** Local paths of a list-of-artifacts input (e.g. the shard journals of `hpo-merge`), in order. */
export function inputArtifactPaths(input: ExecutorInput, name: string): string[] {
  const list = input.inputs?.artifacts?.[name]?.artifacts;
  if (!list) throw new TrainSpamError('NOT_FOUND', `executor input has no artifact input '${name}'`, { known: Object.keys(input.inputs?.artifacts ?? {}).sort() });
  return list.map((a, i) => {
    if (!a.uri) throw new TrainSpamError('INVALID_DATA', `artifact input '${name}'[${i}] has no uri`);
    return localPathOf(a.uri);
  });
}

/** Metadata of a `system.ClassificationMetrics` artifact as the KFP UI reads it. */
export function classificationMetricsMetadata(
  labels: readonly string[],
  matrix: readonly (readonly number[])[],
  roc: readonly { threshold: number; falsePositiveRate: number; recall: number }[],
): Record<string, unknown> {
  if (matrix.length !== labels.length || matrix.some((r) => r.length !== labels.length)) {
    throw new TrainSpamError('INVALID_ARGUMENT', `confusion matrix must be ${labels.length}x${labels.length} for labels ${labels.join(', ')}`);
  }
  return {
    confusionMatrix: { annotationSpecs: labels.map((displayName) => ({ displayName })), rows: matrix.map((row) => ({ row: [...row] })) },
    confidenceMetrics: roc.map((p) => ({ confidenceThreshold: p.threshold, falsePositiveRate: p.falsePositiveRate, recall: p.recall })),
  };
}

/** The ExecutorOutput JSON: artifact metadata by output name, plus every output parameter value. */
export function buildExecutorOutput(args: {
  readonly artifacts: Record<string, Record<string, unknown>>;
  readonly parameterValues: Record<string, string | number | boolean | unknown[] | Record<string, unknown>>;
  /** When given, the URIs of the outputs are copied from it (the launcher matches by name). */
  readonly executorInput?: ExecutorInput;
}): string {
  const artifacts: Record<string, { artifacts: RuntimeArtifact[] }> = {};
  for (const name of Object.keys(args.artifacts).sort()) {
    const uri = args.executorInput?.outputs?.artifacts?.[name]?.artifacts?.[0]?.uri;
    artifacts[name] = { artifacts: [{ name, ...(uri ? { uri } : {}), metadata: args.artifacts[name] }] };
  }
  return JSON.stringify({ artifacts, parameterValues: args.parameterValues }) + '\n';
}
