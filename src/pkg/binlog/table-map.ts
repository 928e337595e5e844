import { type BufferReader, malformed } from './buffer-reader.js';
import { collationCharset, type TextKind, textKind } from './charset.js';
import { ColumnType, isCharacterType, isEnumOrSet, isNumericType } from './column-type.js';
import type { ColumnMeta, EventHeader, SchemaLookup, TableMapEvent, TableMapFields } from './types.js';

/** Optional metadata field types (MySQL 8 / MariaDB 10.5+ `binlog_row_metadata`). */
export const OptionalMeta = {
  SIGNEDNESS: 1,
  DEFAULT_CHARSET: 2,
  COLUMN_CHARSET: 3,
  COLUMN_NAME: 4,
  SET_STR_VALUE: 5,
  ENUM_STR_VALUE: 6,
  GEOMETRY_TYPE: 7,
  SIMPLE_PRIMARY_KEY: 8,
  PRIMARY_KEY_WITH_PREFIX: 9,
  ENUM_AND_SET_DEFAULT_CHARSET: 10,
  ENUM_AND_SET_COLUMN_CHARSET: 11,
  COLUMN_VISIBILITY: 12,
} as const;

/** A parsed table map plus what row decoding needs, cached by table id. */
export interface TableInfo extends TableMapFields {
  /** The bytes after the common header this was parsed from (a private copy). */
  key: Buffer;
  /** Output names: real names or `@1`, `@2`, … */
  names: string[];
  /** How text bytes of each column become values. */
  kinds: TextKind[];
  /** How row decoding reads each column (column-value.ts CellPlan); made on first use. */
  plans?: number[];
  /** `[0, 1, …, n-1]`, made on first use by row decoding (full row images). */
  allColumns?: number[];
}

export type TableMapCache = Map<number, TableInfo>;

/** Table maps kept at most; ids are never reused, so old ones only cost memory. */
const MAX_CACHED = 10_000;

/**
 * TABLE_MAP. Post-header: table_id u48 (u32 when the post-header is 6 bytes) | flags u16.
 * Body: schema_len u8 | schema | NUL | table_len u8 | table | NUL | column_count (packed) |
 * column types u8[n] | metadata_len (packed) | metadata | null bitmap | optional metadata TLVs.
 * A map identical to the cached one for its id is not parsed again (servers log one per
 * statement).
 */
export function decodeTableMap(
  header: EventHeader,
  r: BufferReader,
  postHeaderLen: number,
  cache: TableMapCache,
  lookup: SchemaLookup | undefined,
): TableMapEvent {
  const start = r.pos;
  const tableId = postHeaderLen === 6 ? r.u32() : r.u48();
  r.pos = start;
  r.need(postHeaderLen);
  let info = cache.get(tableId);
  const n = r.end - start;
  if (!info || info.key.length !== n || !sameBytes(info.key, r.buf, start, n)) {
    info = parseTableMap(r, postHeaderLen, tableId, lookup);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(tableId, info);
  }
  const ev: TableMapEvent = {
    type: 'table_map',
    header,
    tableId,
    schema: info.schema,
    table: info.table,
    columns: info.columns,
    hasColumnNames: info.hasColumnNames,
  };
  if (info.primaryKey) ev.primaryKey = info.primaryKey;
  return ev;
}

/** key equals buf[at, at + n) (a JS loop: Buffer.compare's argument checks cost more for short maps). */
function sameBytes(key: Buffer, buf: Buffer, at: number, n: number): boolean {
  if (n > 256) return buf.compare(key, 0, n, at, at + n) === 0;
  for (let i = 0; i < n; i++) if (key[i] !== buf[at + i]) return false;
  return true;
}

