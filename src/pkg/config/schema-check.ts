/**
 * Runs a JSON schema (ajv, all errors) over a parsed YAML value and turns each violation into
 * a ConfigIssue that names the key path and the file line.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { E } from '../errors/index.js';
import type { JsonSchema } from './schema/common-schema.js';
import { type ConfigIssue, describeValue, type KeyPath, type YamlSource } from './yaml-doc.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function compile(schema: JsonSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Drop `key: null` (an empty value) everywhere, as yaml.v2 leaves such fields at zero values. */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== null && val !== undefined) out[k] = dropNulls(val);
    return out;
  }
  return v;
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(root: unknown, path: KeyPath): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function typeName(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  if (list.includes('string')) return 'string';
  if (list.includes('integer')) return 'integer';
  if (list.includes('object')) return 'mapping';
  if (list.includes('array')) return 'list';
  return String(list[0]);
}

/** Validate `value` (nulls already dropped) against `schema`; [] when valid. */
export function schemaIssues(schema: JsonSchema, value: unknown, src: YamlSource): ConfigIssue[] {
  const validate = compile(schema);
  if (validate(value)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const issue = toIssue(err, value, src);
    if (!issue) continue;
    const key = `${issue.path.join('/')}|${issue.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(err: ErrorObject, root: unknown, src: YamlSource): ConfigIssue | undefined {
  const path = pathOf(err.instancePath);
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const full = [...path, key];
      return { def: E.configUnknownKey, path: full, line: src.lineOf(full, 'key'), detail: 'unknown key' };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return {
        def: E.configMissingKey,
        path: [...path, key],
        line: src.lineOf(path, 'key') || 1,
        detail: 'required key is missing',
      };
    }
    case 'type': {
      if (path.length === 0) {
        return {
          def: E.configWrongType,
          path,
          line: 1,
          detail: `expected a mapping at the top level, got ${describeValue(valueAt(root, path))}`,
        };
      }
      return {
        def: E.configWrongType,
        path,
        line: src.lineOf(path, 'value'),
        detail: `expected ${typeName(params.type)}, got ${describeValue(valueAt(root, path))}`,
      };
    }
    case 'enum': {
      const allowed = [...new Set((params.allowedValues as unknown[]).map((v) => String(v).toLowerCase()))];
      return {
        def: E.configInvalidValue,
        path,
        line: src.lineOf(path, 'value'),
        detail: `invalid value ${JSON.stringify(valueAt(root, path))}, expected one of: ${allowed.map((a) => (a === '' ? '""' : a)).join(', ')}`,
      };
    }
    case 'minItems':
      return {
        def: E.configMissingKey,
        path,
        line: src.lineOf(path, 'key'),
        detail: `needs at least ${String(params.limit)} item(s)`,
      };
    case 'maxProperties':
      return {
        def: E.configInvalidValue,
        path,
        line: src.lineOf(path, 'key'),
        detail: 'is no longer supported (DM rejects it too)',
      };
    case 'minimum':
    case 'maximum':
      return {
        def: E.configInvalidValue,
        path,
        line: src.lineOf(path, 'value'),
        detail: `value ${String(valueAt(root, path))} must be ${err.keyword === 'minimum' ? '>=' : '<='} ${String(params.limit)}`,
      };
    default:
      return {
        def: E.configInvalidValue,
        path,
        line: src.lineOf(path, 'value'),
        detail: err.message ?? 'invalid value',
      };
  }
}
