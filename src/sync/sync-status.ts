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
  synced: boolean;
  binlogType: 'remote' | 'local';
  secondsBehindMaster: number;
}

/** Parse DM durations like `60s`, `1m30s`, `500ms`, `2h`; a bare number is seconds. */
export function parseDurationMs(s: string, fallbackMs: number): number {
  const t = s.trim();
  if (t === '') return fallbackMs;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: classic regex loop.
  while ((m = re.exec(t)) !== null) {
    consumed += m[0].length;
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
  }
  return consumed === t.length ? total : fallbackMs;
}
