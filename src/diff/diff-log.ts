import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `sync_diff.log` in pingcap/log's text format, which users grep
 * (`[2024/01/02 15:04:05.000 +00:00] [INFO] [diff.go:0] ["check pass!!!"] [key=value]`).
 * Written synchronously: a handful of lines per chunk, and the file must be complete when the
 * process exits with the verdict.
 */
export class DiffLog {
  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  info(msg: string, fields: Record<string, unknown> = {}): void {
    this.write('INFO', msg, fields);
  }

  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.write('WARN', msg, fields);
  }

  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.write('ERROR', msg, fields);
  }

  private write(level: string, msg: string, fields: Record<string, unknown>): void {
    const d = new Date();
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const ts = `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} +00:00`;
    let line = `[${ts}] [${level}] [sync-diff-inspector] [${JSON.stringify(msg)}]`;
    for (const [k, v] of Object.entries(fields)) {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      line += ` [${k}=${/^[\w.:/-]+$/.test(s) ? s : JSON.stringify(s)}]`;
    }
    appendFileSync(this.file, `${line}\n`);
  }
}
