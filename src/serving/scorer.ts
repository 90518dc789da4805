/**
 * Scoring: one model artifact (fitted feature pipeline + fitted model) turns raw RFC-822 e-mails
 * or parsed records into P(spam). The same object serves the evaluation latency measurement and
 * the comparison against the Staging model.
 */
import { isTrainSpamError, TrainSpamError } from '../core/errors.js';
import { parseEmailPostal, parseEmailSync, type RawMessage } from '../data/mime.js';
import { MimeReader } from '../data/mime-reader.js';
import { rawMessageProblem } from '../data/raw-check.js';
import type { EmailRecord } from '../data/schema.js';
import type { FeatureMatrix } from '../core/matrix.js';
import type { JsonValue } from '../core/payload.js';
import { featurePipelineFromPayload } from '../features/pipeline-payload.js';
import type { FittedFeaturePipeline } from '../features/pipeline.js';
import type { Fitted } from '../models/contract.js';
import { fittedFromPayload } from '../models/registry.js';
import { loadModelArtifact, saveModelArtifact, type ArtifactMetadata, type ModelArtifact } from '../io/model-artifact.js';

export class SpamScorer {
  /** Scratch buffers of the MIME reader, kept between calls (a scorer is used by one thread). */
  private readonly reader = new MimeReader();

  constructor(
    readonly features: FittedFeaturePipeline,
    readonly model: Fitted,
    readonly metadata: ArtifactMetadata = {},
  ) {}

  /** Batch scoring of parsed records. */
  scoreRecords(records: readonly EmailRecord[]): Float64Array {
    return this.model.predictProba(this.features.transform(records));
  }

  /** One raw message → P(spam): MIME parsing, the five feature views, the model. */
  async scoreRaw(raw: RawMessage, emailId = 'input'): Promise<number> {
    return this.model.predictProba(await this.featuresRaw(raw, emailId))[0];
  }

  /** The feature row `scoreRaw` hands the model (one row, the pipeline's column order). */
  async featuresRaw(raw: RawMessage, emailId = 'input'): Promise<FeatureMatrix> {
    return this.features.transform([await this.parseRaw(raw, emailId)]);
  }

  /**
   * The record of one raw message, as data preparation builds it for training (`parseEmail`):
   * our MIME reader without awaits, postal-mime for the messages the reader declines.
   * INVALID_ARGUMENT for a value that is neither text nor bytes, INVALID_DATA for text that is no
   * RFC-822 message (empty, or no header line before the body): both parsers would turn it into an
   * empty record and the model would score that.
   */
  async parseRaw(raw: RawMessage, emailId = 'input'): Promise<EmailRecord> {
    if (typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
      throw new TrainSpamError('INVALID_ARGUMENT', `e-mail ${emailId}: the raw message must be a string or a Uint8Array, got ${typeOf(raw)}`, {
        email_id: emailId,
        type: typeOf(raw),
      });
    }
    const problem = rawMessageProblem(raw);
    if (problem !== null) {
      throw new TrainSpamError('INVALID_DATA', `e-mail ${emailId}: not an RFC-822 message: ${problem}`, { email_id: emailId });
    }
    const meta = { email_id: emailId, label: 0 as const, source_group: 'serving' };
    return parseEmailSync(raw, meta, this.reader) ?? parseEmailPostal(raw, meta);
  }

  toArtifact(metadata: ArtifactMetadata = this.metadata): ModelArtifact {
    return { featurePipeline: this.features.toPayload(), model: this.model.toPayload(), metadata };
  }
}

/** What a value is, for an error message: `null`, `an array`, `number`, `object (ArrayBuffer)`, ... */
function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'object') return typeof v;
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== 'Object' ? `object (${ctor})` : 'object';
}

export function scorerFromArtifact(artifact: ModelArtifact): SpamScorer {
  const features = featurePipelineFromPayload(artifact.featurePipeline);
  const model = fittedFromPayload(artifact.model);
  if (model.numFeatures !== features.numFeatures) {
    throw new TrainSpamError('FORMAT_ERROR', `model artifact is inconsistent: the model expects ${model.numFeatures} features but its feature pipeline makes ${features.numFeatures}`);
  }
  // the same count split otherwise (an edited artifact) would fail every e-mail one by one: refused here, once
  const meta = artifact.model.meta as { denseCols?: unknown; sparseCols?: unknown };
  const sparse = features.numFeatures - features.denseCols;
  if (meta.denseCols !== features.denseCols || meta.sparseCols !== sparse) {
    throw new TrainSpamError(
      'FORMAT_ERROR',
      `model artifact is inconsistent: the model was trained on ${String(meta.denseCols)} dense + ${String(meta.sparseCols)} sparse columns but its feature pipeline makes ${features.denseCols} + ${sparse}`,
    );
  }
  return new SpamScorer(features, model, artifact.metadata);
}

