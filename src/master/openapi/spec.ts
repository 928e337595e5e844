/**
 * DM's OpenAPI document (`dm.yaml`, vendored from pingcap/tiflow beside this file), loaded
 * once: the single description of `/api/v1/…` that the router registers, the validator
 * checks requests against, `/api/v1/dm.json` serves and the endpoint-walk test follows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

type Json = Record<string, unknown>;

/** One parameter of an operation, as the spec declares it. */
export interface SpecParam {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Json;
}

/** One path + method of the spec. */
export interface SpecOperation {
  operationId: string;
  method: HttpMethod;
  /** The spec's path, e.g. `/api/v1/sources/{source-name}`. */
  path: string;
  /** The same path for fastify: `{source-name}` → `:source_name` (find-my-way splits names on `-`). */
  routePath: string;
  params: SpecParam[];
  /** JSON schema of the request body (may hold `$ref`s into the spec), if the spec has one. */
  body?: { schema: Json; required: boolean };
  /** Response schemas by status code (undefined schema = no body described). */
  responses: Record<string, Json | undefined>;
}

/** The vendored file: next to the compiled module if copied there, else in the source tree. */
function specFile(): string {
  const here = new URL('./dm.yaml', import.meta.url);
  if (existsSync(here)) return fileURLToPath(here);
  // dist/src/master/openapi/spec.js → src/master/openapi/dm.yaml
  return fileURLToPath(new URL('../../../../src/master/openapi/dm.yaml', import.meta.url));
}

/** Fastify's name for a spec path parameter. */
export const routeParamName = (specName: string): string => specName.replace(/-/g, '_');

function loadSpec(): Json {
  return parse(readFileSync(specFile(), 'utf8')) as Json;
}

/** The parsed spec (shared, frozen deep enough that handlers cannot change what is served). */
export const DM_SPEC: Readonly<Json> = Object.freeze(loadSpec());

function jsonSchemaOf(content: unknown): Json | undefined {
  const c = content as Record<string, { schema?: Json }> | undefined;
  return c?.['application/json']?.schema;
}

function collectOperations(spec: Json): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(spec.paths as Record<string, Json>)) {
    for (const method of HTTP_METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const params = ((op.parameters as SpecParam[] | undefined) ?? []).map((p) => ({
        name: p.name,
        in: p.in,
        required: p.required === true,
        schema: p.schema ?? {},
      }));
      const rb = op.requestBody as { content?: unknown; required?: boolean } | undefined;
      const bodySchema = jsonSchemaOf(rb?.content);
      const responses: Record<string, Json | undefined> = {};
      for (const [code, r] of Object.entries((op.responses as Record<string, Json>) ?? {})) {
        responses[code] = jsonSchemaOf(r.content);
      }
      out.push({
        operationId: String(op.operationId),
        method,
        path,
        routePath: path.replace(/\{([^}]+)\}/g, (_, n: string) => `:${routeParamName(n)}`),
        params,
        ...(bodySchema ? { body: { schema: bodySchema, required: rb?.required === true } } : {}),
        responses,
      });
    }
  }
  return out;
}

/** Every operation of the spec, in the spec's order. */
export const SPEC_OPERATIONS: readonly SpecOperation[] = Object.freeze(collectOperations(DM_SPEC));
