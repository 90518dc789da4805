/** scoreRecords on records built by a caller: absent fields score as null, wrong types are refused before the model. */
import { describe, expect, it } from 'vitest';
import { fitTransformFeaturePipeline } from '../../../src/features/pipeline.js';
import { createEstimator } from '../../../src/models/registry.js';
import { scorerFromArtifact, SpamScorer } from '../../../src/serving/scorer.js';
import type { EmailRecord } from '../../../src/data/schema.js';
import { DAY, record, smallCorpus, T0 } from '../features/records.js';

describe('SpamScorer.scoreRecords on caller-built records', async () => {
  const train = smallCorpus(60);
  const { pipeline, matrix } = fitTransformFeaturePipeline(train);
  const model = await createEstimator('logistic', {}).fit({ X: matrix, y: Uint8Array.from(train, (r) => r.label) }, { seed: 3 });
  const scorer = scorerFromArtifact(new SpamScorer(pipeline, model).toArtifact());
  const full = record({ email_id: 'q', sender: 'a@corp.com', sender_domain: 'corp.com', subject: 'Re: meeting', body_text: 'project notes', event_timestamp: T0 + 70 * DAY });

  it('a record without body_html / reply_to / sender_domain scores as the one with null there (was: has_html = 1, reply_to_differs = 1, a TypeError)', () => {
    const partial: Partial<EmailRecord> = { ...full };
    delete partial.body_html;
    delete partial.reply_to;
    const withoutDomain: Partial<EmailRecord> = { ...partial };
    delete withoutDomain.sender_domain;
    expect(scorer.scoreRecords([partial as EmailRecord])[0]).toBe(scorer.scoreRecords([full])[0]);
    expect(scorer.scoreRecords([withoutDomain as EmailRecord])[0]).toBe(scorer.scoreRecords([{ ...full, sender_domain: null }])[0]);
  });

  it('a field of the wrong type is INVALID_DATA naming the row and the field, not a NaN probability', () => {
    expect(() => scorer.scoreRecords([full, { ...full, email_id: 'bad', subject: 7 as never }])).toThrow(
      expect.objectContaining({ code: 'INVALID_DATA', details: { row: 1, email_id: 'bad', field: 'subject' } }),
    );
  });
});
