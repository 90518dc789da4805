/**
 * Save/load of the artifacts the steps hand to each other when each runs in its own container
 * (`train-spam step <name>`). In process the same values travel as objects (state.ts); here each
 * becomes a file or directory at the path Kubeflow gives:
 *
 * | artifact                         | layout                                                         |
 * | -------------------------------- | -------------------------------------------------------------- |
 * | e-mail split (system.Dataset)    | dir: `emails.parquet` (EMAIL_COLUMNS) + `split.json` (+ `groups.json`, train) |
 * | feature matrix (system.Dataset)  | dir: matrix files (hpo/matrix-file.ts, with labels) + `ids.json` |
 * | feature pipeline (system.Artifact) | payload dir (io/model-artifact.ts) with the slot `featurePipeline` |
 * | model (system.Model)             | model artifact dir: feature pipeline + model (serving/scorer.ts) |
 * | evaluation / gate / comparison   | one JSON file each                                             |
 *
 * JSON files keep non-finite numbers (NaN, ±Infinity) as `{"$number": "NaN"}` so they round-trip.
 * Every reader validates what it needs and names the file in its error.
 */
import { mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TrainSpamError } from '../core/errors.js';
import { fileSha256, isSha256Hex } from '../io/checksum.js';
import { writeTextFile } from '../io/output-file.js';
import type { SplitSummary } from '../data/split.js';
import { featurePipelineFromPayload } from '../features/pipeline-payload.js';
import type { FittedFeaturePipeline } from '../features/pipeline.js';
import { GROUPS_FILE, loadGroups, loadMatrix, saveMatrix } from '../hpo/matrix-file.js';
import { EMAIL_COLUMN_SPECS, toColumns } from '../io/corpus.js';
import { openEmailTable, scanEmailTable, streamRowSets, type EmailRowSet } from '../io/email-table.js';
import { loadPayloads, payloadFingerprint, savePayloads } from '../io/model-artifact.js';
import { ParquetFileWriter } from '../io/parquet.js';
import type { BinaryEvaluation } from '../metrics/evaluation.js';
import type { LatencySummary } from '../metrics/latency.js';
import type { ComparisonResult } from './comparison.js';
import type { GateReport } from './gates.js';
import type { Evaluation, LabelledMatrix, PreparedData } from './state.js';
import { makeDirs } from '../io/dirs.js';

export const EMAILS_FILE = 'emails.parquet';
export const SPLIT_FILE = 'split.json';
export const IDS_FILE = 'ids.json';
/** Duplicate-body group per row (training features only). */

// ---------------------------------------------------------------- JSON

function formatError(file: string, message: string): TrainSpamError {
  return new TrainSpamError('FORMAT_ERROR', `${file}: ${message}`, { file });
}

/** JSON text with non-finite numbers tagged and typed arrays as lists (2-space indent). */
export function toJsonText(value: unknown): string {
  return (
    JSON.stringify(
      value,
      function (_key, v: unknown) {
        if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
        if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
        return v;
      },
      2,
    ) + '\n'
  );
}

