import { malformed } from './buffer-reader.js';
import { ColumnType } from './column-type.js';
import { decodeDecimal } from './decimal.js';
import { formatPackedDatetime, formatPackedTime } from './temporal.js';

/** MySQL binary JSON value types. */
const J = {
  SMALL_OBJECT: 0x00,
  LARGE_OBJECT: 0x01,
  SMALL_ARRAY: 0x02,
  LARGE_ARRAY: 0x03,
  LITERAL: 0x04,
  INT16: 0x05,
  UINT16: 0x06,
  INT32: 0x07,
  UINT32: 0x08,
  INT64: 0x09,
  UINT64: 0x0a,
  DOUBLE: 0x0b,
  STRING: 0x0c,
  OPAQUE: 0x0f,
} as const;

const MAX_DEPTH = 150;

/**
 * Decode a MySQL binary JSON document (`buf[start, end)`) to JSON text the way MySQL prints
 * it (`{"a": 1, "b": [true, null]}`). An empty value is JSON null (MySQL logs that for a JSON
 * column set to a NULL-ish empty document).
 */
export function decodeJsonBinary(buf: Buffer, start: number, end: number): string {
  if (end <= start) return 'null';
  return value(buf, buf[start]!, start + 1, end, 0);
}

function value(buf: Buffer, type: number, p: number, end: number, depth: number): string {
  if (depth > MAX_DEPTH) throw malformed('JSON nested too deeply');
  switch (type) {
    case J.SMALL_OBJECT:
    case J.LARGE_OBJECT:
      return container(buf, p, end, type === J.LARGE_OBJECT, true, depth);
    case J.SMALL_ARRAY:
    case J.LARGE_ARRAY:
      return container(buf, p, end, type === J.LARGE_ARRAY, false, depth);
    case J.LITERAL:
      need(p, 1, end);
      return literal(buf[p]!);
    case J.INT16:
      need(p, 2, end);
      return String(buf.readInt16LE(p));
    case J.UINT16:
      need(p, 2, end);
      return String(buf.readUInt16LE(p));
    case J.INT32:
      need(p, 4, end);
      return String(buf.readInt32LE(p));
    case J.UINT32:
      need(p, 4, end);
      return String(buf.readUInt32LE(p));
    case J.INT64:
      need(p, 8, end);
      return buf.readBigInt64LE(p).toString();
    case J.UINT64:
      need(p, 8, end);
      return buf.readBigUInt64LE(p).toString();
    case J.DOUBLE:
      need(p, 8, end);
      return doubleText(buf.readDoubleLE(p));
    case J.STRING: {
      const [len, q] = varLen(buf, p, end);
      need(q, len, end);
      return JSON.stringify(buf.utf8Slice(q, q + len));
    }
    case J.OPAQUE:
      return opaque(buf, p, end);
    default:
      throw malformed(`unknown JSON value type ${type}`);
  }
}

function literal(b: number): string {
  if (b === 0) return 'null';
  if (b === 1) return 'true';
  if (b === 2) return 'false';
  throw malformed(`bad JSON literal ${b}`);
}

function doubleText(d: number): string {
  if (!Number.isFinite(d)) throw malformed('non-finite JSON double');
  const s = String(d);
  // MySQL keeps a double a double in text: 1.0 prints as 1.0? No: MySQL prints 1 for 1.0E0, and
  // uses e-notation for large magnitudes as %g does; JS' shortest form matches for common values.
  return s.replace('e+', 'e');
}

function need(p: number, n: number, end: number): void {
  if (n < 0 || p + n > end) throw malformed('JSON value runs past its document');
}

/** Variable-length length: 7 bits per byte, least significant first, high bit = more. */
function varLen(buf: Buffer, p: number, end: number): [number, number] {
  let len = 0;
  for (let i = 0; i < 5; i++) {
    need(p, 1, end);
    const b = buf[p++]!;
    len += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [len, p];
  }
  throw malformed('bad JSON variable length');
}

/**
 * Object: count | size | key entries (offset, u16 length) | value entries (type u8, offset or
 * inlined value) | keys | values. Offsets count from the container's first byte; small
 * containers use u16 offsets, large u32. Small values (literals, 16-bit ints; 32-bit ints in
 * large containers) are inlined in the entry.
 */
function container(
  buf: Buffer,
  base: number,
  end: number,
  large: boolean,
  isObject: boolean,
  depth: number,
): string {
  const w = large ? 4 : 2;
  need(base, 2 * w, end);
  const count = large ? buf.readUInt32LE(base) : buf.readUInt16LE(base);
  const size = large ? buf.readUInt32LE(base + w) : buf.readUInt16LE(base + w);
  const cend = base + size;
  if (size < 2 * w || cend > end) throw malformed('JSON container size out of range');
  const keyEntries = base + 2 * w;
  const valEntries = keyEntries + (isObject ? count * (w + 2) : 0);
  need(valEntries, count * (1 + w), cend);
  let out = isObject ? '{' : '[';
  for (let i = 0; i < count; i++) {
    if (i > 0) out += ', ';
    if (isObject) {
      const ke = keyEntries + i * (w + 2);
      const koff = large ? buf.readUInt32LE(ke) : buf.readUInt16LE(ke);
      const klen = buf.readUInt16LE(ke + w);
      need(base + koff, klen, cend);
      out += `${JSON.stringify(buf.toString('utf8', base + koff, base + koff + klen))}: `;
    }
    const ve = valEntries + i * (1 + w);
    const t = buf[ve]!;
    if (t === J.LITERAL || t === J.INT16 || t === J.UINT16 || (large && (t === J.INT32 || t === J.UINT32))) {
      out += value(buf, t, ve + 1, ve + 1 + w, depth + 1);
    } else {
      const off = large ? buf.readUInt32LE(ve + 1) : buf.readUInt16LE(ve + 1);
      if (off >= size) throw malformed('JSON value offset out of range');
      out += value(buf, t, base + off, cend, depth + 1);
    }
  }
  return out + (isObject ? '}' : ']');
}

/** Opaque: field type u8 | var length | bytes; DATE/TIME/DATETIME/TIMESTAMP/DECIMAL are printed. */
function opaque(buf: Buffer, p: number, end: number): string {
  need(p, 1, end);
  const ft = buf[p]!;
  const [len, q] = varLen(buf, p + 1, end);
  need(q, len, end);
  switch (ft) {
    case ColumnType.DATE:
      if (len < 8) break;
      return `"${formatPackedDatetime(buf.readBigInt64LE(q), 'date')}"`;
    case ColumnType.DATETIME:
    case ColumnType.TIMESTAMP:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP2:
      if (len < 8) break;
      return `"${formatPackedDatetime(buf.readBigInt64LE(q), 'datetime')}"`;
    case ColumnType.TIME:
    case ColumnType.TIME2:
      if (len < 8) break;
      return `"${formatPackedTime(buf.readBigInt64LE(q))}"`;
    case ColumnType.NEWDECIMAL: {
      if (len < 2) break;
      const precision = buf[q]!;
      const scale = buf[q + 1]!;
      if (precision < 1 || precision > 65 || scale > 30 || scale > precision) break;
      return decodeDecimal(buf.subarray(0, q + len), q + 2, precision, scale);
    }
    default:
      break;
  }
  return `"base64:type${ft}:${buf.toString('base64', q, q + len)}"`;
}
