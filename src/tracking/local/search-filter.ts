/**
 * The subset of MLflow's search syntax the local store evaluates:
 *   filter   := clause ( AND clause )*
 *   clause   := field op value        op: = != < <= > >= LIKE ILIKE
 *   field    := metrics.<key> | params.<key> | tags.<key> | attributes.<name> | <name>
 *               (<key> may be `back-quoted` or "double-quoted"; unquoted keys run to the space)
 *   value    := 'text' | "text" | number
 *   order_by := field [ASC|DESC]
 * Unknown syntax is an INVALID_ARGUMENT error (the server answers 400 for it too).
 */
import { TrainSpamError } from '../../core/errors.js';

export type FieldKind = 'metric' | 'param' | 'tag' | 'attribute';
export interface Field {
  readonly kind: FieldKind;
  readonly key: string;
}
export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE';
export interface Clause {
  readonly field: Field;
  readonly op: Op;
  readonly value: string | number;
}
export interface OrderKey {
  readonly field: Field;
  readonly ascending: boolean;
}
/** Looks a field up on one record; undefined when the record lacks it. */
export type Accessor = (field: Field) => string | number | undefined;

const PREFIXES: Record<string, FieldKind> = {
  metric: 'metric', metrics: 'metric', param: 'param', params: 'param', parameter: 'param', parameters: 'param',
  tag: 'tag', tags: 'tag', attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
};

function invalid(message: string, text: string): TrainSpamError {
  return new TrainSpamError('INVALID_ARGUMENT', `search: ${message} in '${text}'`, { filter: text });
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
  done(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }
  quoted(): string | null {
    const q = this.text[this.pos];
    if (q !== "'" && q !== '"' && q !== '`') return null;
    const end = this.text.indexOf(q, this.pos + 1);
    if (end < 0) throw invalid('unterminated quote', this.text);
    const s = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return s;
  }
  match(re: RegExp): string | null {
    const m = re.exec(this.text.slice(this.pos));
    if (!m || m.index !== 0) return null;
    this.pos += m[0].length;
    return m[0];
  }
}

function parseField(s: Scanner, allowed: ReadonlySet<string> | null): Field {
  s.skipSpace();
  const quotedWhole = s.quoted();
  if (quotedWhole !== null) return { kind: 'attribute', key: quotedWhole };
  const head = s.match(/^[A-Za-z_]+/);
  if (!head) throw invalid(`expected a field at position ${s.pos}`, s.text);
  const kind = PREFIXES[head.toLowerCase()];
  if (kind && s.text[s.pos] === '.') {
    s.pos++;
    const key = s.quoted() ?? s.match(/^[\w\-./:]+/);
    if (!key) throw invalid(`expected a key after '${head}.'`, s.text);
    return { kind, key };
  }
  const rest = s.match(/^[\w.]*/) ?? '';
  const key = head + rest;
  if (allowed && !allowed.has(key)) throw invalid(`unknown field '${key}'`, s.text);
  return { kind: 'attribute', key };
}

export function parseFilter(text: string | undefined, allowedAttributes: ReadonlySet<string> | null = null): Clause[] {
  if (!text || !text.trim()) return [];
  const s = new Scanner(text);
  const clauses: Clause[] = [];
  for (;;) {
    const field = parseField(s, allowedAttributes);
    s.skipSpace();
    const opText = s.match(/^(!=|<=|>=|=|<|>|ilike\b|like\b)/i);
    if (!opText) throw invalid(`expected a comparator after '${field.key}'`, text);
    const op = opText.toUpperCase() as Op;
    s.skipSpace();
    const q = s.quoted();
    let value: string | number;
    if (q !== null) value = q;
    else {
      const num = s.match(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/);
      if (num === null) throw invalid(`expected a quoted string or a number after '${opText}'`, text);
      value = Number(num);
    }
    if (field.kind === 'metric' && typeof value !== 'number') throw invalid(`metric '${field.key}' must be compared with a number`, text);
    if ((op === 'LIKE' || op === 'ILIKE') && typeof value !== 'string') throw invalid(`${op} needs a quoted pattern`, text);
    clauses.push({ field, op, value });
    if (s.done()) return clauses;
    if (!s.match(/^and\b/i)) throw invalid(`expected AND at position ${s.pos}`, text);
  }
}

export function parseOrderBy(items: readonly string[] | undefined, allowedAttributes: ReadonlySet<string> | null = null): OrderKey[] {
  return (items ?? []).map((item) => {
    const s = new Scanner(item);
    const field = parseField(s, allowedAttributes);
    s.skipSpace();
    const dir = s.match(/^(asc|desc)\b/i);
    if (!s.done()) throw invalid('unexpected text after the order direction', item);
    return { field, ascending: !dir || dir.toLowerCase() === 'asc' };
  });
}

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

function compare(actual: string | number, op: Op, expected: string | number): boolean {
  if (op === 'LIKE' || op === 'ILIKE') return likeToRegExp(String(expected), op === 'ILIKE').test(String(actual));
  let a: string | number = actual;
  let b: string | number = expected;
  if (typeof expected === 'number' || typeof actual === 'number') {
    a = Number(actual);
    b = Number(expected);
    if (Number.isNaN(a) || Number.isNaN(b)) return op === '!=';
  }
  switch (op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
  }
}

export function matches(clauses: readonly Clause[], get: Accessor): boolean {
  return clauses.every((c) => {
    const v = get(c.field);
    return v !== undefined && compare(v, c.op, c.value);
  });
}

/** Sorts in place by the order keys; records lacking a key go last; `tie` breaks remaining ties. */
export function sortBy<T>(items: T[], keys: readonly OrderKey[], get: (item: T, field: Field) => string | number | undefined, tie: (a: T, b: T) => number): T[] {
  return items.sort((x, y) => {
    for (const k of keys) {
      const a = get(x, k.field);
      const b = get(y, k.field);
      if (a === undefined && b === undefined) continue;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const c = a < b ? -1 : a > b ? 1 : 0;
      if (c !== 0) return k.ascending ? c : -c;
    }
    return tie(x, y);
  });
}
