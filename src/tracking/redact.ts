/**
 * Credential hygiene: URLs are shown without user-info, query secrets or tokens; messages that
 * may echo a secret are scrubbed before they reach an error or a log line.
 */

/**
 * User-info after `//`: everything up to the last '@' before white space, a query or a fragment. A
 * password may hold an unencoded '/', which URL parsing reads as the start of a path (or as no URL
 * at all), so the user-info is found in the text itself. A '@' in a path is taken for user-info
 * too: hidden, and refused where credentials are, which errs on the safe side.
 */
const USER_INFO = /\/\/[^\s?#]*@/g;

/** `https://user:pw@host/x?token=…` → `https://***@host/x?token=***`. Non-URLs pass through (their user-info hidden). */
export function redactUrl(raw: string): string {
  const hidden = raw.replace(USER_INFO, '//***@');
  let u: URL;
  try {
    u = new URL(hidden);
  } catch {
    return hidden;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return hidden;
  const userinfo = u.username || u.password ? '***@' : '';
  for (const k of [...u.searchParams.keys()]) {
    if (/token|secret|password|key|auth/i.test(k)) u.searchParams.set(k, '***');
  }
  const search = u.searchParams.toString();
  return `${u.protocol}//${userinfo}${u.host}${u.pathname === '/' ? '' : u.pathname}${search ? `?${search}` : ''}`;
}

/** Whether a URI carries what redactUrl hides: user-info, or a token-like query value. */
export function hasCredentials(raw: string): boolean {
  if (new RegExp(USER_INFO.source).test(raw)) return true;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return u.username !== '' || u.password !== '' || [...u.searchParams.keys()].some((k) => /token|secret|password|key|auth/i.test(k));
}

/**
 * Replaces every occurrence of the given secrets, and of their base64 forms (a server may echo an
 * Authorization header's credential), in a text. Secrets under 3 characters are left: replacing
 * them would garble the text and hide little.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < 3) continue;
    forms.add(s);
    forms.add(Buffer.from(s, 'utf8').toString('base64'));
  }
  // longest first: a secret inside another (the password in user:password) must not break the longer one's match
  let out = text;
  for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('***');
  return out;
}
