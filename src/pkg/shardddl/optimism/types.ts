/**
 * DM's optimistic shard-DDL messages (dm/pkg/shardddl/optimism/{info,operation}.go) with DM's
 * JSON field names, kept in etcd under Keys.shardOptimistic*. Table structures are ours (the
 * schema tracker's columns), not TiDB's model.TableInfo.
 */
import { dmError, E } from '../../errors/index.js';

/** The columns the joined schema is computed over. */
export interface SchemaColumn {
  name: string;
  /** Lower-case SQL type, e.g. `int`, `varchar(32)`. */
  type: string;
  unsigned: boolean;
  nullable: boolean;
}

/** One shard table met `ddls` (worker → master). */
export interface OptimismInfo {
  task: string;
  source: string;
  'up-schema': string;
  'up-table': string;
  'down-schema': string;
  'down-table': string;
  ddls: string[];
  'table-info-before': SchemaColumn[];
  'table-info-after': SchemaColumn[];
  /**
   * DM's `ignore-conflict` (`binlog-schema update --sync`): the table's schema is set to
   * `table-info-after` as is, without an operation.
   */
  'ignore-conflict'?: boolean;
}

/**
 * DM's ConflictStage values: `none` run `ddls`; `detected` a conflict among conflict tables
 * (strict: pause; else wait for `shard-ddl-lock unlock`); `skip and wait for redirect` the DDL
 * conflicts until the other shards run it (strict: pause; else hold the table's DML);
 * `resolved` the redirect of such a table (apply what it held); `unlocked` the operator's
 * table-level unlock (run `ddls`, possibly none); `error` pause.
 */
export const CONFLICT_STAGES = [
  'none',
  'detected',
  'resolved',
  'unlocked',
  'skip and wait for redirect',
  'error',
] as const;
export type ConflictStage = (typeof CONFLICT_STAGES)[number];

/** What the shard table's worker does with its DDLs (master → worker; worker marks done). */
export interface OptimismOperation {
  id: string;
  task: string;
  source: string;
  'up-schema': string;
  'up-table': string;
  /** The DDLs to execute downstream (possibly none: already there, or a deferred DROP COLUMN). */
  ddls: string[];
  'conflict-stage': ConflictStage;
  'conflict-message': string;
  done: boolean;
  /** Columns this table dropped that other shards still have (deferred). */
  cols: string[];
  /** Ours: the etcd revision of the info this answers (a worker waits for its own). */
  'info-revision': number;
  /**
   * Ours: the digest of the info this answers (its DDLs and schemas): a new leader knows from
   * it a replay of an info whose lock was resolved (optimism-keeper.ts `coordinated`).
   */
  'info-digest'?: string;
}

/**
 * An upstream table in SourceTables. DM's value is empty; ours may carry the table's schema as
 * its worker's schema tracker has it (at the unit's start and after each DDL the worker ran),
 * so the master knows the tables that report no DDL (after a new leader or a restarted task).
 */
export interface SourceTable {
  'table-info'?: SchemaColumn[];
}

/** The tables of one source, by target (DM's SourceTables: down-schema → down-table → up-schema → up-table). */
export interface SourceTables {
  task: string;
  source: string;
  tables: Record<string, Record<string, Record<string, Record<string, SourceTable>>>>;
}

export function decodeJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw dmError(E.shardDdl, `invalid shard-DDL record in etcd: ${text.slice(0, 200)}`, { cause: err });
  }
}
