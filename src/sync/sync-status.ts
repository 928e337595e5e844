import type { ShardingGroupStatus } from '../pkg/shardddl/status.js';

/** The sync section of query-status (DESIGN.md §3). */
export interface SyncStatus {
  totalEvents: number;
  totalTps: number;
  recentTps: number;
  masterBinlog: string;
  masterBinlogGtid: string;
  syncerBinlog: string;
  syncerBinlogGtid: string;
  blockingDDLs: string[];
  unresolvedGroups: ShardingGroupStatus[];
  /**
   * The shard-DDL lock the unit waits on ('' when none); the subtask lifts it to
   * `subTaskStatus[].unresolvedDDLLockID` (where DM prints it).
   */
  unresolvedDDLLockID?: string;
  /** Optimistic mode, a DDL in `detected` conflict waits (DM's `blockDDLOwner`, `conflictMsg`). */
  blockDDLOwner?: string;
  conflictMsg?: string;
  synced: boolean;
  binlogType: 'remote' | 'local';
  secondsBehindMaster: number;
}
