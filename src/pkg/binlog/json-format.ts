import type { CellValue, PositionedEvent } from './types.js';

/**
 * One DESIGN.md §5 JSON line (without the newline) for an event:
 * `{"type","file","pos","nextPos","timestamp","serverId", …event fields}`. Row events print
 * `schema`, `table`, `columns`, `rows` (updates as `{before, after}`); Buffers become
 * `"0x…"` (uppercase hex). The header and raw bytes are left out. Built by hand for speed: this
 * is dm-binlog's hot loop.
 */
export function formatEventJson(pe: PositionedEvent): string {
  const ev = pe.event;
  const h = ev.header;
  let s = `{"type":"${ev.type}","file":${JSON.stringify(pe.file)},"pos":${pe.pos},"nextPos":${pe.nextPos},"timestamp":${h.timestamp},"serverId":${h.serverId}`;
  switch (ev.type) {
    case 'write_rows':
    case 'delete_rows': {
      s += `,"tableId":${ev.tableId},"schema":${JSON.stringify(ev.schema)},"table":${JSON.stringify(ev.table)},"columns":${JSON.stringify(ev.columns)},"rows":[`;
      const rows = ev.rows;
      for (let i = 0; i < rows.length; i++) {
        if (i > 0) s += ',';
        s += formatRow(rows[i]!);
      }
      s += ']';
      if (ev.includedColumns) s += `,"includedColumns":${JSON.stringify(ev.includedColumns)}`;
      return `${s}}`;
    }
    case 'update_rows': {
      s += `,"tableId":${ev.tableId},"schema":${JSON.stringify(ev.schema)},"table":${JSON.stringify(ev.table)},"columns":${JSON.stringify(ev.columns)},"rows":[`;
      const rows = ev.rows;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        s += `${i > 0 ? ',' : ''}{"before":${formatRow(r.before)},"after":${formatRow(r.after)}}`;
      }
      s += ']';
      if (ev.includedColumnsBefore)
        s += `,"includedColumnsBefore":${JSON.stringify(ev.includedColumnsBefore)}`;
      if (ev.includedColumnsAfter) s += `,"includedColumnsAfter":${JSON.stringify(ev.includedColumnsAfter)}`;
      return `${s}}`;
    }
    case 'table_map': {
      s += `,"tableId":${ev.tableId},"schema":${JSON.stringify(ev.schema)},"table":${JSON.stringify(ev.table)},"columns":[`;
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
    case 'unknown':
      return `${s},"name":${JSON.stringify(ev.name)},"size":${h.eventSize}}`;
    default: {
      // Small events: print their own fields generically.
      const rec = ev as unknown as Record<string, unknown>;
      for (const k in rec) {
        if (k === 'type' || k === 'header') continue;
        const v = rec[k];
        if (v === undefined) continue;
        s += `,${JSON.stringify(k)}:${JSON.stringify(v)}`;
      }
      return `${s}}`;
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
