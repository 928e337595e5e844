import { type BufferReader, malformed } from './buffer-reader.js';
import type { EventHeader, QueryEvent, QueryStatusVars } from './types.js';

/**
 * QUERY post-header (13 bytes in v4): thread_id u32 | exec_time u32 | db_len u8 |
 * error_code u16 | status_vars_len u16. Body: status vars | db | NUL | query (rest).
 * The status vars are a list of code u8 + value whose size depends on the code, so they must
 * be walked by their documented sizes; an unknown code stops the walk (status_vars_len still
 * tells where the db name starts, so schema and query are always found).
 */
export function decodeQuery(header: EventHeader, r: BufferReader, postHeaderLen: number): QueryEvent {
  const start = r.pos;
  const threadId = r.u32();
  const execTime = r.u32();
  const dbLen = r.u8();
  const errorCode = r.u16();
  const statusLen = postHeaderLen >= 13 ? r.u16() : 0;
  r.pos = start + postHeaderLen;
  const svStart = r.need(statusLen);
  const statusVars = parseStatusVars(r.buf, svStart, svStart + statusLen);
  r.pos = svStart + statusLen;
  const schema = r.str(dbLen);
  r.skip(1); // NUL after the db name
  const query = r.rest();
  return { type: 'query', header, threadId, execTime, errorCode, schema, query, statusVars };
}

/** Walk the status variables (MySQL Q_* codes 0..20, MariaDB 128..130). */
export function parseStatusVars(buf: Buffer, pos: number, end: number): QueryStatusVars {
  const sv: QueryStatusVars = {};
  const need = (n: number) => {
    if (pos + n > end) throw malformed(`status var overruns its block (${n} bytes at ${pos})`);
  };
  /** A `len u8 | text` value (then `nul` more bytes: the old catalog's NUL); moves past it. */
  const lenText = (nul: 0 | 1): string => {
    need(1);
    const n = buf[pos]!;
    need(n + 1 + nul);
    const text = buf.toString('utf8', pos + 1, pos + 1 + n);
    pos += n + 1 + nul;
    return text;
  };
  while (pos < end) {
    const code = buf[pos++]!;
    switch (code) {
      case 0: // Q_FLAGS2_CODE
        need(4);
        sv.flags2 = buf.readUInt32LE(pos);
        pos += 4;
        break;
      case 1: {
        // Q_SQL_MODE_CODE: u64 bitmask; keep it as a decimal string
        need(8);
        sv.sqlMode = buf.readBigUInt64LE(pos).toString();
        pos += 8;
        break;
      }
      case 2: // Q_CATALOG_CODE (5.0.0–5.0.3): len u8 | name | NUL
        sv.catalog = lenText(1);
        break;
      case 3: // Q_AUTO_INCREMENT: increment u16 | offset u16
        need(4);
        sv.autoIncrementIncrement = buf.readUInt16LE(pos);
        sv.autoIncrementOffset = buf.readUInt16LE(pos + 2);
        pos += 4;
        break;
      case 4: // Q_CHARSET_CODE: client u16 | connection u16 | server u16
        need(6);
        sv.charsetClient = buf.readUInt16LE(pos);
        sv.collationConnection = buf.readUInt16LE(pos + 2);
        sv.collationServer = buf.readUInt16LE(pos + 4);
        pos += 6;
        break;
      case 5: // Q_TIME_ZONE_CODE: len u8 | name
        sv.timeZone = lenText(0);
        break;
      case 6: // Q_CATALOG_NZ_CODE: len u8 | name
        sv.catalog = lenText(0);
        break;
      case 7: // Q_LC_TIME_NAMES_CODE u16
      case 8: // Q_CHARSET_DATABASE_CODE u16
      case 18: // Q_DEFAULT_COLLATION_FOR_UTF8MB4 u16
        need(2);
        pos += 2;
        break;
      case 9: // Q_TABLE_MAP_FOR_UPDATE_CODE u64
      case 17: // Q_DDL_LOGGED_WITH_XID u64
      case 129: // MariaDB Q_XID u64
        need(8);
        pos += 8;
        break;
      case 10: // Q_MASTER_DATA_WRITTEN_CODE u32
        need(4);
        pos += 4;
        break;
      case 11: {
        // Q_INVOKER: user len u8 | user | host len u8 | host
        need(1);
        const u = buf[pos]!;
        need(u + 2);
        const h = buf[pos + 1 + u]!;
        need(u + 2 + h);
        pos += u + 2 + h;
        break;
      }
      case 12: {
        // Q_UPDATED_DB_NAMES: count u8 | count NUL-terminated names (254 = too many, none listed)
        need(1);
        const count = buf[pos++]!;
        if (count !== 254) {
          for (let i = 0; i < count; i++) {
            const z = buf.indexOf(0, pos);
            if (z < 0 || z >= end) throw malformed('unterminated db name in status vars');
            pos = z + 1;
          }
        }
        break;
      }
      case 13: // Q_MICROSECONDS u24
      case 128: // MariaDB Q_HRNOW u24
        need(3);
        pos += 3;
        break;
      case 16: // Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP u8
      case 19: // Q_SQL_REQUIRE_PRIMARY_KEY u8
      case 20: // Q_DEFAULT_TABLE_ENCRYPTION u8
      case 130: // MariaDB Q_GTID_FLAGS3 u8
        need(1);
        pos += 1;
        break;
      default:
        // Unknown size: stop (the server's own reader does the same).
        return sv;
    }
  }
  return sv;
}
