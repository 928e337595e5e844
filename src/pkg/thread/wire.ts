/**
 * What crosses a worker-thread boundary besides plain data: structured clone turns Buffers
 * into Uint8Arrays and drops an Error's class and fields, so driver errors travel as
 * {@link WireDbError} and are rebuilt on the other side with the fields retry and privilege
 * decisions read (errno, code, sqlState, fatal).
 */
export interface WireDbError {
  message: string;
  name?: string;
  errno?: number;
  code?: string;
  sqlState?: string;
  fatal?: boolean;
}

/** A driver error, or a coded DmError wrapping one (its cause carries errno/code), for the wire. */
export function toWireDbError(err: unknown): WireDbError {
  const e = (err ?? {}) as Partial<WireDbError> & { cause?: unknown };
  const c = (e.cause ?? {}) as Partial<WireDbError>;
  const w: WireDbError = { message: String(e.message ?? err) };
  if (e.name !== undefined) w.name = e.name;
  const errno = e.errno ?? c.errno;
  if (typeof errno === 'number') w.errno = errno;
  // A DmError's own `code` is its catalog number: the driver's string code is on the cause.
  const code = typeof e.code === 'string' ? e.code : c.code;
  if (typeof code === 'string') w.code = code;
  const sqlState = e.sqlState ?? c.sqlState;
  if (typeof sqlState === 'string') w.sqlState = sqlState;
  const fatal = e.fatal ?? c.fatal;
  if (typeof fatal === 'boolean') w.fatal = fatal;
  return w;
}

/** A driver-like error again. */
export function fromWireDbError(w: WireDbError): Error {
  return Object.assign(new Error(w.message), {
    name: w.name ?? 'Error',
    errno: w.errno,
    code: w.code,
    sqlState: w.sqlState,
    fatal: w.fatal,
  });
}

/** A cloned Uint8Array as a Buffer over the same memory (no copy). */
export function asBuffer(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A request type without the fields the sender fills in (e.g. the call id). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
