import { DmError, dmError, E } from '../errors/index.js';
import { BufferReader, malformed } from './buffer-reader.js';
import { BINLOG_CHECKSUM_ALG_CRC32, CHECKSUM_LEN, verifyEventChecksum } from './checksum.js';
import {
  checksumAlgName,
  decodeAnnotateRows,
  decodeBinlogCheckpoint,
  decodeFormatDescription,
  decodeHeartbeat,
  decodeHeartbeatV2,
  decodeIntvar,
  decodeRand,
  decodeRotate,
  decodeRowsQuery,
  decodeUserVar,
  decodeXid,
  defaultPostHeaderLength,
} from './control-events.js';
import { EventType, eventTypeName, HEADER_LEN } from './event-type.js';
import {
  decodeMariadbGtid,
  decodeMariadbGtidList,
  decodeMysqlGtid,
  decodePreviousGtids,
} from './gtid-events.js';
import { decodeHeader } from './header.js';
import { decodeQuery } from './query-event.js';
import { decodeRows } from './rows-event.js';
import { decodeTableMap, type TableMapCache } from './table-map.js';
import { type ZoneOffset, zoneOffset } from './time-zone.js';
import type { BinlogEvent, ChecksumAlg, EventHeader, SchemaLookup } from './types.js';

export { decodeHeader } from './header.js';

/** Options of {@link BinlogDecoder}. */
export interface DecoderOptions {
  /** Column facts for tables whose TABLE_MAP carries no optional metadata. Default: none. */
  schemaLookup?: SchemaLookup;
  /** Verify each event's CRC32 when the stream is checksummed. Default true. */
  verifyChecksum?: boolean;
  /**
   * Render TIMESTAMP values in this zone (the task's `timezone`, see time-zone.ts), as DM's
   * syncer does; the sessions that write them use the same zone. Default: UTC.
   */
  timeZone?: string;
  /**
   * Leave row events (WRITE/UPDATE/DELETE_ROWS) and TABLE_MAPs undecoded: they come back as
   * `unknown` events (header + body). For a consumer that only stores the bytes (the relay
   * unit), which would otherwise decode every row a second time. Default false.
   */
  skipRows?: boolean;
}

/**
 * Decodes complete binlog events one at a time. Pure over bytes (no I/O); it keeps the state a
 * binlog stream implies: the current FORMAT_DESCRIPTION (checksum algorithm, post-header
 * lengths) and the TABLE_MAPs by table id that row events refer to.
 */
export class BinlogDecoder {
  private readonly verify: boolean;
  private readonly lookup: SchemaLookup | undefined;
  /** Raw checksum algorithm byte in force (0 off, 1 CRC32, 0xff undefined). */
  private alg = 0xff;
  private postHeader: number[] | undefined;
  private readonly tables: TableMapCache = new Map();
  private readonly zone: ZoneOffset | undefined;

  private readonly skipRows: boolean;

  constructor(opts: DecoderOptions = {}) {
    this.verify = opts.verifyChecksum ?? true;
    this.lookup = opts.schemaLookup;
    this.zone = opts.timeZone ? zoneOffset(opts.timeZone) : undefined;
    this.skipRows = opts.skipRows ?? false;
  }

  /** The checksum algorithm of the stream as last described (FDE or setChecksumAlg). */
  get checksumAlg(): ChecksumAlg {
    return checksumAlgName(this.alg);
  }

  /**
   * Tell the decoder the checksum algorithm before any FDE was seen: the fake ROTATE a server
   * sends first on a dump connection is checksummed as that connection negotiated.
   */
  setChecksumAlg(alg: ChecksumAlg): void {
    this.alg = alg === 'crc32' ? BINLOG_CHECKSUM_ALG_CRC32 : 0;
  }

  /** Forget table maps (after a rotate/reconnect to another file if needed). */
  reset(): void {
    this.tables.clear();
  }

  /**
   * Decode one complete event (19-byte header + body + checksum if any).
   * Throws DmError only: E.binlogChecksumMismatch, E.binlogEventMalformed,
   * E.binlogMissingTableMap, E.binlogTransactionPayload, E.binlogPartialUpdate,
   * E.binlogUnknownColumnType.
   */
  decode(raw: Buffer): BinlogEvent {
    try {
      return this.decodeInner(raw);
    } catch (err) {
      if (err instanceof DmError) throw err;
      // A safety net: no other exception type may escape the decoder. `internal` marks a
      // decoder bug (the fuzz test fails on it).
      throw dmError(E.binlogEventMalformed, `malformed binlog event: ${(err as Error)?.message ?? err}`, {
        cause: err,
        context: { internal: true, typeCode: raw[4] },
      });
    }
  }

