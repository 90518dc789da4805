/** Small synthetic e-mail records for tests that need a valid table but not realistic text. */
import type { EmailRecord } from '../../src/data/schema.js';

/** Record i: a spam every third, 5 sender domains, 13 body texts, dates in February 2002. */
export const syntheticRecord = (i: number): EmailRecord => ({
  email_id: `x/${i}`, label: (i % 3 === 0 ? 1 : 0) as 0 | 1, sender: `a${i}@d${i % 5}.example`, sender_domain: `d${i % 5}.example`,
  reply_to: null, num_recipients: 1, subject: `subject ${i % 7}`, body_text: `word${i % 11} body text number ${i % 13} and more`,
  body_html: null, has_html: false, is_multipart: false, num_attachments: 0, event_timestamp: Date.UTC(2002, 1, 1 + (i % 27)),
  size_bytes: 900, source_group: 'x',
});
