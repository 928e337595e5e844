import { dmError, E } from '../errors/index.js';
import { type BufferReader, malformed } from './buffer-reader.js';
import type { TextKind } from './charset.js';
import { CellPlan, type Cursor, cellPlan, readCell } from './column-value.js';
import { EventType } from './event-type.js';
import type { TableInfo, TableMapCache } from './table-map.js';
import type { ZoneOffset } from './time-zone.js';
import type {
  CellValue,
  ColumnMeta,
  DeleteRowsEvent,
  EventHeader,
  RowsEvent,
  UpdateRowsEvent,
  WriteRowsEvent,
} from './types.js';

/**
 * WRITE/UPDATE/DELETE_ROWS, v1 (23–25, also MariaDB's) and v2 (30–32).
 * Post-header: table_id u48 (u32 if the post-header is 6 bytes) | flags u16 | v2 only:
 * extra_data_len u16 (counting itself) + extra data (skipped).
 * Body: column_count (packed) | columns-present bitmap | (update: after-image bitmap) | rows.
 * Each row image: NULL bitmap over the present columns | values of present non-NULL columns.
 * Rows are full width: absent columns are `null`, and `includedColumns` lists the present ones.
 */
export function decodeRows(
  header: EventHeader,
  r: BufferReader,
  postHeaderLen: number,
  cache: TableMapCache,
  zone?: ZoneOffset,
): RowsEvent {
  const type = header.typeCode;
  const start = r.pos;
  const tableId = postHeaderLen === 6 ? r.u32() : r.u48();
  r.u16(); // flags
  const v2 = type >= EventType.WRITE_ROWS_V2 && type <= EventType.DELETE_ROWS_V2;
  if (v2 && postHeaderLen >= 10) {
    const extra = r.u16();
    if (extra < 2) throw malformed(`bad rows extra-data length ${extra}`);
    r.skip(extra - 2);
    // the v2 post-header length counts the extra-data length field only
    r.pos = Math.max(r.pos, start + postHeaderLen);
  } else {
    r.pos = start + postHeaderLen;
    r.need(0);
  }
  const info = cache.get(tableId);
  if (!info) {
    throw dmError(
      E.binlogMissingTableMap,
      `rows event for table id ${tableId} without a preceding TABLE_MAP`,
      {
        context: { tableId, logPos: header.logPos },
      },
    );
  }
  const width = r.packedInt();
  if (width !== info.columns.length) {
    throw malformed(
      `rows event has ${width} columns, table map of ${info.schema}.${info.table} has ${info.columns.length}`,
    );
  }
  const isUpdate = type === EventType.UPDATE_ROWS_V1 || type === EventType.UPDATE_ROWS_V2;
  const bmLen = (width + 7) >> 3;
  const buf = r.buf;
  const present1 = r.need(bmLen);
  r.pos += bmLen;
  const present2 = isUpdate ? r.need(bmLen) : present1;
  if (isUpdate) r.pos += bmLen;
  const inc1 = included(buf, present1, width, info);
  const inc2 = isUpdate ? included(buf, present2, width, info) : inc1;
  const cur: Cursor = { pos: r.pos, end: r.end };
  // What every rows event says of its table, whatever its kind.
  const of = { header, tableId, schema: info.schema, table: info.table, columns: info.names };
  if (isUpdate) {
    const rows: { before: CellValue[]; after: CellValue[] }[] = [];
    while (cur.pos < cur.end) {
      const before = readRow(buf, cur, info, inc1, zone);
      const after = readRow(buf, cur, info, inc2, zone);
      rows.push({ before, after });
    }
    const ev: UpdateRowsEvent = { type: 'update_rows', ...of, rows };
    if (inc1.length !== width) ev.includedColumnsBefore = inc1;
    if (inc2.length !== width) ev.includedColumnsAfter = inc2;
    return ev;
  }
  const rows: CellValue[][] = [];
  while (cur.pos < cur.end) rows.push(readRow(buf, cur, info, inc1, zone));
  const isWrite = type === EventType.WRITE_ROWS_V1 || type === EventType.WRITE_ROWS_V2;
  const ev: WriteRowsEvent | DeleteRowsEvent = { type: isWrite ? 'write_rows' : 'delete_rows', ...of, rows };
  if (inc1.length !== width) ev.includedColumns = inc1;
  return ev;
}

