/**
 * Paths of MLflow's FileStore layout (2.12.2) under one root:
 *   <root>/<exp>/meta.yaml, <exp>/tags/<key>, <exp>/<run>/{meta.yaml,metrics,params,tags,artifacts,inputs}
 *   <exp>/datasets/<dataset_id>/meta.yaml, <root>/.trash/<exp>,
 *   <root>/models/<name>/{meta.yaml,tags,aliases,version-<n>/{meta.yaml,tags}}
 * Keys with `/` become nested directories. All names reaching here were validated.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TRACKING_URI_SETTING } from '../config.js';

export const RESERVED_ROOT_DIRS = new Set(['.trash', 'models']);
export const RESERVED_EXPERIMENT_DIRS = new Set(['tags', 'datasets', 'traces', 'models']);
/**
 * Staging folders of new experiments in the root. Not `.tmp-*`: MLflow takes every folder of the
 * root for an experiment id and its listing fails on an invalid one; this name is a valid id, and
 * MLflow skips such a folder with a warning (no meta.yaml yet, or one naming another id).
 */
export const EXPERIMENT_STAGING_PREFIX = 'tmp-exp-';

export class LocalLayout {
  readonly root: string;
  constructor(
    root: string,
    /** How the root was given, as messages name it. */
    readonly setting = TRACKING_URI_SETTING,
  ) {
    this.root = path.resolve(root);
  }
  keyFile(dir: string, key: string): string {
    return path.join(dir, ...key.split('/'));
  }
  experimentDir(exp: string): string {
    return path.join(this.root, exp);
  }
  experimentMeta(exp: string): string {
    return path.join(this.root, exp, 'meta.yaml');
  }
  experimentTags(exp: string): string {
    return path.join(this.root, exp, 'tags');
  }
  experimentArtifactLocation(exp: string): string {
    return pathToFileURL(this.experimentDir(exp)).href;
  }
  datasetDir(exp: string, datasetId: string): string {
    return path.join(this.root, exp, 'datasets', datasetId);
  }
  runDir(exp: string, run: string): string {
    return path.join(this.root, exp, run);
  }
  runMeta(exp: string, run: string): string {
    return path.join(this.runDir(exp, run), 'meta.yaml');
  }
  metricsDir(exp: string, run: string): string {
    return path.join(this.runDir(exp, run), 'metrics');
  }
  paramsDir(exp: string, run: string): string {
    return path.join(this.runDir(exp, run), 'params');
  }
  tagsDir(exp: string, run: string): string {
    return path.join(this.runDir(exp, run), 'tags');
  }
  inputsDir(exp: string, run: string): string {
    return path.join(this.runDir(exp, run), 'inputs');
  }
  runArtifactUri(exp: string, run: string): string {
    return pathToFileURL(path.join(this.runDir(exp, run), 'artifacts')).href;
  }
  modelsDir(): string {
    return path.join(this.root, 'models');
  }
  modelDir(name: string): string {
    return path.join(this.root, 'models', name);
  }
  versionDir(name: string, version: string | number): string {
    return path.join(this.root, 'models', name, `version-${version}`);
  }
}
