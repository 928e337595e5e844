import { MAX_PACKET_PAYLOAD } from './constants.js';

/** One logical packet: the sequence id of its last physical packet and the whole payload. */
export interface Packet {
  seq: number;
  /** Owned by the caller: the framer never writes over these bytes. */
  payload: Buffer;
  /** The payload's first byte was the `lead` asked for and is left out of `payload`. */
  stripped?: boolean;
}

const HEADER = 4;

/**
 * Cuts a byte stream into packets. Framing rule: each physical packet is a 3-byte
 * little-endian payload length, a 1-byte sequence id, then the payload. A payload of exactly
 * 2^24-1 bytes means "continued in the next packet" (payloads ≥ 16 MiB); the logical payload
 * is the concatenation, ending with the first shorter packet (possibly empty).
 *
 * Memory: the framer takes ownership of the chunks pushed (a socket hands out a fresh buffer
 * per read) and keeps them as they are, in a queue. A packet that lies within one chunk —
 * nearly all: binlog events are a few KiB, socket reads 64 KiB — is handed out as a view of
 * it, copied by nobody; only a packet that straddles chunks (or continues past 16 MiB) is
 * joined into a fresh buffer. Before, every chunk was copied into a slab, and the slab's tail
 * again whenever it filled: profiled at ≈ 3 % of the sync unit's main thread in a catch-up.
 */
export class PacketFramer {
  /** Unread chunks; `chunks[head]` is read from `off`. */
  private chunks: Buffer[] = [];
  private head = 0;
  private off = 0;
  private total = 0;

  /** Bytes received and not yet returned as packets. */
  get buffered(): number {
    return this.total;
  }

  /** Append a chunk; the framer owns it from now on (its bytes must not be written over). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /**
   * The next complete logical packet, or undefined when more bytes are needed. `lead`: a first
   * payload byte to leave out when the packet has it (the OK byte before each binlog event),
   * saving the caller a second view of the bytes; `stripped` tells it happened.
   */
  next(lead = -1): Packet | undefined {
    const c = this.chunks[this.head];
    if (c === undefined) return undefined;
    // The common case: one physical packet inside the current chunk.
    const o = this.off;
    if (c.length - o >= HEADER) {
      const len = c[o]! | (c[o + 1]! << 8) | (c[o + 2]! << 16);
      if (len < MAX_PACKET_PAYLOAD && c.length - o - HEADER >= len) {
        const seq = c[o + 3]!;
        const from = o + HEADER;
        this.consume(HEADER + len);
        if (len > 0 && c[from] === lead)
          return { seq, payload: c.subarray(from + 1, from + len), stripped: true };
        return { seq, payload: c.subarray(from, from + len) };
      }
    }
    return this.joined();
  }

  /** A packet that straddles chunks or continues past 16 MiB: found first, then copied once. */
  private joined(): Packet | undefined {
    let at = 0;
    let total = 0;
    let parts = 0;
    let seq = 0;
    for (;;) {
      if (this.total - at < HEADER) return undefined;
      const len = this.byteAt(at) | (this.byteAt(at + 1) << 8) | (this.byteAt(at + 2) << 16);
      if (this.total - at - HEADER < len) return undefined;
      seq = this.byteAt(at + 3);
      total += len;
      parts++;
      at += HEADER + len;
      if (len < MAX_PACKET_PAYLOAD) break;
    }
    const payload = Buffer.allocUnsafe(total);
    let w = 0;
    for (let i = 0; i < parts; i++) {
      const len = this.byteAt(0) | (this.byteAt(1) << 8) | (this.byteAt(2) << 16);
      this.consume(HEADER);
      this.copyOut(payload, w, len);
      w += len;
    }
    return { seq, payload };
  }

  /** The byte `at` bytes past the read point (which must be buffered). */
  private byteAt(at: number): number {
    let i = this.head;
    let o = this.off + at;
    for (;;) {
      const c = this.chunks[i] as Buffer;
      if (o < c.length) return c[o]!;
      o -= c.length;
      i++;
    }
  }

  /** Copy the next `len` bytes into `to` at `w`, consuming them. */
  private copyOut(to: Buffer, w: number, len: number): void {
    let left = len;
    while (left > 0) {
      const c = this.chunks[this.head] as Buffer;
      const n = Math.min(left, c.length - this.off);
      c.copy(to, w + len - left, this.off, this.off + n);
      this.consume(n);
      left -= n;
    }
  }

  /** Move the read point `n` bytes on, dropping the chunks read to their end. */
  private consume(n: number): void {
    this.total -= n;
    let left = n;
    for (;;) {
      const c = this.chunks[this.head] as Buffer;
      const k = Math.min(left, c.length - this.off);
      this.off += k;
      left -= k;
      if (this.off < c.length) return;
      this.off = 0;
      this.chunks[this.head] = EMPTY;
      this.head++;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
        return;
      }
      if (this.head >= 1024) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
      if (left === 0) return;
    }
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Frame `payload` as physical packets starting at sequence id `seq` (splitting payloads of
 * 2^24-1 bytes or more, with a trailing empty packet when the length is an exact multiple).
 * Returns the bytes and the next sequence id.
 */
export function framePacket(payload: Buffer, seq: number): { bytes: Buffer; nextSeq: number } {
  const parts = Math.floor(payload.length / MAX_PACKET_PAYLOAD) + 1;
  const bytes = Buffer.allocUnsafe(payload.length + parts * HEADER);
  let r = 0;
  let w = 0;
  let s = seq;
  for (let i = 0; i < parts; i++) {
    const len = Math.min(MAX_PACKET_PAYLOAD, payload.length - r);
    bytes.writeUIntLE(len, w, 3);
    bytes[w + 3] = s & 0xff;
    payload.copy(bytes, w + HEADER, r, r + len);
    r += len;
    w += HEADER + len;
    s = (s + 1) & 0xff;
  }
  return { bytes, nextSeq: s };
}
