/** Entity-frame timestamps of the point-in-time join: what counts as no date, and what is refused. */
import { describe, expect, it } from 'vitest';
import { fitFeaturePipeline } from '../../../src/features/pipeline.js';
import { getHistoricalFeatures, materializeViews } from '../../../src/features/store.js';
import { smallCorpus } from './records.js';

const all = smallCorpus(30);
const pipe = fitFeaturePipeline(all.slice(0, 20));
const tables = materializeViews(pipe, all);
const dated = all.find((r) => r.event_timestamp !== null)!;
const undated = all.find((r) => r.event_timestamp === null)!;

describe('getHistoricalFeatures entity timestamps', () => {
  it('an absent timestamp is no date, as null is (was: NaN, and "no row for e-mail")', () => {
    const want = getHistoricalFeatures(tables, { emailIds: [undated.email_id], eventTimestamps: [null] });
    const got = getHistoricalFeatures(tables, { emailIds: [undated.email_id], eventTimestamps: [undefined as never] });
    expect(Array.from(got.dense.data)).toEqual(Array.from(want.dense.data));
  });

  it('a Date (a parquet TIMESTAMP as read) is its instant', () => {
    const want = getHistoricalFeatures(tables, { emailIds: [dated.email_id], eventTimestamps: [dated.event_timestamp] });
    const got = getHistoricalFeatures(tables, { emailIds: [dated.email_id], eventTimestamps: [new Date(dated.event_timestamp!) as never] });
    expect(Array.from(got.dense.data)).toEqual(Array.from(want.dense.data));
  });

  it('a string or a bigint is INVALID_ARGUMENT naming the row and the e-mail (was: "no row" / a TypeError)', () => {
    for (const [v, what] of [['2002-09-02', 'a string'], [BigInt(dated.event_timestamp!), 'a bigint'], [new Date(NaN), 'an invalid object']] as const) {
      expect(() => getHistoricalFeatures(tables, { emailIds: [undated.email_id, dated.email_id], eventTimestamps: [null, v as never] })).toThrow(
        expect.objectContaining({
          code: 'INVALID_ARGUMENT',
          message: `entity frame: event timestamp of row 1 (e-mail '${dated.email_id}') is ${what}; expected milliseconds since 1970 or null`,
          details: { row: 1, email_id: dated.email_id },
        }),
      );
    }
  });
});
