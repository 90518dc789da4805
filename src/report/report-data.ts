/**
 * `ReportData`: everything the HTML report shows, as plain JSON-safe data. The pipeline fills it
 * from its step results; nothing here reads files or computes metrics. Structural types only, so
 * `GateReport` (pipeline/gates.ts) and `ComparisonResult` (pipeline/comparison.ts) fit as they are
 * without the report importing the pipeline layer.
 */

/** Headline of the run. */
export interface ReportDecision {
  /** 'promoted' = registered + staging alias moved; 'rejected' = a gate failed; 'error' = the run failed */
  readonly outcome: 'promoted' | 'rejected' | 'error' | 'not_promoted';
  /** one sentence, e.g. "Promoted spam-detector v3 to Staging" */
  readonly headline: string;
  /** why (failed gates, comparison reasons, error message); may be empty */
  readonly reasons: readonly string[];
  readonly modelName?: string | null;
  readonly modelVersion?: string | null;
}

/** One column of the metrics table, e.g. { label: 'candidate (test)', values: { f1: 0.97, ... } }. */
export interface MetricsColumn {
  readonly label: string;
  /** metric name → value; null/undefined shows as "–"; rows are the union of names in first-seen order */
  readonly values: Readonly<Record<string, number | null | undefined>>;
}

/** One row of the gate table (pipeline/gates.ts GateResult has this shape). */
export interface ReportGate {
  readonly name: string;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly comparator: string;
  readonly passed: boolean;
  readonly message: string;
}

export interface ReportGates {
  readonly passed: boolean;
  readonly gates: readonly ReportGate[];
}

/** pipeline/comparison.ts ComparisonResult has this shape. */
export interface ReportComparison {
  readonly status: 'first_model' | 'passed' | 'failed';
  readonly reasons: readonly string[];
  /** candidate − staging per metric (null when unknown) */
  readonly deltas: Readonly<Record<string, number | null>>;
  readonly staging?: { readonly version?: string | null; readonly f1?: number | null; readonly auc?: number | null } | null;
  readonly candidate?: { readonly f1: number; readonly auc: number } | null;
}

/** A rendered plot (report/render.ts RenderedPlot fits; only svg is embedded). */
export interface ReportPlot {
  readonly name: string;
  readonly title: string;
  readonly svg: string;
}

export interface ReportTiming {
  readonly step: string;
  readonly durationMs: number;
  /** e.g. 'ok', 'skipped', 'failed' */
  readonly status?: string;
}

export interface ReportLatency {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** batch throughput, e-mails per second (optional) */
  readonly throughputPerSec?: number | null;
}

export type ReportScalar = string | number | boolean | null;

export interface ReportData {
  /** page title, e.g. "train-spam run 20261127-0431" */
  readonly title: string;
  readonly runId: string;
  /** ISO-8601 timestamp, shown as given */
  readonly generatedAt: string;
  readonly decision: ReportDecision;
  readonly metrics: readonly MetricsColumn[];
  readonly plots: readonly ReportPlot[];
  readonly gates: ReportGates | null;
  readonly comparison: ReportComparison | null;
  /** model summary: name, kind, artifact path, size, number of features, ... */
  readonly model: Readonly<Record<string, ReportScalar>>;
  /** data summary: rows per split, spam share, duplicates removed, source, ... */
  readonly data: Readonly<Record<string, ReportScalar>>;
  /** training / pipeline parameters; non-scalar values are shown as JSON */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timings: readonly ReportTiming[];
  readonly latency?: ReportLatency | null;
}