export async function loadScorer(dir: string): Promise<SpamScorer> {
  const artifact = await loadModelArtifact(dir);
  try {
    return scorerFromArtifact(artifact);
  } catch (e) {
    // the payload readers know what is wrong, not which artifact it is in
    if (isTrainSpamError(e) && (e.code === 'FORMAT_ERROR' || e.code === 'SCHEMA_MISMATCH')) {
      throw new TrainSpamError(e.code, `model artifact ${dir}: ${e.message}`, { ...e.details, artifact: dir });
    }
    throw e;
  }
}

export async function saveScorer(dir: string, scorer: SpamScorer, metadata: { [k: string]: JsonValue } = {}): Promise<void> {
  await saveModelArtifact(dir, scorer.toArtifact({ ...scorer.metadata, ...metadata }), { overwrite: true });
}

/** The most `To:` addresses `recordToRfc822` writes (~24 KB of header). */
export const MAX_RFC822_RECIPIENTS = 1000;

/**
 * Re-creates an RFC-822 message from a processed record, for measuring the raw-to-probability
 * latency when the source table holds parsed fields rather than the original message.
 */
export function recordToRfc822(r: EmailRecord): string {
  const lines: string[] = [];
  // a line break inside a field would start another header line (or end the header section)
  const oneLine = (v: string) => v.replace(/[\r\n]+/g, ' ');
  if (r.sender) lines.push(`From: ${oneLine(r.sender)}`);
  if (r.reply_to) lines.push(`Reply-To: ${oneLine(r.reply_to)}`);
  // One address per recipient, up to MAX_RFC822_RECIPIENTS: a table may hold any INT32 count, and
  // 2^31 addresses are no e-mail (the header alone would be ~40 GB; the MIME parser takes 2 MB).
  const rcpt = Math.min(MAX_RFC822_RECIPIENTS, Math.max(1, Number.isFinite(r.num_recipients) ? r.num_recipients : 1));
  lines.push(`To: ${Array.from({ length: rcpt }, (_, i) => `user${i}@example.org`).join(', ')}`);
  lines.push(`Subject: ${oneLine(r.subject)}`);
  if (r.event_timestamp !== null) lines.push(`Date: ${new Date(r.event_timestamp).toUTCString().replace('GMT', '+0000')}`);
  lines.push(`Message-ID: <${r.email_id.replace(/[^A-Za-z0-9.-]/g, '_')}@train-spam>`);
  lines.push('MIME-Version: 1.0');
  if (r.body_html !== null) {
    const b = `ts-boundary-${freeBoundaryNumber(r.body_text, r.body_html)}`;
    lines.push(`Content-Type: multipart/alternative; boundary="${b}"`, '');
    lines.push(`--${b}`, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', r.body_text);
    lines.push(`--${b}`, 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', r.body_html, `--${b}--`, '');
  } else {
    lines.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', r.body_text, '');
  }
  return lines.join('\r\n');
}

/**
 * The smallest n ≥ 1 such that no body contains `ts-boundary-<n>`: a boundary that no body line can
 * be mistaken for. One scan of each body (testing n = 1, 2, … with includes() was quadratic in a
 * body that lists many of them: 19 s for 1.4 MB). `ts-boundary-<n>` occurs exactly where an
 * occurrence of `ts-boundary-` is followed by digits that start with n's; n never needs more than
 * 16 digits.
 */
export function freeBoundaryNumber(...bodies: string[]): number {
  const taken = new Set<string>();
  for (const body of bodies) {
    for (const m of body.matchAll(/ts-boundary-(\d{1,16})/g)) {
      const d = m[1];
      for (let k = 1; k <= d.length; k++) taken.add(d.slice(0, k));
    }
  }
  let n = 1;
  while (taken.has(String(n))) n++;
  return n;
}