/** Parses `toJsonText` output (restores the tagged non-finite numbers). */
export function fromJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text, (_key, v: unknown) => {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v);
        const tag = (v as { $number?: unknown }).$number;
        if (keys.length === 1 && (tag === 'NaN' || tag === 'Infinity' || tag === '-Infinity')) return Number(tag);
      }
      return v;
    });
  } catch (e) {
    throw formatError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

/** Writes a JSON file atomically, creating the parent directories. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeTextFile(file, toJsonText(value));
}

export { writeTextFile };

export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TrainSpamError('NOT_FOUND', `${what} ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file });
  }
  return fromJsonText(text, file);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks `{ format, version }` and the listed fields; returns the object. */
function checkDoc(v: unknown, file: string, format: string, version: number, fields: Record<string, 'object' | 'array' | 'number' | 'boolean' | 'string'>): Record<string, unknown> {
  if (!isObject(v)) throw formatError(file, 'expected a JSON object');
  if (v.format !== format || v.version !== version) {
    throw formatError(file, `format ${JSON.stringify(v.format)} version ${JSON.stringify(v.version)}; expected '${format}' version ${version}`);
  }
  for (const [k, type] of Object.entries(fields)) {
    const x = v[k];
    const ok = type === 'object' ? isObject(x) : type === 'array' ? Array.isArray(x) : typeof x === type;
    if (!ok) throw formatError(file, `field '${k}' must be ${type === 'array' ? 'a list' : `a${type === 'object' ? 'n' : ''} ${type}`}`);
  }
  return v;
}

/**
 * Writes directory artifacts whole or not at all: `write` fills one fresh temporary sibling per
 * target, and only when it has succeeded does each replace its target (whatever the target held
 * before, so no file of an earlier artifact at that path survives beside the new ones). On failure
 * the temporary folders are removed and the targets are left as they were. What an attempt killed
 * with SIGKILL left beside a target (`.<name>.tmp-*`, a folder being written or an old copy between
 * the two renames) is removed first: a retried step writes the same outputs, and nothing else
 * writes there at the same time.
 */
export async function replaceDirectories(dirs: readonly string[], write: (tmps: readonly string[]) => Promise<void>): Promise<void> {
  const targets = dirs.map((d) => resolve(d));
  const tmps: string[] = [];
  try {
    for (const t of targets) {
      await makeDirs(dirname(t));
      const litter = `.${basename(t)}.tmp-`;
      for (const name of await readdir(dirname(t))) if (name.startsWith(litter)) await rm(join(dirname(t), name), { recursive: true, force: true });
      tmps.push(await mkdtemp(join(dirname(t), litter)));
    }
    await write(tmps);
  } catch (e) {
    for (const tmp of tmps) await rm(tmp, { recursive: true, force: true });
    throw e instanceof TrainSpamError ? e : new TrainSpamError('IO_ERROR', `cannot write ${targets.join(', ')}: ${(e as Error).message}`, { dirs: targets });
  }
  for (const [i, t] of targets.entries()) {
    try {
      const old = `${tmps[i]}.old`;
      const had = existsSync(t);
      if (had) await rename(t, old);
      await rename(tmps[i], t);
      if (had) await rm(old, { recursive: true, force: true });
    } catch (e) {
      for (const tmp of tmps.slice(i)) await rm(tmp, { recursive: true, force: true });
      throw new TrainSpamError('IO_ERROR', `cannot put ${t} in place: ${(e as Error).message}`, { dir: t });
    }
  }
}

function requireDir(dir: string, what: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new TrainSpamError('NOT_FOUND', `${what} ${resolve(dir)} is not a directory (expected the output of an earlier step)`, { dir });
  }
}

// ---------------------------------------------------------------- e-mail splits

const SPLIT_FORMAT = 'train-spam/email-split';

/** What `split.json` records beside the e-mails (PreparedData minus the rows). */
export interface EmailSplitInfo {
  readonly role: 'train' | 'test';
  readonly rows: number;
  readonly split: SplitSummary;
  readonly source: PreparedData['source'];
  readonly digest: string;
  readonly trainTestOverlap: number;
}

/** One e-mail dataset artifact to write: a row set of the source table, with its split info. */
export interface EmailDatasetOutput {
  readonly dir: string;
  readonly rows: EmailRowSet;
  readonly info: Omit<EmailSplitInfo, 'rows'>;
  /** Duplicate-body group per row (the training side), saved as groups.json. */
  readonly groups?: Int32Array;
}

/**
 * Writes each row set as `<dir>/emails.parquet` (EMAIL_COLUMNS) + `split.json`, streaming the
 * source table once for all of them (one row group in memory; one row group written per set and
 * source row group). Each directory is replaced whole (replaceDirectories).
 */
export async function saveEmailDatasets(outputs: readonly EmailDatasetOutput[]): Promise<void> {
  await replaceDirectories(outputs.map((o) => o.dir), async (dirs) => {
    const writers: ParquetFileWriter[] = [];
    try {
      for (const [s, o] of outputs.entries()) {
        writers.push(await ParquetFileWriter.create(join(dirs[s], EMAILS_FILE), EMAIL_COLUMN_SPECS, { metadata: { 'train-spam.split': o.info.role } }));
      }
      for await (const chunk of streamRowSets(outputs.map((o) => o.rows))) {
        for (let s = 0; s < outputs.length; s++) if (chunk[s].length) await writers[s].writeRowGroup(toColumns(chunk[s]));
      }
      for (const w of writers) await w.close();
    } catch (e) {
      for (const w of writers) await w.abort();
      throw e;
    }
    for (const [s, o] of outputs.entries()) {
      const emailsSha256 = await fileSha256(join(dirs[s], EMAILS_FILE));
      await writeJsonFile(join(dirs[s], SPLIT_FILE), { format: SPLIT_FORMAT, version: 1, ...o.info, rows: o.rows.ids.length, emailsSha256 });
      if (o.groups) await writeJsonFile(join(dirs[s], GROUPS_FILE), Array.from(o.groups));
    }
  });
}

