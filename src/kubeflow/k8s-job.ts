/**
 * Sharded HPO on plain Kubernetes (no Kubeflow): a PersistentVolumeClaim for the shard journals,
 * an Indexed Job whose pod i runs `train-spam hpo --shard-index $(JOB_COMPLETION_INDEX)`, and a
 * merge Job (`train-spam hpo merge`) to apply once the shard Job is complete.
 *
 * Validation: `kubernetes-models` checks the official OpenAPI schemas offline but accepts unknown
 * fields, invalid names and `restartPolicy: Always` on a Job, so `checkManifest` adds those checks:
 * the manifests are checked against an allow-list schema of exactly the fields we emit.
 */
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { TrainSpamError } from '../core/errors.js';
import { hasUriScheme } from '../core/uri.js';
import { bool, checkSchema, enm, int, list, map, obj, opt, req, str, type Infer, type SchemaIssue } from './schema.js';
import { parseQuantity, QUANTITY, wholeCpus } from './compiler.js';
import { emitYamlDocument } from './yaml-emitter.js';

/** DNS-1123 label (container, volume, port names; also Job names, which become pod labels). */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain (most object names). */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

const quantity = str(QUANTITY);
const resources = obj({ requests: req(obj({ cpu: req(quantity), memory: req(quantity) })), limits: req(obj({ cpu: req(quantity), memory: req(quantity) })) });
const envVar = obj(
  {
    name: req(str(/^[A-Za-z_][A-Za-z0-9_]*$/)),
    value: opt(str()),
    valueFrom: opt(obj({ fieldRef: req(obj({ fieldPath: req(str()) })) })),
  },
  { oneOf: [['value', 'valueFrom']] },
);
const container = obj({
  name: req(str(DNS1123_LABEL)),
  image: req(str(/^\S+$/)),
  command: req(list(str())),
  args: req(list(str())),
  env: opt(list(envVar)),
  resources: req(resources),
  volumeMounts: opt(list(obj({ name: req(str(DNS1123_LABEL)), mountPath: req(str(/^\//)) }))),
  securityContext: req(obj({ allowPrivilegeEscalation: req(bool), readOnlyRootFilesystem: req(bool), capabilities: req(obj({ drop: req(list(str())) })) })),
});
const metadata = obj({ name: req(str(DNS1123_LABEL)), namespace: opt(str(DNS1123_LABEL)), labels: opt(map(str(LABEL_VALUE))) });
const podSpec = obj({
  restartPolicy: req(enm(['Never', 'OnFailure'])),
  securityContext: req(obj({ runAsNonRoot: req(bool), runAsUser: req(int), runAsGroup: req(int), fsGroup: req(int) })),
  containers: req(list(container)),
  volumes: req(list(obj(
    { name: req(str(DNS1123_LABEL)), persistentVolumeClaim: opt(obj({ claimName: req(str(DNS1123_SUBDOMAIN)) })), emptyDir: opt(obj({ medium: opt(enm(['', 'Memory'])) })) },
    { oneOf: [['persistentVolumeClaim', 'emptyDir']] },
  ))),
});
export const jobSchema = obj({
  apiVersion: req(enm(['batch/v1'])),
  kind: req(enm(['Job'])),
  metadata: req(metadata),
  spec: req(
    obj({
      completionMode: opt(enm(['Indexed', 'NonIndexed'])),
      completions: req(int),
      parallelism: req(int),
      backoffLimit: opt(int),
      backoffLimitPerIndex: opt(int),
      maxFailedIndexes: opt(int),
      podReplacementPolicy: opt(enm(['Failed', 'TerminatingOrFailed'])),
      activeDeadlineSeconds: opt(int),
      ttlSecondsAfterFinished: opt(int),
      template: req(obj({ metadata: opt(obj({ labels: opt(map(str(LABEL_VALUE))) })), spec: req(podSpec) })),
    }),
  ),
});
export const pvcSchema = obj({
  apiVersion: req(enm(['v1'])),
  kind: req(enm(['PersistentVolumeClaim'])),
  metadata: req(obj({ name: req(str(DNS1123_SUBDOMAIN)), namespace: opt(str(DNS1123_LABEL)), labels: opt(map(str(LABEL_VALUE))) })),
  spec: req(
    obj({
      accessModes: req(list(enm(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']))),
      resources: req(obj({ requests: req(obj({ storage: req(quantity) })) })),
      storageClassName: opt(str(DNS1123_SUBDOMAIN)),
    }),
  ),
});
export type JobManifest = Infer<typeof jobSchema>;
export type PvcManifest = Infer<typeof pvcSchema>;

export interface HpoK8sOptions {
  readonly shards: number;
  /** Full image reference (the hpo-train image). */
  readonly image: string;
  readonly name?: string; // default train-spam-hpo
  readonly namespace?: string;
  readonly numTrials?: number; // default 20
  readonly seed?: number; // default 42
  readonly scheduler?: 'random' | 'asha';
  /** Training features inside the shared volume. */
  readonly dataPath?: string; // default /work/data/train_features
  /** Where shard journals go: a directory on the shared volume, or an object-store URI (no PVC then). */
  readonly journalDir?: string; // default /work/journals
  readonly pvcName?: string;
  readonly storageSize?: string; // default 5Gi
  readonly storageClassName?: string;
  readonly backoffLimitPerIndex?: number; // default 2
  readonly cpu?: string; // request = limit, default 2
  readonly memory?: string; // request; limit = 2x; default 4Gi
  readonly activeDeadlineSeconds?: number; // default 6 h
}

const MOUNT = '/work';
const UID = 10001; // the `train-spam` user of the images (docker/Dockerfile)

export interface HpoK8sManifests {
  readonly pvc: PvcManifest;
  readonly shardJob: JobManifest;
  readonly mergeJob: JobManifest;
}

export function buildHpoManifests(o: HpoK8sOptions): HpoK8sManifests {
  if (!Number.isInteger(o.shards) || o.shards < 1 || o.shards > 1000) throw new TrainSpamError('INVALID_ARGUMENT', `--shards must be an integer in 1..1000, got ${o.shards}`, { usage: true });
  const name = o.name ?? 'train-spam-hpo';
  if (!DNS1123_LABEL.test(name) || name.length > 57) throw new TrainSpamError('INVALID_ARGUMENT', `job name '${name}' must be a DNS-1123 label of at most 57 characters (it gets a -merge suffix)`, { usage: true });
  const journalDir = o.journalDir ?? `${MOUNT}/journals`;
  const dataPath = o.dataPath ?? `${MOUNT}/data/train_features`;
  // The pods share files only through the volume at /work (the root filesystem is read-only, /tmp
  // is each pod's own), and the journals are plain files: an object-store URI would be taken for a
  // local folder name.
  for (const [flag, p] of [['--journal-dir', journalDir], ['--data', dataPath]] as const) {
    if (hasUriScheme(p)) {
      throw new TrainSpamError('INVALID_ARGUMENT', `${flag} '${p}': the shards read and write plain files on the shared volume (${MOUNT}); an object store can serve as that volume through a CSI driver (e.g. Mountpoint for Amazon S3, gcsfuse), mounted at ${MOUNT}`, { usage: true, parameter: flag });
    }
    if (!p.startsWith(`${MOUNT}/`)) {
      throw new TrainSpamError('INVALID_ARGUMENT', `${flag} '${p}' is not on the shared volume: expected a path under ${MOUNT}/`, { usage: true, parameter: flag });
    }
  }
  const pvcName = o.pvcName ?? `${name}-work`;
  const labels = { 'app.kubernetes.io/name': 'train-spam', 'app.kubernetes.io/component': 'hpo' };
  const ns = o.namespace ? { namespace: o.namespace } : {};
  const cpu = o.cpu ?? '2';
  const memory = o.memory ?? '4Gi';
  const memLimit = doubleQuantity(memory);
  const common = {
    numTrials: o.numTrials ?? 20, seed: o.seed ?? 42, scheduler: o.scheduler ?? 'random', dataPath,
  };
  const pod = (containerName: string, args: string[], env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[]) => ({
    restartPolicy: 'Never' as const,
    securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, fsGroup: UID },
    containers: [{
      name: containerName, image: o.image, command: ['train-spam'], args,
      env: [{ name: 'NODE_OPTIONS', value: `--max-old-space-size=${Math.floor((parseQuantity(memLimit) * 0.75) / 1024 ** 2)}` }, ...env],
      resources: { requests: { cpu, memory }, limits: { cpu, memory: memLimit } },
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'work', mountPath: MOUNT }],
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    }],
    // read-only root filesystem: /tmp is an emptyDir, everything else goes to the shared volume
    volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'work', persistentVolumeClaim: { claimName: pvcName } }],
  });
  const shardArgs = [
    'hpo', '--data', common.dataPath, '--trials', String(common.numTrials), '--seed', String(common.seed), '--scheduler', common.scheduler,
    '--shard-index', '$(JOB_COMPLETION_INDEX)', '--shard-count', String(o.shards), '--journal-dir', journalDir,
    // one trial thread per CPU of the limit: Node counts the node's cores, not the pod's limit
    '--workers', String(wholeCpus(cpu)),
    // a retried pod (OOM kill, eviction) continues its shard's journal; the first start has none yet
    '--resume',
  ];
  const shardJob: JobManifest = {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, ...ns, labels },
    spec: {
      completionMode: 'Indexed', completions: o.shards, parallelism: o.shards,
      backoffLimitPerIndex: o.backoffLimitPerIndex ?? 2, maxFailedIndexes: 0,
      // a retry resumes its shard's journal: its pod must not start while the old one still
      // terminates (the default, TerminatingOrFailed, can overlap them: two writers of one journal)
      podReplacementPolicy: 'Failed',
      activeDeadlineSeconds: o.activeDeadlineSeconds ?? 6 * 3600, ttlSecondsAfterFinished: 7 * 24 * 3600,
      template: {
        metadata: { labels },
        spec: pod('hpo-shard', shardArgs, [
          // Set by the Job controller too; declared here so `$(JOB_COMPLETION_INDEX)` in args always expands.
          { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
        ]),
      },
    },
  };
  const mergeJob: JobManifest = {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `${name}-merge`, ...ns, labels },
    spec: {
      completions: 1, parallelism: 1, backoffLimit: 2, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 7 * 24 * 3600,
      template: {
        metadata: { labels },
        spec: pod('hpo-merge', ['hpo', 'merge', '--journal-dir', journalDir, '--out', `${MOUNT}/hpo-result`], []),
      },
    },
  };
  const pvc: PvcManifest = {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: pvcName, ...ns, labels },
    spec: {
      accessModes: ['ReadWriteMany'], resources: { requests: { storage: o.storageSize ?? '5Gi' } },
      ...(o.storageClassName ? { storageClassName: o.storageClassName } : {}),
    },
  };
  for (const m of [pvc, shardJob, mergeJob]) {
    const issues = checkManifest(m);
    if (issues.length) throw new TrainSpamError('INVALID_ARGUMENT', `generated ${m.kind} ${m.metadata.name} is invalid: ${issues[0].path}: ${issues[0].message}`, { issues, usage: true });
  }
  return { pvc, shardJob, mergeJob };
}

/** Twice a memory quantity: the same suffix when it is a whole number (4Gi → 8Gi), else in bytes (1.5Gi, 4e9). */
function doubleQuantity(q: string): string {
  const bytes = parseQuantity(q);
  const m = /^\+?(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q);
  return m ? `${Number(m[1]) * 2}${m[2] ?? ''}` : String(Math.ceil(bytes * 2));
}

/**
 * Every check on one manifest: the official schema (kubernetes-models), then our own: unknown
 * fields (allow-list of what we emit), DNS-1123 names, Job rules kubernetes-models does not know
 * (restartPolicy Never/OnFailure, backoffLimitPerIndex needs Indexed + Never, completions vs
 * parallelism, volume mounts naming declared volumes).
 */
export function checkManifest(m: unknown): SchemaIssue[] {
  const kind = (m as { kind?: unknown } | null)?.kind;
  const issues: SchemaIssue[] = [];
  try {
    if (kind === 'Job') new Job(m as never).validate();
    else if (kind === 'PersistentVolumeClaim') new PersistentVolumeClaim(m as never).validate();
    else return [{ path: '/kind', message: `unsupported kind ${JSON.stringify(kind)} (expected Job or PersistentVolumeClaim)` }];
  } catch (e) {
    issues.push({ path: '/', message: `kubernetes schema: ${(e as Error).message}` });
  }
  issues.push(...checkSchema(m, kind === 'Job' ? jobSchema : pvcSchema));
  if (issues.length || kind !== 'Job') return issues;
  const job = m as JobManifest;
  const pod = job.spec.template.spec;
  if (job.spec.backoffLimitPerIndex !== undefined) {
    if (job.spec.completionMode !== 'Indexed') issues.push({ path: '/spec/backoffLimitPerIndex', message: 'backoffLimitPerIndex requires completionMode Indexed' });
    if (pod.restartPolicy !== 'Never') issues.push({ path: '/spec/template/spec/restartPolicy', message: 'backoffLimitPerIndex requires restartPolicy Never' });
  }
  if (job.spec.completionMode === 'Indexed' && job.spec.parallelism > job.spec.completions) {
    issues.push({ path: '/spec/parallelism', message: `parallelism ${job.spec.parallelism} exceeds completions ${job.spec.completions}` });
  }
  if (job.spec.completions < 1) issues.push({ path: '/spec/completions', message: 'completions must be >= 1' });
  const volumes = new Set(pod.volumes.map((v) => v.name));
  pod.containers.forEach((c, i) => {
    for (const vm of c.volumeMounts ?? []) {
      if (!volumes.has(vm.name)) issues.push({ path: `/spec/template/spec/containers/${i}/volumeMounts`, message: `volume '${vm.name}' is not declared` });
    }
  });
  return issues;
}

/** Multi-document YAML (`---` separated), keys sorted; same options → same bytes. */
export function manifestsToYaml(docs: readonly (PvcManifest | JobManifest)[], header: string): string {
  const body = docs.map((d) => emitYamlDocument(d, d.kind === 'Job' ? jobSchema : pvcSchema)).join('---\n');
  return header.split('\n').filter(Boolean).map((l) => `# ${l}`).join('\n') + '\n' + body;
}
