/**
 * Type checks of the record fields the feature views read. Records built by the table reader and
 * the MIME parser always pass; records handed in by a caller (`transform`, `scoreRecords`, a fit)
 * may not. A field that is absent (undefined) or null reads as missing, as the table reader writes
 * it; a value of another type would become a NaN or a silently different feature (a subject of 42
 * has no length, a Date object as event_timestamp reads as "no date"), so it is an INVALID_DATA
 * error naming the row, the e-mail and the field.
 */
import { invalidData } from '../core/errors.js';
import type { EmailRecord } from '../data/schema.js';

type Kind = 'string' | 'number' | 'boolean';

/** The fields the five views and the fit read, with their type when present. */
const FIELDS: ReadonlyArray<readonly [keyof EmailRecord, Kind]> = [
  ['subject', 'string'],
  ['body_text', 'string'],
  ['body_html', 'string'],
  ['sender', 'string'],
  ['sender_domain', 'string'],
  ['reply_to', 'string'],
  ['event_timestamp', 'number'],
  ['num_recipients', 'number'],
  ['num_attachments', 'number'],
  ['has_html', 'boolean'],
  ['is_multipart', 'boolean'],
];

/** Throws INVALID_DATA for the first record (index = row) that is not an object or has a field of the wrong type. */
export function checkRecords(records: readonly EmailRecord[]): void {
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as unknown;
    if (r === null || typeof r !== 'object') {
      throw invalidData(`feature pipeline: record ${i} is ${describe(r)}; expected an e-mail record (object)`, { row: i });
    }
    const rec = r as Record<string, unknown>;
    for (const [field, kind] of FIELDS) {
      const v = rec[field];
      if (v === null || v === undefined || typeof v === kind) continue;
      const id = typeof rec.email_id === 'string' ? rec.email_id : String(rec.email_id);
      throw invalidData(`feature pipeline: record ${i} (e-mail ${id}): field '${field}' is ${describe(v)}; expected a ${kind} or null`, {
        row: i,
        email_id: id,
        field,
      });
    }
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'object') return `a ${typeof v}`;
  const ctor = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor !== 'Object' ? `an object (${ctor})` : 'an object';
}
