/**
 * Credential hygiene: URLs are shown without user-info, query secrets or tokens; messages that
 * may echo a secret are scrubbed before they reach an error or a log line.
 */

/** `https://user:pw@host/x?token=…` → `https://***@host/x?token=***`. Non-URLs pass through. */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return raw.replace(/\/\/[^/@\s]*@/g, '//***@');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return raw.replace(/\/\/[^/@\s]*@/g, '//***@');
  const userinfo = u.username || u.password ? '***@' : '';
  for (const k of [...u.searchParams.keys()]) {
    if (/token|secret|password|key|auth/i.test(k)) u.searchParams.set(k, '***');
  }
  const search = u.searchParams.toString();
  return `${u.protocol}//${userinfo}${u.host}${u.pathname === '/' ? '' : u.pathname}${search ? `?${search}` : ''}`;
}

/** Whether a URI carries what redactUrl hides: user-info, or a token-like query value. */
export function hasCredentials(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return /\/\/[^/@\s]*@/.test(raw);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return /\/\/[^/@\s]*@/.test(raw);
  return u.username !== '' || u.password !== '' || [...u.searchParams.keys()].some((k) => /token|secret|password|key|auth/i.test(k));
}

/** Replaces every occurrence of the given secrets (and their base64 forms) in a text. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 3) continue;
    out = out.split(s).join('***');
  }
  return out;
}
