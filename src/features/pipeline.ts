/**
 * The fitted feature pipeline: five views, 24 dense + up to 500 sparse columns in a fixed order.
 * Everything learned from the training split (TF-IDF vocabulary and idf, sender-domain and global
 * spam history) lives in one object that scores raw e-mail records and serialises to a Payload.
 */
import { invalidArgument, invalidData } from '../core/errors.js';
import { denseMatrix, featureMatrix, type CsrMatrix, type FeatureMatrix } from '../core/matrix.js';
import type { Payload } from '../core/payload.js';
import type { EmailRecord } from '../data/schema.js';
import { STRUCTURAL_VIEW, TEMPORAL_VIEW, TEXT_VIEW } from './email-views.js';
import { checkRecords } from './record-check.js';
import { buildSenderHistory, SenderHistory } from './sender-history.js';
import { fitTransformTfidf, FittedTfidf, TfidfFitter, type TfidfOptions } from './tfidf.js';
import { emailText, qualifiedName, VIEW_NAMES, type DenseFeatureView, type ViewInfo } from './view.js';

export interface FeaturePipelineOptions {
  /** TF-IDF options; defaults: maxFeatures 500, sublinearTf true, stopWords 'english', sklearn defaults otherwise. */
  readonly tfidf?: Partial<TfidfOptions>;
  /** Pseudo-count of the sender-domain prior (default 2). */
  readonly senderPseudoCount?: number;
  /**
   * FeaturePipelineFitter: keep the training e-mails' TF-IDF tokens while they number at most this
   * many, so finish() returns the training TF-IDF block and the caller need not tokenize them again
   * (default 0: keep none). Past the budget they are dropped and finish() returns null for it.
   */
  readonly keepTrainTokens?: number;
}

export const PIPELINE_TFIDF_DEFAULTS: Partial<TfidfOptions> = Object.freeze({ maxFeatures: 500, sublinearTf: true, stopWords: 'english' as const });
export const DEFAULT_SENDER_PSEUDO_COUNT = 2;

export class FittedFeaturePipeline {
  readonly tfidf: FittedTfidf;
  readonly sender: SenderHistory;
  /** Dense views in column order: text, structural, temporal, sender. */
  readonly denseViews: readonly DenseFeatureView[];
  readonly views: readonly ViewInfo[];
  readonly featureNames: readonly string[];
  readonly denseCols: number;

  constructor(tfidf: FittedTfidf, sender: SenderHistory) {
    this.tfidf = tfidf;
    this.sender = sender;
    this.denseViews = Object.freeze([TEXT_VIEW, STRUCTURAL_VIEW, TEMPORAL_VIEW, sender]);
    const views: ViewInfo[] = this.denseViews.map((v) => ({ name: v.name, features: v.features, kind: 'dense' as const }));
    views.push({ name: VIEW_NAMES.tfidf, features: tfidf.vocabulary, kind: 'sparse' });
    this.views = Object.freeze(views);
    this.featureNames = Object.freeze(views.flatMap((v) => v.features.map((f) => qualifiedName(v.name, f))));
    this.denseCols = this.denseViews.reduce((s, v) => s + v.features.length, 0);
  }

  get numFeatures(): number {
    return this.featureNames.length;
  }

  /** Dense block only (24 columns per record), row-major. `texts[i]` = emailText(records[i]) when already built. */
  denseFeatures(records: readonly EmailRecord[], texts?: readonly string[]): Float64Array {
    checkRecords(records);
    return denseBlock(this.denseViews, this.denseCols, records, texts);
  }

  /** Raw records → matrix (24 dense + TF-IDF sparse). Labels are never read. */
  transform(records: readonly EmailRecord[]): FeatureMatrix {
    checkRecords(records);
    const texts = records.map(emailText);
    const dense = denseBlock(this.denseViews, this.denseCols, records, texts);
    const sparse = this.tfidf.transform(texts);
    return featureMatrix(denseMatrix(records.length, this.denseCols, dense), sparse, this.featureNames);
  }

  toPayload(): Payload {
    const h = this.sender.arrays;
    return {
      kind: PIPELINE_PAYLOAD_KIND,
      version: PIPELINE_PAYLOAD_VERSION,
      meta: {
        featureNames: [...this.featureNames],
        views: this.views.map((v) => ({ name: v.name, kind: v.kind, numFeatures: v.features.length })),
        tfidf: {
          options: { ...this.tfidf.options, stopWords: Array.isArray(this.tfidf.options.stopWords) ? [...this.tfidf.options.stopWords] : (this.tfidf.options.stopWords as 'english' | null) },
          vocabulary: [...this.tfidf.vocabulary],
        },
        sender: { domains: [...h.domains], pseudoCount: h.pseudoCount },
      },
      arrays: {
        tfidf_idf: this.tfidf.idf,
        sender_start: h.start,
        sender_timestamps: h.timestamps,
        sender_cum_spam: h.cumSpam,
        sender_all_timestamps: h.allTimestamps,
        sender_all_cum_spam: h.allCumSpam,
      },
    };
  }
}

export const PIPELINE_PAYLOAD_KIND = 'features/pipeline';
export const PIPELINE_PAYLOAD_VERSION = 1;

