import type { CellValue, RowsEvent } from '../pkg/binlog/types.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { ExtendColumns } from '../pkg/router/table-router.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import type { RowChange, TableName } from './job.js';
import { extendRow, extendStructure } from './sql/extend-columns.js';

/**
 * Map an image from the binlog's column order onto the tracked columns. The binlog carries
 * every column of the table as the upstream had it when it wrote the event (the tracker
 * follows that, not today's upstream); a count mismatch means the tracker drifted, which
 * we refuse to guess about.
 */
function align(t: TableStructure, row: CellValue[], ev: RowsEvent, included?: number[]): CellValue[] {
  if (included && included.length !== t.columns.length) {
    throw dmError(
      E.syncColumnMismatch,
      `${ev.schema}.${ev.table}: the binlog row image has ${included.length} of ${t.columns.length} columns; set binlog_row_image=FULL upstream`,
    );
  }
  if (row.length !== t.columns.length) {
    throw dmError(
      E.syncColumnMismatch,
      `${ev.schema}.${ev.table}: the binlog row has ${row.length} columns, the tracked schema ${t.columns.length} (${t.columns.map((c) => c.name).join(', ')})`,
    );
  }
  return row;
}

/**
 * Row changes of one ROWS event. `ext`: the extended columns its route fills (route
 * extraction); the changes then carry the widened structure and rows (sql/extend-columns.ts).
 * `source`: the upstream table's name object (shared by every change of the table).
 */
export function rowChanges(
  ev: RowsEvent,
  t: TableStructure,
  target: TableName,
  ext?: ExtendColumns,
  source: TableName = { schema: ev.schema, table: ev.table },
): RowChange[] {
  if (ext) {
    const wide = extendStructure(t, ext);
    return rowChanges(ev, t, target, undefined, source).map((c) => ({
      ...c,
      table: wide,
      ...(c.before ? { before: extendRow(c.before, ext) } : {}),
      ...(c.after ? { after: extendRow(c.after, ext) } : {}),
    }));
  }
  switch (ev.type) {
    case 'write_rows':
      return ev.rows.map((r) => ({
        type: 'insert',
        source,
        target,
        table: t,
        after: align(t, r, ev, ev.includedColumns),
      }));
    case 'delete_rows':
      return ev.rows.map((r) => ({
        type: 'delete',
        source,
        target,
        table: t,
        before: align(t, r, ev, ev.includedColumns),
      }));
    case 'update_rows':
      return ev.rows.map((r) => ({
        type: 'update',
        source,
        target,
        table: t,
        before: align(t, r.before, ev, ev.includedColumnsBefore),
        after: align(t, r.after, ev, ev.includedColumnsAfter),
      }));
  }
}