/**
 * Opens an e-mail dataset artifact: its split info, its rows as a row set of `emails.parquet`
 * (ids and labels read; the e-mails stay on disk), and the duplicate groups when saved.
 */
export async function loadEmailDataset(dir: string, role?: EmailSplitInfo['role']): Promise<{ rows: EmailRowSet; info: EmailSplitInfo; groups: Int32Array | null }> {
  requireDir(dir, 'e-mail dataset');
  const file = join(dir, SPLIT_FILE);
  const doc = checkDoc(await readJsonFile(file, 'split summary'), file, SPLIT_FORMAT, 1, {
    role: 'string', rows: 'number', split: 'object', source: 'object', digest: 'string', trainTestOverlap: 'number',
  });
  // a step given the other side of the split would train on its test e-mails or test on its training ones
  if (role !== undefined && doc.role !== role) {
    throw new TrainSpamError('INVALID_DATA', `${file}: role ${JSON.stringify(doc.role)}; expected the ${role} split (data-preparation's ${role}_data output)`, { file, role: doc.role, expected: role });
  }
  const emails = join(dir, EMAILS_FILE);
  // split.json records the table's sha256 (absent in artifacts written before it did)
  if (doc.emailsSha256 !== undefined) {
    if (!isSha256Hex(doc.emailsSha256)) {
      throw formatError(file, `emailsSha256 is ${JSON.stringify(doc.emailsSha256)}; expected the sha256 of ${EMAILS_FILE} (64 hex digits)`);
    }
    if ((await fileSha256(emails).catch(() => null)) !== doc.emailsSha256) {
      throw formatError(emails, `does not match the sha256 ${SPLIT_FILE} records for it (damaged, or replaced after data-preparation wrote it)`);
    }
  }
  const table = await openEmailTable(emails);
  const ids: string[] = [];
  const labels: number[] = [];
  for await (const chunk of scanEmailTable(table, { columns: [], validate: true })) {
    for (const r of chunk.records[0]) {
      ids.push(r.email_id);
      labels.push(r.label);
    }
  }
  if (ids.length !== doc.rows) throw formatError(emails, `has ${ids.length} rows; ${SPLIT_FILE} says ${doc.rows as number}`);
  const { format: _f, version: _v, emailsSha256: _sha, ...info } = doc;
  const groups = loadGroups(dir, ids.length);
  return { rows: { table: { file: emails }, rows: null, ids, labels: Uint8Array.from(labels) }, info: info as unknown as EmailSplitInfo, groups };
}

// ---------------------------------------------------------------- feature matrices

/** Beside a feature matrix: which feature pipeline made it. */
const FEATURES_FILE = 'features.json';
const FEATURES_FORMAT = 'train-spam/feature-dataset';

/** Saves a feature matrix with its ids (and groups), replacing the directory whole; `pipelineSha256`: the fingerprint of the pipeline that made it. */
export async function saveFeatureDataset(dir: string, m: LabelledMatrix, pipelineSha256?: string): Promise<void> {
  await replaceDirectories([dir], async ([tmp]) => {
    saveMatrix(tmp, m.X, m.y);
    await writeJsonFile(join(tmp, IDS_FILE), m.ids);
    if (m.groups) await writeJsonFile(join(tmp, GROUPS_FILE), Array.from(m.groups));
    if (pipelineSha256) await writeJsonFile(join(tmp, FEATURES_FILE), { format: FEATURES_FORMAT, version: 1, featurePipelineSha256: pipelineSha256 });
  });
}

export async function loadFeatureDataset(dir: string): Promise<LabelledMatrix> {
  requireDir(dir, 'feature dataset');
  const { X, y } = loadMatrix(dir);
  if (!y) throw formatError(join(dir, 'matrix.json'), 'has no labels; the steps need labelled matrices');
  const file = join(dir, IDS_FILE);
  const ids = await readJsonFile(file, 'row ids');
  if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string')) throw formatError(file, 'expected a JSON list of e-mail ids');
  if (ids.length !== X.rows) throw formatError(file, `lists ${ids.length} ids for a ${X.rows}-row matrix`);
  const groups = loadGroups(dir, X.rows);
  const featuresFile = join(dir, FEATURES_FILE);
  let pipelineSha256: string | undefined;
  if (existsSync(featuresFile)) {
    const doc = checkDoc(await readJsonFile(featuresFile, 'feature dataset'), featuresFile, FEATURES_FORMAT, 1, { featurePipelineSha256: 'string' });
    pipelineSha256 = doc.featurePipelineSha256 as string;
  }
  return { X, y, ids: ids as string[], ...(groups ? { groups } : {}), ...(pipelineSha256 ? { pipelineSha256 } : {}) };
}