function denseBlock(views: readonly DenseFeatureView[], dc: number, records: readonly EmailRecord[], texts: readonly string[] | undefined): Float64Array {
  const out = new Float64Array(records.length * dc);
  for (let i = 0; i < records.length; i++) writeDense(views, records[i], out, i * dc, texts ? texts[i] : undefined);
  return out;
}

function writeDense(views: readonly DenseFeatureView[], r: EmailRecord, out: Float64Array, at: number, text: string | undefined): void {
  let o = at;
  for (const v of views) {
    v.compute(r, out, o, text);
    o += v.features.length;
  }
}

function resolveLabels(records: readonly EmailRecord[], labels?: ArrayLike<number>): ArrayLike<number> {
  if (labels === undefined) return records.map((r) => r.label);
  if (labels.length !== records.length) throw invalidArgument(`fitFeaturePipeline: ${records.length} training records but ${labels.length} labels`);
  return labels;
}

function senderPseudoCount(o: FeaturePipelineOptions): number {
  const a = o.senderPseudoCount ?? DEFAULT_SENDER_PSEUDO_COUNT;
  if (!(Number.isFinite(a) && a > 0)) throw invalidArgument(`feature pipeline option 'senderPseudoCount' must be > 0, got ${a}`);
  return a;
}

/**
 * Fits on the training split only: TF-IDF on subject + body, sender history from the training
 * labels (`trainLabels`, default each record's `label`).
 */
export function fitFeaturePipeline(trainRecords: readonly EmailRecord[], trainLabels?: ArrayLike<number>, options: FeaturePipelineOptions = {}): FittedFeaturePipeline {
  if (trainRecords.length === 0) throw invalidData('fitFeaturePipeline: no training records');
  const f = new FeaturePipelineFitter(options);
  f.add(trainRecords, trainLabels);
  return f.finish().pipeline;
}

/**
 * The fit fed in batches (a training split streamed from disk by row group): `add(records)` per
 * batch, then `finish()`. Keeps the TF-IDF term counts and, per training e-mail, only its sender
 * domain, timestamp and label; same pipeline as fitFeaturePipeline over all the batches at once.
 */
export class FeaturePipelineFitter {
  private readonly tfidf: TfidfFitter;
  private readonly senders: Pick<EmailRecord, 'sender_domain' | 'event_timestamp'>[] = [];
  private readonly labels: number[] = [];
  private readonly pseudoCount: number;

  constructor(options: FeaturePipelineOptions = {}) {
    this.pseudoCount = senderPseudoCount(options);
    this.tfidf = new TfidfFitter({ ...PIPELINE_TFIDF_DEFAULTS, ...(options.tfidf ?? {}) }, options.keepTrainTokens ?? 0);
  }

  /** One batch of training records (labels default to each record's `label`). */
  add(records: readonly EmailRecord[], labels?: ArrayLike<number>): void {
    checkRecords(records);
    const y = resolveLabels(records, labels);
    this.tfidf.add(records.map(emailText));
    for (let i = 0; i < records.length; i++) {
      this.senders.push({ sender_domain: records[i].sender_domain, event_timestamp: records[i].event_timestamp });
      this.labels.push(y[i]);
    }
  }

  /**
   * The fitted pipeline, the non-zeros of the training TF-IDF block (to size its matrix) and, when
   * the tokens were kept (keepTrainTokens), that block itself: rows in the order the records were
   * added, equal to `pipeline.tfidf.transform` of their texts.
   */
  finish(): { pipeline: FittedFeaturePipeline; trainTfidfNnz: number; trainTfidf: CsrMatrix | null } {
    if (this.senders.length === 0) throw invalidData('fitFeaturePipeline: no training records');
    const { fitted, nnz, matrix } = this.tfidf.finish();
    return {
      pipeline: new FittedFeaturePipeline(fitted, buildSenderHistory(this.senders, this.labels, this.pseudoCount)),
      trainTfidfNnz: nnz,
      trainTfidf: matrix,
    };
  }
}

/** fit + transform of the training split, tokenizing each training e-mail once. */
export function fitTransformFeaturePipeline(
  trainRecords: readonly EmailRecord[],
  trainLabels?: ArrayLike<number>,
  options: FeaturePipelineOptions = {},
): { pipeline: FittedFeaturePipeline; matrix: FeatureMatrix } {
  if (trainRecords.length === 0) throw invalidData('fitTransformFeaturePipeline: no training records');
  checkRecords(trainRecords);
  const labels = resolveLabels(trainRecords, trainLabels);
  const texts = trainRecords.map(emailText);
  const { fitted, matrix: sparse } = fitTransformTfidf(texts, { ...PIPELINE_TFIDF_DEFAULTS, ...(options.tfidf ?? {}) });
  const pipeline = new FittedFeaturePipeline(fitted, buildSenderHistory(trainRecords, labels, senderPseudoCount(options)));
  const dense = denseBlock(pipeline.denseViews, pipeline.denseCols, trainRecords, texts);
  return { pipeline, matrix: featureMatrix(denseMatrix(trainRecords.length, pipeline.denseCols, dense), sparse, pipeline.featureNames) };
}
