/**
 * Credential hygiene: URLs are shown without user-info, query secrets or tokens; messages that
 * may echo a secret are scrubbed before they reach an error or a log line.
 */

/**
 * User-info in a text, found in the text itself: a password may hold an unencoded '/', '?' or '#',
 * which URL parsing reads as a path, a query or a fragment (or as no URL at all). After each `//`,
 * the token up to white space is taken apart at its last '@': what comes before it is user-info
 * unless it reads as a host followed by a path, query or fragment (a '/', '?' or '#' with no ':'
 * before it: `host/team@corp`, `host?mail=a@b`). A ':' before the first of them counts as
 * user-info (`user:pa/ss@host`), also where it could have been a port (`host:5000/x@y`): hidden
 * and refused, on the safe side.
 */
function hideUserInfo(text: string): { text: string; found: boolean } {
  let out = '';
  let i = 0;
  let found = false;
  for (let s = text.indexOf('//', i); s >= 0; s = text.indexOf('//', i)) {
    const from = s + 2;
    let end = from;
    while (end < text.length && !/\s/.test(text[end])) end++;
    const at = text.lastIndexOf('@', end - 1);
    if (at >= from && isUserInfo(text.slice(from, at))) {
      out += text.slice(i, from) + '***';
      i = at;
      found = true;
    } else {
      out += text.slice(i, from);
      i = from;
    }
  }
  return { text: out + text.slice(i), found };
}

function isUserInfo(before: string): boolean {
  const d = before.search(/[/?#]/);
  return d < 0 || before.slice(0, d).includes(':');
}

/** `https://user:pw@host/x?token=…` → `https://***@host/x?token=***`. Non-URLs pass through (their user-info hidden). */
export function redactUrl(raw: string): string {
  const hidden = hideUserInfo(raw).text;
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
  if (hideUserInfo(raw).found) return true;
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
