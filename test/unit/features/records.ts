/** Hand-made EmailRecord builders for the feature tests (no dependency on src/data parsing). */
import type { EmailRecord } from '../../../src/data/schema.js';

export function record(p: Partial<EmailRecord> & { email_id: string }): EmailRecord {
  return {
    label: 0,
    sender: null,
    sender_domain: null,
    reply_to: null,
    num_recipients: 1,
    subject: '',
    body_text: '',
    body_html: null,
    has_html: false,
    is_multipart: false,
    num_attachments: 0,
    event_timestamp: null,
    size_bytes: 100,
    source_group: 'test',
    ...p,
  };
}

export const DAY = 86_400_000;
export const T0 = Date.UTC(2002, 8, 2, 12, 0, 0); // Monday 2002-09-02 12:00 UTC

const HAM_WORDS = ['meeting', 'project', 'report', 'lunch', 'schedule', 'review', 'notes', 'team', 'update', 'agenda'];
const SPAM_WORDS = ['free', 'money', 'offer', 'winner', 'click', 'cash', 'prize', 'viagra', 'credit', 'cheap'];

/** A deterministic small corpus: ham and spam from a few domains over 40 days. */
export function smallCorpus(n = 60): EmailRecord[] {
  const out: EmailRecord[] = [];
  for (let i = 0; i < n; i++) {
    const spam = i % 3 === 0 ? 1 : 0;
    const words = spam ? SPAM_WORDS : HAM_WORDS;
    const body = Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ');
    const domain = spam ? ['spam.biz', 'deals.ru'][i % 2] : ['corp.com', 'uni.edu', 'spam.biz'][i % 3];
    out.push(record({
      email_id: `e${String(i).padStart(3, '0')}`,
      label: spam as 0 | 1,
      sender: `user${i}@${domain}`,
      sender_domain: domain,
      subject: spam ? `WIN ${words[i % 10]} NOW!!!` : `Re: ${words[i % 10]}`,
      body_text: body + (spam ? ' visit http://x.example/win $$$' : ''),
      body_html: spam === 1 && i % 2 === 0 ? `<html><a href="http://x">x</a><img src="a.png"></html>` : null,
      has_html: spam === 1 && i % 2 === 0,
      event_timestamp: i % 17 === 5 ? null : T0 + i * 16 * 3_600_000,
    }));
  }
  return out;
}
