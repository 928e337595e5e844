/**
 * The HTTP contract between dm-master and dm-worker (types only, no code), shared by both
 * sides. Changing a field here changes both programs: add fields freely, never rename.
 *
 * Master → worker (the worker listens on `--worker-addr`, default 127.0.0.1:8262):
 *   GET  http://<worker-addr>/status            → {@link WorkerStatusResponse}
 *   GET  http://<worker-addr>/status?task=T      → same, subTaskStatus filtered to task T
 *   POST http://<worker-addr>/operate            {@link OperateRequest} → {@link OperateResponse}
 *
 * Worker → master (any master; followers forward to the leader):
 *   POST http://<master-addr>/api/internal/workers/register
 *        {@link RegisterWorkerRequest} → {@link RegisterWorkerResponse}
 *   After registering, the worker keeps `Keys.workerKeepalive(name)` alive under its own
 *   etcd lease (TTL `--keepalive-ttl`, default 5 s) on the returned etcd endpoints, watches
 *   `Keys.boundWorker(name)` for its source, `Keys.sourceConfig(source)` for the source
 *   config, and `Keys.subtaskConfigPrefix(source)` / `Keys.subtaskStagePrefix(source)` for
 *   its subtasks and their expected stages (see src/pkg/etcd/keys.ts).
 */
import type { ErrorStatus } from '../errors/index.js';
import type { ShardingGroupStatus } from '../shardddl/status.js';
import type { Stage, UnitType } from './stage.js';

/** Body of `POST /api/internal/workers/register`. */
export interface RegisterWorkerRequest {
  /** The worker's `--name` (unique in the cluster). */
  name: string;
  /** The worker's advertised `host:port` (what masters use to call `/status`). */
  addr: string;
}

/** Answer of `POST /api/internal/workers/register`. */
export interface RegisterWorkerResponse {
  result: boolean;
  msg: string;
  /** Client URLs of the masters' etcd cluster, e.g. `["http://127.0.0.1:8292"]`. */
  etcdEndpoints: string[];
}

/** DM's error shape inside `result.errors[]`: what `DmError.toStatus()` returns. */
export type ProcessError = ErrorStatus;

/** DM's `ProcessResult`: null when fine. */
export interface ProcessResultJson {
  isCanceled: boolean;
  errors: ProcessError[];
  detail: unknown;
}

/** DM's relay status (only when relay is enabled for the source). */
export interface RelayStatus {
  /** `(file, pos)` the upstream writes now. */
  masterBinlog: string;
  masterBinlogGtid: string;
  relaySubDir: string;
  /** `(file, pos)` the relay has written. */
  relayBinlog: string;
  relayBinlogGtid: string;
  relayCatchUpMaster: boolean;
  stage: Stage;
  result: ProcessResultJson | null;
}

/** DM's `sourceStatus` object in query-status. */
export interface SourceStatus {
  source: string;
  worker: string;
  result: ProcessResultJson | null;
  relayStatus: RelayStatus | null;
}

/** Dump unit progress. */
export interface DumpStatus {
  totalTables: number;
  completedTables: number;
  finishedBytes: number;
  finishedRows: number;
  estimateTotalRows: number;
  /** "12.34 %". */
  progress: string;
  /** Bytes per second since the dump started. */
  bps: number;
}

/** Load unit progress (DM prints finishedBytes/totalBytes as numbers, progress as "42.00 %"). */
export interface LoadStatus {
  finishedBytes: number;
  totalBytes: number;
  /** "12.34 %". */
  progress: string;
  /** DM prints `(mariadb-bin.000001, 330)`. */
  metaBinlog: string;
  metaBinlogGTID: string;
  bps: number;
  finishedRows: number;
  /** Rows loaded per second by this run (ours; DM shows bps only). */
  rowsPerSecond: number;
  /** Seconds left at this run's byte rate; 0 when done, -1 while unknown (ours). */
  etaSeconds: number;
}

