import { crc32 } from 'node:zlib';
import { dmError, E } from '../errors/index.js';
import { EventType, LOG_EVENT_BINLOG_IN_USE_F } from './event-type.js';

/** The FDE's checksum algorithm byte: 0 = off, 1 = CRC32, 0xff = undefined (pre-5.6 server). */
export const BINLOG_CHECKSUM_ALG_OFF = 0;
export const BINLOG_CHECKSUM_ALG_CRC32 = 1;
export const BINLOG_CHECKSUM_ALG_UNDEF = 0xff;
export const CHECKSUM_LEN = 4;

/**
 * Below this many bytes a JS table loop beats zlib.crc32, whose per-call cost (argument checks,
 * a subarray, the native hop) dominates for the small events that make up most of a binlog
 * (GTID, XID, TABLE_MAP, short row events).
 */
const SMALL = 192;

/** CRC-32 (IEEE) of any bytes followed by their own CRC-32, little-endian. */
const CRC32_RESIDUE = 0x2144df1c;

/** The CRC-32 (IEEE) table. */
const CRC_TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLE[n] = c;
}

/** CRC-32 of buf[a, b), the same value as zlib.crc32. */
export function crc32Js(buf: Uint8Array, a: number, b: number): number {
  let c = -1;
  for (let i = a; i < b; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/**
 * Verify the trailing CRC32 of one event (`raw` = header + body + 4 CRC bytes).
 * The FDE is checksummed with LOG_EVENT_BINLOG_IN_USE_F cleared (the server clears the flag in
 * place when it closes the file without rewriting the CRC), so verify it that way.
 */
export function verifyEventChecksum(raw: Buffer): void {
  const n = raw.length - CHECKSUM_LEN;
  if (n < 19) throw dmError(E.binlogEventMalformed, 'event too short for a checksum');
  let got: number;
  if (raw[4] === EventType.FORMAT_DESCRIPTION && (raw[17]! & LOG_EVENT_BINLOG_IN_USE_F) !== 0) {
    const head = Buffer.from(raw.subarray(0, 19));
    head[17] = head[17]! & ~LOG_EVENT_BINLOG_IN_USE_F;
    got = crc32(raw.subarray(19, n), crc32(head));
  } else {
    // The CRC over the bytes and their own little-endian CRC is a constant (the residue):
    // checked over the whole event, no view of its body and no read of the stored value.
    if ((raw.length < SMALL ? crc32Js(raw, 0, raw.length) : crc32(raw)) === CRC32_RESIDUE) return;
    got = crc32(raw.subarray(0, n));
  }
  const want = raw.readUInt32LE(n);
  if (got !== want) {
    throw dmError(
      E.binlogChecksumMismatch,
      `binlog event checksum mismatch: stored 0x${want.toString(16)}, computed 0x${got.toString(16)}`,
      { context: { typeCode: raw[4], size: raw.length } },
    );
  }
}

/** Compute the CRC32 an event of `raw` (without its checksum) should carry. */
export function eventCrc(rawWithoutChecksum: Buffer): number {
  return crc32(rawWithoutChecksum);
}
