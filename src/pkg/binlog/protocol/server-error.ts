import { WireReader } from './wire-reader.js';

/** An ERR packet from the server: MySQL error number, SQL state and message. */
export interface ServerError {
  errno: number;
  sqlState: string;
  message: string;
}

/** Parse an ERR packet payload (0xFF, errno u16, ['#' + 5-byte SQL state], message). */
export function parseErrPacket(payload: Buffer): ServerError {
  const r = new WireReader(payload, 1);
  const errno = r.u16();
  let sqlState = '';
  if (r.remaining > 0 && payload[r.off] === 0x23 /* '#' */) {
    r.skip(1);
    sqlState = r.bytes(Math.min(5, r.remaining)).toString('latin1');
  }
  return { errno, sqlState, message: r.rest().toString('utf8') };
}

/** Server error numbers we act on. */
export const ErrNo = {
  /** ER_ACCESS_DENIED_ERROR. */
  accessDenied: 1045,
  /** ER_DBACCESS_DENIED_ERROR. */
  dbAccessDenied: 1044,
  /** ER_ACCESS_DENIED_NO_PASSWORD_ERROR. */
  accessDeniedNoPassword: 1698,
  /** ER_MASTER_FATAL_ERROR_READING_BINLOG: purged/missing file or GTID, corrupt binlog. */
  fatalReadingBinlog: 1236,
} as const;

/**
 * Errors the server sends when it goes away or cuts us off, not because our request is
 * wrong: worth a reconnect.
 */
const TRANSIENT = new Set([
  1040, // ER_CON_COUNT_ERROR (too many connections)
  1053, // ER_SERVER_SHUTDOWN
  1077, // ER_NORMAL_SHUTDOWN
  1152, // ER_ABORTING_CONNECTION
  1153, // ER_NET_PACKET_TOO_LARGE
  1158, // ER_NET_READ_ERROR
  1159, // ER_NET_READ_INTERRUPTED
  1160, // ER_NET_ERROR_ON_WRITE
  1161, // ER_NET_WRITE_INTERRUPTED
  1184, // ER_NEW_ABORTING_CONNECTION
  1317, // ER_QUERY_INTERRUPTED
  1927, // ER_CONNECTION_KILLED (MariaDB)
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
  4031, // ER_CLIENT_INTERACTION_TIMEOUT
]);

export function isTransientServerError(errno: number): boolean {
  return TRANSIENT.has(errno);
}

export function isAuthError(errno: number): boolean {
  return (
    errno === ErrNo.accessDenied || errno === ErrNo.dbAccessDenied || errno === ErrNo.accessDeniedNoPassword
  );
}
