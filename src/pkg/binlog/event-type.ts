/**
 * Binlog event type codes (the byte at offset 4 of the common header), MySQL's and MariaDB's,
 * with the snake_case names `dm-binlog` prints for them.
 */
export const EventType = {
  UNKNOWN: 0x00,
  START_V3: 0x01,
  QUERY: 0x02,
  STOP: 0x03,
  ROTATE: 0x04,
  INTVAR: 0x05,
  LOAD: 0x06,
  SLAVE: 0x07,
  CREATE_FILE: 0x08,
  APPEND_BLOCK: 0x09,
  EXEC_LOAD: 0x0a,
  DELETE_FILE: 0x0b,
  NEW_LOAD: 0x0c,
  RAND: 0x0d,
  USER_VAR: 0x0e,
  FORMAT_DESCRIPTION: 0x0f,
  XID: 0x10,
  BEGIN_LOAD_QUERY: 0x11,
  EXECUTE_LOAD_QUERY: 0x12,
  TABLE_MAP: 0x13,
  PRE_GA_WRITE_ROWS: 0x14,
  PRE_GA_UPDATE_ROWS: 0x15,
  PRE_GA_DELETE_ROWS: 0x16,
  WRITE_ROWS_V1: 0x17,
  UPDATE_ROWS_V1: 0x18,
  DELETE_ROWS_V1: 0x19,
  INCIDENT: 0x1a,
  HEARTBEAT: 0x1b,
  IGNORABLE: 0x1c,
  ROWS_QUERY: 0x1d,
  WRITE_ROWS_V2: 0x1e,
  UPDATE_ROWS_V2: 0x1f,
  DELETE_ROWS_V2: 0x20,
  GTID: 0x21,
  ANONYMOUS_GTID: 0x22,
  PREVIOUS_GTIDS: 0x23,
  TRANSACTION_CONTEXT: 0x24,
  VIEW_CHANGE: 0x25,
  XA_PREPARE: 0x26,
  PARTIAL_UPDATE_ROWS: 0x27,
  TRANSACTION_PAYLOAD: 0x28,
  HEARTBEAT_V2: 0x29,
  GTID_TAGGED_LOG: 0x2a,
  // MariaDB
  MARIADB_ANNOTATE_ROWS: 0xa0,
  MARIADB_BINLOG_CHECKPOINT: 0xa1,
  MARIADB_GTID: 0xa2,
  MARIADB_GTID_LIST: 0xa3,
  MARIADB_START_ENCRYPTION: 0xa4,
  MARIADB_QUERY_COMPRESSED: 0xa5,
  MARIADB_WRITE_ROWS_COMPRESSED_V1: 0xa6,
  MARIADB_UPDATE_ROWS_COMPRESSED_V1: 0xa7,
  MARIADB_DELETE_ROWS_COMPRESSED_V1: 0xa8,
  MARIADB_WRITE_ROWS_COMPRESSED: 0xa9,
  MARIADB_UPDATE_ROWS_COMPRESSED: 0xaa,
  MARIADB_DELETE_ROWS_COMPRESSED: 0xab,
} as const;

export type EventTypeName = keyof typeof EventType;

const NAMES: string[] = [];
for (const [k, v] of Object.entries(EventType)) NAMES[v] = k.toLowerCase();

/** snake_case name of a type code (`event_<code>` when the code is not known at all). */
export function eventTypeName(code: number): string {
  return NAMES[code] ?? `event_${code}`;
}

/** Header flag: the binlog file is still open (set in the FDE of the active file). */
export const LOG_EVENT_BINLOG_IN_USE_F = 0x0001;
/** Header flag: the event was made up by the server, not read from a file (fake ROTATE). */
export const LOG_EVENT_ARTIFICIAL_F = 0x0020;

/** Size of the v4 common header. */
export const HEADER_LEN = 19;
/** 0xFE 'b' 'i' 'n': the first four bytes of every binlog/relay file. */
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
