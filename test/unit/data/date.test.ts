import { describe, expect, it } from 'vitest';
import { parseMailDate } from '../../../src/data/date.js';

const utc = (s: string) => Date.parse(s);

describe('parseMailDate (strict RFC 5322 Date header)', () => {
  it('parses the RFC 5322 form with a numeric zone', () => {
    expect(parseMailDate('Thu, 22 Aug 2002 18:26:25 +0700')).toBe(utc('2002-08-22T11:26:25Z'));
    expect(parseMailDate('22 Aug 2002 08:28:38 -0000')).toBe(utc('2002-08-22T08:28:38Z'));
    expect(parseMailDate('Mon, 16 Sep 2002 03:27:38 (GMT)')).toBe(utc('2002-09-16T03:27:38Z'));
  });

  it('applies named, Windows-style and GMT+h zones', () => {
    expect(parseMailDate('Fri, 30 Aug 2002 05:32:48 EDT')).toBe(utc('2002-08-30T09:32:48Z'));
    expect(parseMailDate('Fri, 30 Aug 02 05:32:48 Eastern Daylight Time')).toBe(utc('2002-08-30T09:32:48Z'));
    expect(parseMailDate('Fri, 06 Sep 2002 11:12:45 GMT+1')).toBe(utc('2002-09-06T10:12:45Z'));
    expect(parseMailDate('Tue, 17 Sep 2002 11:59:30 +-0500')).toBe(utc('2002-09-17T16:59:30Z'));
  });

  it('treats a missing zone as UTC and handles obsolete years, AM/PM and asctime', () => {
    expect(parseMailDate('Fri, 23 Aug 2002 19:27:52')).toBe(utc('2002-08-23T19:27:52Z'));
    expect(parseMailDate('27 Jun 01 3:36:25 PM')).toBe(utc('2001-06-27T15:36:25Z'));
    expect(parseMailDate('27 Jun 01 12:36:25 AM')).toBe(utc('2001-06-27T00:36:25Z'));
    expect(parseMailDate('Sat Sep 21 08:18:08 2002')).toBe(utc('2002-09-21T08:18:08Z'));
    expect(parseMailDate('Wed,29 May 2002 17:51:47 +0800')).toBe(utc('2002-05-29T09:51:47Z'));
    expect(parseMailDate('Mon, 27 May 2002 10:28:3 +0200')).toBe(utc('2002-05-27T08:28:03Z'));
  });

  it('returns null for the year 0102 and other years before 1970', () => {
    // Date.parse accepts these; a point-in-time join must not.
    expect(Number.isNaN(Date.parse('Thu, 22 Aug 0102 12:07:35 +0800'))).toBe(false);
    expect(parseMailDate('Thu, 22 Aug 0102 12:07:35 +0800')).toBeNull();
    expect(parseMailDate('Thu, 22 Aug 1969 12:07:35 +0800')).toBeNull();
    expect(parseMailDate('Thu, 22 Aug 2150 12:07:35 +0800')).toBeNull();
  });

  it('checks the range [1970, 2100) on the UTC result, after the zone (what the table loader accepts)', () => {
    // local 1970 but UTC 1969, local 2099 but UTC 2100: null, not a timestamp the loader rejects
    expect(parseMailDate('Thu, 01 Jan 1970 00:30:00 +0100')).toBeNull();
    expect(parseMailDate('Thu, 31 Dec 2099 23:00:00 -0500')).toBeNull();
    // local 1969 or 2100 that is in range in UTC is a date
    expect(parseMailDate('Wed, 31 Dec 1969 23:00:00 -0500')).toBe(utc('1970-01-01T04:00:00Z'));
    expect(parseMailDate('Fri, 01 Jan 2100 00:30:00 +0100')).toBe(utc('2099-12-31T23:30:00Z'));
    expect(parseMailDate('Thu, 01 Jan 1970 00:00:00 +0000')).toBe(0);
    expect(parseMailDate('Thu, 31 Dec 2099 23:59:59 +0000')).toBe(utc('2099-12-31T23:59:59Z'));
    expect(parseMailDate('Fri, 01 Jan 2100 00:00:00 +0000')).toBeNull();
  });

  it('returns null for garbage and impossible dates', () => {
    for (const v of [
      '2002/09/14 Sat 02:29:32 CDT',
      'yesterday',
      '',
      'Mon, 31 Feb 2002 10:00:00 +0000',
      'Mon, 29 Feb 2001 10:00:00 +0000',
      'Mon, 10 Foo 2002 10:00:00 +0000',
      'Mon, 10 Aug 2002 25:00:00 +0000',
      'Mon, 10 Aug 2002 +0000',
      '13 Jun 01 13:00:00 PM',
    ]) {
      expect(parseMailDate(v), v).toBeNull();
    }
    expect(parseMailDate(undefined)).toBeNull();
    expect(parseMailDate('Tue, 29 Feb 2000 10:00:00 +0000')).toBe(utc('2000-02-29T10:00:00Z'));
  });
});
