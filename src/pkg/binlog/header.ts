import { malformed } from './buffer-reader.js';
import { HEADER_LEN } from './event-type.js';
import type { EventHeader } from './types.js';

/**
 * Decode the 19-byte v4 common header:
 * timestamp u32 | type u8 | server_id u32 | event_size u32 | log_pos u32 | flags u16.
 */
export function decodeHeader(buf: Buffer, offset = 0): EventHeader {
  if (offset < 0 || buf.length - offset < HEADER_LEN) throw malformed(`header needs ${HEADER_LEN} bytes`);
  const eventSize = buf.readUInt32LE(offset + 9);
  if (eventSize < HEADER_LEN) throw malformed(`event size ${eventSize} smaller than the header`);
  return {
    timestamp: buf.readUInt32LE(offset),
    typeCode: buf[offset + 4]!,
    serverId: buf.readUInt32LE(offset + 5),
    eventSize,
    logPos: buf.readUInt32LE(offset + 13),
    flags: buf.readUInt16LE(offset + 17),
  };
}