/**
 * Sync unit progress. Counters travel as JSON numbers (what the sync unit sends and every
 * reader — status-json, dmctl's view — expects); DM's gRPC gateway prints some as strings.
 */
export interface SyncStatus {
  totalEvents: number;
  totalTps: number;
  recentTps: number;
  /** `(file, pos)` as DM prints it. */
  masterBinlog: string;
  masterBinlogGtid: string;
  syncerBinlog: string;
  syncerBinlogGtid: string;
  blockingDDLs: string[];
  unresolvedGroups: ShardingGroupStatus[];
  synced: boolean;
  binlogType: 'remote' | 'local';
  secondsBehindMaster: number;
}

/** DM's subtask status object in query-status `subTaskStatus[]`. */
export interface SubTaskStatus {
  name: string;
  stage: Stage;
  /** Current unit; absent/"" before the first unit starts. */
  unit: UnitType | '';
  result: ProcessResultJson | null;
  unresolvedDDLLockID: string;
  dump?: DumpStatus;
  load?: LoadStatus;
  sync?: SyncStatus;
  validation?: unknown;
  /** Set when this worker took the source over from another worker (HA failover). */
  failover?: FailoverInfo;
}

/** Where a failover happened and what was resumed (not in DM: ours, for operators). */
export interface FailoverInfo {
  /** The worker that owned the source before, and its binding epoch. */
  fromWorker: string;
  fromEpoch: number;
  toWorker: string;
  toEpoch: number;
  /** When this worker claimed the source (ISO time). */
  time: string;
  /** Downstream connections of the old worker still open at the claim, killed by it. */
  killedConnections: number;
  /** The unit this worker resumed at (Dump, Load, Sync, or Finished). */
  resumedUnit?: string;
}

/** Answer of `GET /status` on a worker. */
export interface WorkerStatusResponse {
  /** The bound source; `source` is "" when the worker is free. */
  sourceStatus: SourceStatus;
  subTaskStatus: SubTaskStatus[];
}

/** Operations the master asks a worker to do directly (not through etcd stages). */
export const OPERATE_OPS = [
  'binlog-skip',
  'binlog-replace',
  'binlog-revert',
  'binlog-inject',
  'binlog-list',
  'binlog-schema-list',
  'binlog-schema-update',
  'binlog-schema-delete',
  'purge-relay',
  'validation-status',
  'validation-errors',
  'validation-operate-error',
] as const;
export type OperateOp = (typeof OPERATE_OPS)[number];

/** Body of `POST /operate` on a worker. */
export interface OperateRequest {
  op: OperateOp;
  task: string;
  /** `file:pos` or a GTID, for binlog operations. */
  binlogPos?: string;
  /** Replacement/injected SQL statements. */
  sqls?: string[];
  /** For binlog-schema: upstream database and table, and the CREATE TABLE text. */
  database?: string;
  table?: string;
  schema?: string;
  /** For binlog-schema update/delete: persist the tracker with the checkpoint at once (default true). */
  flush?: boolean;
  /** For binlog-schema update: DM's --from-source / --from-target (instead of `schema`). */
  fromSource?: boolean;
  fromTarget?: boolean;
  /** For binlog-schema update: DM's --sync (optimistic mode). */
  sync?: boolean;
  /** For purge-relay: purge files before this one. */
  filename?: string;
  /** For validation-status: only tables of this stage. */
  tableStage?: 'Running' | 'Stopped';
  /** For validation-errors: only findings of this state (absent = all). */
  errState?: 'NewErr' | 'IgnoredErr';
  /** For validation-operate-error: what to do, to one finding (`errId`) or all. */
  errOp?: 'ignore' | 'resolve' | 'clear';
  errId?: number;
  isAll?: boolean;
}

/** Answer of `POST /operate`. */
export interface OperateResponse {
  result: boolean;
  msg: string;
  /** The code of the error `msg` renders, as data (when the operation failed with one). */
  errCode?: number;
  /** Free-form operation output (e.g. the schema for binlog-schema-list). */
  data?: unknown;
}
