/**
 * The binlog event model shared by the decoder, the replication client, the relay, the sync
 * unit and `dm-binlog`. This file is a contract between those modules: add fields freely,
 * never rename or change the meaning of one.
 *
 * `type` is the snake_case event name that `dm-binlog` prints (DESIGN.md §5).
 */

/** A decoded column value; see DESIGN.md §5 for how each SQL type maps here. */
export type CellValue = null | number | string | Buffer | string[];

/** The 19-byte v4 common header. */
export interface EventHeader {
  /** Seconds since the epoch (0 for fake/artificial events). */
  timestamp: number;
  /** Raw type code (see event-type.ts). */
  typeCode: number;
  serverId: number;
  /** Total event size including header and checksum. */
  eventSize: number;
  /** Position of the next event in the file (0 for artificial events; may be 0 in MariaDB 11.4+ transactions). */
  logPos: number;
  flags: number;
}

interface Base<T extends string> {
  type: T;
  header: EventHeader;
}

export type ChecksumAlg = 'none' | 'crc32';

export interface FormatDescriptionEvent extends Base<'format_description'> {
  binlogVersion: number;
  serverVersion: string;
  createTimestamp: number;
  headerLength: number;
  /** Post-header length per event type code (index = type code - 1). */
  postHeaderLengths: number[];
  checksumAlg: ChecksumAlg;
}

export interface RotateEvent extends Base<'rotate'> {
  position: number;
  nextFile: string;
  /** True when the server made it up (timestamp 0 / LOG_EVENT_ARTIFICIAL_F): not part of a file. */
  fake: boolean;
}

export interface QueryEvent extends Base<'query'> {
  threadId: number;
  execTime: number;
  errorCode: number;
  schema: string;
  query: string;
  /** Decoded status vars that matter downstream (charset, sql_mode, time zone…). */
  statusVars: QueryStatusVars;
}

export interface QueryStatusVars {
  sqlMode?: string;
  flags2?: number;
  charsetClient?: number;
  collationConnection?: number;
  collationServer?: number;
  timeZone?: string;
  catalog?: string;
  autoIncrementIncrement?: number;
  autoIncrementOffset?: number;
}

export interface XidEvent extends Base<'xid'> {
  /** Transaction id, as a decimal string (u64). */
  xid: string;
}

export interface ColumnMeta {
  /** Column type code from the table map (MYSQL_TYPE_*), after resolving STRING's real type. */
  type: number;
  /**
   * Type-specific metadata from the table map; for STRING the max byte length, for ENUM/SET
   * the storage size in bytes (STRING's real type resolved).
   */
  meta: number;
  nullable: boolean;
  name?: string;
  unsigned?: boolean;
  /** Collation id (from optional metadata) or undefined when unknown. */
  collationId?: number;
  enumValues?: string[];
  setValues?: string[];
  geometryType?: number;
  /** 1-based position in the primary key, when known. */
  inPrimaryKey?: boolean;
  /** MySQL charset name (`utf8mb4`, `latin1`, `binary`, …) from the collation or the schema lookup. */
  charset?: string;
  /** False for invisible columns (COLUMN_VISIBILITY metadata), when known. */
  visible?: boolean;
}

/** What a TABLE_MAP event says of a table (the event, and the decoder's cached TableInfo). */
export interface TableMapFields {
  tableId: number;
  schema: string;
  table: string;
  columns: ColumnMeta[];
  /** Primary key column indexes when the optional metadata carries them. */
  primaryKey?: number[];
  /** True when the optional metadata carried column names. */
  hasColumnNames: boolean;
}

export interface TableMapEvent extends Base<'table_map'>, TableMapFields {}

/** What every ROWS event carries besides its rows: the table it changes. */
interface RowsTable {
  tableId: number;
  schema: string;
  table: string;
  /** Column names when known, else `@1`, `@2`, … (1-based, as mariadb-binlog prints). */
  columns: string[];
}

export interface WriteRowsEvent extends Base<'write_rows'>, RowsTable {
  rows: CellValue[][];
  /** Present-column indexes when not all columns are present in the image. */
  includedColumns?: number[];
}

export interface DeleteRowsEvent extends Base<'delete_rows'>, RowsTable {
  rows: CellValue[][];
  /** Present-column indexes when not all columns are present in the image. */
  includedColumns?: number[];
}

export interface UpdateRowsEvent extends Base<'update_rows'>, RowsTable {
  rows: { before: CellValue[]; after: CellValue[] }[];
  includedColumnsBefore?: number[];
  includedColumnsAfter?: number[];
}

