import { Command, DumpFlag } from './constants.js';

/**
 * Payload builders for the client commands the replication client sends (pure; the
 * connection frames them). Layouts from the MySQL protocol docs.
 */

/** COM_QUERY: 0x03 + statement text. */
export function comQuery(sql: string): Buffer {
  const text = Buffer.from(sql, 'utf8');
  const b = Buffer.allocUnsafe(1 + text.length);
  b[0] = Command.query;
  text.copy(b, 1);
  return b;
}

/**
 * COM_REGISTER_SLAVE: server_id u32, hostname/user/password as 1-byte length + bytes (we
 * send them empty: SHOW SLAVE HOSTS then lists us without a host), port u16,
 * replication rank u32 (unused), master id u32 (0 = the server fills it in).
 */
export function comRegisterSlave(serverId: number, host = '', user = '', password = '', port = 0): Buffer {
  const h = Buffer.from(host, 'utf8').subarray(0, 255);
  const u = Buffer.from(user, 'utf8').subarray(0, 255);
  const p = Buffer.from(password, 'utf8').subarray(0, 255);
  const b = Buffer.alloc(1 + 4 + 1 + h.length + 1 + u.length + 1 + p.length + 2 + 4 + 4);
  let o = 0;
  b[o++] = Command.registerSlave;
  o = b.writeUInt32LE(serverId >>> 0, o);
  for (const s of [h, u, p]) {
    b[o++] = s.length;
    o += s.copy(b, o);
  }
  o = b.writeUInt16LE(port, o);
  o = b.writeUInt32LE(0, o); // rank
  b.writeUInt32LE(0, o); // master id
  return b;
}

/** COM_BINLOG_DUMP: pos u32, flags u16, server_id u32, file name (rest of packet, no NUL). */
export function comBinlogDump(file: string, pos: number, serverId: number, flags: number): Buffer {
  const name = Buffer.from(file, 'utf8');
  const b = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
  b[0] = Command.binlogDump;
  // Positions past 4 GiB cannot be expressed here; servers cap binlog files far below that.
  b.writeUInt32LE(pos >>> 0, 1);
  b.writeUInt16LE(flags, 5);
  b.writeUInt32LE(serverId >>> 0, 7);
  name.copy(b, 11);
  return b;
}

/**
 * COM_BINLOG_DUMP_GTID (MySQL): flags u16, server_id u32, name length u32, name, pos u64,
 * data length u32, encoded GTID set (see MysqlGtidSet.encode). BINLOG_THROUGH_GTID is set so
 * the server reads the set.
 */
export function comBinlogDumpGtid(
  serverId: number,
  gtidSet: Buffer,
  flags: number,
  file = '',
  pos = 4,
): Buffer {
  const name = Buffer.from(file, 'utf8');
  const b = Buffer.alloc(1 + 2 + 4 + 4 + name.length + 8 + 4 + gtidSet.length);
  let o = 0;
  b[o++] = Command.binlogDumpGtid;
  o = b.writeUInt16LE(flags | DumpFlag.throughGtid, o);
  o = b.writeUInt32LE(serverId >>> 0, o);
  o = b.writeUInt32LE(name.length, o);
  o += name.copy(b, o);
  o = b.writeBigUInt64LE(BigInt(pos), o);
  o = b.writeUInt32LE(gtidSet.length, o);
  gtidSet.copy(b, o);
  return b;
}

/** COM_QUIT. */
export function comQuit(): Buffer {
  return Buffer.from([Command.quit]);
}
