/**
 * Header text for the MIME reader (mime-reader.ts): a decoded header block → name/value fields,
 * RFC 822 comments removed from a structured value, and a structured value (`text/plain;
 * charset="utf-8"`) → its main value and parameters.
 *
 * The reader must give exactly what postal-mime 4.0.0 gives, so these functions follow the
 * behaviour observed from postal-mime (differential checks: test/unit/data/mime-reader.test.ts and
 * scripts/check-mime-reader.mjs), including how it treats malformed values. Each such behaviour is
 * stated next to the code that produces it. Layer 1: no node:* imports.
 */

const TAB = 0x09;
const SP = 0x20;
const QUOTE = 0x22;
const OPEN = 0x28;
const CLOSE = 0x29;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

/** A structured header value: the main value lower-cased, and the parameters (first one of a name wins). */
export interface HeaderValue {
  value: string;
  params: Map<string, string>;
}

const isBlank = (c: number): boolean => c === SP || c === TAB;

/** Trims SP and HTAB only (other white space, e.g. U+00A0 or a BOM, stays). */
export function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isBlank(s.charCodeAt(a))) a++;
  while (b > a && isBlank(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const CR_RUN = /\r+/g;

/**
 * Appends the fields of a decoded header block whose names are in `wanted` to `out` as name,
 * value, name, value… in order. A field is a line plus the following lines that start with SP or
 * HTAB, joined without separator after each line lost its trailing CRs (the first line of a block
 * starts a field even when it starts with a blank). The name is the text before the first ':'
 * (the whole field when there is none, with an empty value), SP/HTAB-trimmed and lower-cased; the
 * value is the rest with each run of CRs left inside replaced by one space, SP/HTAB-trimmed.
 */
export function readHeaderFields(block: string, wanted: ReadonlySet<string>, out: string[]): void {
  const n = block.length;
  let from = 0;
  while (from < n) {
    const firstLf = block.indexOf('\n', from);
    let lf = firstLf;
    while (lf >= 0 && lf + 1 < n && isBlank(block.charCodeAt(lf + 1))) lf = block.indexOf('\n', lf + 1);
    const to = lf < 0 ? n : lf;
    const start = from;
    from = lf < 0 ? n : lf + 1;
    // most names can be read off the first line, and most fields are not wanted: no join for those
    const colon = block.indexOf(':', start);
    if (colon >= 0 && colon < (firstLf < 0 ? n : firstLf) && !wanted.has(trimBlanks(block.slice(start, colon)).toLowerCase())) continue;
    const field = joinLines(block, start, to);
    const sep = field.indexOf(':');
    const name = trimBlanks(sep < 0 ? field : field.slice(0, sep)).toLowerCase();
    if (!wanted.has(name)) continue;
    let value = sep < 0 ? '' : field.slice(sep + 1);
    if (value.indexOf('\r') >= 0) value = value.replace(CR_RUN, ' ');
    out.push(name, trimBlanks(value));
  }
}

/** The lines of block[from, to) (separated by LF) without their trailing CRs, concatenated. */
function joinLines(block: string, from: number, to: number): string {
  let joined = '';
  for (let a = from; a <= to; ) {
    const lf = block.indexOf('\n', a);
    const stop = lf < 0 || lf > to ? to : lf;
    let b = stop;
    while (b > a && block.charCodeAt(b - 1) === 0x0d) b--;
    joined = joined === '' && a === from && stop === to ? block.slice(a, b) : joined + block.slice(a, b);
    if (stop === to) break;
    a = stop + 1;
  }
  return joined;
}

/** Scanner states of `withoutComments`. */
const PLAIN = 0;
const QUOTED = 1;
const COMMENT = 2;

/**
 * The value with its (possibly nested) comments removed, as postal-mime removes them:
 *   - a backslash escapes the next character; outside comments both are kept, inside both go;
 *   - double quotes outside comments switch a quoted run on and off; quoted text is kept as is;
 *   - '(' outside quotes opens a comment, except inside a parameter value (after a top-level '='
 *     and before the next ';') where the text kept so far is non-empty and does not end in SP/HTAB:
 *     there '(' is an ordinary character; ')' closes one level, and is kept outside comments;
 *   - when a comment is still open at the end, the input is returned unchanged if it has a ';' at
 *     or after the opening of that comment, otherwise the text kept so far.
 */
export function withoutComments(s: string): string {
  if (s.indexOf('(') < 0) return s;
  let kept = '';
  let state = PLAIN;
  let depth = 0;
  let escaped = false;
  let inParamValue = false;
  let openedAt = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (escaped) {
      escaped = false;
      if (state !== COMMENT) kept += s[i];
      continue;
    }
    if (c === BACKSLASH) {
      escaped = true;
      if (state !== COMMENT) kept += '\\';
      continue;
    }
    if (state === COMMENT) {
      if (c === OPEN) depth++;
      else if (c === CLOSE && --depth === 0) state = PLAIN;
      continue;
    }
    if (c === QUOTE) {
      state = state === QUOTED ? PLAIN : QUOTED;
    } else if (state === PLAIN) {
      if (c === OPEN && (!inParamValue || kept.length === 0 || isBlank(kept.charCodeAt(kept.length - 1)))) {
        state = COMMENT;
        depth = 1;
        openedAt = i;
        continue;
      }
      if (c === EQUALS) inParamValue = true;
      else if (c === SEMICOLON) inParamValue = false;
    }
    kept += s[i];
  }
  if (state !== COMMENT) return kept;
  return s.indexOf(';', openedAt) < 0 ? kept : s;
}

/**
 * Splits a structured value into the main value and `;`-separated parameters, after removing
 * comments. What postal-mime does with each character of a value (the main value or a
 * parameter's), and so what we do:
 *   - SP/HTAB outside quotes are held back and kept only in front of a later kept character or
 *     opening quote, and only when the value is non-empty so far (so values are trimmed);
 *   - '"' opens a quoted run (the quote itself is dropped); inside it every character is kept,
 *     a backslash keeps the next character whatever it is, and '"' closes the run;
 *   - once a quoted run has closed, the value keeps nothing more until its ';' except escaped
 *     characters inside a later quoted run;
 *   - an unquoted ';' ends the value.
 * A parameter name is the raw text up to '=' (trimmed, lower-cased); a name followed directly by
 * ';' or the end is a parameter with an empty value when the trimmed name is non-empty. Of several
 * parameters with one name the first is kept. The main value is the first segment, lower-cased.
 * RFC 2231 continuations (`name*`, `name*0`, `name*0*`) are not joined: see `continues`.
 */
export function parseHeaderValue(input: string): HeaderValue {
  const s = withoutComments(input);
  const params = new Map<string, string>();
  let main: string | null = null;
  let param: string | null = null;
  let naming = false;
  let text = '';
  let held = '';
  let quoted = false;
  let closedQuote = false;
  let literal = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const c = s.charCodeAt(i);
    if (naming) {
      if (c === EQUALS) {
        param = text.trim().toLowerCase();
        text = '';
        naming = false;
      } else if (c === SEMICOLON) {
        addBare(params, text);
        text = '';
      } else text += ch;
      continue;
    }
    if (literal || (quoted && !closedQuote && c !== BACKSLASH && c !== QUOTE)) {
      literal = false;
      if (text.length > 0) text += held;
      held = '';
      text += ch;
    } else if (quoted) {
      if (c === BACKSLASH) literal = true;
      else if (c === QUOTE) {
        quoted = false;
        closedQuote = true;
      }
    } else if (c === QUOTE) {
      quoted = true;
      if (text.length > 0) text += held;
      held = '';
    } else if (c === SEMICOLON) {
      if (main === null) main = text;
      else if (param !== null && !params.has(param)) params.set(param, text);
      text = '';
      held = '';
      closedQuote = false;
      naming = true;
    } else if (isBlank(c)) held += ch;
    else if (!closedQuote) {
      if (text.length > 0) text += held;
      held = '';
      text += ch;
    }
  }
  if (naming) addBare(params, text);
  else if (main === null) main = text;
  else if (param !== null && !params.has(param)) params.set(param, text);
  return { value: main ? main.toLowerCase() : '', params };
}

function addBare(params: Map<string, string>, raw: string): void {
  const name = raw.trim();
  if (name && !params.has(name.toLowerCase())) params.set(name.toLowerCase(), '');
}

const SECTION = /^(?:\d+\*?)?$/;

/** Whether parameter `key` is an RFC 2231 form of `name`: `name*`, `name*N` or `name*N*`. */
export function continues(key: string, name: string): boolean {
  return key.length > name.length && key.startsWith(name) && key.charCodeAt(name.length) === 0x2a && SECTION.test(key.slice(name.length + 1));
}

/**
 * The transfer-encoding token of a Content-Transfer-Encoding value: comments removed, lower-cased,
 * then the first run of ASCII letters, digits, '_' and '-' ('' when there is none).
 */
export function transferToken(value: string): string {
  const s = withoutComments(value).toLowerCase();
  let a = 0;
  while (a < s.length && !isTokenChar(s.charCodeAt(a))) a++;
  let b = a;
  while (b < s.length && isTokenChar(s.charCodeAt(b))) b++;
  return s.slice(a, b);
}

function isTokenChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
}
