/**
 * Strict parsing of the RFC 5322 `Date:` header to UTC milliseconds.
 *
 * `Date.parse` and postal-mime (which calls `new Date(value)`) accept almost anything: year
 * `0102` becomes 102 AD, `2002/09/14 Sat 02:29:32 CDT` becomes a date. A feature store that
 * orders e-mails by time must not trust such values, so this parser accepts only the RFC 5322
 * grammar plus the obsolete and common real-world forms seen in mail archives, and returns null
 * for anything else:
 *
 * - `[day-name[,]] day month year hour:minute[:second] [AM|PM] [zone] [trailing junk]`
 * - asctime: `day-name month day hour:minute:second year` (no zone → UTC)
 * - years: 4 digits as is, 2 digits → 19xx/20xx (< 50 → 20xx), 3 digits → +1900 (RFC 5322 obs-year);
 *   a date outside [1970, 2100) in UTC, after the zone is applied, is treated as garbage (null):
 *   the loader rejects event timestamps outside that range, so one the parser returned would make
 *   a table the tool wrote itself unreadable.
 * - zones: `+hhmm`/`-hhmm` with hh < 24 (also the common typo `+-hhmm` = `-hhmm`, and unsigned `hhmm`),
 *   RFC 822 names (UT, GMT, Z, EST, EDT, CST, CDT, MST, MDT, PST, PDT), `GMT+h`, a few Windows
 *   names (`Eastern Daylight Time`); a missing, `-0000` or unknown zone is taken as UTC.
 * - field ranges are checked (day within the month, hour < 24, minute < 60, second ≤ 60).
 */

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

const DAY_NAME = /^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?$/i;

/** Offsets in minutes east of UTC. */
const NAMED_ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, bst: 60, cet: 60, met: 60, cest: 120, mest: 120, eet: 120, eest: 180,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  hst: -600, akst: -540, akdt: -480, jst: 540, kst: 540, ist: 330, aest: 600, aedt: 660,
  'eastern standard time': -300, 'eastern daylight time': -240,
  'central standard time': -360, 'central daylight time': -300,
  'mountain standard time': -420, 'mountain daylight time': -360, 'us mountain standard time': -420,
  'pacific standard time': -480, 'pacific daylight time': -420,
  'gmt standard time': 0, 'gmt daylight time': 60, 'greenwich standard time': 0,
  'arabian standard time': 240, 'china standard time': 480, 'tokyo standard time': 540,
  'w. europe standard time': 60, 'w. europe daylight time': 120, 'romance standard time': 60,
};

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2100;

