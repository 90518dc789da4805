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

/** Extracts readable text from HTML. */
export function htmlToText(html: string): string {
  let s = html;
  s = s.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ');
  s = s.replace(/<(script|style)\b[^>]*>[\s\S]*?(?:<\/\1\s*>|$)/gi, ' ');
  // Keep the title's words, drop the rest of <head> (meta, link, ...).
  s = s.replace(/<head\b[^>]*>([\s\S]*?)<\/head\s*>/i, (_m, inner: string) => {
    const t = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(inner);
    return t ? `${t[1]}\n` : ' ';
  });
  s = s.replace(/<td\b[^>]*>/gi, ' ');
  s = s.replace(BLOCK_TAGS, '\n');
  s = s.replace(/<\/?[A-Za-z!][^>]*>/g, '');
  s = decodeEntities(s);
  s = s.replace(/\r\n?/g, '\n');
  s = s.replace(/[ \t\f\v\u00a0]+/g, ' ');
  s = s.replace(/ ?\n ?/g, '\n');
  s = s.replace(/\n{3,}/g, '\n\n');
  return s.trim();
}