export type RowsEvent = WriteRowsEvent | UpdateRowsEvent | DeleteRowsEvent;

/** MySQL GTID / ANONYMOUS_GTID. */
export interface GtidEvent extends Base<'gtid' | 'anonymous_gtid'> {
  /** `uuid:gno` (empty for anonymous). */
  gtid: string;
  commitFlag: boolean;
  lastCommitted?: number;
  sequenceNumber?: number;
}

export interface PreviousGtidsEvent extends Base<'previous_gtids'> {
  /** MySQL GTID set text, e.g. `3E11FA47-…:1-5`. */
  gtidSet: string;
}

export interface MariadbGtidEvent extends Base<'mariadb_gtid'> {
  domainId: number;
  seqNo: string;
  /** `domain-server-seq`. */
  gtid: string;
  flags: number;
  /** FL_STANDALONE: a statement not wrapped in BEGIN … COMMIT/XID (e.g. DDL). */
  standalone: boolean;
  commitId?: string;
}

export interface MariadbGtidListEvent extends Base<'mariadb_gtid_list'> {
  /** Comma-separated `domain-server-seq` list. */
  gtids: string;
}

export interface MariadbAnnotateRowsEvent extends Base<'mariadb_annotate_rows'> {
  query: string;
}

export interface MariadbBinlogCheckpointEvent extends Base<'mariadb_binlog_checkpoint'> {
  file: string;
}

export interface HeartbeatEvent extends Base<'heartbeat' | 'heartbeat_v2'> {
  /** Binlog file the server is at. */
  logIdent: string;
  /** Position (v2 carries it explicitly; v1 uses header.logPos). */
  position: number;
}

export interface IntvarEvent extends Base<'intvar'> {
  /** 1 = LAST_INSERT_ID, 2 = INSERT_ID. */
  subtype: number;
  value: string;
}

export interface RandEvent extends Base<'rand'> {
  seed1: string;
  seed2: string;
}

export interface UserVarEvent extends Base<'user_var'> {
  name: string;
  isNull: boolean;
  valueType?: number;
  charset?: number;
  /** Raw value bytes, hex `0x…`. */
  value?: string;
}

export interface StopEvent extends Base<'stop'> {}

export interface RowsQueryEvent extends Base<'rows_query'> {
  query: string;
}

/** Anything we do not decode: header plus raw body bytes (never dropped). */
export interface UnknownEvent extends Base<'unknown'> {
  /** The snake_case name when the type code is known but its body is not decoded. */
  name: string;
  body: Buffer;
}

export type BinlogEvent =
  | FormatDescriptionEvent
  | RotateEvent
  | QueryEvent
  | XidEvent
  | TableMapEvent
  | WriteRowsEvent
  | UpdateRowsEvent
  | DeleteRowsEvent
  | GtidEvent
  | PreviousGtidsEvent
  | MariadbGtidEvent
  | MariadbGtidListEvent
  | MariadbAnnotateRowsEvent
  | MariadbBinlogCheckpointEvent
  | HeartbeatEvent
  | IntvarEvent
  | RandEvent
  | UserVarEvent
  | StopEvent
  | RowsQueryEvent
  | UnknownEvent;

/** An event as it came off the wire or out of a file, with where it sits. */
export interface PositionedEvent {
  /** The exact event bytes (header + body + checksum), as in the binlog file. */
  raw: Buffer;
  event: BinlogEvent;
  /** Binlog file the event belongs to. */
  file: string;
  /** Offset of the event's first byte in `file`. */
  pos: number;
  /** Offset just past the event (`pos + eventSize` when the header's logPos is 0). */
  nextPos: number;
}

/**
 * Column facts for a table when the binlog carries no optional metadata: supplied by the
 * schema tracker (sync) or information_schema (dm-binlog online).
 */
export interface TableColumnsInfo {
  names: string[];
  unsigned?: boolean[];
  /** MySQL charset name per column (`utf8mb4`, `latin1`, `binary`, …), undefined for non-text. */
  charsets?: (string | undefined)[];
  enumValues?: (string[] | undefined)[];
  setValues?: (string[] | undefined)[];
  primaryKey?: number[];
}

export type SchemaLookup = (schema: string, table: string) => TableColumnsInfo | undefined;

export type Flavor = 'mysql' | 'mariadb';

/** A binlog coordinate. `gtid` is the executed set after the event, in the flavor's syntax. */
export interface BinlogLocation {
  file: string;
  pos: number;
  gtid?: string;
}
