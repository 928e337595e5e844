import { asciiBytes, JsonWriter, type Utf8Text, utf8Text } from './json-writer.js';
import type {
  BinlogEvent,
  CellValue,
  ColumnMeta,
  PositionedEvent,
  RowsEvent,
  TableMapEvent,
} from './types.js';

/**
 * One DESIGN.md §5 JSON line (without the newline) for an event:
 * `{"type","file","pos","nextPos","timestamp","serverId", …event fields}`. Row events print
 * `schema`, `table`, `columns`, `rows` (updates as `{before, after}`); Buffers become
 * `"0x…"` (uppercase hex). The header and raw bytes are left out. Built by hand for speed: this
 * is dm-binlog's hot loop.
 */
export function formatEventJson(pe: PositionedEvent): string {
  const w = W;
  w.reset();
  writeEvent(w, pe);
  return w.take();
}

/**
 * Append the same JSON line as {@link formatEventJson} plus a newline to `w`, as UTF-8 bytes:
 * for a printer that writes Buffers (`w.takeBytes()` every ~1 MiB) this skips making a string
 * per line, joining them and encoding them back to bytes. A value that throws leaves `w` as it
 * was before the call.
 */
export function appendEventJson(pe: PositionedEvent, w: JsonWriter): void {
  const start = w.pos;
  try {
    writeEvent(w, pe);
  } catch (err) {
    w.pos = start;
    throw err;
  }
  w.byte(10);
}

function writeEvent(w: JsonWriter, pe: PositionedEvent): void {
  const ev = pe.event;
  writeHead(w, pe);
  switch (ev.type) {
    case 'write_rows':
    case 'delete_rows':
    case 'update_rows':
      writeRows(w, ev);
      break;
    case 'table_map':
      w.text(tableMapPart(ev));
      break;
    case 'unknown':
      w.raw(`,"name":${JSON.stringify(ev.name)},"size":${ev.header.eventSize}}`);
      break;
    default: {
      // Small events (and ANNOTATE_ROWS/QUERY with possibly huge statements): their own fields.
      for (const [k, v] of ownFields(ev)) {
        w.text(keyBytes(k));
        if (typeof v === 'string') w.str(v);
        else if (typeof v === 'number') w.num(v);
        else w.raw(JSON.stringify(v));
      }
      w.byte(125);
    }
  }
}

/** One row image as a JSON array. */
export function formatRow(row: CellValue[]): string {
  let s = '[';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) s += ',';
    s += formatCell(row[i] as CellValue);
  }
  return `${s}]`;
}

/** One cell: null, number, JSON string, `"0x…"` for bytes, array of strings for SET. */
export function formatCell(v: CellValue): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'string':
      return JSON.stringify(v);
    default:
      if (Buffer.isBuffer(v)) return `"0x${v.toString('hex').toUpperCase()}"`;
      return JSON.stringify(v);
  }
}

const W = new JsonWriter();
const K_NEXT = asciiBytes(',"nextPos":');
const K_TS = asciiBytes(',"timestamp":');
const K_SID = asciiBytes(',"serverId":');
const K_BEFORE = asciiBytes('{"before":');
const K_AFTER = asciiBytes(',"after":');
const K_NULL = asciiBytes('null');

/** `{"type":"…","file":"…","pos":` per event type, for the last file seen (one file at a time). */
let fileName: string | undefined;
const heads = new Map<string, Utf8Text>();
const keys = new Map<string, Utf8Text>();

/** `,"key":` as bytes. */
function keyBytes(k: string): Utf8Text {
  let b = keys.get(k);
  if (!b) {
    b = utf8Text(`,${JSON.stringify(k)}:`);
    keys.set(k, b);
  }
  return b;
}

/** `{"type":…,"serverId":N` */
function writeHead(w: JsonWriter, pe: PositionedEvent): void {
  const ev = pe.event;
  const h = ev.header;
  if (pe.file !== fileName) {
    fileName = pe.file;
    heads.clear();
  }
  let head = heads.get(ev.type);
  if (!head) {
    head = utf8Text(`{"type":"${ev.type}","file":${JSON.stringify(pe.file)},"pos":`);
    heads.set(ev.type, head);
  }
  w.text(head);
  w.num(pe.pos);
  w.bytes(K_NEXT);
  w.num(pe.nextPos);
  w.bytes(K_TS);
  w.num(h.timestamp);
  w.bytes(K_SID);
  w.num(h.serverId);
}

/**
 * What follows the common fields, cached per table: the decoder hands out one columns array
 * per parsed table map (and servers log a map before every rows event).
 */
