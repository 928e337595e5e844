import { type Logger, pino } from 'pino';
import { jsonLineToText } from './text-format.js';

export type { Logger };

/** DM's `log-format`: JSON lines (the default here) or DM's text lines (text-format.ts). */
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * Structured logs (pino). `file` writes to a log file (as DM's --log-file), else stderr,
 * so stdout stays free for command output such as dmctl's JSON and dm-binlog's lines.
 * `format: 'text'` writes DM's text lines instead of JSON.
 */
export function createLogger(opts: {
  name: string;
  level?: string;
  file?: string;
  format?: LogFormat;
}): Logger {
  const dest = opts.file
    ? pino.destination({ dest: opts.file, mkdir: true, sync: false })
    : pino.destination(2);
  const base = { name: opts.name, level: opts.level ?? 'info', base: { component: opts.name } };
  if (opts.format !== 'text') return pino(base, dest);
  const text = {
    write: (line: string) => dest.write(jsonLineToText(line)),
    flush: () => dest.flush(),
    flushSync: () => dest.flushSync(),
  };
  return pino(base, text);
}

/** A logger that drops everything: for pure cores under test and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
