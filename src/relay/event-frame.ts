import { crc32 } from 'node:zlib';
import { verifyEventChecksum } from '../pkg/binlog/checksum.js';
import { BINLOG_MAGIC, EventType, HEADER_LEN, LOG_EVENT_ARTIFICIAL_F } from '../pkg/binlog/event-type.js';
import type { EventHeader } from '../pkg/binlog/types.js';

/**
 * Byte-level framing of binlog events, as the relay needs it: find where each event starts
 * and ends, check its CRC32, and tell transaction boundaries apart. This is deliberately
 * NOT the decoder (src/pkg/binlog/decoder.ts): the relay copies bytes verbatim and only has
 * to know sizes, type codes and checksums to cut a torn tail after a crash. Pure functions.
 */

export { BINLOG_MAGIC, EventType, HEADER_LEN, LOG_EVENT_ARTIFICIAL_F };

/** The common header of a relay event (the decoder's own type). */
export type FrameHeader = EventHeader;

/** Read the 19-byte header at `off` (the caller checked that 19 bytes are there). */
export function readFrameHeader(buf: Buffer, off = 0): FrameHeader {
  return {
    timestamp: buf.readUInt32LE(off),
    typeCode: buf[off + 4] ?? 0,
    serverId: buf.readUInt32LE(off + 5),
    eventSize: buf.readUInt32LE(off + 9),
    logPos: buf.readUInt32LE(off + 13),
    flags: buf.readUInt16LE(off + 17),
  };
}

/**
 * The checksum algorithm a FORMAT_DESCRIPTION event announces. Since MySQL 5.6.1 / MariaDB
 * 5.3 the FDE body ends with [alg u8][crc u32]; alg 1 = CRC32, 0 = off. Older servers did
 * not write the byte: treat as no checksum.
 */
export function fdeHasCrc(fde: Buffer): boolean {
  if (fde.length < HEADER_LEN + 57 + 5) return false;
  return fde[fde.length - 5] === 1;
}

/** True when the last 4 bytes of `ev` are the CRC32 of the bytes before them. */
export function crcOk(ev: Buffer): boolean {
  if (ev.length < HEADER_LEN + 4) return false;
  try {
    // Shared with the decoder: it knows the FDE's BINLOG_IN_USE flag quirk.
    verifyEventChecksum(ev);
    return true;
  } catch {
    return false;
  }
}

/** Recompute the trailing CRC32 in place (for events the relay makes itself). */
export function fixCrc(ev: Buffer): void {
  ev.writeUInt32LE(crc32(ev.subarray(0, ev.length - 4)), ev.length - 4);
}

export interface ScanResult {
  /** Offset just past the last complete, checksum-valid event (relative to the file). */
  end: number;
  /** Number of complete events seen. */
  events: number;
  /** Why scanning stopped before the end of the bytes, when it did. */
  torn?: 'incomplete' | 'bad-crc' | 'bad-size';
  /** The CRC mode learnt from an FDE seen during the scan (or passed in). */
  crc: boolean;
  /** Offset of the last event (for the caller to look at its type), or -1. */
  lastEventPos: number;
}

/**
 * Walk events in `buf` (which holds file bytes starting at file offset `base`), from file
 * offset `from`, checking sizes and (when `crc`) checksums. Stops at the first event that is
 * incomplete or corrupt: everything from there on is a torn tail to cut. The FDE at offset 4
 * switches the CRC mode for the events after it.
 */
export function scanEvents(buf: Buffer, base: number, from: number, crc: boolean): ScanResult {
  let off = from - base;
  let events = 0;
  let lastEventPos = -1;
  let useCrc = crc;
  for (;;) {
    if (off === buf.length) return { end: base + off, events, crc: useCrc, lastEventPos };
    if (buf.length - off < HEADER_LEN)
      return { end: base + off, events, torn: 'incomplete', crc: useCrc, lastEventPos };
    const size = buf.readUInt32LE(off + 9);
    if (size < HEADER_LEN || size > 1 << 30)
      return { end: base + off, events, torn: 'bad-size', crc: useCrc, lastEventPos };
    if (buf.length - off < size)
      return { end: base + off, events, torn: 'incomplete', crc: useCrc, lastEventPos };
    const ev = buf.subarray(off, off + size);
    const type = ev[4];
    if (type === EventType.FORMAT_DESCRIPTION) useCrc = fdeHasCrc(ev);
    if (useCrc && !crcOk(ev)) return { end: base + off, events, torn: 'bad-crc', crc: useCrc, lastEventPos };
    lastEventPos = base + off;
    off += size;
    events++;
  }
}

/**
 * A MariaDB "dummy" event filling a hole of `size` bytes so relay positions stay equal to
 * upstream positions (the server skips events on a GTID start; DM fills the gap the same
 * way). It is a USER_VAR event whose name pads the size; mariadb-binlog prints it as a
 * harmless `SET @`…` := NULL`. `size` must be ≥ 29 with CRC (24 + name ≥ 1) / 25 without.
 */
export function dummyEvent(size: number, logPos: number, serverId: number, crc: boolean): Buffer {
  const fixed = HEADER_LEN + 4 + 1 + (crc ? 4 : 0);
  const nameLen = size - fixed;
  if (nameLen < 1) throw new RangeError(`hole of ${size} bytes is too small for a dummy event`);
  const b = Buffer.alloc(size);
  b.writeUInt32LE(0, 0);
  b[4] = EventType.USER_VAR;
  b.writeUInt32LE(serverId, 5);
  b.writeUInt32LE(size, 9);
  b.writeUInt32LE(logPos, 13);
  b.writeUInt16LE(0, 17);
  b.writeUInt32LE(nameLen, HEADER_LEN);
  b.fill(0x5f, HEADER_LEN + 4, HEADER_LEN + 4 + nameLen); // '_'
  b[HEADER_LEN + 4 + nameLen] = 1; // is_null
  if (crc) fixCrc(b);
  return b;
}

/** Dummy events (several when the hole is larger than one event may be) covering [from, to). */
export function fillHole(from: number, to: number, serverId: number, crc: boolean): Buffer[] {
  const out: Buffer[] = [];
  const max = 1 << 20;
  let pos = from;
  while (pos < to) {
    let size = Math.min(max, to - pos);
    // Never leave a remainder too small for a dummy event of its own.
    if (to - pos - size > 0 && to - pos - size < 64) size -= 64;
    out.push(dummyEvent(size, pos + size, serverId, crc));
    pos += size;
  }
  return out;
}
