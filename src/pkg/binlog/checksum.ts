import { crc32 } from 'node:zlib';
import { dmError, E } from '../errors/index.js';
import { EventType, LOG_EVENT_BINLOG_IN_USE_F } from './event-type.js';

/** The FDE's checksum algorithm byte: 0 = off, 1 = CRC32, 0xff = undefined (pre-5.6 server). */
export const BINLOG_CHECKSUM_ALG_OFF = 0;
export const BINLOG_CHECKSUM_ALG_CRC32 = 1;
export const BINLOG_CHECKSUM_ALG_UNDEF = 0xff;
export const CHECKSUM_LEN = 4;

/**
 * Verify the trailing CRC32 of one event (`raw` = header + body + 4 CRC bytes).
 * The FDE is checksummed with LOG_EVENT_BINLOG_IN_USE_F cleared (the server clears the flag in
 * place when it closes the file without rewriting the CRC), so verify it that way.
 */
export function verifyEventChecksum(raw: Buffer): void {
  const n = raw.length - CHECKSUM_LEN;
  if (n < 19) throw dmError(E.binlogEventMalformed, 'event too short for a checksum');
  const want = raw.readUInt32LE(n);
  let got: number;
  if (raw[4] === EventType.FORMAT_DESCRIPTION && (raw[17]! & LOG_EVENT_BINLOG_IN_USE_F) !== 0) {
    const head = Buffer.from(raw.subarray(0, 19));
    head[17] = head[17]! & ~LOG_EVENT_BINLOG_IN_USE_F;
    got = crc32(raw.subarray(19, n), crc32(head));
  } else {
    got = crc32(raw.subarray(0, n));
  }
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
