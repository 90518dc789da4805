/**
 * The feature-view contract. A view has a stable name and an ordered list of features; a dense view
 * writes one record's values into a row slice. Stateless views (text, structural, temporal) are
 * constants; fitted views (sender history) are built by the pipeline from training data. The TF-IDF
 * view is sparse and produced by `FittedTfidf`.
 */
import type { EmailRecord } from '../data/schema.js';

export interface DenseFeatureView {
  readonly name: string;
  /** Feature names inside the view, in column order (the matrix name is `${view}__${feature}`). */
  readonly features: readonly string[];
  /**
   * Writes the record's values to out[offset .. offset + features.length). Pure; never reads the
   * label. `text` is `emailText(record)` when the caller already built it (saves a copy).
   */
  compute(record: EmailRecord, out: Float64Array, offset: number, text?: string): void;
}

/** Description of a view in a fitted pipeline (names only). */
export interface ViewInfo {
  readonly name: string;
  readonly features: readonly string[];
  readonly kind: 'dense' | 'sparse';
}

export const VIEW_NAMES = Object.freeze({
  text: 'email_text_features',
  structural: 'email_structural_features',
  temporal: 'email_temporal_features',
  tfidf: 'email_tfidf_features',
  sender: 'sender_domain_features',
} as const);

/** Matrix column name of a view feature. */
export function qualifiedName(view: string, feature: string): string {
  return `${view}__${feature}`;
}

/** The text the text view and the TF-IDF view read: subject, a newline, then the plain-text body. */
export function emailText(r: EmailRecord): string {
  return (r.subject ?? '') + '\n' + (r.body_text ?? '');
}