/** The fingerprint a feature dataset records for the pipeline that made it. */
export function featurePipelineSha256(pipeline: FittedFeaturePipeline): string {
  return payloadFingerprint(pipeline.toPayload());
}


// ---------------------------------------------------------------- feature pipeline

const FEATURE_SLOT = 'featurePipeline';

export async function saveFeaturePipeline(dir: string, pipeline: FittedFeaturePipeline): Promise<void> {
  await makeDirs(dirname(resolve(dir)));
  await savePayloads(dir, { [FEATURE_SLOT]: pipeline.toPayload() }, { artifact: 'feature-pipeline', num_features: pipeline.numFeatures }, { overwrite: true });
}

export async function loadFeaturePipeline(dir: string): Promise<FittedFeaturePipeline> {
  const loaded = await loadPayloads(dir, [FEATURE_SLOT]);
  return featurePipelineFromPayload(loaded.slots[FEATURE_SLOT]);
}

// ---------------------------------------------------------------- evaluation

const EVALUATION_FORMAT = 'train-spam/evaluation';

/** Everything the later steps need from model-evaluation (the `evaluation` artifact). */
export interface EvaluationDoc {
  readonly candidate: BinaryEvaluation;
  readonly baseline: BinaryEvaluation;
  /** Candidate test scores, in the order of `ids`. */
  readonly scores: number[];
  readonly labels: number[];
  readonly ids: string[];
  readonly latency: LatencySummary;
  readonly batchPerSecond: number;
  readonly trainTestOverlap: number;
  /** The model artifact's metadata (kind, params, best trial, ...). */
  readonly model: Record<string, unknown>;
  /** sha256 of the evaluated model's artifact.json: the promotion registers only that model (absent in older files). */
  readonly modelSha256?: string;
}

export function evaluationDoc(ev: Evaluation, test: LabelledMatrix, trainTestOverlap: number, model: Record<string, unknown>, modelSha256?: string): EvaluationDoc {
  return {
    candidate: ev.candidate,
    baseline: ev.baseline,
    scores: Array.from(ev.scores),
    labels: Array.from(test.y),
    ids: [...test.ids],
    latency: ev.latency,
    batchPerSecond: ev.batchPerSecond,
    trainTestOverlap,
    // the model's metadata without its list of training e-mails (the artifact keeps it)
    model: Object.fromEntries(Object.entries(model).filter(([k]) => k !== 'train_ids')),
    ...(modelSha256 !== undefined ? { modelSha256 } : {}),
  };
}

/** The in-process `Evaluation` the gate step reads (plots are not carried). */
export function evaluationFromDoc(doc: EvaluationDoc): Evaluation {
  return {
    candidate: doc.candidate,
    baseline: doc.baseline,
    scores: Float64Array.from(doc.scores),
    latency: doc.latency,
    batchPerSecond: doc.batchPerSecond,
    plotFiles: [],
    plots: [],
  };
}

export async function saveEvaluation(file: string, doc: EvaluationDoc): Promise<void> {
  await writeJsonFile(file, { format: EVALUATION_FORMAT, version: 1, ...doc });
}