/** Indexes of the columns set in the bitmap at `at`; the table's shared list when all are. */
function included(buf: Buffer, at: number, width: number, info: TableInfo): number[] {
  let all = true;
  for (let i = 0; i < width; i++) {
    if ((buf[at + (i >> 3)]! & (1 << (i & 7))) === 0) {
      all = false;
      break;
    }
  }
  if (all) {
    // Full images are the norm: share one list per table (never handed out: see decodeRows).
    let full = info.allColumns;
    if (!full) {
      full = Array.from({ length: width }, (_, i) => i);
      info.allColumns = full;
    }
    return full;
  }
  const out: number[] = [];
  for (let i = 0; i < width; i++) if ((buf[at + (i >> 3)]! & (1 << (i & 7))) !== 0) out.push(i);
  return out;
}

function planOf(info: TableInfo): number[] {
  let plans = info.plans;
  if (!plans) {
    plans = info.columns.map((c, i) => cellPlan(c, info.kinds[i]!));
    info.plans = plans;
  }
  return plans;
}

/** One non-NULL cell by its plan (see CellPlan); out-of-bounds fast paths defer to readCell. */
function cell(
  buf: Buffer,
  cur: Cursor,
  plan: number,
  col: ColumnMeta,
  kind: TextKind,
  zone: ZoneOffset | undefined,
): CellValue {
  const p = cur.pos;
  const end = cur.end;
  switch (plan) {
    case CellPlan.Int32:
      if (p + 4 > end) break;
      cur.pos = p + 4;
      return buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
    case CellPlan.Uint32:
      if (p + 4 > end) break;
      cur.pos = p + 4;
      return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
    case CellPlan.Utf8Len1: {
      if (p + 1 > end) break;
      const e = p + 1 + buf[p]!;
      if (e > end) break;
      cur.pos = e;
      return buf.utf8Slice(p + 1, e);
    }
    case CellPlan.Utf8Len2: {
      if (p + 2 > end) break;
      const e = p + 2 + (buf[p]! | (buf[p + 1]! << 8));
      if (e > end) break;
      cur.pos = e;
      return buf.utf8Slice(p + 2, e);
    }
    default:
      break;
  }
  return readCell(buf, cur, col, kind, zone);
}

function readRow(
  buf: Buffer,
  cur: Cursor,
  info: TableInfo,
  inc: number[],
  zone: ZoneOffset | undefined,
): CellValue[] {
  const cols = info.columns;
  const kinds = info.kinds;
  const plans = planOf(info);
  const width = cols.length;
  const n = inc.length;
  const nullBytes = (n + 7) >> 3;
  const nb = cur.pos;
  if (nb + nullBytes > cur.end) throw malformed('row image NULL bitmap runs past the event');
  cur.pos = nb + nullBytes;
  // Built by push, in column order: a packed array (faster to read than a holey `new Array(n)`).
  const row: CellValue[] = [];
  if (n === width) {
    for (let i = 0; i < n; i++) {
      row.push(
        (buf[nb + (i >> 3)]! & (1 << (i & 7))) !== 0
          ? null
          : cell(buf, cur, plans[i]!, cols[i]!, kinds[i]!, zone),
      );
    }
    return row;
  }
  let k = 0;
  for (let i = 0; i < width; i++) {
    if (k < n && inc[k] === i) {
      row.push(
        (buf[nb + (k >> 3)]! & (1 << (k & 7))) !== 0
          ? null
          : cell(buf, cur, plans[i]!, cols[i]!, kinds[i]!, zone),
      );
      k++;
    } else {
      row.push(null);
    }
  }
  return row;
}
