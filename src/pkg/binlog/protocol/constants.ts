/**
 * Wire constants of the MySQL client/server protocol that the replication client uses.
 * Values from the MySQL protocol docs (include/mysql_com.h) and MariaDB's extensions.
 */

/** Command bytes (first payload byte of a client command packet). */
export const Command = {
  quit: 0x01,
  query: 0x03,
  binlogDump: 0x12,
  registerSlave: 0x15,
  binlogDumpGtid: 0x1e,
} as const;

/** Capability flags (handshake). */
export const Cap = {
  longPassword: 0x1,
  longFlag: 0x4,
  connectWithDb: 0x8,
  protocol41: 0x200,
  ssl: 0x800,
  transactions: 0x2000,
  secureConnection: 0x8000,
  multiResults: 0x20000,
  pluginAuth: 0x80000,
  pluginAuthLenencData: 0x200000,
  deprecateEof: 0x1000000,
} as const;

/** First payload byte of a server response. */
export const Header = {
  ok: 0x00,
  /** AuthMoreData during authentication. */
  authMoreData: 0x01,
  /** EOF (payload shorter than 9 bytes) or AuthSwitchRequest during authentication. */
  eof: 0xfe,
  err: 0xff,
  /** 0xFB in a text row = NULL. */
  nullValue: 0xfb,
} as const;

/** COM_BINLOG_DUMP flags. */
export const DumpFlag = {
  /** Return EOF at the end of the binlog instead of waiting for new events. */
  nonBlock: 0x01,
  /** MariaDB: also send ANNOTATE_ROWS events. */
  sendAnnotateRows: 0x02,
  /** COM_BINLOG_DUMP_GTID: the GTID set is present. */
  throughGtid: 0x04,
} as const;

/** Largest payload of one physical packet: 2^24 - 1. Longer payloads continue in the next packet. */
export const MAX_PACKET_PAYLOAD = 0xffffff;

/** utf8mb4_general_ci: the collation we announce; every name we send is ASCII/UTF-8. */
export const CHARSET_UTF8MB4 = 45;
