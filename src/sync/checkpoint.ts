import mysql from 'mysql2';
import type { Connection, Pool } from '../pkg/db/connect.js';
import { quoteId, quoteTable } from '../pkg/db/connect.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import { compareLocation, type Location, type TableName } from './job.js';

type Queryable = Pick<Connection, 'query'> | Pick<Pool, 'query'>;

/**
 * The sync checkpoint, DM's table `<meta-schema>`.`<task>_syncer_checkpoint`:
 * one global row (`cp_schema` = `cp_table` = '', `is_global` = 1) with the position every
 * change before which is applied downstream, the exit-safe point (every change that may have
 * been applied lies before it: safe mode stays on until it is passed after a restart) and the
 * tracked schema; plus one row per keyless table, written in the SAME transaction as that
 * table's changes, so those tables (where safe mode cannot make a replay idempotent) are
 * applied exactly once; plus one row per applier (`is_global` = 2) with the exit-safe point
 * it committed with (see `applierExitSafeSql`).
 */
export function checkpointTableName(task: string): string {
  return `${task}_syncer_checkpoint`;
}

export interface GlobalCheckpoint {
  location: Location;
  exitSafe?: Location;
  tables: TableStructure[];
}

export class CheckpointStore {
  private readonly tbl: string;
  constructor(
    private readonly metaSchema: string,
    task: string,
    private readonly sourceId: string,
  ) {
    this.tbl = quoteTable(metaSchema, checkpointTableName(task));
  }

