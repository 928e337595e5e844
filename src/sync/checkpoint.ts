import { quoteId, quoteTable } from '../pkg/db/connect.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import type { Location, TableName } from './job.js';

/** Any connection-like object (a mysql2 connection or pool, or an applier's ApplyConn). */
type Queryable = { query(sql: string, params?: unknown[]): Promise<unknown> };

/**
 * The sync checkpoint, DM's table `<meta-schema>`.`<task>_syncer_checkpoint`:
 * one global row (`cp_schema` = `cp_table` = '', `is_global` = 1) with the position every
 * change before which is applied downstream, the exit-safe point (every change that may have
 * been applied lies before it: safe mode stays on until it is passed after a restart) and the
 * tracked schema; plus one row per keyless table, written in the SAME transaction as that
 * table's changes, so those tables (where safe mode cannot make a replay idempotent) are
 * applied exactly once.
 */
export function checkpointTableName(task: string): string {
  return `${task}_syncer_checkpoint`;
}

export interface GlobalCheckpoint {
  location: Location;
  exitSafe?: Location;
  tables: TableStructure[];
  /**
   * The `start-task --start-time` this checkpoint was started from (consumed): the same value
   * in the subtask config does not rewind again on a restart (see start-location.ts).
   */
  startTime?: string;
}

export class CheckpointStore {
  private readonly tbl: string;
  private readonly tblName: string;
  constructor(
    private readonly metaSchema: string,
    task: string,
    private readonly sourceId: string,
  ) {
    this.tblName = checkpointTableName(task);
    this.tbl = quoteTable(metaSchema, this.tblName);
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
      start_time VARCHAR(64) DEFAULT '',
      create_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      update_time TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
      PRIMARY KEY (id, cp_schema, cp_table)
    )`);
    await this.ensureStartTimeColumn(db);
  }

  /**
   * Tables created before `start_time` existed get the column (MySQL has no ADD COLUMN IF NOT
   * EXISTS, so ask information_schema first).
   */
  private async ensureStartTimeColumn(db: Queryable): Promise<void> {
    const [rows] = (await db.query(
      `SELECT COUNT(*) AS n FROM information_schema.COLUMNS
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'start_time'`,
      [this.metaSchema, this.tblName],
    )) as unknown as [{ n: number | string }[]];
    if (Number(rows[0]?.n ?? 0) === 0) {
      await db.query(`ALTER TABLE ${this.tbl} ADD COLUMN start_time VARCHAR(64) DEFAULT ''`);
    }
  }

  async loadGlobal(db: Queryable): Promise<GlobalCheckpoint | undefined> {
    const [rows] = (await db.query(
      `SELECT binlog_name, binlog_pos, binlog_gtid, exit_safe_binlog_name, exit_safe_binlog_pos, exit_safe_binlog_gtid, table_info, start_time
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
      ...(r.start_time ? { startTime: String(r.start_time) } : {}),
    };
  }

  /**
   * The exit-safe point of a global row that has no position yet: a crash after an applier
   * committed but before the first checkpoint flush leaves only this (written before the
   * commit). The restart from the task's start must then replay in safe mode up to it.
   */
  async loadExitSafeOnly(db: Queryable): Promise<Location | undefined> {
    const [rows] = (await db.query(
      `SELECT exit_safe_binlog_name AS f, exit_safe_binlog_pos AS p, exit_safe_binlog_gtid AS g
         FROM ${this.tbl} WHERE id = ? AND is_global = 1`,
      [this.sourceId],
    )) as unknown as [{ f: string | null; p: number | string | null; g: string | null }[]];
    const r = rows[0];
    if (!r?.f) return undefined;
    return { file: String(r.f), pos: Number(r.p), ...(r.g ? { gtid: String(r.g) } : {}) };
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

  /**
   * Save the global row. `exitSafe` undefined clears it (clean stop, everything applied).
   * `startTime` is written only when given: a start by time saves the located position, the
   * exit-safe point and the consumed start-time in one statement (a crash leaves either the
   * old row or this one); ordinary flushes keep the recorded start-time.
   */
  saveGlobalSql(cp: GlobalCheckpoint): { sql: string; params: unknown[] } {
    const withTime = cp.startTime !== undefined;
    return {
      sql: `INSERT INTO ${this.tbl} (id, cp_schema, cp_table, binlog_name, binlog_pos, binlog_gtid,
              exit_safe_binlog_name, exit_safe_binlog_pos, exit_safe_binlog_gtid, table_info, is_global${withTime ? ', start_time' : ''})
            VALUES (?, '', '', ?, ?, ?, ?, ?, ?, ?, 1${withTime ? ', ?' : ''})
            ON DUPLICATE KEY UPDATE binlog_name = VALUES(binlog_name), binlog_pos = VALUES(binlog_pos),
              binlog_gtid = VALUES(binlog_gtid), exit_safe_binlog_name = VALUES(exit_safe_binlog_name),
              exit_safe_binlog_pos = VALUES(exit_safe_binlog_pos), exit_safe_binlog_gtid = VALUES(exit_safe_binlog_gtid),
              table_info = VALUES(table_info)${withTime ? ', start_time = VALUES(start_time)' : ''}`,
      params: [
        this.sourceId,
        cp.location.file,
        cp.location.pos,
        cp.location.gtid ?? '',
        cp.exitSafe?.file ?? '',
        cp.exitSafe?.pos ?? 0,
        cp.exitSafe?.gtid ?? '',
        JSON.stringify(cp.tables),
        ...(withTime ? [cp.startTime] : []),
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

export function tableKey(t: TableName): string {
  return `${t.schema}.${t.table}`.toLowerCase();
}
