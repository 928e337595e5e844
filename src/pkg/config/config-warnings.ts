/**
 * Coded config warnings: a DM key accepted at load that has no effect, because DM itself
 * parses it and ignores it (E.configIgnoredByDm). The parsers are pure, so a warning goes to a
 * sink: the caller's (`ParseOptions.warn`) or the process-wide one that dm-master and
 * dm-worker point at their logger at start-up (`logConfigWarningsTo`). Warnings raised before
 * a logger exists (the TOML of the process itself is read first) wait in a small buffer.
 */
import type { ErrorDef } from '../errors/index.js';
import type { Logger } from '../log/logger.js';

/** One warning about one key of one config file. */
export interface ConfigWarning {
  /** The catalog entry (E.configIgnoredByDm). */
  readonly def: ErrorDef;
  readonly file: string;
  /** 1-based line of the key (0 when unknown). */
  readonly line: number;
  /** Key path as written, e.g. `mysql-instances[0].syncer.max-retry`. */
  readonly key: string;
  /** Why the key has no effect, citing DM's source. */
  readonly message: string;
}

export type ConfigWarningSink = (w: ConfigWarning) => void;

/** Warnings kept until a sink is set; beyond this many the oldest are dropped. */
const MAX_PENDING = 200;
let sink: ConfigWarningSink | undefined;
const pending: ConfigWarning[] = [];

/** Route every later warning (and the ones waiting) to `fn`; undefined = buffer again. */
export function setConfigWarningSink(fn: ConfigWarningSink | undefined): void {
  sink = fn;
  if (fn) for (const w of pending.splice(0)) fn(w);
}

/** Log every config warning through `log` at warn level, with its code, file, line and key. */
export function logConfigWarningsTo(log: Logger): void {
  setConfigWarningSink((w) =>
    log.warn({ code: w.def.code, file: w.file, line: w.line, key: w.key }, `${formatWarning(w)}`),
  );
}

/** Send a warning to `local` when given, else to the process-wide sink (or the buffer). */
export function emitConfigWarning(w: ConfigWarning, local?: ConfigWarningSink): void {
  const to = local ?? sink;
  if (to) {
    to(w);
    return;
  }
  pending.push(w);
  if (pending.length > MAX_PENDING) pending.shift();
}

/** `[code:20050] task.yaml:12: syncer.max-retry: …` */
export function formatWarning(w: ConfigWarning): string {
  return `[code:${w.def.code}] ${w.file}:${w.line}: ${w.key}: ${w.message}`;
}
