import { fixCrc } from './event-frame.js';

/**
 * Synthetic binlog bytes for relay unit tests (not used by product code): a CRC32 FORMAT_DESCRIPTION
 * as MariaDB writes it, so files built from it look real to the recovery scan and the decoder.
 */
export function syntheticFde(serverId = 1, logPos = 0): Buffer {
  const postHeader = Buffer.alloc(0xa4, 0);
  // Post-header lengths the decoder reads for the events our tests use (QUERY 13, ROTATE 8, …).
  postHeader[0x02 - 1] = 13;
  postHeader[0x04 - 1] = 8;
  postHeader[0x0f - 1] = 84;
  postHeader[0x13 - 1] = 8;
  const body = Buffer.alloc(2 + 50 + 4 + 1);
  body.writeUInt16LE(4, 0);
  body.write('10.11.0-MariaDB-test', 2, 'latin1');
  body.writeUInt32LE(0, 52);
  body[56] = 19;
  const size = 19 + body.length + postHeader.length + 1 + 4;
  const b = Buffer.alloc(size);
  b.writeUInt32LE(1_700_000_000, 0);
  b[4] = 0x0f;
  b.writeUInt32LE(serverId, 5);
  b.writeUInt32LE(size, 9);
  b.writeUInt32LE(logPos || 4 + size, 13);
  b.writeUInt16LE(0, 17);
  body.copy(b, 19);
  postHeader.copy(b, 19 + body.length);
  b[size - 5] = 1; // CRC32
  fixCrc(b);
  return b;
}
