import { describe, expect, it } from 'vitest';
import { buildHpoManifests, checkManifest, manifestsToYaml, type JobManifest } from '../../../src/kubeflow/k8s-job.js';
import { parseAllDocuments } from 'yaml';

const IMAGE = 'registry.example.com/ml/train-spam-hpo-train:0.1.0';
const base = buildHpoManifests({ shards: 3, image: IMAGE });
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('buildHpoManifests', () => {
  it('builds an Indexed Job with one pod per shard, per-index retries and a shared volume', () => {
    const j = base.shardJob;
    // a retried pod resumes its shard's journal, so it must not overlap the pod it replaces
    expect(j.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 2, podReplacementPolicy: 'Failed' });
    expect(j.spec.template.spec.containers[0].args.at(-1)).toBe('--resume');
    const pod = j.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    const c = pod.containers[0];
    expect(c.command).toEqual(['train-spam']);
    expect(c.args.join(' ')).toContain('hpo --data /work/data/train_features --trials 20 --seed 42 --scheduler random --shard-index $(JOB_COMPLETION_INDEX) --shard-count 3 --journal-dir /work/journals');
    expect(c.env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    expect(c.resources).toEqual({ requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '8Gi' } });
    expect(pod.volumes).toContainEqual({ name: 'work', persistentVolumeClaim: { claimName: 'train-spam-hpo-work' } });
    expect(base.pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const mc = base.mergeJob.spec.template.spec.containers[0];
    expect(mc.args).toEqual(['hpo', 'merge', '--journal-dir', '/work/journals', '--out', '/work/hpo-result']);
    expect(base.mergeJob.metadata.name).toBe('train-spam-hpo-merge');
  });

  it('runs one trial thread per CPU of the pod limit, not per core of the node (Node sees the node)', () => {
    const workers = (cpu?: string) => {
      const args = buildHpoManifests({ shards: 2, image: IMAGE, ...(cpu ? { cpu } : {}) }).shardJob.spec.template.spec.containers[0].args;
      return args[args.indexOf('--workers') + 1];
    };
    expect(workers()).toBe('2');
    expect(workers('500m')).toBe('1');
    expect(workers('3500m')).toBe('3');
    expect(workers('16')).toBe('16');
  });

  it('refuses journal and data locations off the shared volume (an object-store URI included) as usage errors naming the flag', () => {
    for (const [key, flag, value] of [
      ['journalDir', '--journal-dir', 's3://bucket/hpo/run-1'], ['journalDir', '--journal-dir', '/tmp/journals'], ['dataPath', '--data', 'gs://b/train_features'],
    ] as const) {
      expect(() => buildHpoManifests({ shards: 2, image: IMAGE, [key]: value })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: expect.objectContaining({ usage: true, parameter: flag }) }));
    }
    expect(() => buildHpoManifests({ shards: 2, image: IMAGE, journalDir: 's3://bucket/hpo' })).toThrow(/plain files on the shared volume \(\/work\); an object store can serve as that volume through a CSI driver/);
  });

  it('all manifests pass kubernetes-models and our checks; the YAML is deterministic', () => {
    for (const m of [base.pvc, base.shardJob, base.mergeJob]) expect(checkManifest(m)).toEqual([]);
    const y1 = manifestsToYaml([base.pvc, base.shardJob], 'h');
    const y2 = manifestsToYaml([buildHpoManifests({ shards: 3, image: IMAGE }).pvc, buildHpoManifests({ shards: 3, image: IMAGE }).shardJob], 'h');
    expect(y1).toBe(y2);
    const docs = parseAllDocuments(y1);
    expect(docs.map((d) => (d.toJS() as { kind: string }).kind)).toEqual(['PersistentVolumeClaim', 'Job']);
    expect(y1).toContain('completions: 3\n');
  });

  it('rejects bad options', () => {
    expect(() => buildHpoManifests({ shards: 0, image: IMAGE })).toThrow(/--shards/);
    expect(() => buildHpoManifests({ shards: 2.5, image: IMAGE })).toThrow(/--shards/);
    expect(() => buildHpoManifests({ shards: 2, image: IMAGE, name: 'HPO_job' })).toThrow(/DNS-1123/);
    expect(() => buildHpoManifests({ shards: 2, image: IMAGE, memory: '4.5 Gi' })).toThrow(/not a Kubernetes quantity/);
  });

  it('a memory request of any quantity form gets twice its value as the limit', () => {
    const limit = (memory: string) => buildHpoManifests({ shards: 2, image: IMAGE, memory }).shardJob.spec.template.spec.containers[0].resources;
    expect(limit('4Gi')).toMatchObject({ requests: { memory: '4Gi' }, limits: { memory: '8Gi' } });
    expect(limit('4.5Gi')).toMatchObject({ requests: { memory: '4.5Gi' }, limits: { memory: String(9 * 1024 ** 3) } });
    expect(limit('4e9')).toMatchObject({ requests: { memory: '4e9' }, limits: { memory: '8000000000' } });
  });
});

describe('checkManifest catches what kubernetes-models accepts', () => {
  const job = (): JobManifest => copy(base.shardJob);
  it('restartPolicy Always on a Job', () => {
    const j = job() as unknown as { spec: { template: { spec: { restartPolicy: string } } } };
    j.spec.template.spec.restartPolicy = 'Always';
    expect(checkManifest(j).map((i) => i.path)).toContain('/spec/template/spec/restartPolicy');
  });
  it('unknown fields', () => {
    const j = job() as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    j.spec.parallelizm = 3;
    j.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    const msgs = checkManifest(j).map((i) => `${i.path}: ${i.message}`);
    expect(msgs).toEqual(expect.arrayContaining([expect.stringMatching(/^\/spec\/parallelizm: unknown field/), expect.stringMatching(/imagePullPolicyy: unknown field/)]));
  });
  it('names that are not DNS-1123', () => {
    const j = job();
    j.metadata.name = 'Train_Spam';
    j.spec.template.spec.containers[0].name = 'HPO';
    const paths = checkManifest(j).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/metadata/name', '/spec/template/spec/containers/0/name']));
  });
  it('backoffLimitPerIndex without Indexed, parallelism above completions, undeclared volume', () => {
    const j = job();
    j.spec.completionMode = 'NonIndexed';
    expect(checkManifest(j).map((i) => i.message)).toContain('backoffLimitPerIndex requires completionMode Indexed');
    const j2 = job();
    j2.spec.parallelism = 5;
    expect(checkManifest(j2).map((i) => i.message)).toContain('parallelism 5 exceeds completions 3');
    const j3 = job();
    j3.spec.template.spec.volumes = j3.spec.template.spec.volumes.filter((v) => v.name !== 'work');
    expect(checkManifest(j3).map((i) => i.message)).toContain("volume 'work' is not declared");
  });
  it('wrong types are caught by the official schema', () => {
    const j = job() as unknown as { spec: { completions: unknown } };
    j.spec.completions = 'three';
    expect(checkManifest(j).some((i) => /kubernetes schema: .*completions/.test(i.message))).toBe(true);
    expect(checkManifest({ kind: 'Pod' })[0].message).toMatch(/unsupported kind/);
  });
});
