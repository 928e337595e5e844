import { SqlSplitter, type Statement } from './sql-splitter.js';

/**
 * Statement splitter for data files written by our own dump unit (pure; no I/O), with the
 * same interface and offsets as `SqlSplitter` but without a JS loop over every byte.
 *
 * Our data files hold only `/*!…*\/;` session lines and INSERTs whose values never contain a
 * raw newline (`\n` is always escaped, binary is hex), so every statement ends at the first
 * `;\n` and a native `indexOf` finds it. Only a column or table name could hold `;\n`: each
 * cut statement is checked to have the shape we write, and on the first one that does not,
 * the rest of the file is handed to the full `SqlSplitter` (from that statement's offset).
 */
export class DumpLineSplitter {
  private buf = '';
  /** Absolute file offset of buf[0]. */
  private base: number;
  private slow?: SqlSplitter;

  constructor(startOffset = 0) {
    this.base = startOffset;
  }

  /** Feed a chunk; returns the statements it completed. */
  push(chunk: string): Statement[] {
    if (this.slow) return this.slow.push(chunk);
    const b = this.buf.length === 0 ? chunk : this.buf + chunk;
    const out: Statement[] = [];
    let start = 0;
    for (;;) {
      const semi = b.indexOf(';\n', start);
      if (semi < 0) break;
      const sql = b.slice(start, semi);
      if (!wellFormed(sql)) return this.fallBack(b, start, out);
      out.push({ sql, end: this.base + semi + 1 });
      // The `\n` stays with the next statement, as in SqlSplitter (offsets just past `;`).
      start = semi + 1;
    }
    this.buf = b.slice(start);
    this.base += start;
    return out;
  }

  /** End of input: the unterminated tail, if it holds any code. */
  end(): Statement[] {
    if (this.slow) return this.slow.end();
    const sp = new SqlSplitter(this.base);
    const out = sp.push(this.buf);
    this.buf = '';
    return [...out, ...sp.end()];
  }

  private fallBack(b: string, start: number, out: Statement[]): Statement[] {
    this.slow = new SqlSplitter(this.base + start);
    this.buf = '';
    return [...out, ...this.slow.push(b.slice(start))];
  }
}

/**
 * A statement as our dump writes it: a `/*!…*\/` session line, or `INSERT INTO <names>
 * VALUES\n(…)…` ending with `)` (checked cheaply at both ends; the middle is never scanned).
 */
function wellFormed(sql: string): boolean {
  let i = 0;
  while (i < sql.length && sql.charCodeAt(i) <= 32) i++;
  if (sql.startsWith('/*!', i)) return sql.endsWith('*/') && sql.indexOf('\n', i) < 0;
  if (!sql.startsWith('INSERT INTO `', i) || sql.charCodeAt(sql.length - 1) !== 41 /* ) */) return false;
  const nl = sql.indexOf('\n', i);
  return nl > 0 && sql.startsWith(') VALUES\n(', nl - 8);
}