function parseTableMap(
  r: BufferReader,
  postHeaderLen: number,
  tableId: number,
  lookup: SchemaLookup | undefined,
) {
  const key = Buffer.from(r.buf.subarray(r.pos, r.end));
  r.skip(postHeaderLen);
  const schema = r.str(r.u8());
  r.skip(1);
  const table = r.str(r.u8());
  r.skip(1);
  const count = r.packedInt();
  r.need(count);
  const types = r.bytes(count);
  const metaLen = r.packedInt();
  const metaEnd = r.need(metaLen) + metaLen;
  const columns: ColumnMeta[] = new Array(count);
  for (let i = 0; i < count; i++) columns[i] = readColumnMeta(types[i]!, r);
  if (r.pos > metaEnd) throw malformed('table map metadata overruns its length');
  r.pos = metaEnd;
  const nulls = r.bytes((count + 7) >> 3);
  for (let i = 0; i < count; i++) columns[i]!.nullable = (nulls[i >> 3]! & (1 << (i & 7))) !== 0;

  const info: TableInfo = {
    key,
    tableId,
    schema,
    table,
    columns,
    hasColumnNames: false,
    names: [],
    kinds: [],
  };
  let hasSign = false;
  let hasCharset = false;
  while (r.remaining > 0) {
    const t = r.u8();
    const len = r.packedInt();
    const end = r.need(len) + len;
    const saveEnd = r.end;
    r.end = end;
    switch (t) {
      case OptionalMeta.SIGNEDNESS:
        hasSign = true;
        readBitmapOver(
          r,
          columns,
          (c) => isNumericType(c.type),
          (c, bit) => {
            c.unsigned = bit;
          },
        );
        break;
      case OptionalMeta.DEFAULT_CHARSET:
        hasCharset = true;
        readDefaultCharset(r, columns, (c) => isCharacterType(c.type));
        break;
      case OptionalMeta.ENUM_AND_SET_DEFAULT_CHARSET:
        readDefaultCharset(r, columns, (c) => isEnumOrSet(c.type));
        break;
      case OptionalMeta.COLUMN_CHARSET:
        hasCharset = true;
        readColumnCharset(r, columns, (c) => isCharacterType(c.type));
        break;
      case OptionalMeta.ENUM_AND_SET_COLUMN_CHARSET:
        readColumnCharset(r, columns, (c) => isEnumOrSet(c.type));
        break;
      case OptionalMeta.COLUMN_NAME:
        info.hasColumnNames = true;
        for (const c of columns) c.name = r.str(r.packedInt());
        break;
      case OptionalMeta.SET_STR_VALUE:
      case OptionalMeta.ENUM_STR_VALUE: {
        const want = t === OptionalMeta.SET_STR_VALUE ? ColumnType.SET : ColumnType.ENUM;
        for (const c of columns) {
          if (c.type !== want || r.remaining === 0) continue;
          const nv = r.packedInt();
          r.need(nv);
          const vals: string[] = new Array(nv);
          for (let j = 0; j < nv; j++) vals[j] = r.str(r.packedInt());
          if (want === ColumnType.SET) c.setValues = vals;
          else c.enumValues = vals;
        }
        break;
      }
      case OptionalMeta.GEOMETRY_TYPE:
        for (const c of columns)
          if (c.type === ColumnType.GEOMETRY && r.remaining > 0) c.geometryType = r.packedInt();
        break;
      case OptionalMeta.SIMPLE_PRIMARY_KEY: {
        const pk: number[] = [];
        while (r.remaining > 0) pk.push(r.packedInt());
        setPrimaryKey(info, pk);
        break;
      }
      case OptionalMeta.PRIMARY_KEY_WITH_PREFIX: {
        const pk: number[] = [];
        while (r.remaining > 0) {
          pk.push(r.packedInt());
          r.packedInt(); // prefix length
        }
        setPrimaryKey(info, pk);
        break;
      }
      case OptionalMeta.COLUMN_VISIBILITY:
        readBitmapOver(
          r,
          columns,
          () => true,
          (c, bit) => {
            c.visible = bit;
          },
        );
        break;
      default:
        break; // unknown field: its length lets us skip it
    }
    r.pos = end;
    r.end = saveEnd;
  }

  if (lookup && (!info.hasColumnNames || !hasSign || !hasCharset)) {
    const li = lookup(schema, table);
    if (li && li.names.length === count) {
      for (let i = 0; i < count; i++) {
        const c = columns[i]!;
        if (!info.hasColumnNames) c.name = li.names[i];
        if (!hasSign && li.unsigned?.[i] !== undefined) c.unsigned = li.unsigned[i];
        if (!hasCharset && li.charsets)
          c.charset = li.charsets[i] ?? (isTextual(c.type) ? 'binary' : undefined);
        if (c.enumValues === undefined && li.enumValues?.[i]) c.enumValues = li.enumValues[i];
        if (c.setValues === undefined && li.setValues?.[i]) c.setValues = li.setValues[i];
      }
      info.hasColumnNames = true;
      if (!info.primaryKey && li.primaryKey) setPrimaryKey(info, li.primaryKey);
    }
  }
  for (let i = 0; i < count; i++) {
    const c = columns[i]!;
    info.names[i] = c.name ?? `@${i + 1}`;
    info.kinds[i] = textKind(c.charset);
  }
  return info;
}

