/**
 * Reads a fitted feature pipeline back from its Payload. Validates kind, version, every meta field
 * and array shape; never evaluates code. The view definitions are code, so the stored feature names
 * must equal what this version computes.
 */
import { TrainSpamError } from '../core/errors.js';
import type { JsonValue, Payload } from '../core/payload.js';
import { FittedFeaturePipeline, PIPELINE_PAYLOAD_KIND, PIPELINE_PAYLOAD_VERSION } from './pipeline.js';
import { SenderHistory } from './sender-history.js';
import { FittedTfidf, resolveTfidfOptions, TFIDF_DEFAULTS, type TfidfOptions } from './tfidf.js';

function bad(msg: string): TrainSpamError {
  return new TrainSpamError('FORMAT_ERROR', `feature pipeline payload: ${msg}`);
}

function obj(v: JsonValue | undefined, what: string): { [k: string]: JsonValue } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`${what} must be an object`);
  return v;
}

function strings(v: JsonValue | undefined, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(`${what} must be a list of strings`);
  return v as string[];
}

function num(v: JsonValue | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${what} must be a finite number`);
  return v;
}

function typed<T>(p: Payload, name: string, Ctor: abstract new (...a: never[]) => T): T {
  const a = (p.arrays as Record<string, unknown>)[name];
  if (!(a instanceof Ctor)) throw bad(`array '${name}' missing or not a ${Ctor.name}`);
  return a;
}

export function featurePipelineFromPayload(p: Payload): FittedFeaturePipeline {
  if (!p || typeof p !== 'object') throw bad('not an object');
  if (p.kind !== PIPELINE_PAYLOAD_KIND) throw bad(`kind is '${String(p.kind)}', expected '${PIPELINE_PAYLOAD_KIND}'`);
  if (p.version !== PIPELINE_PAYLOAD_VERSION) throw bad(`version ${String(p.version)} is not supported (this reader knows version ${PIPELINE_PAYLOAD_VERSION})`);
  const meta = obj(p.meta as JsonValue, 'meta');
  if (p.arrays === null || typeof p.arrays !== 'object') throw bad('arrays must be an object of typed arrays');
  const tf = obj(meta.tfidf, 'meta.tfidf');
  const stored = obj(tf.options, 'meta.tfidf.options');
  // every option is written; one missing would silently take its default (e.g. sublinearTf false)
  for (const k of Object.keys(TFIDF_DEFAULTS)) if (!(k in stored)) throw bad(`meta.tfidf.options.${k} is missing`);
  let options: TfidfOptions;
  try {
    options = resolveTfidfOptions(stored as unknown as Partial<TfidfOptions>);
  } catch (e) {
    throw bad(`meta.tfidf.options: ${(e as Error).message}`);
  }
  const vocabulary = strings(tf.vocabulary, 'meta.tfidf.vocabulary');
  const idf = typed(p, 'tfidf_idf', Float64Array);
  const tfidf = new FittedTfidf(vocabulary, idf, options);
  tfidf.checkStoredVocabulary();
  const s = obj(meta.sender, 'meta.sender');
  const sender = new SenderHistory({
    domains: strings(s.domains, 'meta.sender.domains'),
    pseudoCount: num(s.pseudoCount, 'meta.sender.pseudoCount'),
    start: typed(p, 'sender_start', Int32Array),
    timestamps: typed(p, 'sender_timestamps', Float64Array),
    cumSpam: typed(p, 'sender_cum_spam', Int32Array),
    allTimestamps: typed(p, 'sender_all_timestamps', Float64Array),
    allCumSpam: typed(p, 'sender_all_cum_spam', Int32Array),
  });
  const pipeline = new FittedFeaturePipeline(tfidf, sender);
  const names = strings(meta.featureNames, 'meta.featureNames');
  const at = names.findIndex((n, i) => n !== pipeline.featureNames[i]);
  if (names.length !== pipeline.featureNames.length || at >= 0) {
    const where = at >= 0 ? `; column ${at} is '${names[at]}', expected '${pipeline.featureNames[at]}'` : '';
    throw bad(`stored feature names (${names.length}) differ from the ones this version computes (${pipeline.featureNames.length})${where}`);
  }
  return pipeline;
}
