import type { SubTaskConfig } from '../pkg/config/types.js';
import type { Connection } from '../pkg/db/connect.js';
import { loadTableStructure } from '../pkg/schema/load-structure.js';
import { renamed, type TableStructure } from '../pkg/schema/table-structure.js';
import type { EventFilters } from './event-filters.js';
import { upstreamViewOf } from './sql/extend-columns.js';

/** Connections a structure lookup may use (opened lazily by the caller). */
export interface StructureConns {
  upstream(): Promise<Connection>;
  downstream(): Connection;
}

/**
 * A table's structure when the tracker does not know it. The downstream table (renamed back
 * to its upstream name) comes first: the load created it, or every DDL up to the checkpoint
 * was applied to it, so it has the shape of the rows about to be read — the upstream's
 * current structure may already include ALTERs the binlog has yet to deliver. Without a
 * downstream table (mode `incremental`, or a table the load did not create) the upstream's
 * current structure is the best there is.
 */
export async function loadStructure(
  _cfg: SubTaskConfig,
  filters: EventFilters,
  conns: StructureConns,
  schema: string,
  table: string,
): Promise<TableStructure | undefined> {
  const r = filters.route(schema, table);
  const d = await loadTableStructure(conns.downstream(), r.schema, r.table);
  // A merged table with extended columns (route extraction): the upstream shape is the
  // downstream one without them; a merged table that lacks them cannot take the rows.
  const ext = filters.extendColumns(schema, table);
  if (d && ext) return renamed(upstreamViewOf(d, ext.columns), schema, table);
  if (d) return renamed(d, schema, table);
  return loadTableStructure(await conns.upstream(), schema, table);
}

/** Every replicated base table of the upstream (schema, table). */
export async function replicatedTables(
  up: Connection,
  filters: EventFilters,
): Promise<{ s: string; t: string }[]> {
  const [rows] = (await up.query(
    "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'",
  )) as unknown as [{ s: string; t: string }[]];
  return rows.filter(({ s, t }) => filters.allowTable(s, t));
}
