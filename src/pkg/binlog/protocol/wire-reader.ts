import { dmError, E } from '../../errors/index.js';

/**
 * Reads the protocol's basic types from one packet payload, one method per wire type
 * (fixed-length ints, length-encoded ints/strings, NUL-terminated strings). Overruns throw
 * E.protocolPacket: a short packet is the server's (or a middlebox's) fault, never ours.
 */
export class WireReader {
  off: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.off = offset;
  }

  get remaining(): number {
    return this.buf.length - this.off;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.off);
    this.off += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntLE(this.off, 3);
    this.off += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.off);
    this.off += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.off);
    this.off += 8;
    return v;
  }

  /**
   * Length-encoded integer: < 0xFB itself; 0xFC + u16; 0xFD + u24; 0xFE + u64. Returns
   * null for 0xFB (NULL in text rows). Values above 2^53 are not expected where we read them.
   */
  lenencInt(): number | null {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfb) return null;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) return this.u24();
    if (first === 0xfe) return Number(this.u64());
    throw dmError(E.protocolPacket, `invalid length-encoded integer prefix 0x${first.toString(16)}`);
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }

  lenencBytes(): Buffer | null {
    const n = this.lenencInt();
    return n === null ? null : this.bytes(n);
  }

  lenencString(): string | null {
    const b = this.lenencBytes();
    return b === null ? null : b.toString('utf8');
  }

  /** Bytes up to (not including) the next NUL; the NUL is consumed. A missing NUL = rest of packet. */
  nulBytes(): Buffer {
    let end = this.buf.indexOf(0, this.off);
    const next = end < 0 ? this.buf.length : end + 1;
    if (end < 0) end = this.buf.length;
    const b = this.buf.subarray(this.off, end);
    this.off = next;
    return b;
  }

  nulString(): string {
    return this.nulBytes().toString('utf8');
  }

  /** Everything left in the packet. */
  rest(): Buffer {
    const b = this.buf.subarray(this.off);
    this.off = this.buf.length;
    return b;
  }

  skip(n: number): void {
    this.need(n);
    this.off += n;
  }

  private need(n: number): void {
    if (this.off + n > this.buf.length) {
      throw dmError(
        E.protocolPacket,
        `packet too short: need ${n} byte(s) at offset ${this.off}, packet has ${this.buf.length}`,
      );
    }
  }
}
