/**
 * DM's `<meta-schema>`.`<task>_syncer_sharding_meta` (dm/syncer/sharding-meta): one row per
 * (source, target table, source table) with the DDLs the table reached that are not resolved
 * yet, and the end of the last DDL event of that table that was resolved through the lock
 * (a replay after a crash treats DDLs up to it as done: they ran downstream, or were
 * skipped, once already), with that lock's ID and DDLs.
 */
import { quoteId, quoteTable } from '../../pkg/db/connect.js';
import { tableId } from '../../pkg/shardddl/status.js';
import { compareLocation, type Location, type TableName } from '../job.js';
import type { ReachedDdl } from './sharding-groups.js';

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** What a row's `data` holds. */
export interface ShardingMetaData {
  pending: ReachedDdl[];
  resolvedThrough?: Location;
  resolvedLock?: { id: string; ddls: string[] };
}

export class ShardingMetaStore {
  private readonly tbl: string;
  /** Source table id → its row (as last written or loaded). */
  private rows = new Map<string, { target: string; data: ShardingMetaData }>();

  constructor(
    private readonly metaSchema: string,
    task: string,
    private readonly sourceId: string,
    private readonly caseSensitive: boolean,
  ) {
    this.tbl = quoteTable(metaSchema, `${task}_syncer_sharding_meta`);
  }

  async ensureTable(q: Query): Promise<void> {
    await q(`CREATE DATABASE IF NOT EXISTS ${quoteId(this.metaSchema)}`);
    await q(`CREATE TABLE IF NOT EXISTS ${this.tbl} (
      source_id VARCHAR(32) NOT NULL,
      target_table_id VARCHAR(144) NOT NULL,
      source_table_id VARCHAR(144) NOT NULL,
      active_index INT,
      is_global BOOLEAN,
      data JSON,
      create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
      UNIQUE KEY uk_source_id_table_id_source (source_id, target_table_id, source_table_id)
    )`);
  }

  async load(q: Query): Promise<void> {
    // The control connection's query answers the rows.
    const rows = (await q(
      `SELECT target_table_id AS target, source_table_id AS src, data FROM ${this.tbl} WHERE source_id = ?`,
      [this.sourceId],
    )) as { target: string; src: string; data: string | ShardingMetaData }[];
    this.rows = new Map();
    for (const r of rows) {
      const data = typeof r.data === 'string' ? (JSON.parse(r.data) as ShardingMetaData) : r.data;
      this.rows.set(this.key(r.src), { target: r.target, data });
    }
  }

  /** True when the table's DDL event ending at `end` was resolved before (a replay). */
  resolved(source: TableName, end: Location): boolean {
    const r = this.rows.get(this.key(tableId(source.schema, source.table)));
    return r?.data.resolvedThrough !== undefined && compareLocation(end, r.data.resolvedThrough) <= 0;
  }

  /** The last lock resolved for any table of `target` (to finish its etcd part after a crash). */
  resolvedLocks(): { id: string; ddls: string[] }[] {
    const out = new Map<string, { id: string; ddls: string[] }>();
    for (const r of this.rows.values()) if (r.data.resolvedLock) out.set(r.target, r.data.resolvedLock);
    return [...out.values()];
  }

  /** Persist a table's reached, unresolved DDLs. */
  async savePending(q: Query, source: TableName, target: TableName, pending: ReachedDdl[]): Promise<void> {
    const src = tableId(source.schema, source.table);
    const prev = this.rows.get(this.key(src))?.data;
    await this.save(q, src, tableId(target.schema, target.table), { ...prev, pending });
  }

  /** Persist that the lock resolved each table's DDL up to its `end`. */
  async saveResolved(
    q: Query,
    target: TableName,
    lock: { id: string; ddls: string[] },
    tables: { table: TableName; end: Location; pending: ReachedDdl[] }[],
  ): Promise<void> {
    for (const t of tables) {
      await this.save(q, tableId(t.table.schema, t.table.table), tableId(target.schema, target.table), {
        pending: t.pending,
        resolvedThrough: t.end,
        resolvedLock: lock,
      });
    }
  }

  private async save(q: Query, src: string, target: string, data: ShardingMetaData): Promise<void> {
    await q(
      `INSERT INTO ${this.tbl} (source_id, target_table_id, source_table_id, active_index, is_global, data)
       VALUES (?, ?, ?, ?, 0, ?)
       ON DUPLICATE KEY UPDATE target_table_id = VALUES(target_table_id), active_index = VALUES(active_index), data = VALUES(data)`,
      [this.sourceId, target, src, data.pending.length, JSON.stringify(data)],
    );
    this.rows.set(this.key(src), { target, data });
  }

  private key(src: string): string {
    return this.caseSensitive ? src : src.toLowerCase();
  }
}
