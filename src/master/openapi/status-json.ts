/**
 * DM's OpenAPI status objects (snake_case, numbers as numbers) from the status the workers
 * report (query-status's camelCase, some counters as strings): one conversion for the
 * source, task and dashboard views.
 */

import type {
  DumpStatus,
  LoadStatus,
  RelayStatus,
  SubTaskStatus,
  SyncStatus,
} from '../../pkg/api/worker-api.js';
import { shardingGroupToOpenApi } from '../../pkg/shardddl/status.js';
import type { SourceQueryResult } from '../status-ops.js';

const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
};
const dbl = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};

export function relayStatusJson(r: RelayStatus) {
  return {
    master_binlog: r.masterBinlog,
    master_binlog_gtid: r.masterBinlogGtid,
    relay_dir: r.relaySubDir,
    relay_binlog_gtid: r.relayBinlogGtid,
    relay_catch_up_master: r.relayCatchUpMaster,
    stage: r.stage,
  };
}

export function dumpStatusJson(d: DumpStatus) {
  return {
    total_tables: num(d.totalTables),
    completed_tables: dbl(d.completedTables),
    finished_bytes: dbl(d.finishedBytes),
    finished_rows: dbl(d.finishedRows),
    estimate_total_rows: dbl(d.estimateTotalRows),
    bps: num(d.bps),
    progress: d.progress ?? '',
  };
}

export function loadStatusJson(l: LoadStatus) {
  return {
    finished_bytes: num(l.finishedBytes),
    total_bytes: num(l.totalBytes),
    progress: l.progress,
    meta_binlog: l.metaBinlog,
    meta_binlog_gtid: l.metaBinlogGTID,
    bps: num(l.bps),
  };
}

export function syncStatusJson(s: SyncStatus) {
  return {
    total_events: num(s.totalEvents),
    total_tps: num(s.totalTps),
    recent_tps: num(s.recentTps),
    master_binlog: s.masterBinlog,
    master_binlog_gtid: s.masterBinlogGtid,
    syncer_binlog: s.syncerBinlog,
    syncer_binlog_gtid: s.syncerBinlogGtid,
    blocking_ddls: s.blockingDDLs ?? [],
    // DM's ShardingGroup (snake_case: ddl_list, first_location), not query-status's camelCase.
    unresolved_groups: (s.unresolvedGroups ?? []).map(shardingGroupToOpenApi),
    synced: s.synced,
    binlog_type: s.binlogType,
    seconds_behind_master: num(s.secondsBehindMaster),
    io_total_bytes: 0,
    dump_io_total_bytes: 0,
  };
}

/** DM's `SourceStatus` of one source. */
export function sourceStatusJson(name: string, st: SourceQueryResult) {
  return {
    source_name: name,
    worker_name: st.sourceStatus.worker,
    ...(st.sourceStatus.relayStatus ? { relay_status: relayStatusJson(st.sourceStatus.relayStatus) } : {}),
    ...(st.result ? {} : { error_msg: st.msg }),
  };
}

/** DM's error text of a subtask's errors (code, class, scope, level, message, workaround). */
export function subtaskErrorText(sub: SubTaskStatus | undefined): string {
  return (sub?.result?.errors ?? [])
    .map(
      (e) =>
        `[code=${e.ErrCode}:class=${e.ErrClass}:scope=${e.ErrScope}:level=${e.ErrLevel}], Message: ${e.Message}${e.Workaround ? `, Workaround: ${e.Workaround}` : ''}`,
    )
    .join('\n');
}

/** DM's TaskStage enum has no `New` (a subtask about to run) nor "" (nothing expected yet). */
export function dmTaskStage(stage: string): 'Stopped' | 'Running' | 'Finished' | 'Paused' {
  if (stage === 'Running' || stage === 'Finished' || stage === 'Paused') return stage;
  return stage === 'New' ? 'Running' : 'Stopped';
}

/** DM's `SubTaskStatus`; `expected` is the stage the master wants when no worker reports one. */
export function subTaskStatusJson(task: string, st: SourceQueryResult, expected: string) {
  const sub = st.subTaskStatus[0];
  const errors = subtaskErrorText(sub);
  return {
    name: task,
    source_name: st.sourceStatus.source,
    worker_name: st.sourceStatus.worker,
    stage: dmTaskStage(sub?.stage ?? expected),
    unit: sub?.unit ?? '',
    unresolved_ddl_lock_id: sub?.unresolvedDDLLockID ?? '',
    ...(st.result ? {} : { error_msg: st.msg }),
    ...(st.result && errors ? { error_msg: errors } : {}),
    dump_status: sub?.dump ? dumpStatusJson(sub.dump) : null,
    load_status: sub?.load ? loadStatusJson(sub.load) : null,
    sync_status: sub?.sync ? syncStatusJson(sub.sync) : null,
  };
}
