import type { ErrorDef, ErrorLevel, ErrorScope } from './catalog.js';

/** DM's error shape inside query-status `result.errors[]` (worker-api's ProcessError). */
export interface ErrorStatus {
  ErrCode: number;
  ErrClass: string;
  ErrScope: ErrorScope;
  ErrLevel: ErrorLevel;
  Message: string;
  RawCause: string;
  Workaround: string;
}

/**
 * The one error type that crosses module boundaries. Every instance comes from a catalog
 * entry (see catalog.ts), so it always carries a DM-style code, class, scope, level and a
 * workaround the user can act on.
 */
export class DmError extends Error {
  readonly code: number;
  readonly errClass: string;
  readonly scope: ErrorScope;
  readonly level: ErrorLevel;
  readonly workaround: string;
  /** Extra context (positions, SQL, key paths); shown in status, never parsed. */
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    def: ErrorDef,
    message: string,
    opts: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DmError';
    this.code = def.code;
    this.errClass = def.errClass;
    this.scope = def.scope;
    this.level = def.level;
    this.workaround = def.workaround;
    this.context = Object.freeze({ ...(opts.context ?? {}) });
  }

  /** DM's rendering: `[code=11006:class=binlog-op:scope=upstream:level=high], Message: …`. */
  override toString(): string {
    const cause = rawCause(this.cause);
    return (
      `[code=${this.code}:class=${this.errClass}:scope=${this.scope}:level=${this.level}], Message: ${this.message}` +
      (cause ? `, RawCause: ${cause}` : '') +
      (this.workaround ? `, Workaround: ${this.workaround}` : '')
    );
  }

  /** The shape DM puts in query-status `result.errors[]`. */
  toStatus(): ErrorStatus {
    return {
      ErrCode: this.code,
      ErrClass: this.errClass,
      ErrScope: this.scope,
      ErrLevel: this.level,
      Message: this.message,
      RawCause: rawCause(this.cause),
      Workaround: this.workaround,
    };
  }
}

function rawCause(cause: unknown): string {
  if (cause === undefined || cause === null) return '';
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/** Create a DmError from a catalog entry. */
export function dmError(
  def: ErrorDef,
  message: string,
  opts: { cause?: unknown; context?: Record<string, unknown> } = {},
): DmError {
  return new DmError(def, message, opts);
}

/** Wrap any thrown value: DmErrors pass through, anything else becomes `fallback`. */
export function asDmError(err: unknown, fallback: ErrorDef, message?: string): DmError {
  if (err instanceof DmError) return err;
  const msg = message ?? (err instanceof Error ? err.message : String(err));
  return new DmError(fallback, msg, { cause: err });
}

export function isDmError(err: unknown, def?: ErrorDef): err is DmError {
  return err instanceof DmError && (def === undefined || err.code === def.code);
}
