import type { CellValue } from '../../pkg/binlog/types.js';
import { dmError, E } from '../../pkg/errors/index.js';
import type { ExtendColumns } from '../../pkg/router/table-router.js';
import { type ColumnInfo, columnIndex, type TableStructure } from '../../pkg/schema/table-structure.js';

/**
 * Route extraction in incremental sync (DM's `generateExtendColumn`): a shard table whose
 * route extracts its table/schema/source name writes rows of the upstream columns plus one
 * constant value per extended column. Done by widening the table structure once (cached):
 * every DML generator, causality and compaction then see an ordinary wider table.
 *
 * Every unique key of the widened structure also gets the extended columns: in the merged
 * table, rows of different shards may share a source key value (that is why the columns
 * exist), so a WHERE by the source key alone could hit another shard's row. The extended
 * values are constants of the shard table, so adding them never misses this shard's row;
 * causality keys then differ per shard too (no false conflicts between shards).
 */

const widened = new WeakMap<TableStructure, Map<string, TableStructure>>();

function extendedColumn(name: string): ColumnInfo {
  return {
    name,
    type: 'varchar(255)',
    unsigned: false,
    charset: 'utf8mb4',
    nullable: false,
    generated: false,
    invisible: false,
  };
}

/** The structure of `t` widened by `ext`'s columns (same object for the same inputs). */
export function extendStructure(t: TableStructure, ext: ExtendColumns): TableStructure {
  const key = ext.columns.join('\u0000');
  let byCols = widened.get(t);
  const hit = byCols?.get(key);
  if (hit) return hit;
  const dup = ext.columns.filter((c) => columnIndex(t, c) >= 0);
  if (dup.length > 0) {
    throw dmError(
      E.extendColumns,
      `upstream table ${t.schema}.${t.table} must not contain extended column ${JSON.stringify(dup)}`,
      { context: { table: `${t.schema}.${t.table}`, columns: dup } },
    );
  }
  const out: TableStructure = {
    ...t,
    columns: [...t.columns, ...ext.columns.map(extendedColumn)],
    uniqueKeys: t.uniqueKeys.map((k) => ({ ...k, columns: [...k.columns, ...ext.columns] })),
  };
  if (!byCols) {
    byCols = new Map();
    widened.set(t, byCols);
  }
  byCols.set(key, out);
  return out;
}

/** A row image with the extended values appended. */
export function extendRow(row: CellValue[], ext: ExtendColumns): CellValue[] {
  return row.concat(ext.values);
}

/**
 * The upstream view of a merged table read from the downstream: its extended columns
 * removed (from the columns and from every key). The sync unit tracks upstream shapes; the
 * extended columns are added back per row by {@link extendStructure}.
 */
export function stripExtendColumns(t: TableStructure, columns: readonly string[]): TableStructure {
  const drop = new Set(columns.map((c) => c.toLowerCase()));
  const keep = (n: string) => !drop.has(n.toLowerCase());
  return {
    ...t,
    columns: t.columns.filter((c) => keep(c.name)),
    uniqueKeys: t.uniqueKeys
      .map((k) => ({ ...k, columns: k.columns.filter(keep) }))
      .filter((k) => k.columns.length > 0),
  };
}

/** The extended columns `t` (a downstream table) lacks, in `columns` order. */
export function missingExtendColumns(t: TableStructure, columns: readonly string[]): string[] {
  return columns.filter((c) => columnIndex(t, c) < 0);
}

/** {@link stripExtendColumns} of a downstream merged table, refused when it lacks one of them. */
export function upstreamViewOf(down: TableStructure, columns: readonly string[]): TableStructure {
  const missing = missingExtendColumns(down, columns);
  if (missing.length > 0) {
    throw dmError(
      E.extendColumns,
      `downstream table ${down.schema}.${down.table} must contain extended columns ${JSON.stringify(missing)}`,
      { context: { table: `${down.schema}.${down.table}`, columns: missing } },
    );
  }
  return stripExtendColumns(down, columns);
}
