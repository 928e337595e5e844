import { dmError, E } from '../../errors/index.js';
import { Cap, CHARSET_UTF8MB4 } from './constants.js';
import { WireReader } from './wire-reader.js';

/** The server's initial handshake (protocol v10). */
export interface HandshakeV10 {
  serverVersion: string;
  connectionId: number;
  capabilities: number;
  /** The 20-byte scramble (both parts, without the trailing NUL). */
  salt: Buffer;
  authPlugin: string;
}

/**
 * Parse Initial Handshake v10: protocol version, server version (NUL), connection id,
 * auth-plugin-data part 1 (8), filler, capability low u16, charset, status u16, capability
 * high u16, auth-data length, 10 reserved bytes (MariaDB keeps extended caps there),
 * auth-plugin-data part 2 (max(13, len - 8), NUL-terminated), plugin name (NUL).
 */
export function parseHandshake(payload: Buffer): HandshakeV10 {
  const r = new WireReader(payload);
  const protocol = r.u8();
  if (protocol !== 10) {
    throw dmError(E.protocolPacket, `unsupported handshake protocol version ${protocol}`);
  }
  const serverVersion = r.nulString();
  const connectionId = r.u32();
  const part1 = r.bytes(8);
  r.skip(1);
  let capabilities = r.u16();
  let part2: Buffer = Buffer.alloc(0);
  let authPlugin = '';
  let authDataLen = 0;
  if (r.remaining > 0) {
    r.skip(1); // charset
    r.skip(2); // status
    capabilities |= r.u16() << 16;
    capabilities >>>= 0;
    authDataLen = r.u8();
    r.skip(10);
    if (capabilities & Cap.secureConnection) {
      const n = Math.max(13, authDataLen - 8);
      part2 = r.bytes(Math.min(n, r.remaining));
      // The last byte is a NUL terminator, not part of the scramble.
      if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1);
    }
    if (capabilities & Cap.pluginAuth && r.remaining > 0) authPlugin = r.nulString();
  }
  return {
    serverVersion,
    connectionId,
    capabilities,
    salt: Buffer.concat([part1, part2]),
    authPlugin: authPlugin || 'mysql_native_password',
  };
}

/** The capabilities we ask for, restricted to what the server offers. */
export function clientCapabilities(serverCaps: number, tls: boolean): number {
  const want =
    Cap.longPassword |
    Cap.longFlag |
    Cap.protocol41 |
    Cap.transactions |
    Cap.secureConnection |
    Cap.pluginAuth |
    Cap.pluginAuthLenencData |
    (tls ? Cap.ssl : 0);
  // protocol41 and secureConnection are mandatory for every server we talk to.
  return (want & (serverCaps | Cap.protocol41 | Cap.secureConnection)) >>> 0;
}

/** SSLRequest: the first 32 bytes of the handshake response, sent before the TLS upgrade. */
export function buildSslRequest(caps: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(caps >>> 0, 0);
  b.writeUInt32LE(MAX_PACKET, 4);
  b[8] = CHARSET_UTF8MB4;
  return b;
}

const MAX_PACKET = 1 << 30;

/** HandshakeResponse41: caps, max packet, charset, 23 zero bytes, user, auth response, plugin. */
export function buildHandshakeResponse(
  caps: number,
  user: string,
  authResponse: Buffer,
  authPlugin: string,
): Buffer {
  const userBytes = Buffer.from(user, 'utf8');
  const plugin = Buffer.from(authPlugin, 'utf8');
  const lenenc = caps & Cap.pluginAuthLenencData;
  const authLenPrefix = lenenc ? lenencIntBytes(authResponse.length) : Buffer.from([authResponse.length]);
  return Buffer.concat([
    buildSslRequest(caps),
    userBytes,
    Buffer.from([0]),
    authLenPrefix,
    authResponse,
    caps & Cap.pluginAuth ? Buffer.concat([plugin, Buffer.from([0])]) : Buffer.alloc(0),
  ]);
}

/** Length-encoded integer bytes. */
export function lenencIntBytes(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = 0xfc;
    b.writeUInt16LE(n, 1);
    return b;
  }
  if (n < 0x1000000) {
    const b = Buffer.alloc(4);
    b[0] = 0xfd;
    b.writeUIntLE(n, 1, 3);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xfe;
  b.writeBigUInt64LE(BigInt(n), 1);
  return b;
}