/** STRING/VARCHAR/BLOB-family columns: those that may hold text or bytes. */
function isTextual(t: number): boolean {
  return isCharacterType(t);
}

function setPrimaryKey(info: TableInfo, pk: number[]): void {
  info.primaryKey = pk;
  for (const i of pk) {
    const c = info.columns[i];
    if (c) c.inPrimaryKey = true;
  }
}

/** A bitmap (most significant bit first) with one bit per column that `pick` selects. */
function readBitmapOver(
  r: BufferReader,
  columns: ColumnMeta[],
  pick: (c: ColumnMeta) => boolean,
  set: (c: ColumnMeta, bit: boolean) => void,
): void {
  let bit = 0;
  for (const c of columns) {
    if (!pick(c)) continue;
    const byte = r.pos + (bit >> 3);
    if (byte >= r.end) return;
    set(c, (r.buf[byte]! & (0x80 >> (bit & 7))) !== 0);
    bit++;
  }
}

/** Default collation (packed), then (index among picked columns, collation) pairs for exceptions. */
function readDefaultCharset(r: BufferReader, columns: ColumnMeta[], pick: (c: ColumnMeta) => boolean): void {
  const dflt = r.packedInt();
  const except = new Map<number, number>();
  while (r.remaining > 0) {
    const idx = r.packedInt();
    except.set(idx, r.packedInt());
  }
  let k = 0;
  for (const c of columns) {
    if (!pick(c)) continue;
    setCollation(c, except.get(k) ?? dflt);
    k++;
  }
}

/** One collation (packed) per picked column. */
function readColumnCharset(r: BufferReader, columns: ColumnMeta[], pick: (c: ColumnMeta) => boolean): void {
  for (const c of columns) {
    if (!pick(c) || r.remaining === 0) continue;
    setCollation(c, r.packedInt());
  }
}

function setCollation(c: ColumnMeta, id: number): void {
  c.collationId = id;
  c.charset = collationCharset(id);
}

/** Read one column's table-map metadata and resolve STRING's real type (log_event.cc rules). */
function readColumnMeta(type: number, r: BufferReader): ColumnMeta {
  let meta = 0;
  switch (type) {
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.GEOMETRY:
    case ColumnType.JSON:
    case ColumnType.TIMESTAMP2:
    case ColumnType.DATETIME2:
    case ColumnType.TIME2:
    case ColumnType.BLOB_COMPRESSED:
      meta = r.u8();
      break;
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
    case ColumnType.VARCHAR_COMPRESSED:
    case ColumnType.BIT:
      meta = r.u16();
      break;
    case ColumnType.NEWDECIMAL:
    case ColumnType.STRING:
    case ColumnType.ENUM:
    case ColumnType.SET: {
      const b0 = r.u8();
      meta = (b0 << 8) | r.u8();
      break;
    }
    default:
      break;
  }
  if (type === ColumnType.STRING || type === ColumnType.ENUM || type === ColumnType.SET) {
    const b0 = meta >> 8;
    const b1 = meta & 0xff;
    let real = b0;
    let len = b1;
    if ((b0 & 0x30) !== 0x30) {
      // CHAR longer than 255 bytes: two length bits are folded into the type byte (bug #37426).
      real = b0 | 0x30;
      len = b1 | (((b0 & 0x30) ^ 0x30) << 4);
    }
    if (real === ColumnType.ENUM || real === ColumnType.SET) {
      return { type: real, meta: b1, nullable: false };
    }
    return { type: ColumnType.STRING, meta: len, nullable: false };
  }
  return { type, meta, nullable: false };
}