const MIN_UTC_MS = Date.UTC(MIN_YEAR, 0, 1);
const MAX_UTC_MS = Date.UTC(MAX_YEAR, 0, 1);

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Parses an RFC 5322 date header value to UTC milliseconds, or null when it is not a valid date. */
export function parseMailDate(value: string | null | undefined): number | null {
  if (!value) return null;
  // Drop comments such as "(EDT)" and "(GMT)"; fold whitespace.
  const text = value.replace(/\([^()]*\)/g, ' ').trim();
  if (text.length === 0 || text.length > 200) return null;
  const tokens = text.split(/[\s]+/);
  let i = 0;
  if (DAY_NAME.test(tokens[0])) i++;
  else if (/^(mon|tue|wed|thu|fri|sat|sun)[a-z]*,/i.test(tokens[0])) {
    // "Wed,29 May 2002": day name glued to the day number
    tokens.splice(0, 1, tokens[0].slice(tokens[0].indexOf(',') + 1));
  }
  let day: number;
  let month: number;
  let year: number;
  let time: string | undefined;
  const first = tokens[i];
  if (first !== undefined && /^\d{1,2}$/.test(first)) {
    // day month year time
    day = Number(first);
    const m = monthOf(tokens[i + 1]);
    if (m === null) return null;
    month = m;
    const y = yearOf(tokens[i + 2]);
    if (y === null) return null;
    year = y;
    time = tokens[i + 3];
    i += 4;
  } else if (first !== undefined && monthOf(first) !== null && /^\d{1,2}$/.test(tokens[i + 1] ?? '')) {
    // asctime: month day time year
    month = monthOf(first)!;
    day = Number(tokens[i + 1]);
    time = tokens[i + 2];
    const y = yearOf(tokens[i + 3]);
    if (y === null || !/^\d{4}$/.test(tokens[i + 3])) return null;
    year = y;
    i += 4;
  } else {
    return null;
  }
  // The range is checked on the UTC result below; this only keeps Date.UTC off the years < 100
  // it maps to 19xx (year 0102 would become 2002). A zone moves a date by less than a day.
  if (year < MIN_YEAR - 1 || year > MAX_YEAR) return null;
  if (day < 1 || day > DAYS_IN_MONTH[month]) return null;
  if (month === 1 && day === 29 && !isLeap(year)) return null;
  const tm = time === undefined ? null : /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(time);
  if (!tm) return null;
  let hour = Number(tm[1]);
  const minute = Number(tm[2]);
  const second = tm[3] === undefined ? 0 : Number(tm[3]);
  // Optional AM/PM marker.
  const ampm = tokens[i]?.toLowerCase();
  if (ampm === 'am' || ampm === 'pm') {
    if (hour < 1 || hour > 12) return null;
    if (ampm === 'am' && hour === 12) hour = 0;
    if (ampm === 'pm' && hour !== 12) hour += 12;
    i++;
  }
  if (hour > 23 || minute > 59 || second > 60) return null;
  const offset = zoneOffset(tokens, i);
  const utc = Date.UTC(year, month, day, hour, minute, second) - offset * 60_000;
  return utc >= MIN_UTC_MS && utc < MAX_UTC_MS ? utc : null;
}

function monthOf(token: string | undefined): number | null {
  if (!token || token.length < 3) return null;
  const m = MONTHS[token.slice(0, 3).toLowerCase()];
  if (m === undefined) return null;
  // "Aug", "August", "Aug." are fine; "Augxyz" is not.
  const rest = token.slice(3).toLowerCase().replace(/\.$/, '');
  if (rest.length > 0 && !FULL_MONTHS[m].startsWith(token.slice(0, 3).toLowerCase() + rest)) return null;
  return m;
}

const FULL_MONTHS = [
  'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
  'november', 'december',
];

function yearOf(token: string | undefined): number | null {
  if (!token || !/^\d{2,4}$/.test(token)) return null;
  const n = Number(token);
  if (token.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  if (token.length === 3) return 1900 + n;
  return n;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Minutes east of UTC from the tokens after the time; unknown or missing → 0 (UTC). */
function zoneOffset(tokens: string[], i: number): number {
  const tok = tokens[i];
  if (tok === undefined) return 0;
  const numeric = /^(\+-|-\+|[+-])?(\d{2})(\d{2})$/.exec(tok);
  if (numeric) {
    const sign = numeric[1] && numeric[1].includes('-') ? -1 : 1;
    const h = Number(numeric[2]);
    const m = Number(numeric[3]);
    // Offsets beyond ±14h (e.g. -1600, -1900) occur in spam; like Python's email.utils we apply
    // any hh < 24, mm < 60 rather than guessing.
    if (h > 23 || m > 59) return 0;
    return sign * (h * 60 + m);
  }
  const gmtPlus = /^(?:gmt|utc)([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(tok);
  if (gmtPlus) {
    const v = Number(gmtPlus[2]) * 60 + Number(gmtPlus[3] ?? 0);
    return v > 14 * 60 ? 0 : gmtPlus[1] === '-' ? -v : v;
  }
  // Multi-word Windows zone names: try the longest phrase first.
  for (let len = 4; len >= 1; len--) {
    if (i + len > tokens.length) continue;
    const phrase = tokens.slice(i, i + len).join(' ').toLowerCase();
    const off = NAMED_ZONES[phrase];
    if (off !== undefined) return off;
  }
  return 0;
}
