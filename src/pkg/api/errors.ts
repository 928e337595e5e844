/**
 * Errors as data across the master's layers. A failed answer (`{result:false, msg}` of DM's
 * ctl API, or one source's part of it) carries the code of the error it reports under the
 * symbol {@link ERROR_CODE}: JSON.stringify skips symbol keys, so what dmctl and the OpenAPI
 * print stays DM's JSON, while the OpenAPI layer reads the code from data (never from the
 * message text). Over HTTP (worker → master) the code travels as `errCode` (OperateResponse).
 */
import type { DmError } from '../errors/index.js';

export const ERROR_CODE: unique symbol = Symbol('dm.errorCode');

/** An answer's `msg`, with the code of the error it renders. */
export interface FailedMsg {
  msg: string;
  [ERROR_CODE]?: number;
}

/** `msg` of a failed answer for `err`, with its code as data (spread into the answer). */
export function failed(err: DmError): FailedMsg {
  return { msg: err.toString(), [ERROR_CODE]: err.code };
}

/** `msg` with an error code received as data (e.g. a worker's `errCode`). */
export function withCode(msg: string, code: number | undefined): FailedMsg {
  return code === undefined ? { msg } : { msg, [ERROR_CODE]: code };
}

/**
 * The first error code carried by `from`: a DmError, an answer with {@link ERROR_CODE}, or an
 * answer whose `sources[]` carry one (DM's per-source results).
 */
export function errorCodeOf(...from: unknown[]): number | undefined {
  for (const x of from) {
    if (x === null || typeof x !== 'object') continue;
    if ('code' in x && typeof x.code === 'number' && x instanceof Error) return x.code;
    const own = (x as { [ERROR_CODE]?: unknown })[ERROR_CODE];
    if (typeof own === 'number') return own;
    const sources = (x as { sources?: unknown }).sources;
    if (Array.isArray(sources)) {
      const c = errorCodeOf(...sources);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}
