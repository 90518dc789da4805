/**
 * The processed e-mail record: one row of `datasets/processed/emails/all_emails.parquet`.
 * Everything the feature views need is derivable from these columns (no raw message required).
 */

export type SourceGroup = 'easy-ham-1' | 'easy-ham-2' | 'hard-ham-1' | 'spam-1' | 'spam-2' | string;

export interface EmailRecord {
  /** Stable id (e.g. `<group>/<file name>` for the SpamAssassin corpus). */
  email_id: string;
  /** 1 = spam, 0 = ham. */
  label: 0 | 1;
  /** Sender address from From: (lower-cased), null when absent. */
  sender: string | null;
  /** Domain part of the sender (lower-cased), null when absent. */
  sender_domain: string | null;
  /** Reply-To address (lower-cased), null when absent. */
  reply_to: string | null;
  /** Number of addresses in To + Cc. */
  num_recipients: number;
  subject: string;
  /** Plain-text body: the text/plain part, or text extracted from the HTML part. */
  body_text: string;
  /** The HTML part when one exists, else null. */
  body_html: string | null;
  has_html: boolean;
  is_multipart: boolean;
  num_attachments: number;
  /** Date header in UTC, milliseconds since epoch; null when missing or unparseable. */
  event_timestamp: number | null;
  /** Size of the raw message in bytes. */
  size_bytes: number;
  /** Corpus folder / provenance. */
  source_group: string;
}

/** Column names in file order, with their parquet logical types. */
export const EMAIL_COLUMNS = [
  ['email_id', 'STRING'],
  ['label', 'INT32'],
  ['sender', 'STRING'],
  ['sender_domain', 'STRING'],
  ['reply_to', 'STRING'],
  ['num_recipients', 'INT32'],
  ['subject', 'STRING'],
  ['body_text', 'STRING'],
  ['body_html', 'STRING'],
  ['has_html', 'BOOLEAN'],
  ['is_multipart', 'BOOLEAN'],
  ['num_attachments', 'INT32'],
  ['event_timestamp', 'TIMESTAMP'],
  ['size_bytes', 'INT64'],
  ['source_group', 'STRING'],
] as const;
