/**
 * Visible text of an HTML document: drops comments, <script>, <style>, <head> (keeps <title>),
 * turns block-level tags into line breaks, removes the remaining tags and decodes entities.
 * A fast regex pass, not a DOM: spam HTML is frequently malformed and we only need the words.
 */

/** HTML 4 Latin-1 entity names for code points 160..255, in order. */
const LATIN1_NAMES = (
  'nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 ' +
  'sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc ' +
  'Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve ' +
  'Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute ' +
  'acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ' +
  'ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml'
).split(' ');

const ENTITIES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>([
    ['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"],
    ['ndash', '\u2013'], ['mdash', '\u2014'], ['lsquo', '\u2018'], ['rsquo', '\u2019'],
    ['sbquo', '\u201a'], ['ldquo', '\u201c'], ['rdquo', '\u201d'], ['bdquo', '\u201e'],
    ['bull', '\u2022'], ['hellip', '\u2026'], ['trade', '\u2122'], ['euro', '\u20ac'],
    ['dagger', '\u2020'], ['Dagger', '\u2021'], ['permil', '\u2030'], ['larr', '\u2190'],
    ['rarr', '\u2192'], ['uarr', '\u2191'], ['darr', '\u2193'], ['hearts', '\u2665'],
    ['ensp', '\u2002'], ['emsp', '\u2003'], ['thinsp', '\u2009'], ['zwnj', '\u200c'], ['zwj', '\u200d'],
  ]);
  LATIN1_NAMES.forEach((name, k) => m.set(name, String.fromCharCode(160 + k)));
  return m;
})();

/** Decodes named (common set), decimal and hex character references. Unknown names stay as they are. */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?/g, (whole, body: string) => {
    if (body.charCodeAt(0) === 35 /* # */) {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!(cp > 0) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    }
    const v = ENTITIES.get(body) ?? ENTITIES.get(body.toLowerCase());
    return v ?? whole;
  });
}

const BLOCK_TAGS =
  /<\/?(?:p|div|br|tr|li|ul|ol|table|h[1-6]|blockquote|pre|hr|center|form|dd|dt|dl|title|section|article|header|footer)\b[^>]*>/gi;

/*
 * Every step takes time linear in the text. The tag patterns end in `[^>]*>`: from an unclosed
 * `<tag` the regex engine scans to the end of the text before it fails, and it does so again from
 * the next one, so a few hundred KB of `<p <p <p …` took tens of seconds (one e-mail could stall
 * `score` or data preparation). No tag can be completed after the text's last '>', so those
 * patterns only search the text up to it; the elements with a closing tag (script, style, head,
 * title) are found by a scan that stops at the first opening that cannot be completed, as no
 * later one can be then. The output is the same as the plain regex passes' (tested against them).
 */

/** `s.replace(re, rep)` for a pattern that cannot match after the last '>' of `s`. */
function replaceTags(s: string, re: RegExp, rep: string): string {
  const cut = s.lastIndexOf('>') + 1;
  return cut === s.length ? s.replace(re, rep) : s.slice(0, cut).replace(re, rep) + s.slice(cut);
}

interface Element {
  /** Where `<name` starts. */
  readonly start: number;
  /** Just after the '>' that ends the opening tag. */
  readonly inner: number;
  /** Where the closing tag starts (the text's end when there is none). */
  readonly innerEnd: number;
  /** Just after the closing tag (the text's end when there is none). */
  readonly end: number;
  readonly closed: boolean;
}

/**
 * The first element of `open` (a global regex `<(names)\b`) from `from` on: its opening tag runs to
 * the next '>', its content to the first closing tag of the same name after it (case-insensitive,
 * `</name\s*>`). With `closed` false it has no closing tag (the caller decides whether it runs to
 * the end). null when no opening tag is completed by a '>'.
 */
function nextElement(s: string, open: RegExp, from: number): Element | null {
  open.lastIndex = from;
  const m = open.exec(s);
  if (!m) return null;
  const gt = s.indexOf('>', m.index + m[0].length);
  // no '>' after this opening: no later opening can be completed either
  if (gt < 0) return null;
  const close = new RegExp(`<\\/${m[1]}\\s*>`, 'gi');
  close.lastIndex = gt + 1;
  const c = close.exec(s);
  return c
    ? { start: m.index, inner: gt + 1, innerEnd: c.index, end: c.index + c[0].length, closed: true }
    : { start: m.index, inner: gt + 1, innerEnd: s.length, end: s.length, closed: false };
}

/** Drops every <script>/<style> element (an unclosed one runs to the end), leaving a space. */
function dropScripts(s: string): string {
  const open = /<(script|style)\b/gi;
  let out = '';
  let pos = 0;
  for (let e = nextElement(s, open, 0); e; e = e.closed ? nextElement(s, open, e.end) : null) {
    out += s.slice(pos, e.start) + ' ';
    pos = e.end;
  }
  return pos === 0 ? s : out + s.slice(pos);
}

/**
 * The first closed element of `open`, else null. Only the first opening completed by a '>' can
 * start one: a later opening's '>' is at or after that one's, so a closing tag after it would
 * have closed the first.
 */
function firstClosedElement(s: string, open: RegExp): Element | null {
  const e = nextElement(s, open, 0);
  return e && e.closed ? e : null;
}

/** Extracts readable text from HTML. */
export function htmlToText(html: string): string {
  let s = html;
  s = s.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ');
  s = dropScripts(s);
  // Keep the title's words, drop the rest of <head> (meta, link, ...).
  const head = firstClosedElement(s, /<(head)\b/gi);
  if (head) {
    const inner = s.slice(head.inner, head.innerEnd);
    const t = firstClosedElement(inner, /<(title)\b/gi);
    s = s.slice(0, head.start) + (t ? `${inner.slice(t.inner, t.innerEnd)}\n` : ' ') + s.slice(head.end);
  }
  s = replaceTags(s, /<td\b[^>]*>/gi, ' ');
  s = replaceTags(s, BLOCK_TAGS, '\n');
  s = replaceTags(s, /<\/?[A-Za-z!][^>]*>/g, '');
  s = decodeEntities(s);
  s = s.replace(/\r\n?/g, '\n');
  s = s.replace(/[ \t\f\v\u00a0]+/g, ' ');
  s = s.replace(/ ?\n ?/g, '\n');
  s = s.replace(/\n{3,}/g, '\n\n');
  return s.trim();
}
