/** The values steps hand to each other in process (the container steps persist them via codecs.ts). */
import type { ErrorData } from '../core/errors.js';
import type { EmailRowSet } from '../io/email-table.js';
import type { SplitSummary } from '../data/split.js';
import type { FeatureMatrix } from '../core/matrix.js';
import type { FittedFeaturePipeline } from '../features/pipeline.js';
import type { Fitted } from '../models/contract.js';
import type { BinaryEvaluation } from '../metrics/evaluation.js';
import type { LatencySummary } from '../metrics/latency.js';
import type { GateReport } from './gates.js';
import type { ComparisonResult } from './comparison.js';
import type { StudyResult } from '../hpo/results.js';

export interface PreparedData {
  /** The training rows of the source table (ids, labels; the e-mails are read again by row group). */
  readonly train: EmailRowSet;
  readonly test: EmailRowSet;
  readonly split: SplitSummary;
  /** Source table summary: file, shape, rows, null timestamps. */
  readonly source: { file: string; rows: number; spam: number; ham: number; nullTimestamps: number };
  /** sha256 over (email_id, label) of every row, in file order (MLflow dataset digest). */
  readonly digest: string;
  /** Test e-mails whose normalised body also occurs in train (0 for a grouped split). */
  readonly trainTestOverlap: number;
  /** Duplicate-body group of each training row (from the split's grouping). */
  readonly trainGroups: Int32Array;
}

export interface LabelledMatrix {
  readonly X: FeatureMatrix;
  readonly y: Uint8Array;
  readonly ids: readonly string[];
  /** Duplicate-body group per row (training split): validation cuts keep groups whole. */
  readonly groups?: Int32Array;
  /** Fingerprint of the feature pipeline that made X (payloadFingerprint), when saved with it. */
  readonly pipelineSha256?: string;
}

export interface FeatureSet {
  readonly pipeline: FittedFeaturePipeline;
  readonly train: LabelledMatrix;
  readonly test: LabelledMatrix;
}

export interface ValidationMetrics {
  readonly f1: number;
  readonly auc: number;
  readonly precision: number;
  readonly recall: number;
}

export interface BaselineResult {
  readonly model: Fitted;
  /** Metrics on the validation part of the training split. */
  readonly validation: ValidationMetrics;
}

export interface TunedModel {
  readonly model: Fitted;
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly study: StudyResult;
  /** Where the model artifact (feature pipeline + model) was written. */
  readonly artifactDir: string;
}

export interface Evaluation {
  readonly candidate: BinaryEvaluation;
  readonly baseline: BinaryEvaluation;
  readonly scores: Float64Array;
  readonly latency: LatencySummary;
  /** Batch scoring throughput from the feature matrix, e-mails per second. */
  readonly batchPerSecond: number;
  readonly plotFiles: readonly { name: string; svg: string; png: string }[];
  readonly plots: readonly { name: string; title: string; svg: string }[];
}

export interface PromotionResult {
  readonly status: 'promoted' | 'already_promoted' | 'skipped';
  readonly modelName: string;
  readonly version: string | null;
  readonly reason: string;
  /** The promotion is made, but recording it in the tracking run failed (reported; exit code 1). */
  readonly trackingError?: ErrorData;
}

export interface PipelineOutcome {
  readonly gates: GateReport;
  readonly comparison: ComparisonResult;
  readonly promotion: PromotionResult;
}
