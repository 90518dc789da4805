/**
 * Deterministic YAML for a PipelineSpec, in the SDK's style: the `# PIPELINE DEFINITION` comment
 * header, keys sorted alphabetically at every level, block style, sequences not indented under
 * their key, strings single-quoted when quoting is needed, line width 80, and numbers typed by the
 * schema: int32 fields bare (`maxRetryCount: 2`), every other number a double written the way
 * Python prints a float (`20.0`, `0.85`, `2.147483648`, `1.0e-05`). Same spec → same bytes.
 */
import { Document, Scalar, visit } from 'yaml';
import type { ParamType } from '../pipeline/definition.js';
import type { PipelineSpec } from './pipeline-spec.js';
import { pipelineSpecSchema } from './pipeline-spec.js';
import { checkSchema, type Schema } from './schema.js';
import { TrainSpamError } from '../core/errors.js';

/** A number the emitter must write as a double. */
class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's `repr(float)` (shortest round-trip digits; scientific below 1e-4 and from 1e16), as PyYAML writes it. */
export function pythonFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '.nan' : x < 0 ? '-.inf' : '.inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e');
  const exp = Number(expStr);
  const digits = mant.replace('.', '');
  if (exp >= -4 && exp < 16) {
    let s: string;
    if (exp < 0) s = '0.' + '0'.repeat(-exp - 1) + digits;
    else if (digits.length > exp + 1) s = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    else s = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
    return sign + s;
  }
  const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits + '.0';
  const e = (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  return `${sign}${m}e${e}`;
}

const floatTag = {
  identify: (v: unknown) => v instanceof PyFloat,
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: /^\b\B$/, // never used to resolve: parsing goes through the default schema
  resolve: (s: string) => Number(s),
  stringify: (item: { value: unknown }) => pythonFloat(item.value instanceof PyFloat ? item.value.value : Number(item.value)),
};

/** Wraps doubles as PyFloat, guided by the schema (JSON values: every number is a double). */
function typeNumbers(value: unknown, schema: Schema | 'json'): unknown {
  if (typeof value === 'number') return schema !== 'json' && schema.kind === 'number' && schema.int ? value : new PyFloat(value);
  if (Array.isArray(value)) return value.map((v) => typeNumbers(v, schema === 'json' || schema.kind !== 'list' ? 'json' : schema.of));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      let child: Schema | 'json' = 'json';
      if (schema !== 'json') {
        if (schema.kind === 'map') child = schema.of;
        else if (schema.kind === 'object') child = schema.fields[k]?.schema ?? 'json';
      }
      out[k] = typeNumbers(v, child);
    }
    return out;
  }
  return value;
}

const PY_TYPE: Record<ParamType, string> = {
  STRING: 'str', NUMBER_INTEGER: 'int', NUMBER_DOUBLE: 'float', BOOLEAN: 'bool', LIST: 'list', STRUCT: 'dict',
};

/** Python `repr` of a JSON default, as in the SDK's header (`'spam-detector'`, `20.0`, `False`). */
function pyRepr(v: unknown): string {
  if (typeof v === 'string') {
    // Python's quote choice and escapes: a line break or other control character written raw
    // would end the `#` comment line and put the rest of the value into the YAML document.
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    const body = v.replace(/[\\'"\t\n\r\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
      if (c === '\\') return '\\\\';
      if (c === "'" || c === '"') return c === q ? `\\${c}` : c;
      if (c === '\t') return '\\t';
      if (c === '\n') return '\\n';
      if (c === '\r') return '\\r';
      const code = c.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    });
    return q + body + q;
  }
  if (typeof v === 'number') return pythonFloat(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

export function commentHeader(spec: PipelineSpec): string {
  const lines = ['# PIPELINE DEFINITION', `# Name: ${spec.pipelineInfo.name}`];
  if (spec.pipelineInfo.description) lines.push(`# Description: ${spec.pipelineInfo.description.replace(/\s*\n\s*/g, ' ')}`);
  const params = spec.root.inputDefinitions?.parameters ?? {};
  const names = Object.keys(params).sort();
  if (names.length) {
    lines.push('# Inputs:');
    for (const n of names) {
      const d = params[n];
      lines.push(`#    ${n}: ${PY_TYPE[d.parameterType as ParamType] ?? d.parameterType}${'defaultValue' in d ? ` [Default: ${pyRepr(d.defaultValue)}]` : ''}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** YAML text of one value (keys sorted, SDK style), numbers typed by `schema`. */
export function emitYamlDocument(value: unknown, schema: Schema): string {
  const doc = new Document(typeNumbers(value, schema), {
    customTags: (tags) => [floatTag, ...tags],
    sortMapEntries: true,
  });
  visit(doc, {
    Scalar(_key, node: Scalar) {
      // yaml picks double quotes for strings containing ' ; PyYAML (the SDK) uses single quotes
      // whenever a plain scalar is impossible. Plain stays plain (`a['x'] == 'y'` is a plain scalar).
      if (typeof node.value === 'string' && node.value.includes("'") && !/[\n\r\t]/.test(node.value) && needsQuotes(node.value)) {
        node.type = 'QUOTE_SINGLE';
      }
      // yaml quotes what YAML 1.2 would read as another type; PyYAML (the SDK, `kfp` clients,
      // most Python tools) reads YAML 1.1 and the KFP API server's Go yaml.v3 keeps some 1.1 rules
      // (`1_000`, `0b101` are ints there): quote those too, as the SDK's PyYAML dumper does.
      if (typeof node.value === 'string' && (node.type === undefined || node.type === 'PLAIN') && isYaml11NonString(node.value)) {
        node.type = 'QUOTE_SINGLE';
      }
    },
  });
  return doc.toString({ lineWidth: 80, minContentWidth: 20, indentSeq: false, singleQuote: true, flowCollectionPadding: false });
}

/**
 * A plain scalar that a YAML 1.1 reader resolves to something other than a string: PyYAML's
 * implicit resolvers (bool `yes`/`no`/`on`/`off`, ints with `_`, `0b`, leading-0 octal,
 * sexagesimal `1:20`, floats, null, timestamps, `=`, `<<`), plus what Go's yaml.v3 reads as a
 * number once it drops underscores. (`y`/`n` stay plain, as PyYAML leaves them: keys like `n`.)
 */
export function isYaml11NonString(s: string): boolean {
  if (/^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(s)) return true;
  if (/^(?:~|null|Null|NULL|)$/.test(s) || s === '=' || s === '<<') return true;
  if (/^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/.test(s)) return true;
  if (/^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/.test(s)) return true;
  if (/^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/.test(s)) return true;
  const noUnderscore = s.replace(/_/g, '');
  return noUnderscore !== s && /^[-+]?(?:0b[01]+|0o[0-7]+|0x[0-9a-fA-F]+|[0-9]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/.test(noUnderscore);
}

/** Conservative test for "cannot be a plain scalar" (may quote a few strings PyYAML leaves plain). */
function needsQuotes(s: string): boolean {
  return /^[\s{}[\]'"!&*#|>%@`,?:-]/.test(s) || /\s$/.test(s) || /: |:$| #/.test(s);
}

/** The whole `spam_detection_pipeline.yaml`: checked against the schema first, then emitted. */
export function emitPipelineYaml(spec: PipelineSpec): string {
  const issues = checkSchema(spec, pipelineSpecSchema);
  if (issues.length) {
    throw new TrainSpamError('INTERNAL', `compiled PipelineSpec does not match the schema: ${issues[0].path}: ${issues[0].message}`, { issues });
  }
  return commentHeader(spec) + emitYamlDocument(spec, pipelineSpecSchema);
}