  /** Post-header length of event `type` as the FDE in force describes it. */
  postHeaderLen(type: number): number {
    const v = this.postHeader?.[type - 1];
    return v ?? defaultPostHeaderLength(type);
  }

  private decodeInner(raw: Buffer): BinlogEvent {
    const header = decodeHeader(raw);
    if (header.eventSize !== raw.length) {
      throw malformed(`event size ${header.eventSize} but ${raw.length} bytes given`, {
        typeCode: header.typeCode,
      });
    }
    const type = header.typeCode;
    if (type === EventType.FORMAT_DESCRIPTION) {
      const { event, alg } = decodeFormatDescription(header, raw);
      if (alg === BINLOG_CHECKSUM_ALG_CRC32 && this.verify) verifyEventChecksum(raw);
      this.alg = alg;
      this.postHeader = event.postHeaderLengths;
      return event;
    }
    let end = raw.length;
    if (this.alg === BINLOG_CHECKSUM_ALG_CRC32) {
      if (end < HEADER_LEN + CHECKSUM_LEN) throw malformed('event too short for its checksum');
      if (this.verify) verifyEventChecksum(raw);
      end -= CHECKSUM_LEN;
    }
    const r = new BufferReader(raw, HEADER_LEN, end);
    return this.decodeBody(header, type, r);
  }

  private decodeBody(header: EventHeader, type: number, r: BufferReader): BinlogEvent {
    if (this.skipRows && isRowsOrTableMap(type)) {
      return { type: 'unknown', header, name: eventTypeName(type), body: r.buf.subarray(r.pos, r.end) };
    }
    switch (type) {
      case EventType.ROTATE:
        return decodeRotate(header, r, this.postHeaderLen(type));
      case EventType.QUERY:
        return decodeQuery(header, r, this.postHeaderLen(type));
      case EventType.XID:
        return decodeXid(header, r);
      case EventType.TABLE_MAP:
        return decodeTableMap(header, r, this.postHeaderLen(type), this.tables, this.lookup);
      case EventType.WRITE_ROWS_V1:
      case EventType.UPDATE_ROWS_V1:
      case EventType.DELETE_ROWS_V1:
      case EventType.WRITE_ROWS_V2:
      case EventType.UPDATE_ROWS_V2:
      case EventType.DELETE_ROWS_V2:
        return decodeRows(header, r, this.postHeaderLen(type), this.tables, this.zone);
      case EventType.GTID:
        return decodeMysqlGtid(header, r, false);
      case EventType.ANONYMOUS_GTID:
        return decodeMysqlGtid(header, r, true);
      case EventType.PREVIOUS_GTIDS:
        return decodePreviousGtids(header, r);
      case EventType.MARIADB_GTID:
        return decodeMariadbGtid(header, r);
      case EventType.MARIADB_GTID_LIST:
        return decodeMariadbGtidList(header, r);
      case EventType.MARIADB_ANNOTATE_ROWS:
        return decodeAnnotateRows(header, r);
      case EventType.MARIADB_BINLOG_CHECKPOINT:
        return decodeBinlogCheckpoint(header, r);
      case EventType.HEARTBEAT:
        return decodeHeartbeat(header, r);
      case EventType.HEARTBEAT_V2:
        return decodeHeartbeatV2(header, r);
      case EventType.INTVAR:
        return decodeIntvar(header, r);
      case EventType.RAND:
        return decodeRand(header, r);
      case EventType.USER_VAR:
        return decodeUserVar(header, r);
      case EventType.STOP:
        return { type: 'stop', header };
      case EventType.ROWS_QUERY:
        return decodeRowsQuery(header, r);
      case EventType.TRANSACTION_PAYLOAD:
        throw dmError(E.binlogTransactionPayload, 'compressed binlog transaction (TRANSACTION_PAYLOAD) met', {
          context: { logPos: header.logPos },
        });
      case EventType.PARTIAL_UPDATE_ROWS:
        throw dmError(E.binlogPartialUpdate, 'partial JSON update rows event (PARTIAL_UPDATE_ROWS) met', {
          context: { logPos: header.logPos },
        });
      default:
        return { type: 'unknown', header, name: eventTypeName(type), body: r.buf.subarray(r.pos, r.end) };
    }
  }
}

function isRowsOrTableMap(type: number): boolean {
  return (
    type === EventType.TABLE_MAP ||
    (type >= EventType.WRITE_ROWS_V1 && type <= EventType.DELETE_ROWS_V1) ||
    (type >= EventType.WRITE_ROWS_V2 && type <= EventType.DELETE_ROWS_V2)
  );
}
