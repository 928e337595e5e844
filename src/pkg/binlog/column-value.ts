import { dmError, E } from '../errors/index.js';
import { malformed } from './buffer-reader.js';
import { decodeLatin1, decodeOther, TextKind } from './charset.js';
import { ColumnType } from './column-type.js';
import { decimalBinSize, decodeDecimal } from './decimal.js';
import { formatFloat } from './float-format.js';
import { decodeJsonBinary } from './json-binary.js';
import {
  formatDate,
  formatDatetime2,
  formatDatetimeOld,
  formatEpoch,
  formatTime2,
  formatTimeOld,
  formatTimestamp2,
  fracBytes,
} from './temporal.js';
import type { ZoneOffset } from './time-zone.js';
import type { CellValue, ColumnMeta } from './types.js';

/** A read position shared across the cells of one event (no per-value allocation). */
export interface Cursor {
  pos: number;
  end: number;
}

const TWO32 = 0x1_0000_0000;

/** Signed or unsigned 64-bit LE integer: a number when safe, else its decimal string. */
function int64(buf: Buffer, p: number, unsigned: boolean): number | string {
  const lo = buf.readUInt32LE(p);
  const hi = unsigned ? buf.readUInt32LE(p + 4) : buf.readInt32LE(p + 4);
  if (hi >= -0x200000 && hi < 0x200000) {
    const v = hi * TWO32 + lo;
    if (v >= -Number.MAX_SAFE_INTEGER) return v;
  }
  return (unsigned ? buf.readBigUInt64LE(p) : buf.readBigInt64LE(p)).toString();
}

