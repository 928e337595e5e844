import { BufferReader, malformed } from './buffer-reader.js';
import { BINLOG_CHECKSUM_ALG_CRC32, BINLOG_CHECKSUM_ALG_UNDEF } from './checksum.js';
import { EventType, HEADER_LEN, LOG_EVENT_ARTIFICIAL_F } from './event-type.js';
import type {
  ChecksumAlg,
  EventHeader,
  FormatDescriptionEvent,
  HeartbeatEvent,
  IntvarEvent,
  MariadbAnnotateRowsEvent,
  MariadbBinlogCheckpointEvent,
  RandEvent,
  RotateEvent,
  RowsQueryEvent,
  UserVarEvent,
  XidEvent,
} from './types.js';

/** FDE body sizes before the post-header length array. */
const FDE_FIXED = 2 + 50 + 4 + 1;

/**
 * Does a server of this version end its FDE with the checksum algorithm byte + 4 CRC bytes?
 * MySQL from 5.6.1, MariaDB from 5.3 (its checksums came first).
 */
export function versionHasChecksumAlg(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const v = Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
  return version.includes('MariaDB') ? v >= 50300 : v >= 50601;
}

/**
 * FORMAT_DESCRIPTION: binlog_version u16 | server_version char[50] | create_timestamp u32 |
 * header_length u8 | post-header length per type u8[] | [checksum_alg u8 | crc u32].
 * Returns the event and the raw algorithm byte (the FDE describes its own checksum).
 */
export function decodeFormatDescription(
  header: EventHeader,
  raw: Buffer,
): { event: FormatDescriptionEvent; alg: number } {
  const r = new BufferReader(raw, HEADER_LEN, raw.length);
  const binlogVersion = r.u16();
  const vbytes = r.bytes(50);
  const nul = vbytes.indexOf(0);
  const serverVersion = vbytes.toString('latin1', 0, nul < 0 ? 50 : nul);
  const createTimestamp = r.u32();
  const headerLength = r.u8();
  let alg = BINLOG_CHECKSUM_ALG_UNDEF;
  let end = raw.length;
  if (versionHasChecksumAlg(serverVersion)) {
    if (end - 5 < HEADER_LEN + FDE_FIXED) throw malformed('format description too short');
    alg = raw[end - 5]!;
    end -= 5;
  }
  const postHeaderLengths: number[] = [];
  for (let i = r.pos; i < end; i++) postHeaderLengths.push(raw[i]!);
  return {
    event: {
      type: 'format_description',
      header,
      binlogVersion,
      serverVersion,
      createTimestamp,
      headerLength,
      postHeaderLengths,
      checksumAlg: alg === BINLOG_CHECKSUM_ALG_CRC32 ? 'crc32' : 'none',
    },
    alg,
  };
}

/** ROTATE: position u64 (post-header) | next file name (rest). */
export function decodeRotate(header: EventHeader, r: BufferReader, postHeaderLen: number): RotateEvent {
  let position = 4;
  if (postHeaderLen >= 8) {
    position = r.u64();
    r.skip(postHeaderLen - 8);
  }
  return {
    type: 'rotate',
    header,
    position,
    nextFile: r.rest(),
    fake: header.timestamp === 0 || (header.flags & LOG_EVENT_ARTIFICIAL_F) !== 0,
  };
}

/** XID: xid u64. */
export function decodeXid(header: EventHeader, r: BufferReader): XidEvent {
  return { type: 'xid', header, xid: r.u64String() };
}

/** INTVAR: subtype u8 | value u64. */
export function decodeIntvar(header: EventHeader, r: BufferReader): IntvarEvent {
  const subtype = r.u8();
  return { type: 'intvar', header, subtype, value: r.u64String() };
}

/** RAND: seed1 u64 | seed2 u64. */
export function decodeRand(header: EventHeader, r: BufferReader): RandEvent {
  const seed1 = r.u64String();
  return { type: 'rand', header, seed1, seed2: r.u64String() };
}

/**
 * USER_VAR: name_len u32 | name | is_null u8 | [type u8 | charset u32 | value_len u32 | value |
 * flags u8 (optional)].
 */
export function decodeUserVar(header: EventHeader, r: BufferReader): UserVarEvent {
  const name = r.str(r.u32());
  const isNull = r.u8() !== 0;
  if (isNull) return { type: 'user_var', header, name, isNull };
  const valueType = r.u8();
  const charset = r.u32();
  const value = r.bytes(r.u32());
  return {
    type: 'user_var',
    header,
    name,
    isNull,
    valueType,
    charset,
    value: `0x${value.toString('hex').toUpperCase()}`,
  };
}

/** ROWS_QUERY (MySQL): length u8 (unreliable for long queries, ignored) | query (rest). */
export function decodeRowsQuery(header: EventHeader, r: BufferReader): RowsQueryEvent {
  r.skip(1);
  return { type: 'rows_query', header, query: r.rest() };
}

/** ANNOTATE_ROWS (MariaDB): query (rest). */
export function decodeAnnotateRows(header: EventHeader, r: BufferReader): MariadbAnnotateRowsEvent {
  return { type: 'mariadb_annotate_rows', header, query: r.rest() };
}

/** BINLOG_CHECKPOINT (MariaDB): name_len u32 | file name. */
export function decodeBinlogCheckpoint(header: EventHeader, r: BufferReader): MariadbBinlogCheckpointEvent {
  const n = r.u32();
  return { type: 'mariadb_binlog_checkpoint', header, file: r.str(n) };
}

/** HEARTBEAT (v1): log ident (rest); the position is the header's log_pos. */
export function decodeHeartbeat(header: EventHeader, r: BufferReader): HeartbeatEvent {
  return { type: 'heartbeat', header, logIdent: r.rest(), position: header.logPos };
}

/**
 * HEARTBEAT_V2 (MySQL 8.0.26+): a list of fields, each type (packed) | length (packed) | value;
 * 1 = log file name, 2 = log position (packed integer); 0 ends the list.
 */
export function decodeHeartbeatV2(header: EventHeader, r: BufferReader): HeartbeatEvent {
  let logIdent = '';
  let position = header.logPos;
  while (r.remaining > 0) {
    const field = r.packedInt();
    if (field === 0) break;
    const len = r.packedInt();
    const end = r.need(len) + len;
    if (field === 1) logIdent = r.str(len);
    else if (field === 2) {
      const sub = new BufferReader(r.buf, r.pos, end);
      position = sub.packedInt();
    }
    r.pos = end;
  }
  return { type: 'heartbeat_v2', header, logIdent, position };
}

/** The checksum algorithm name for an FDE's algorithm byte. */
export function checksumAlgName(alg: number): ChecksumAlg {
  return alg === BINLOG_CHECKSUM_ALG_CRC32 ? 'crc32' : 'none';
}

/** Post-header lengths the decoder assumes before it has seen an FDE (v4 defaults). */
export function defaultPostHeaderLength(type: number): number {
  switch (type) {
    case EventType.QUERY:
      return 13;
    case EventType.ROTATE:
      return 8;
    case EventType.TABLE_MAP:
    case EventType.WRITE_ROWS_V1:
    case EventType.UPDATE_ROWS_V1:
    case EventType.DELETE_ROWS_V1:
      return 8;
    case EventType.WRITE_ROWS_V2:
    case EventType.UPDATE_ROWS_V2:
    case EventType.DELETE_ROWS_V2:
      return 10;
    default:
      return 0;
  }
}
