/** The endpoint table of the fake MLflow server: `METHOD path` → handler over its state. */
import type { FakeMlflowServer } from './fake-mlflow-server.js';
import { ApiError, invalid, notFound, omitEmpty, type J } from './fake-mlflow-util.js';

export const ROUTES = {
  'POST experiments/create': (s: FakeMlflowServer, q: J) => s.createExp(q),
  'GET experiments/get-by-name': (s: FakeMlflowServer, q: J) => {
    const e = s.expByName(q.experiment_name);
    if (!e) throw notFound(`Could not find experiment with name '${q.experiment_name}'`);
    return { experiment: s.expJson(e) };
  },
  'GET experiments/get': (s: FakeMlflowServer, q: J) => ({ experiment: s.expJson(s.exp(q.experiment_id)) }),
  'POST runs/create': (s: FakeMlflowServer, q: J) => s.createRun(q),
  'GET runs/get': (s: FakeMlflowServer, q: J) => ({ run: s.runJson(s.run(q.run_id)) }),
  'POST runs/update': (s: FakeMlflowServer, q: J) => {
    const run = s.run(q.run_id ?? q.run_uuid);
    if (['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(q.status)) run.info.status = q.status;
    if (q.end_time !== undefined) run.info.end_time = Number(q.end_time);
    if (q.run_name !== undefined) {
      run.info.run_name = q.run_name;
      run.tags.set('mlflow.runName', q.run_name);
    }
    return { run_info: s.runJson(run).info };
  },
  'POST runs/delete': (s: FakeMlflowServer, q: J) => {
    s.run(q.run_id).info.lifecycle_stage = 'deleted';
    return {};
  },
  'POST runs/search': (s: FakeMlflowServer, q: J) => s.searchRuns(q),
  'POST runs/log-batch': (s: FakeMlflowServer, q: J) => s.logBatch(q),
  'POST runs/set-tag': (s: FakeMlflowServer, q: J) => s.logBatch({ run_id: q.run_id ?? q.run_uuid, tags: [{ key: q.key, value: q.value }] }),
  'GET metrics/get-history': (s: FakeMlflowServer, q: J) => {
    const run = s.run(q.run_id);
    return omitEmpty({ metrics: run.metrics.filter((m: J) => m.key === q.metric_key).map((m: J) => s.metricJson(m)) });
  },
  'POST runs/log-inputs': (s: FakeMlflowServer, q: J) => {
    const run = s.run(q.run_id, true);
    for (const d of q.datasets ?? []) {
      const i = run.inputs.findIndex((x: J) => x.dataset.name === d.dataset.name && x.dataset.digest === d.dataset.digest);
      if (i >= 0) run.inputs[i] = omitEmpty(d);
      else run.inputs.push(omitEmpty(d));
    }
    return {};
  },
  'POST registered-models/create': (s: FakeMlflowServer, q: J) => {
    if (s.hasModel(q.name)) throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Registered Model (name=${q.name}) already exists.`);
    const t = s.now();
    const m = {
      name: q.name, creation_timestamp: t, last_updated_timestamp: t, description: q.description ?? '',
      tags: new Map((q.tags ?? []).map((x: J) => [x.key, x.value])), aliases: new Map<string, string>(), versions: new Map<number, J>(),
    };
    s.addModel(m);
    return { registered_model: s.modelJson(m) };
  },
  'GET registered-models/get': (s: FakeMlflowServer, q: J) => ({ registered_model: s.modelJson(s.model(q.name)) }),
  'POST registered-models/set-tag': (s: FakeMlflowServer, q: J) => {
    s.model(q.name).tags.set(q.key, q.value);
    return {};
  },
  'POST model-versions/create': (s: FakeMlflowServer, q: J) => {
    const m = s.model(q.name);
    // Numbers of deleted versions are not reused (MLflow soft-deletes them).
    const n = Math.max(m.lastVersion ?? 0, ...m.versions.keys()) + 1;
    m.lastVersion = n;
    const t = s.now();
    const v = {
      name: q.name, version: String(n), creation_timestamp: t, last_updated_timestamp: t, current_stage: 'None', description: q.description ?? '',
      source: q.source, run_id: q.run_id ?? '', status: 'READY', tags: new Map((q.tags ?? []).map((x: J) => [x.key, x.value])), run_link: '',
    };
    m.versions.set(n, v);
    return { model_version: s.versionJson(m, v, false) };
  },
  'DELETE model-versions/delete': (s: FakeMlflowServer, q: J) => {
    const m = s.model(q.name);
    const v = s.version(q.name, q.version);
    // the FileStore keeps the version, marked deleted (its search still lists it); SQL drops it
    if (s.mode === 'filestore') v.current_stage = 'Deleted_Internal';
    else m.versions.delete(Number(v.version));
    for (const [alias, ver] of [...m.aliases]) if (ver === v.version) m.aliases.delete(alias);
    return {};
  },
  'GET model-versions/get': (s: FakeMlflowServer, q: J) => ({ model_version: s.versionJson(s.model(q.name), s.version(q.name, q.version), true) }),
  'GET model-versions/search': (s: FakeMlflowServer, q: J) => s.searchVersions(q),
  'POST model-versions/set-tag': (s: FakeMlflowServer, q: J) => {
    s.version(q.name, q.version).tags.set(q.key, q.value);
    return {};
  },
  'POST registered-models/alias': (s: FakeMlflowServer, q: J) => {
    if (String(q.alias).toLowerCase() === 'latest' || /^v\d+$/.test(q.alias)) throw invalid(`Version alias name '${q.alias}' is reserved.`);
    s.version(q.name, q.version);
    s.model(q.name).aliases.set(q.alias, String(q.version));
    return {};
  },
  'DELETE registered-models/alias': (s: FakeMlflowServer, q: J) => {
    if (!q.name) throw invalid("Missing value for required parameter 'name'.");
    s.model(q.name).aliases.delete(q.alias);
    return {};
  },
  'GET registered-models/alias': (s: FakeMlflowServer, q: J) => {
    const m = s.model(q.name);
    const v = m.aliases.get(q.alias);
    if (v === undefined) throw invalid(`Registered model alias ${q.alias} not found.`);
    return { model_version: s.versionJson(m, s.version(q.name, v), true) };
  },
  'POST model-versions/transition-stage': (s: FakeMlflowServer, q: J) => {
    const stage = s.stage(q.stage);
    const m = s.model(q.name);
    const v = s.version(q.name, q.version);
    if (q.archive_existing_versions && (stage === 'Staging' || stage === 'Production')) {
      for (const o of m.versions.values()) if (o !== v && o.current_stage === stage) o.current_stage = 'Archived';
    }
    v.current_stage = stage;
    v.last_updated_timestamp = s.now();
    return { model_version: s.versionJson(m, v, false) };
  },
  'POST registered-models/get-latest-versions': (s: FakeMlflowServer, q: J) => {
    const m = s.model(q.name);
    const stages: string[] = q.stages?.length ? q.stages.map((x: string) => s.stage(x)) : ['None', 'Staging', 'Production', 'Archived'];
    const out: J[] = [];
    for (const st of stages) {
      const vs = [...m.versions.values()].filter((v) => v.current_stage === st && v.current_stage !== 'Deleted_Internal');
      if (vs.length) out.push(s.versionJson(m, vs[vs.length - 1], false));
    }
    return omitEmpty({ model_versions: out });
  },
  'GET model-versions/get-download-uri': (s: FakeMlflowServer, q: J) => ({ artifact_uri: s.version(q.name, q.version).source }),
};