/** Big-endian unsigned integer of up to 8 bytes (BIT, SET masks use LE: see below). */
function uintBE(buf: Buffer, p: number, n: number): number | string {
  if (n <= 6) return n === 0 ? 0 : buf.readUIntBE(p, n);
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(buf[p + i]!);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function uintLE(buf: Buffer, p: number, n: number): number | string {
  if (n <= 6) return n === 0 ? 0 : buf.readUIntLE(p, n);
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[p + i]!);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

function check(cur: Cursor, n: number): number {
  const p = cur.pos;
  if (n < 0 || p + n > cur.end) throw malformed(`column value needs ${n} bytes at ${p}, have ${cur.end - p}`);
  cur.pos = p + n;
  return p;
}

/** Length prefix of 1..4 bytes LE. */
function lengthPrefix(buf: Buffer, cur: Cursor, bytes: number): number {
  if (bytes < 1 || bytes > 4) throw malformed(`bad length-prefix size ${bytes}`);
  const p = check(cur, bytes);
  return buf.readUIntLE(p, bytes);
}

function text(buf: Buffer, a: number, b: number, kind: TextKind, col: ColumnMeta): string | Buffer {
  switch (kind) {
    case TextKind.Utf8:
      return buf.utf8Slice(a, b);
    case TextKind.Latin1:
      return decodeLatin1(buf, a, b);
    case TextKind.Binary:
      return buf.subarray(a, b);
    default:
      return decodeOther(buf, a, b, col.charset ?? '');
  }
}

/**
 * How readRow decodes a column: the few shapes of typical OLTP tables inline (no call, no
 * type switch), everything else through {@link readCell}. A fast path that would run past
 * the event falls back to readCell too, so errors stay the same.
 */
export const CellPlan = {
  Generic: 0,
  Int32: 1,
  Uint32: 2,
  /** Text with a 1-byte length prefix (CHAR/VARCHAR up to 255 bytes), UTF-8. */
  Utf8Len1: 3,
  /** Text with a 2-byte length prefix (VARCHAR over 255 bytes), UTF-8. */
  Utf8Len2: 4,
} as const;

/** The plan of one column (see {@link CellPlan}). */
export function cellPlan(col: ColumnMeta, kind: TextKind): number {
  switch (col.type) {
    case ColumnType.LONG:
      return col.unsigned ? CellPlan.Uint32 : CellPlan.Int32;
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
    case ColumnType.STRING:
      if (kind !== TextKind.Utf8) return CellPlan.Generic;
      return col.meta < 256 ? CellPlan.Utf8Len1 : CellPlan.Utf8Len2;
    default:
      return CellPlan.Generic;
  }
}

/**
 * Read one non-NULL cell of `col` at `cur.pos` (advancing it). See DESIGN.md §5 for the value
 * mapping. `kind` says how text bytes decode (from the column's charset). TIMESTAMPs are
 * rendered in `zone` (the task's `timezone`, DM's TimestampStringLocation), else in UTC.
 */
export function readCell(
  buf: Buffer,
  cur: Cursor,
  col: ColumnMeta,
  kind: TextKind,
  zone?: ZoneOffset,
): CellValue {
  const meta = col.meta;
  switch (col.type) {
    case ColumnType.TINY: {
      const p = check(cur, 1);
      return col.unsigned ? buf[p]! : buf.readInt8(p);
    }
    case ColumnType.SHORT: {
      const p = check(cur, 2);
      return col.unsigned ? buf.readUInt16LE(p) : buf.readInt16LE(p);
    }
    case ColumnType.INT24: {
      const p = check(cur, 3);
      return col.unsigned ? buf.readUIntLE(p, 3) : buf.readIntLE(p, 3);
    }
    case ColumnType.LONG: {
      const p = check(cur, 4);
      return col.unsigned ? buf.readUInt32LE(p) : buf.readInt32LE(p);
    }
    case ColumnType.LONGLONG:
      return int64(buf, check(cur, 8), col.unsigned === true);
    case ColumnType.FLOAT:
      return formatFloat(buf.readFloatLE(check(cur, 4)));
    case ColumnType.DOUBLE:
      return buf.readDoubleLE(check(cur, 8));
    case ColumnType.NEWDECIMAL: {
      const precision = meta >> 8;
      const scale = meta & 0xff;
      if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
        throw malformed(`bad DECIMAL(${precision},${scale}) metadata`);
      }
      const p = check(cur, decimalBinSize(precision, scale));
      return decodeDecimal(buf, p, precision, scale);
    }
    case ColumnType.YEAR: {
      const v = buf[check(cur, 1)]!;
      return v === 0 ? 0 : 1900 + v;
    }
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return formatDate(buf, check(cur, 3));
    case ColumnType.TIME:
      return formatTimeOld(buf, check(cur, 3));
    case ColumnType.DATETIME:
      return formatDatetimeOld(buf, check(cur, 8));
    case ColumnType.TIMESTAMP:
      return formatEpoch(buf.readUInt32LE(check(cur, 4)), 0, 0, zone);
    case ColumnType.TIMESTAMP2:
      return formatTimestamp2(buf, check(cur, 4 + fracBytes(meta)), meta, zone);
    case ColumnType.DATETIME2:
      return formatDatetime2(buf, check(cur, 5 + fracBytes(meta)), meta);
    case ColumnType.TIME2:
      return formatTime2(buf, check(cur, 3 + fracBytes(meta)), meta);
    case ColumnType.BIT: {
      const n = (meta >> 8) + ((meta & 0xff) > 0 ? 1 : 0);
      if (n > 8) throw malformed(`bad BIT metadata ${meta}`);
      return uintBE(buf, check(cur, n), n);
    }
    case ColumnType.ENUM: {
      if (meta !== 1 && meta !== 2) throw malformed(`bad ENUM size ${meta}`);
      const idx = meta === 1 ? buf[check(cur, 1)]! : buf.readUInt16LE(check(cur, 2));
      const names = col.enumValues;
      if (!names) return idx;
      return idx === 0 ? '' : (names[idx - 1] ?? idx);
    }
    case ColumnType.SET: {
      if (meta < 1 || meta > 8) throw malformed(`bad SET size ${meta}`);
      const p = check(cur, meta);
      const names = col.setValues;
      if (!names) return uintLE(buf, p, meta);
      const out: string[] = [];
      for (let i = 0; i < names.length && i < meta * 8; i++) {
        if ((buf[p + (i >> 3)]! & (1 << (i & 7))) !== 0) out.push(names[i]!);
      }
      return out;
    }
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING: {
      const len = lengthPrefix(buf, cur, meta < 256 ? 1 : 2);
      const p = check(cur, len);
      return text(buf, p, p + len, kind, col);
    }
    case ColumnType.STRING: {
      const len = lengthPrefix(buf, cur, meta < 256 ? 1 : 2);
      const p = check(cur, len);
      if (kind === TextKind.Binary && len < meta) {
        // The server logs fixed-length binary values (BINARY(n), UUID) without their trailing
        // 0x00 pad; a replica pads them back (Field_string::unpack), and so do we.
        const out = Buffer.alloc(meta);
        buf.copy(out, 0, p, p + len);
        return out;
      }
      return text(buf, p, p + len, kind, col);
    }
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB: {
      const len = lengthPrefix(buf, cur, meta);
      const p = check(cur, len);
      // Without a charset a BLOB cannot be told from a TEXT: keep the bytes.
      if (col.charset === undefined) return buf.subarray(p, p + len);
      return text(buf, p, p + len, kind, col);
    }
    case ColumnType.GEOMETRY: {
      const len = lengthPrefix(buf, cur, meta);
      const p = check(cur, len);
      return buf.subarray(p, p + len);
    }
    case ColumnType.JSON: {
      const len = lengthPrefix(buf, cur, meta);
      const p = check(cur, len);
      return decodeJsonBinary(buf, p, p + len);
    }
    default:
      throw dmError(E.binlogUnknownColumnType, `unsupported column type ${col.type} in a row event`, {
        context: { type: col.type, name: col.name },
      });
  }
}
