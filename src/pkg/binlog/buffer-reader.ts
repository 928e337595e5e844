import { dmError, E } from '../errors/index.js';

/**
 * Node's native Buffer codecs: public methods of Buffer.prototype that @types/node leaves out.
 * `buf.toString(enc, a, b)` goes through an encoding lookup and argument checks first, which
 * costs more than the copy for the short values of a row event. Callers keep a ≤ b ≤ length.
 */
declare module 'node:buffer' {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
    latin1Slice(start: number, end: number): string;
    utf8Write(s: string, offset?: number, length?: number): number;
  }
}

/**
 * A bounds-checked little-endian cursor over an event body, one method per wire type (like
 * pg-protocol's BufferReader). Every read past `end` throws E.binlogEventMalformed, so a
 * truncated or corrupt event can never make the decoder read a neighbour's bytes.
 */
export class BufferReader {
  pos: number;
  end: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throw unless `n` more bytes are available; returns the current offset. */
  need(n: number): number {
    if (n < 0 || this.pos + n > this.end)
      throw malformed(`need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
    return this.pos;
  }

  skip(n: number): void {
    this.pos = this.need(n) + n;
  }

  u8(): number {
    const p = this.need(1);
    this.pos = p + 1;
    return this.buf[p]!;
  }

  u16(): number {
    const p = this.need(2);
    this.pos = p + 2;
    return this.buf.readUInt16LE(p);
  }

  u24(): number {
    const p = this.need(3);
    this.pos = p + 3;
    return this.buf.readUIntLE(p, 3);
  }

  u32(): number {
    const p = this.need(4);
    this.pos = p + 4;
    return this.buf.readUInt32LE(p);
  }

  u48(): number {
    const p = this.need(6);
    this.pos = p + 6;
    return this.buf.readUIntLE(p, 6);
  }

  /** u64 as a JS number when it is safe, else as a number that lost precision (use u64String). */
  u64(): number {
    const p = this.need(8);
    this.pos = p + 8;
    return this.buf.readUInt32LE(p + 4) * 0x1_0000_0000 + this.buf.readUInt32LE(p);
  }

  u64String(): string {
    const p = this.need(8);
    this.pos = p + 8;
    return this.buf.readBigUInt64LE(p).toString();
  }

  /** MySQL length-encoded ("packed") integer. */
  packedInt(): number {
    const b = this.u8();
    if (b < 0xfb) return b;
    if (b === 0xfc) return this.u16();
    if (b === 0xfd) return this.u24();
    if (b === 0xfe) return this.u64();
    throw malformed(`bad packed integer prefix 0x${b.toString(16)}`);
  }

  bytes(n: number): Buffer {
    const p = this.need(n);
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  /** `n` bytes as a string (utf8 by default). */
  str(n: number, enc: BufferEncoding = 'utf8'): string {
    const p = this.need(n);
    this.pos = p + n;
    if (enc === 'utf8') return this.buf.utf8Slice(p, p + n);
    return this.buf.toString(enc, p, p + n);
  }

  /** Everything up to `end`. */
  rest(enc: BufferEncoding = 'utf8'): string {
    const p = this.pos;
    this.pos = this.end;
    if (enc === 'utf8') return this.buf.utf8Slice(p, this.end);
    return this.buf.toString(enc, p, this.end);
  }

  /** A NUL-terminated string (the NUL is consumed). */
  cstr(): string {
    const i = this.buf.indexOf(0, this.pos);
    if (i < 0 || i >= this.end) throw malformed(`unterminated string at ${this.pos}`);
    const s = this.buf.utf8Slice(this.pos, i);
    this.pos = i + 1;
    return s;
  }
}

/** The one error for bytes that do not follow the documented layout. */
export function malformed(msg: string, context?: Record<string, unknown>) {
  return dmError(E.binlogEventMalformed, `malformed binlog event: ${msg}`, { context });
}
