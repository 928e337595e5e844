/**
 * Registers every operation of DM's spec on fastify: each request is validated against the
 * spec (validator.ts), then answered by the handler named by the spec's `operationId`, on
 * the leader (followers forward, leader-gate.ts) unless the handler is `local`. Errors are
 * DM's `ErrorWithMessage` (`{error_msg, error_code}`, HTTP 400 unless the handler says
 * otherwise). An operation without a handler is a startup error: the spec and the code
 * cannot drift apart silently.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorCodeOf } from '../../pkg/api/errors.js';
import { asDmError, DmError, dmError, E } from '../../pkg/errors/index.js';
import type { LeaderCtx } from '../leader-context.js';
import { type LeaderSource, onLeader } from '../leader-gate.js';
import { routeParamName, SPEC_OPERATIONS, type SpecOperation } from './spec.js';
import { type ConfigProblem, type RequestValidator, requestValidator } from './validator.js';

const CONFIG_CODES = {
  wrongType: E.configWrongType,
  missingKey: E.configMissingKey,
  invalidValue: E.configInvalidValue,
} as const;

/** A validated request: path params under the spec's names, coerced query, JSON body. */
export interface ApiRequest {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export type LeaderApiHandler = (ctx: LeaderCtx, req: ApiRequest, reply: FastifyReply) => Promise<unknown>;
export type LocalApiHandler = (req: ApiRequest, reply: FastifyReply) => Promise<unknown>;

/** How one operation is answered: on the leader (most), or by whichever master got it. */
export type ApiHandler = { leader: LeaderApiHandler } | { local: LocalApiHandler };

/** Handlers by the spec's operationId. */
export type ApiHandlers = Readonly<Record<string, ApiHandler>>;

/** An error answered with a chosen HTTP status (DM answers 404 for a missing source/task on GET). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error_msg: string; error_code: number },
  ) {
    super(body.error_msg);
    this.name = 'ApiError';
  }
}

/** DM's ErrorWithMessage for any thrown value (DmError keeps its code). */
export function errorBody(err: unknown): { error_msg: string; error_code: number } {
  if (err instanceof ApiError) return err.body;
  const e = err instanceof DmError ? err : asDmError(err, E.openApiCommon);
  return { error_msg: e.toString(), error_code: e.code };
}

/**
 * The HTTP status of an OpenAPI error answer, from the error's code: DM's OpenAPI answers
 * 400 for every failed operation (ErrorWithMessage), whatever the code.
 */
export function httpStatusOf(_code: number): number {
  return 400;
}

/**
 * Throw DM's error for a failed operation. `error_code` is data: the code of `what` (a
 * DmError) or the first code carried by `from` (failed ctl answers, see src/pkg/api/errors.ts);
 * the message text is never parsed for it.
 */
export function failWith(what: string | DmError | unknown, ...from: unknown[]): never {
  const msg = what instanceof DmError ? what.toString() : String(what);
  const code = errorCodeOf(what, ...from) ?? E.openApiCommon.code;
  throw new ApiError(httpStatusOf(code), { error_msg: msg, error_code: code });
}

/** The request under the spec's names, validated (coerced query) — `problem` when refused. */
function toApiRequest(
  op: SpecOperation,
  req: FastifyRequest,
  validate: RequestValidator,
): ApiRequest & { problem?: string; configProblem?: ConfigProblem } {
  const raw = (req.params ?? {}) as Record<string, string>;
  const params: Record<string, string> = {};
  for (const p of op.params) {
    if (p.in === 'path') params[p.name] = raw[routeParamName(p.name)] ?? '';
  }
  const r = { params, query: { ...((req.query ?? {}) as Record<string, unknown>) }, body: req.body };
  const problem = validate(r);
  if (!problem) return r;
  return validate.configProblem
    ? { ...r, problem, configProblem: validate.configProblem }
    : { ...r, problem };
}

export function registerOpenApi(app: FastifyInstance, m: LeaderSource, handlers: ApiHandlers): void {
  const missing = SPEC_OPERATIONS.filter((op) => !handlers[op.operationId]).map((op) => op.operationId);
  if (missing.length > 0) {
    throw dmError(E.internal, `OpenAPI operations without a handler: ${missing.join(', ')}`);
  }
  for (const op of SPEC_OPERATIONS) {
    const handler = handlers[op.operationId] as ApiHandler;
    const validate = requestValidator(op);
    const fail = async (err: unknown, reply: FastifyReply) => {
      reply.code(err instanceof ApiError ? err.status : 400);
      return errorBody(err);
    };
    // Leader operations run behind the leader gate; a request the spec refuses is answered
    // by whichever master got it, without waiting for or forwarding to the leader.
    const onLeaderRun = onLeader(m, async (ctx, req, reply) => {
      try {
        return await (handler as { leader: LeaderApiHandler }).leader(
          ctx,
          toApiRequest(op, req, validate),
          reply,
        );
      } catch (err) {
        return fail(err, reply);
      }
    });
    const h = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const r = toApiRequest(op, req, validate);
      if (r.problem) {
        reply.code(400);
        // A mistake inside a source/task config gets the code the YAML loaders give it
        // (wrong type 20003, missing key 20004, value not allowed 20005): the same config
        // is refused alike through dmctl and the OpenAPI.
        const def = r.configProblem ? CONFIG_CODES[r.configProblem] : E.openApiRequest;
        return errorBody(dmError(def, `${op.operationId}: ${r.problem}`));
      }
      if ('leader' in handler) return onLeaderRun(req, reply);
      try {
        return await handler.local(r, reply);
      } catch (err) {
        return fail(err, reply);
      }
    };
    app.route({ method: op.method.toUpperCase() as 'GET', url: op.routePath, handler: h });
  }
}
