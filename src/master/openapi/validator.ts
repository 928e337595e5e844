/**
 * Request (and, for tests, response) validation straight from DM's spec: ajv compiles the
 * spec's own schemas (`$ref: '#/components/schemas/…'` resolves inside the spec, added to
 * ajv as one schema), so there are no hand-written checks to drift from the document.
 *
 * OpenAPI 3.0 specifics: `nullable` is ajv's keyword; `example` is an annotation; the
 * numeric formats (`int64`, `uint64`, `double`) only say how wide a number is, so they
 * accept any number of the declared type. Path and query values arrive as strings and are
 * coerced to the declared types (`"true"` → true, one value → a one-element array).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DM_SPEC, type SpecOperation } from './spec.js';

const SPEC_ID = 'dm.json';

function newAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: false,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: false,
  });
  for (const f of ['int64', 'int32', 'uint64', 'double', 'float']) ajv.addFormat(f, true);
  ajv.addKeyword('example');
  ajv.addSchema(toJsonSchema(DM_SPEC, false) as object, SPEC_ID);
  return ajv;
}

const bodyAjv = newAjv(false);
const paramAjv = newAjv(true);

/**
 * OpenAPI 3.0 schema → JSON schema for ajv. `nullable: true` beside a `$ref` (DM writes it
 * so) becomes `anyOf: [ref, null]`; `nullable` without a `type` is dropped (ajv requires a
 * type). With `anchor`, local `$ref`s are made to point into the spec added to ajv.
 */
function toJsonSchema(schema: unknown, anchor: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((x) => toJsonSchema(x, anchor));
  if (!schema || typeof schema !== 'object') return schema;
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === '$ref' && typeof v === 'string') out[k] = anchor && v.startsWith('#') ? `${SPEC_ID}${v}` : v;
    else out[k] = toJsonSchema(v, anchor);
  }
  if ('nullable' in out && out.type === undefined) {
    const nullable = out.nullable === true;
    delete out.nullable;
    if (nullable && typeof out.$ref === 'string') return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
  }
  return out;
}

const anchored = (schema: unknown): unknown => toJsonSchema(schema, true);

function text(errors: ErrorObject[] | null | undefined, where: string): string {
  const e = errors?.[0];
  if (!e) return `invalid ${where}`;
  const at = `${where}${e.instancePath.replace(/\//g, '.')}`;
  return `${at} ${e.message ?? 'is invalid'}${e.params && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : ''}`;
}

/**
 * What kind of config problem the first body error is, when it lies inside a source or task
 * config (`body.source…`, `body.task…`): the same class the YAML loaders give the same
 * mistake in a source.yaml / task.yaml — wrong type, missing key, value not allowed.
 */
export type ConfigProblem = 'wrongType' | 'missingKey' | 'invalidValue';

function configProblem(errors: ErrorObject[] | null | undefined): ConfigProblem | undefined {
  const e = errors?.[0];
  if (!e || !/^\/(source|task)(\/|$)/.test(e.instancePath)) return undefined;
  if (e.keyword === 'type') return 'wrongType';
  if (e.keyword === 'required') return 'missingKey';
  if (e.keyword === 'enum' || e.keyword === 'minimum' || e.keyword === 'maximum') return 'invalidValue';
  return undefined;
}

/** Checks one operation's request; compiled once per operation. */
/** The first problem as a message naming the field, or undefined when valid. Coerces `params`/`query` in place. */
export type RequestValidator = ((req: {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}) => string | undefined) & {
  /** The config class of the last refused body (see {@link ConfigProblem}), if any. */
  configProblem?: ConfigProblem | undefined;
};

export function requestValidator(op: SpecOperation): RequestValidator {
  const group = (where: 'path' | 'query'): ValidateFunction | undefined => {
    const ps = op.params.filter((p) => p.in === where);
    if (ps.length === 0) return undefined;
    return paramAjv.compile({
      type: 'object',
      properties: Object.fromEntries(ps.map((p) => [p.name, anchored(p.schema)])),
      required: ps.filter((p) => p.required).map((p) => p.name),
    });
  };
  const path = group('path');
  const query = group('query');
  const body = op.body ? bodyAjv.compile(anchored(op.body.schema) as object) : undefined;
  const bodyRequired = op.body?.required === true;
  const v: RequestValidator = (req) => {
    v.configProblem = undefined;
    if (path && !path(req.params)) return text(path.errors, 'path');
    if (query && !query(req.query)) return text(query.errors, 'query');
    if (body) {
      const empty = req.body === undefined || req.body === null || req.body === '';
      if (empty) return bodyRequired ? 'request body is required' : undefined;
      if (!body(req.body)) {
        v.configProblem = configProblem(body.errors);
        return text(body.errors, 'body');
      }
    }
    return undefined;
  };
  return v;
}

const responseValidators = new Map<string, ValidateFunction>();

/**
 * Does `body` match what the spec says `op` answers with `status`? Returns the problem, or
 * undefined. A status the spec does not list is a problem; a listed status without a
 * described body accepts any body.
 */
export function checkResponse(op: SpecOperation, status: number, body: unknown): string | undefined {
  const code = String(status);
  if (!(code in op.responses)) {
    return `status ${status} is not a response of ${op.operationId} (${Object.keys(op.responses).join(', ')})`;
  }
  const schema = op.responses[code];
  if (!schema) return undefined;
  const key = `${op.operationId} ${code}`;
  let v = responseValidators.get(key);
  if (!v) {
    v = bodyAjv.compile(anchored(schema) as object);
    responseValidators.set(key, v);
  }
  return v(body) ? undefined : `${op.operationId} ${code}: ${text(v.errors, 'response')}`;
}
