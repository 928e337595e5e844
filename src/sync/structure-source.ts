import type { SubTaskConfig } from '../pkg/config/types.js';
import type { Connection } from '../pkg/db/connect.js';
import { loadTableStructure } from '../pkg/schema/load-structure.js';
import { renamed, type TableStructure } from '../pkg/schema/table-structure.js';
import type { EventFilters } from './event-filters.js';

/** Connections a structure lookup may use (opened lazily by the caller). */
export interface StructureConns {
  upstream(): Promise<Connection>;
  downstream(): Connection;
}

/**
 * A table's structure when the tracker does not know it: from the upstream (mode
 * `incremental`) or the downstream table a full load made (renamed back to its upstream name).
 */
export async function loadStructure(
  cfg: SubTaskConfig,
  filters: EventFilters,
  conns: StructureConns,
  schema: string,
  table: string,
): Promise<TableStructure | undefined> {
  if (cfg.taskMode === 'incremental') {
    return loadTableStructure(await conns.upstream(), schema, table);
  }
  const r = filters.route(schema, table);
  const d = await loadTableStructure(conns.downstream(), r.schema, r.table);
  return d ? renamed(d, schema, table) : undefined;
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
