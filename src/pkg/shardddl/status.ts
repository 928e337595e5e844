/**
 * Shard-DDL status shapes exchanged by worker and master, in one place both import
 * (DM's `ShardingGroup` and `DDLLock` messages, dm/proto/dmworker.proto and dmmaster.proto).
 */

/** A sharding group of one target table on one worker with a DDL pending (query-status). */
export interface ShardingGroupStatus {
  /** Target table, `` `schema`.`table` ``. */
  target: string;
  /** The pending DDLs (routed to the target). */
  DDLs: string[];
  /** Where the first shard table met them, DM's location text `(file, pos)`. */
  firstLocation: string;
  /** Source tables (`` `schema`.`table` ``) that met the DDLs. */
  synced: string[];
  /** Source tables still on the old structure (their DML keeps flowing). */
  unsynced: string[];
}

/** One shard-DDL lock as `shard-ddl-lock` prints it (DM's `DDLLock`). */
export interface DdlLockView {
  /** `{task}-`schema`.`table`` (DM's GenDDLLockID). */
  ID: string;
  task: string;
  mode: 'pessimistic' | 'optimistic';
  /** The source that executes the DDLs. */
  owner: string;
  DDLs: string[];
  /** Sources that reached the DDLs. */
  synced: string[];
  /** Sources still to reach them. */
  unsynced: string[];
}

/** The shard-DDL part of a sync unit's status (merged into query-status by the subtask). */
export interface ShardSyncStatus {
  blockingDDLs: string[];
  unresolvedGroups: ShardingGroupStatus[];
  /** The lock the sync unit waits on ('' when none). */
  unresolvedDDLLockID: string;
  /**
   * Optimistic mode, a DDL in `detected` conflict the unit waits on (DM's SyncStatus
   * `blockDDLOwner` = `source-`schema`.`table``, and the master's `conflictMsg`).
   */
  blockDDLOwner?: string;
  conflictMsg?: string;
}

/** DM's lock ID: `` task-`schema`.`table` `` (utils.GenDDLLockID). */
export function ddlLockId(task: string, schema: string, table: string): string {
  return `${task}-${quoteName(schema)}.${quoteName(table)}`;
}

/** `` `schema`.`table` `` as DM prints table names (dbutil.TableName). */
export function tableId(schema: string, table: string): string {
  return `${quoteName(schema)}.${quoteName(table)}`;
}

function quoteName(s: string): string {
  return `\`${s.replaceAll('`', '``')}\``;
}

/** DM's OpenAPI `ShardingGroup` (snake_case) of a query-status group, for the /api/v1 layer. */
export function shardingGroupToOpenApi(g: ShardingGroupStatus): {
  target: string;
  ddl_list: string[];
  first_location: string;
  synced: string[];
  unsynced: string[];
} {
  return {
    target: g.target,
    ddl_list: [...g.DDLs],
    first_location: g.firstLocation,
    synced: [...g.synced],
    unsynced: [...g.unsynced],
  };
}