  async ensureTable(db: Queryable): Promise<void> {
    await db.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(this.metaSchema)}`);
    await db.query(`CREATE TABLE IF NOT EXISTS ${this.tbl} (
      id VARCHAR(32) NOT NULL,
      cp_schema VARCHAR(128) NOT NULL,
      cp_table VARCHAR(128) NOT NULL,
      binlog_name VARCHAR(128),
      binlog_pos INT UNSIGNED,
      binlog_gtid TEXT,
      exit_safe_binlog_name VARCHAR(128) DEFAULT '',
      exit_safe_binlog_pos INT UNSIGNED DEFAULT 0,
      exit_safe_binlog_gtid TEXT,
      table_info JSON NOT NULL,
      is_global BOOLEAN,
      create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
      PRIMARY KEY (id, cp_schema, cp_table)
    )`);
  }

  async loadGlobal(db: Queryable): Promise<GlobalCheckpoint | undefined> {
    const [rows] = (await db.query(
      `SELECT binlog_name, binlog_pos, binlog_gtid, exit_safe_binlog_name, exit_safe_binlog_pos, exit_safe_binlog_gtid, table_info
         FROM ${this.tbl} WHERE id = ? AND is_global = 1`,
      [this.sourceId],
    )) as unknown as [Record<string, unknown>[]];
    const r = rows[0];
    if (!r?.binlog_name) return undefined;
    const info = typeof r.table_info === 'string' ? JSON.parse(r.table_info) : r.table_info;
    return {
      location: {
        file: String(r.binlog_name),
        pos: Number(r.binlog_pos),
        ...(r.binlog_gtid ? { gtid: String(r.binlog_gtid) } : {}),
      },
      ...(r.exit_safe_binlog_name
        ? {
            exitSafe: {
              file: String(r.exit_safe_binlog_name),
              pos: Number(r.exit_safe_binlog_pos),
              ...(r.exit_safe_binlog_gtid ? { gtid: String(r.exit_safe_binlog_gtid) } : {}),
            },
          }
        : {}),
      tables: Array.isArray(info) ? (info as TableStructure[]) : [],
    };
  }

  /** Table checkpoints of keyless tables: `schema.table` (lower case) → location. */
  async loadTables(db: Queryable): Promise<Map<string, Location>> {
    const [rows] = (await db.query(
      `SELECT cp_schema, cp_table, binlog_name, binlog_pos FROM ${this.tbl} WHERE id = ? AND is_global = 0`,
      [this.sourceId],
    )) as unknown as [Record<string, unknown>[]];
    const out = new Map<string, Location>();
    for (const r of rows) {
      out.set(tableKey({ schema: String(r.cp_schema), table: String(r.cp_table) }), {
        file: String(r.binlog_name),
        pos: Number(r.binlog_pos),
      });
    }
    return out;
  }

  /** Save the global row. `exitSafe` undefined clears it (clean stop, everything applied). */
  saveGlobalSql(cp: GlobalCheckpoint): { sql: string; params: unknown[] } {
    return {
      sql: `INSERT INTO ${this.tbl} (id, cp_schema, cp_table, binlog_name, binlog_pos, binlog_gtid,
              exit_safe_binlog_name, exit_safe_binlog_pos, exit_safe_binlog_gtid, table_info, is_global)
            VALUES (?, '', '', ?, ?, ?, ?, ?, ?, ?, 1)
            ON DUPLICATE KEY UPDATE binlog_name = VALUES(binlog_name), binlog_pos = VALUES(binlog_pos),
              binlog_gtid = VALUES(binlog_gtid), exit_safe_binlog_name = VALUES(exit_safe_binlog_name),
              exit_safe_binlog_pos = VALUES(exit_safe_binlog_pos), exit_safe_binlog_gtid = VALUES(exit_safe_binlog_gtid),
              table_info = VALUES(table_info)`,
      params: [
        this.sourceId,
        cp.location.file,
        cp.location.pos,
        cp.location.gtid ?? '',
        cp.exitSafe?.file ?? '',
        cp.exitSafe?.pos ?? 0,
        cp.exitSafe?.gtid ?? '',
        JSON.stringify(cp.tables),
      ],
    };
  }

  /** Only move the exit-safe point forward (the horizon appliers may not pass). */
  saveExitSafeSql(exitSafe: Location): { sql: string; params: unknown[] } {
    return {
      sql: `INSERT INTO ${this.tbl} (id, cp_schema, cp_table, exit_safe_binlog_name, exit_safe_binlog_pos, exit_safe_binlog_gtid, table_info, is_global)
            VALUES (?, '', '', ?, ?, ?, '[]', 1)
            ON DUPLICATE KEY UPDATE exit_safe_binlog_name = VALUES(exit_safe_binlog_name),
              exit_safe_binlog_pos = VALUES(exit_safe_binlog_pos), exit_safe_binlog_gtid = VALUES(exit_safe_binlog_gtid)`,
      params: [this.sourceId, exitSafe.file, exitSafe.pos, exitSafe.gtid ?? ''],
    };
  }

  /**
   * The furthest exit-safe point the appliers committed with their own transactions (rows
   * `is_global` = 2, one per applier, see {@link applierExitSafeSql}); undefined when none.
   */
  async loadApplierExitSafe(db: Queryable): Promise<Location | undefined> {
    const [rows] = (await db.query(
      `SELECT exit_safe_binlog_name AS f, exit_safe_binlog_pos AS p FROM ${this.tbl} WHERE id = ? AND is_global = 2`,
      [this.sourceId],
    )) as unknown as [{ f: string | null; p: number | string | null }[]];
    let max: Location | undefined;
    for (const r of rows) {
      if (!r.f) continue;
      const l = { file: String(r.f), pos: Number(r.p) };
      if (!max || compareLocation(l, max) > 0) max = l;
    }
    return max;
  }

  /**
   * Exit-safe row of applier `index`, written inside each of its transactions with the batch's
   * furthest event end: a commit and the horizon that covers it land together (no separate
   * write to wait for before the commit). The exit-safe point after a crash is the furthest of
   * these rows and the global row's.
   */
  applierExitSafeSql(index: number, l: Location): { sql: string; params: unknown[] } {
    // Complete text (no parameters): it is part of every applier transaction, see dml-sql formatStmt.
    return {
      sql:
        `INSERT INTO ${this.tbl} (id, cp_schema, cp_table, exit_safe_binlog_name, exit_safe_binlog_pos, table_info, is_global)` +
        ` VALUES (${mysql.escape(this.sourceId)}, '', '${applierRowName(index)}', ${mysql.escape(l.file)}, ${Number(l.pos)}, '[]', 2)` +
        ' ON DUPLICATE KEY UPDATE exit_safe_binlog_name = VALUES(exit_safe_binlog_name), exit_safe_binlog_pos = VALUES(exit_safe_binlog_pos)',
      params: [],
    };
  }

  /** Create the applier rows up front (so appliers' upserts never insert concurrently). */
  prepareApplierRowsSql(count: number): { sql: string; params: unknown[] } {
    const n = Math.max(1, count);
    const params: unknown[] = [];
    for (let i = 0; i < n; i++) params.push(this.sourceId, applierRowName(i));
    return {
      sql: `INSERT IGNORE INTO ${this.tbl} (id, cp_schema, cp_table, exit_safe_binlog_name, exit_safe_binlog_pos, table_info, is_global)
            VALUES ${Array.from({ length: n }, () => "(?, '', ?, '', 0, '[]', 2)").join(', ')}`,
      params,
    };
  }

  /** Forget the appliers' exit-safe points (clean stop: everything applied). */
  clearApplierRowsSql(): { sql: string; params: unknown[] } {
    return { sql: `DELETE FROM ${this.tbl} WHERE id = ? AND is_global = 2`, params: [this.sourceId] };
  }

  /** Table checkpoint upsert, executed inside an applier's transaction. */
  saveTableSql(t: TableName, l: Location): { sql: string; params: unknown[] } {
    return {
      sql: `INSERT INTO ${this.tbl} (id, cp_schema, cp_table, binlog_name, binlog_pos, table_info, is_global)
            VALUES (?, ?, ?, ?, ?, '{}', 0)
            ON DUPLICATE KEY UPDATE binlog_name = VALUES(binlog_name), binlog_pos = VALUES(binlog_pos)`,
      params: [this.sourceId, t.schema, t.table, l.file, l.pos],
    };
  }

  /** Remove this source's rows (start-task --remove-meta). */
  async clear(db: Queryable): Promise<void> {
    await db.query(`DELETE FROM ${this.tbl} WHERE id = ?`, [this.sourceId]);
  }
}

/** `cp_table` of an applier's exit-safe row (`cp_schema` ''; never a real table's row). */
function applierRowName(index: number): string {
  return `#applier-${index}`;
}

export function tableKey(t: TableName): string {
  return `${t.schema}.${t.table}`.toLowerCase();
}
