import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). `file` writes to a log file (as DM's --log-file), else stderr,
 * so stdout stays free for command output such as dmctl's JSON and dm-binlog's lines.
 */
export function createLogger(opts: { name: string; level?: string; file?: string }): Logger {
  const dest = opts.file
    ? pino.destination({ dest: opts.file, mkdir: true, sync: false })
    : pino.destination(2);
  return pino({ name: opts.name, level: opts.level ?? 'info', base: { component: opts.name } }, dest);
}

/** A logger that drops everything: for pure cores under test and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