interface TablePart {
  tableId: number;
  schema: string;
  table: string;
  primaryKey: number[] | undefined;
  bytes: Utf8Text;
}
const rowsParts = new WeakMap<string[], TablePart>();
const mapParts = new WeakMap<ColumnMeta[], TablePart>();

function cachedPart<K extends object>(
  cache: WeakMap<K, TablePart>,
  key: K,
  ev: { tableId: number; schema: string; table: string; primaryKey?: number[] },
  make: () => string,
): Utf8Text {
  const c = cache.get(key);
  if (
    c &&
    c.tableId === ev.tableId &&
    c.schema === ev.schema &&
    c.table === ev.table &&
    c.primaryKey === ev.primaryKey
  ) {
    return c.bytes;
  }
  const bytes = utf8Text(make());
  cache.set(key, {
    tableId: ev.tableId,
    schema: ev.schema,
    table: ev.table,
    primaryKey: ev.primaryKey,
    bytes,
  });
  return bytes;
}

/** `,"tableId":…,"columns":[…],"rows":[` */
function rowsPart(ev: RowsEvent): Utf8Text {
  return cachedPart(
    rowsParts,
    ev.columns,
    ev,
    () =>
      `,"tableId":${ev.tableId},"schema":${JSON.stringify(ev.schema)},"table":${JSON.stringify(ev.table)},"columns":${JSON.stringify(ev.columns)},"rows":[`,
  );
}

/** An event's own fields other than `type` and `header`, the undefined ones left out. */
export function ownFields(ev: BinlogEvent): [string, unknown][] {
  return Object.entries(ev).filter(([k, v]) => k !== 'type' && k !== 'header' && v !== undefined);
}

/** A table map's fields and the closing brace (cached per table map). */
function tableMapPart(ev: TableMapEvent): Utf8Text {
  return cachedPart(mapParts, ev.columns, ev, () => tableMapFields(ev));
}

/** A table map's fields after the header's, as JSON text with the closing brace. */
export function tableMapFields(ev: TableMapEvent): string {
  let s = `,"tableId":${ev.tableId},"schema":${JSON.stringify(ev.schema)},"table":${JSON.stringify(ev.table)},"columns":[`;
  const cols = ev.columns;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    s += `${i > 0 ? ',' : ''}{"name":${JSON.stringify(c.name ?? `@${i + 1}`)},"type":${c.type},"meta":${c.meta},"nullable":${c.nullable}`;
    if (c.unsigned !== undefined) s += `,"unsigned":${c.unsigned}`;
    if (c.charset !== undefined) s += `,"charset":${JSON.stringify(c.charset)}`;
    s += '}';
  }
  s += ']';
  if (ev.primaryKey) s += `,"primaryKey":${JSON.stringify(ev.primaryKey)}`;
  return `${s}}`;
}

/** Row events' own fields (the hot path: see json-writer.ts for why bytes). */
function writeRows(w: JsonWriter, ev: RowsEvent): void {
  w.text(rowsPart(ev));
  if (ev.type === 'update_rows') {
    const rows = ev.rows;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (i > 0) w.byte(44);
      w.bytes(K_BEFORE);
      writeRow(w, r.before);
      w.bytes(K_AFTER);
      writeRow(w, r.after);
      w.byte(125);
    }
    w.byte(93);
    if (ev.includedColumnsBefore)
      w.raw(`,"includedColumnsBefore":${JSON.stringify(ev.includedColumnsBefore)}`);
    if (ev.includedColumnsAfter) w.raw(`,"includedColumnsAfter":${JSON.stringify(ev.includedColumnsAfter)}`);
  } else {
    const rows = ev.rows;
    for (let i = 0; i < rows.length; i++) {
      if (i > 0) w.byte(44);
      writeRow(w, rows[i]!);
    }
    w.byte(93);
    if (ev.includedColumns) w.raw(`,"includedColumns":${JSON.stringify(ev.includedColumns)}`);
  }
  w.byte(125);
}

function writeRow(w: JsonWriter, row: CellValue[]): void {
  w.byte(91);
  for (let i = 0; i < row.length; i++) {
    if (i > 0) w.byte(44);
    const v = row[i] as CellValue;
    if (v === null) w.bytes(K_NULL);
    else if (typeof v === 'number') w.num(v);
    else if (typeof v === 'string') w.str(v);
    else if (Buffer.isBuffer(v)) w.hex(v);
    else if (!Array.isArray(v)) w.raw(JSON.stringify(v));
    else {
      w.byte(91);
      for (let j = 0; j < v.length; j++) {
        if (j > 0) w.byte(44);
        w.str(v[j]!);
      }
      w.byte(93);
    }
  }
  w.byte(93);
}