export async function loadEvaluation(file: string): Promise<EvaluationDoc> {
  const doc = checkDoc(await readJsonFile(file, 'evaluation'), file, EVALUATION_FORMAT, 1, {
    candidate: 'object', baseline: 'object', scores: 'array', labels: 'array', ids: 'array', latency: 'object', batchPerSecond: 'number', trainTestOverlap: 'number', model: 'object',
  });
  const n = (doc.scores as unknown[]).length;
  if ((doc.labels as unknown[]).length !== n || (doc.ids as unknown[]).length !== n) {
    throw formatError(file, `scores (${n}), labels (${(doc.labels as unknown[]).length}) and ids (${(doc.ids as unknown[]).length}) differ in length`);
  }
  // What the gates and the comparison read, in the domain the evaluation step writes (NaN stands
  // for "not measured"); anything else would pass or fail a gate on a value no model can have.
  const unitOrNaN = (v: unknown) => typeof v === 'number' && (Number.isNaN(v) || (v >= 0 && v <= 1));
  for (const k of ['f1', 'rocAuc', 'precision', 'recall', 'threshold'] as const) {
    const v = (doc.candidate as Record<string, unknown>)[k];
    if (typeof v !== 'number') throw formatError(file, `candidate.${k} must be a number`);
    if (k !== 'threshold' && !unitOrNaN(v)) throw formatError(file, `candidate.${k} is ${v}; expected a number in [0, 1] (or NaN)`);
  }
  const p99 = (doc.latency as Record<string, unknown>).p99Ms;
  if (typeof p99 !== 'number') throw formatError(file, 'latency.p99Ms must be a number');
  if (p99 < 0 || p99 === Infinity) throw formatError(file, `latency.p99Ms is ${p99}; expected a duration >= 0 ms (or NaN)`);
  const overlap = doc.trainTestOverlap as number;
  if (!Number.isInteger(overlap) || overlap < 0) throw formatError(file, `trainTestOverlap is ${overlap}; expected a count >= 0`);
  const bad = (field: string, list: unknown[], ok: (x: unknown) => boolean, expected: string) => {
    const i = list.findIndex((x) => !ok(x));
    if (i >= 0) throw formatError(file, `${field}[${i}] is ${JSON.stringify(list[i])}; expected ${expected}`);
  };
  bad('scores', doc.scores as unknown[], (x) => typeof x === 'number', 'a number');
  bad('labels', doc.labels as unknown[], (x) => x === 0 || x === 1, '0 or 1');
  bad('ids', doc.ids as unknown[], (x) => typeof x === 'string', 'an e-mail id (a string)');
  if (doc.modelSha256 !== undefined && !isSha256Hex(doc.modelSha256)) {
    throw formatError(file, `modelSha256 is ${JSON.stringify(doc.modelSha256)}; expected the sha256 of the model's artifact.json (64 hex digits)`);
  }
  const { format: _f, version: _v, ...rest } = doc;
  return rest as unknown as EvaluationDoc;
}

// ---------------------------------------------------------------- gate and comparison reports

const GATES_FORMAT = 'train-spam/gate-report';
const COMPARISON_FORMAT = 'train-spam/comparison';

export async function saveGateReport(file: string, report: GateReport): Promise<void> {
  await writeJsonFile(file, { format: GATES_FORMAT, version: 1, ...report });
}

export async function loadGateReport(file: string): Promise<GateReport> {
  const doc = checkDoc(await readJsonFile(file, 'gate report'), file, GATES_FORMAT, 1, { passed: 'boolean', gates: 'array', thresholds: 'object' });
  // the promotion acts on `passed`: it must be what the gates listed say
  const gates = doc.gates as unknown[];
  const i = gates.findIndex((g) => !isObject(g) || typeof g.name !== 'string' || typeof g.passed !== 'boolean');
  if (i >= 0) throw formatError(file, `gates[${i}] must be an object with a string 'name' and a boolean 'passed'`);
  const all = gates.length > 0 && gates.every((g) => (g as { passed: boolean }).passed);
  if (doc.passed !== all) {
    throw formatError(file, `says passed=${String(doc.passed)} but ${gates.length === 0 ? 'lists no gate' : `its gates say ${String(all)}`}; the report is inconsistent`);
  }
  const { format: _f, version: _v, ...rest } = doc;
  return rest as unknown as GateReport;
}

/** The comparison artifact: the result plus the decision the KFP condition reads. */
export interface ComparisonDoc extends ComparisonResult {
  readonly decision: 'promote' | 'reject';
}

export async function saveComparison(file: string, result: ComparisonResult): Promise<ComparisonDoc> {
  const doc: ComparisonDoc = { ...result, decision: result.passed ? 'promote' : 'reject' };
  await writeJsonFile(file, { format: COMPARISON_FORMAT, version: 1, ...doc });
  return doc;
}

export async function loadComparison(file: string): Promise<ComparisonDoc> {
  const doc = checkDoc(await readJsonFile(file, 'comparison report'), file, COMPARISON_FORMAT, 1, {
    status: 'string', passed: 'boolean', reasons: 'array', deltas: 'object', candidate: 'object', thresholds: 'object', decision: 'string',
  });
  // the promotion acts on `passed`, the KFP condition on `decision`: both must follow the status
  if (!['first_model', 'passed', 'failed'].includes(doc.status as string)) {
    throw formatError(file, `status ${JSON.stringify(doc.status)}; expected 'first_model', 'passed' or 'failed'`);
  }
  const passed = doc.status !== 'failed';
  if (doc.passed !== passed || doc.decision !== (passed ? 'promote' : 'reject')) {
    throw formatError(file, `status '${doc.status as string}' with passed=${String(doc.passed)} and decision ${JSON.stringify(doc.decision)}; the report is inconsistent`);
  }
  const { format: _f, version: _v, ...rest } = doc;
  return rest as unknown as ComparisonDoc;
}
