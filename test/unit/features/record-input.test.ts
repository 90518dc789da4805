/**
 * Records handed to the pipeline by a caller: an absent field reads as missing (exactly as null,
 * which the table reader and the MIME parser write), a value of the wrong type is an INVALID_DATA
 * error naming the row, the e-mail and the field, never a NaN or a silently different feature.
 */
import { describe, expect, it } from 'vitest';
import { fitFeaturePipeline, fitTransformFeaturePipeline, FeaturePipelineFitter } from '../../../src/features/pipeline.js';
import { buildSenderHistory } from '../../../src/features/sender-history.js';
import { fitTfidf } from '../../../src/features/tfidf.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { DAY, record, smallCorpus, T0 } from './records.js';

const train = smallCorpus(60);
const pipe = fitFeaturePipeline(train);

/** The record with `field` deleted (as a caller's object literal that leaves it out). */
function without(r: EmailRecord, field: keyof EmailRecord): EmailRecord {
  const copy: Partial<EmailRecord> = { ...r };
  delete copy[field];
  return copy as EmailRecord;
}

describe('absent fields read as null', () => {
  const base = record({
    email_id: 'q',
    sender: 'x@spam.biz',
    sender_domain: 'spam.biz',
    subject: 'free money',
    body_text: 'click here for cash',
    event_timestamp: T0 + 50 * DAY,
  });

  it.each(['body_html', 'reply_to', 'sender_domain', 'sender', 'event_timestamp', 'has_html', 'num_recipients'] as const)(
    'a record without %s gets the features of the same record with null there',
    (field) => {
      const nulled = { ...base, [field]: null } as unknown as EmailRecord;
      const want = pipe.transform([nulled]);
      // before: body_html/reply_to absent set has_html/reply_to_differs to 1; sender_domain absent threw a TypeError
      const got = pipe.transform([without(base, field)]);
      expect(Array.from(got.dense.data)).toEqual(Array.from(want.dense.data));
      expect(Array.from(got.sparse.data)).toEqual(Array.from(want.sparse.data));
    },
  );

  it('has_html and reply_to_differs stay 0 when body_html and reply_to are absent', () => {
    const m = pipe.transform([without(without(base, 'body_html'), 'reply_to')]);
    const col = (name: string) => m.dense.data[pipe.featureNames.indexOf(name)];
    expect(col('email_structural_features__has_html')).toBe(0);
    expect(col('email_structural_features__reply_to_differs')).toBe(0);
  });

  it('fitting on records without sender_domain treats them as having no domain', () => {
    const bare = train.map((r) => without(r, 'sender_domain'));
    const nulled = train.map((r) => ({ ...r, sender_domain: null }));
    expect(fitFeaturePipeline(bare).sender.arrays.domains).toEqual([]);
    expect(Array.from(fitTransformFeaturePipeline(bare).matrix.dense.data)).toEqual(Array.from(fitTransformFeaturePipeline(nulled).matrix.dense.data));
    const h = buildSenderHistory(train, train.map((r) => r.label), 2);
    expect(h.lookup(undefined as never, T0 + 90 * DAY).count).toBe(0);
  });
});

describe('fields of the wrong type are INVALID_DATA naming row, e-mail and field', () => {
  const good = record({ email_id: 'ok', body_text: 'money' });
  const cases: Array<[keyof EmailRecord, unknown, string]> = [
    ['subject', 42, 'a number'], // was: subject_length NaN
    ['body_text', { text: 'x' }, 'an object'], // was: the text "[object Object]"
    ['event_timestamp', new Date(T0), 'an object (Date)'], // was: date_missing = 1, no sender history
    ['event_timestamp', '2002-09-02', 'a string'],
    ['sender_domain', 7, 'a number'], // was: TypeError (trim is not a function)
    ['body_html', ['<a href=x>'], 'an array'],
    ['has_html', 'false', 'a string'], // was: the string 'false' read as true
    ['num_attachments', '3', 'a string'],
  ];

  it.each(cases)('%s = %o', (field, value, described) => {
    const bad = { ...good, email_id: 'e-bad', [field]: value } as unknown as EmailRecord;
    const expected = {
      name: 'TrainSpamError',
      code: 'INVALID_DATA',
      message: expect.stringContaining(`record 1 (e-mail e-bad): field '${field}' is ${described}; expected a `),
      details: { row: 1, email_id: 'e-bad', field },
    };
    expect(() => pipe.transform([good, bad])).toThrow(expect.objectContaining(expected));
    expect(() => pipe.denseFeatures([good, bad])).toThrow(expect.objectContaining(expected));
    expect(() => fitFeaturePipeline([...train.slice(0, 1), bad])).toThrow(expect.objectContaining(expected));
    expect(() => fitTransformFeaturePipeline([...train.slice(0, 1), bad])).toThrow(expect.objectContaining(expected));
    expect(() => new FeaturePipelineFitter().add([good, bad])).toThrow(expect.objectContaining(expected));
  });

  it('a record that is not an object', () => {
    for (const v of [null, undefined, 'text']) {
      const expected = expect.objectContaining({ code: 'INVALID_DATA', details: { row: 1 }, message: expect.stringMatching(/record 1 is .*; expected an e-mail record/) });
      expect(() => pipe.transform([train[0], v as never])).toThrow(expected);
      // the fit reads each record's label first when no labels are given: that read must not be a TypeError
      expect(() => fitFeaturePipeline([train[0], v as never])).toThrow(expected);
      expect(() => fitTransformFeaturePipeline([train[0], v as never])).toThrow(expected);
    }
  });
});

describe('FittedTfidf.transform of a non-string document', () => {
  const f = fitTfidf(['free money now', 'meeting notes today']);

  it('is INVALID_DATA naming the document, as the fit does (was: an empty row for a number, a TypeError for null)', () => {
    for (const [doc, what] of [[5, 'number'], [null, 'null'], [undefined, 'undefined'], [{}, 'object']] as const) {
      expect(() => f.transform(['money', doc as never])).toThrow(
        expect.objectContaining({ code: 'INVALID_DATA', message: `tfidf: document 1 is ${what}; expected a string`, details: { row: 1 } }),
      );
    }
  });
});
