/**
 * String helpers of the MIME reader (mime-reader.ts), each a port of the postal-mime 4.0.0
 * function named in its comment (MIT licence, (c) Andris Reinman), kept behaviour-for-behaviour
 * so that our reader and postal-mime give identical results (checked on the whole corpus by
 * scripts/check-mime-reader.mjs and on a sample in test/unit/data/mime-reader.test.ts).
 * Layer 1: no node:* imports.
 */

/** A structured header value (`text/plain; charset=utf-8`): the lower-cased value and its parameters. */
export interface StructuredHeader {
  value: string;
  params: Record<string, string>;
}

const isWsp = (c: number): boolean => c === 0x20 || c === 0x09;

/** postal-mime `trimWsp`: trims only SP and HTAB. */
export function trimWsp(str: string): string {
  let start = 0;
  let end = str.length;
  while (start < end && isWsp(str.charCodeAt(start))) start++;
  while (end > start && isWsp(str.charCodeAt(end - 1))) end--;
  return start === 0 && end === str.length ? str : str.slice(start, end);
}

/** postal-mime `MimeNode.stripComments`: removes RFC 822 comments from a structured header value. */
export function stripComments(str: string): string {
  if (str.indexOf('(') < 0) return str; // nothing can open a comment: the loop below copies str as is
  let result = '';
  let depth = 0;
  let escaped = false;
  let inQuote = false;
  let commentStart = -1;
  let inParameterValue = false;
  let endsWithWsp = false;
  const append = (c: string): void => {
    result += c;
    endsWithWsp = c === ' ' || c === '\t';
  };
  const opensComment = (): boolean => !inParameterValue || !result.length || endsWithWsp;
  for (let i = 0; i < str.length; i++) {
    const chr = str.charAt(i);
    if (escaped) {
      if (depth === 0) append(chr);
      escaped = false;
      continue;
    }
    if (chr === '\\') {
      escaped = true;
      if (depth === 0) append(chr);
      continue;
    }
    if (chr === '"' && depth === 0) {
      inQuote = !inQuote;
      append(chr);
      continue;
    }
    if (!inQuote) {
      if (chr === '(' && opensComment()) {
        if (depth === 0) commentStart = i;
        depth++;
        continue;
      }
      if (chr === ')' && depth > 0) {
        depth--;
        continue;
      }
      if (depth === 0) {
        if (chr === '=') inParameterValue = true;
        else if (chr === ';') inParameterValue = false;
      }
    }
    if (depth === 0) append(chr);
  }
  if (depth === 0) return result;
  return str.indexOf(';', commentStart) < 0 ? result : str;
}

/**
 * postal-mime `MimeNode.parseStructuredHeader` without its last step, the RFC 2231 parameter
 * continuations (`decodeParameterValueContinuations`): parameters named `name*`, `name*0`,
 * `name*0*` stay as they are; `continuedParams` lists the names they would set.
 */
export function parseStructuredHeader(input: string): StructuredHeader {
  const str = stripComments(input);
  const response: StructuredHeader = { value: '', params: {} };
  let key: string | false = false;
  let value = '';
  let stage: 'key' | 'value' = 'value';
  let pendingSpace = '';
  let quoteClosed = false;
  let quote: string | false = false;
  let escaped = false;

  const addChr = (c: string): void => {
    if (value.length) value += pendingSpace;
    pendingSpace = '';
    value += c;
  };
  const takeValue = (): string => {
    const result = value;
    value = '';
    pendingSpace = '';
    quoteClosed = false;
    return result;
  };
  const storeParam = (name: string, result: string): void => {
    if (!Object.prototype.hasOwnProperty.call(response.params, name)) response.params[name] = result;
  };
  const storeValue = (): void => {
    const result = takeValue();
    if (key === false) response.value = result;
    else storeParam(key, result);
  };
  const storeEmptyKey = (): void => {
    const name = takeValue().trim();
    if (name) storeParam(name.toLowerCase(), '');
  };

  for (let i = 0, len = str.length; i < len; i++) {
    const chr = str.charAt(i);
    if (stage === 'key') {
      if (chr === '=') {
        key = takeValue().trim().toLowerCase();
        stage = 'value';
      } else if (chr === ';') storeEmptyKey();
      else value += chr;
      continue;
    }
    if (escaped) addChr(chr);
    else if (quote && chr === '\\') {
      escaped = true;
      continue;
    } else if (quote && chr === quote) {
      quote = false;
      quoteClosed = true;
    } else if (!quote && chr === '"') {
      quote = chr;
      if (value.length) value += pendingSpace;
      pendingSpace = '';
    } else if (!quote && chr === ';') {
      storeValue();
      stage = 'key';
    } else if (!quote && (chr === ' ' || chr === '\t')) pendingSpace += chr;
    else if (!quoteClosed) addChr(chr);
    escaped = false;
  }
  if (stage === 'value') storeValue();
  else storeEmptyKey();
  if (response.value) response.value = response.value.toLowerCase();
  return response;
}

/** Names (lower-cased, without the section suffix) that RFC 2231 continuation parameters of `h` would set. */
export function continuedParams(h: StructuredHeader): string[] {
  const out: string[] = [];
  for (const key of Object.keys(h.params)) {
    const m = /\*((\d+)\*?)?$/.exec(key);
    if (m) out.push(key.slice(0, m.index).toLowerCase());
  }
  return out;
}

/** postal-mime `MimeNode.decodeFlowedText` (RFC 3676 format=flowed, optional DelSp). */
export function decodeFlowedText(str: string, delSp: boolean): string {
  const parts: string[] = [];
  let lineStart = 0;
  let lineLength = 0;
  const lines = str.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.charAt(0) === ' ') line = line.slice(1);
    if (i) {
      const last = parts.length ? parts[parts.length - 1] : '';
      const isSignature = lineLength === 3 && parts.slice(lineStart).join('') === '-- ';
      if (last.endsWith(' ') && !isSignature) {
        if (delSp) {
          if (last.length > 1) parts[parts.length - 1] = last.slice(0, -1);
          else parts.pop();
          lineLength--;
        }
      } else {
        parts.push('\n');
        lineStart = parts.length;
        lineLength = 0;
      }
    }
    if (line) {
      parts.push(line);
      lineLength += line.length;
    }
  }
  return parts.join('');
}
