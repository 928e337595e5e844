import type { SyncStatus as ApiSyncStatus } from '../pkg/api/worker-api.js';

/** What the sync unit reports: query-status's `sync` section (src/pkg/api), plus its lock. */
export interface SyncStatus extends ApiSyncStatus {
  /**
   * The shard-DDL lock the unit waits on ('' when none); the subtask lifts it to
   * `subTaskStatus[].unresolvedDDLLockID` (where DM prints it).
   */
  unresolvedDDLLockID?: string;
  /** Optimistic mode, a DDL in `detected` conflict waits (DM's `blockDDLOwner`, `conflictMsg`). */
  blockDDLOwner?: string;
  conflictMsg?: string;
}
