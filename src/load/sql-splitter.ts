/**
 * Streaming SQL statement splitter (pure; no I/O). Input is a dump file read as latin1 (one
 * JS char per byte, so offsets are byte offsets and no charset decoding can corrupt binary
 * data); output is one statement at a time with the byte offset just past its `;`.
 *
 * It knows quotes ('…', "…", `…` with backslash escapes and doubled quotes) and comments
 * (`-- `, `#`, `/* … *\/`), so a `;` inside a value never splits a statement. Memory: only
 * the current, unfinished statement is kept between chunks.
 */
export interface Statement {
  /** The statement text (latin1 view of its bytes), without the trailing `;`. */
  sql: string;
  /** Byte offset in the file just after the terminating `;` (or the end of input). */
  end: number;
}

enum St {
  Normal = 0,
  Single = 1,
  Double = 2,
  Back = 3,
  Line = 4,
  Block = 5,
}

export class SqlSplitter {
  private buf = '';
  /** Absolute file offset of buf[0]. */
  private base = 0;
  /** Scan position in buf. */
  private pos = 0;
  private state: St = St.Normal;

  /** Start at a byte offset (when resuming part-way into a file). */
  constructor(startOffset = 0) {
    this.base = startOffset;
  }

  /** Feed a chunk; returns the statements it completed. */
  push(chunk: string): Statement[] {
    this.buf = this.pos === 0 && this.buf.length === 0 ? chunk : this.buf + chunk;
    const out: Statement[] = [];
    const b = this.buf;
    const n = b.length;
    let i = this.pos;
    let start = 0;
    let st = this.state;
    let nextQ = -1;
    let nextB = -1;
    let qch = '';
    while (i < n) {
      const c = b.charCodeAt(i);
      switch (st) {
        case St.Normal:
          if (c === 59 /* ; */) {
            const sql = b.slice(start, i);
            if (hasCode(sql)) out.push({ sql, end: this.base + i + 1 });
            start = i + 1;
          } else if (c === 39) st = St.Single;
          else if (c === 34) st = St.Double;
          else if (c === 96) st = St.Back;
          else if (c === 35) st = St.Line;
          else if (c === 45 && b.charCodeAt(i + 1) === 45) {
            if (i + 2 >= n) {
              // Need one more char to know if this is a comment: wait for more input.
              this.keep(b, start, i, st);
              return out;
            }
            const d = b.charCodeAt(i + 2);
            if (d <= 32) st = St.Line;
          } else if (c === 47 && b.charCodeAt(i + 1) === 42) {
            st = St.Block;
            i++;
          } else if ((c === 47 || c === 45) && i + 1 >= n) {
            // A lone `/` or `-` at the end of the chunk may start a comment: wait for more.
            this.keep(b, start, i, st);
            return out;
          }
          break;
        case St.Single:
        case St.Double:
        case St.Back: {
          const q = st === St.Single ? "'" : st === St.Double ? '"' : '`';
          // Jump to the next quote or backslash (a fast native scan through long values). The
          // positions are cached: rescanning for a far quote after every escape is quadratic.
          if (nextQ < i || qch !== q) {
            nextQ = b.indexOf(q, i);
            if (nextQ < 0) nextQ = n;
            qch = q;
          }
          if (st !== St.Back && nextB < i) {
            nextB = b.indexOf('\\', i);
            if (nextB < 0) nextB = n;
          }
          const nq = nextQ < n ? nextQ : -1;
          const nb = st === St.Back || nextB >= n ? -1 : nextB;
          if (nb >= 0 && (nq < 0 || nb < nq)) {
            if (nb + 1 >= n) {
              this.keep(b, start, nb, st);
              return out;
            }
            i = nb + 2;
            continue;
          }
          if (nq < 0) {
            i = n;
            continue;
          }
          i = nq;
          st = St.Normal;
          break;
        }
        case St.Line:
          if (c === 10) st = St.Normal;
          break;
        case St.Block:
          if (c === 42 && b.charCodeAt(i + 1) === 47) {
            st = St.Normal;
            i++;
          } else if (c === 42 && i + 1 >= n) {
            this.keep(b, start, i, st);
            return out;
          }
          break;
      }
      i++;
    }
    this.keep(b, start, i, st);
    return out;
  }

  /** End of input: the unterminated tail, if it holds any code. */
  end(): Statement[] {
    const sql = this.buf;
    const end = this.base + sql.length;
    this.buf = '';
    this.base = end;
    this.pos = 0;
    return hasCode(sql) ? [{ sql, end }] : [];
  }

  private keep(b: string, start: number, scanPos: number, st: St): void {
    this.buf = b.slice(start);
    this.base += start;
    this.pos = scanPos - start;
    this.state = st;
  }
}

/** True when the text holds anything but whitespace and plain comments. */
function hasCode(sql: string): boolean {
  return skipNoise(sql, 0) < sql.length;
}

/** Index of the first char after leading whitespace and plain (non-`/*!`) comments. */
export function skipNoise(s: string, from: number): number {
  let i = from;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c <= 32) i++;
    else if (
      c === 35 ||
      (c === 45 && s.charCodeAt(i + 1) === 45 && (s.charCodeAt(i + 2) <= 32 || i + 2 >= n))
    ) {
      const e = s.indexOf('\n', i);
      i = e < 0 ? n : e + 1;
    } else if (c === 47 && s.charCodeAt(i + 1) === 42 && s.charCodeAt(i + 2) !== 33) {
      const e = s.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else break;
  }
  return i;
}
