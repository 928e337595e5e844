import type { ValueKind } from './sql-values.js';

/**
 * Byte-level twin of `rowTuple` (pure): renders a row straight from mysql2's raw field
 * Buffers into a growable byte buffer, with the same output bytes as `rowTuple`, but without
 * a JS string per field, a regex per text value or a latin1 re-encoding of the whole file
 * (together most of the dump's CPU time).
 */
export class TupleBytes {
  buf: Buffer;
  len = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Make room for `n` more bytes. */
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Append latin1-view text (ASCII headers, separators). */
  text(s: string): void {
    this.room(s.length);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** Append raw bytes. */
  bytes(b: Buffer, from = 0, to = b.length): void {
    this.room(to - from);
    if (to - from > 64) {
      this.len += b.copy(this.buf, this.len, from, to);
      return;
    }
    // Short values (numbers): a loop beats the native call's fixed cost.
    const out = this.buf;
    let o = this.len;
    for (let i = from; i < to; i++) out[o++] = b[i] as number;
    this.len = o;
  }

  /** `(v1,v2,…)` for one row: the same bytes as `rowTuple(row, kinds)` in latin1. */
  row(row: readonly (Buffer | null)[], kinds: readonly ValueKind[]): void {
    this.room(2);
    this.buf[this.len++] = 40; /* ( */
    for (let i = 0; i < kinds.length; i++) {
      if (i > 0) {
        this.room(1);
        this.buf[this.len++] = 44; /* , */
      }
      const v = row[i] ?? null;
      if (v === null) {
        this.text('NULL');
        continue;
      }
      switch (kinds[i] ?? 'str') {
        case 'num':
        case 'float':
          this.bytes(v);
          break;
        case 'bin':
          if (v.length === 0) this.text("''");
          else {
            this.room(2 + v.length * 2);
            this.buf[this.len++] = 48; /* 0 */
            this.buf[this.len++] = 120; /* x */
            this.len += this.buf.write(v.toString('hex'), this.len, 'latin1');
          }
          break;
        default:
          this.quoted(v);
      }
    }
    this.room(1);
    this.buf[this.len++] = 41; /* ) */
  }

  /**
   * The same tuple as `row`, parsed straight from a text-protocol row packet (`src[pos..end)`:
   * length-encoded values, 0xfb = NULL), so no Buffer is made per field.
   */
  rowPacket(src: Buffer, pos: number, end: number, kinds: readonly ValueKind[]): void {
    this.room(2);
    this.buf[this.len++] = 40; /* ( */
    for (let i = 0; i < kinds.length && pos < end; i++) {
      if (i > 0) {
        this.room(1);
        this.buf[this.len++] = 44; /* , */
      }
      const b = src[pos++] as number;
      let n: number;
      if (b < 0xfb) n = b;
      else if (b === 0xfb) {
        this.text('NULL');
        continue;
      } else if (b === 0xfc) {
        n = src.readUInt16LE(pos);
        pos += 2;
      } else if (b === 0xfd) {
        n = src.readUIntLE(pos, 3);
        pos += 3;
      } else {
        n = Number(src.readBigUInt64LE(pos));
        pos += 8;
      }
      const to = pos + n;
      switch (kinds[i] ?? 'str') {
        case 'num':
        case 'float':
          this.bytes(src, pos, to);
          break;
        case 'bin':
          if (n === 0) this.text("''");
          else {
            this.room(2 + n * 2);
            this.buf[this.len++] = 48; /* 0 */
            this.buf[this.len++] = 120; /* x */
            this.len += this.buf.write(src.toString('hex', pos, to), this.len, 'latin1');
          }
          break;
        default:
          this.quoted(src, pos, to);
      }
      pos = to;
    }
    this.room(1);
    this.buf[this.len++] = 41; /* ) */
  }

  /** `'…'` with the MySQL specials escaped (as `quoteBytesString`). */
  private quoted(v: Buffer, from = 0, n = v.length): void {
    // Worst case every byte doubles.
    this.room(2 + (n - from) * 2);
    const out = this.buf;
    let o = this.len;
    out[o++] = 39;
    // Most values need no escaping: a read-only scan plus one native copy is several times
    // cheaper than copying byte by byte; escaping starts at the first special byte.
    let first = from;
    while (first < n && ESC[v[first] as number] === 0) first++;
    if (first > from) {
      if (first - from > 32) o += v.copy(out, o, from, first);
      else for (let i = from; i < first; i++) out[o++] = v[i] as number;
    }
    for (let i = first; i < n; i++) {
      const c = v[i] as number;
      const e = ESC[c] as number;
      if (e === 0) out[o++] = c;
      else {
        out[o++] = 92; /* \ */
        out[o++] = e;
      }
    }
    out[o++] = 39;
    this.len = o;
  }
}

/** Escape letter per byte (0: copied as is), matching sql-values.ts ESCAPES. */
const ESC = new Uint8Array(256);
ESC[0] = 48; /* \0 */
ESC[10] = 110; /* \n */
ESC[13] = 114; /* \r */
ESC[92] = 92; /* \\ */
ESC[39] = 39; /* \' */
ESC[26] = 90; /* \Z */
