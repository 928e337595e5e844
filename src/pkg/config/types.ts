/**
 * Normalised configuration shapes (defaults filled, names in camelCase) shared by the master,
 * the worker and the units. The YAML keys users write are DM's (kebab-case); the parser in
 * this folder maps them to these shapes. This file is a contract between modules: add
 * fields freely, never rename one.
 */
import type { Flavor } from '../binlog/types.js';

export interface DbConfig {
  host: string;
  port: number;
  user: string;
  /** Plain text (already decrypted). */
  password: string;
  /** Extra session variables to SET on every connection (target `session`). */
  session?: Record<string, string | number>;
  security?: DbSecurity;
  /**
   * Internal, never from a config file: when set, every connection opened with this config
   * registers itself under the worker's fence and refuses to open once a newer binding of
   * the source claimed it (see pkg/db/fence.ts).
   */
  fence?: FenceToken;
}

/**
 * DM's `security` block of a DB connection (dm/config/security). Files are read at connect
 * time; `*Bytes` hold PEM text given inline (`ssl-*-bytes`, `ssl-*-base64` decoded, or the
 * OpenAPI's `ssl_*_content`) and win over the files, as DM's LoadTLSContent does.
 */
export interface DbSecurity {
  sslCa?: string;
  sslCert?: string;
  sslKey?: string;
  sslCaBytes?: string;
  sslCertBytes?: string;
  sslKeyBytes?: string;
  /** The server certificate's CN must be one of these (empty = any). */
  certAllowedCn?: string[];
}

/** Who may write downstream for one (task, source): the binding's epoch (see pkg/db/fence.ts). */
export interface FenceToken {
  metaSchema: string;
  task: string;
  source: string;
  /** The etcd mod revision of the worker's binding to the source: grows with every new binding. */
  epoch: number;
  worker: string;
}

export interface SourceConfig {
  sourceId: string;
  /** Empty string = detect from the server. */
  flavor: Flavor | '';
  enableGtid: boolean;
  enableRelay: boolean;
  relayBinlogName: string;
  relayBinlogGtid: string;
  relayDir: string;
  from: DbConfig;
  /** 0 = pick one at random when the source is created. */
  serverId: number;
  purge: { interval: number; expires: number; remainSpace: number };
  /** DM's `checker` (auto-resume of paused subtasks); see {@link CheckerConfig}. */
  checker: CheckerConfig;
  /** DM `enable`: start the source's tasks when bound (default true). */
  enable?: boolean;
  /** DM source-level `case-sensitive` (for source-level `filters`). */
  caseSensitive?: boolean;
  /** DM source-level binlog event filters (applied to every task of the source). */
  filters?: FilterRule[];
}

/**
 * DM's source `checker` (dm/config/source_config.go `CheckerConfig`): the auto-resume of
 * subtasks paused by a retryable error. Durations are Go duration strings as written.
 */
export interface CheckerConfig {
  /** false = a paused subtask waits for `resume-task`. Default true. */
  checkEnable: boolean;
  /** A subtask that ran this long without error gets its backoff reset. Default 5m0s. */
  backoffRollback: string;
  /** Longest delay before an auto-resume. Default 5m0s. */
  backoffMax: string;
  /** Lower bound of the delay before an auto-resume (DM's polling period). Default: none. */
  checkInterval?: string;
  /** First delay. Default 1s. */
  backoffMin?: string;
  /** Random ±20 % on each delay. Default true. */
  backoffJitter?: boolean;
  /** Growth factor of the delay. Default 2. */
  backoffFactor?: number;
}

export const TASK_MODES = ['all', 'full', 'incremental', 'dump', 'load'] as const;
export type TaskMode = (typeof TASK_MODES)[number];
export const SHARD_MODES = ['', 'pessimistic', 'optimistic'] as const;
export type ShardMode = (typeof SHARD_MODES)[number];

export interface TableRef {
  dbName: string;
  tblName: string;
}

/** block-allow-list rule set (names starting with `~` are regexes). */
export interface BlockAllowListRule {
  doDbs: string[];
  ignoreDbs: string[];
  doTables: TableRef[];
  ignoreTables: TableRef[];
}

export interface RouteRule {
  schemaPattern: string;
  tablePattern: string;
  targetSchema: string;
  targetTable: string;
  /** DM's extract-table/source/schema options, kept when given. */
  extractTable?: { tableRegexp: string; targetColumn: string };
  extractSchema?: { schemaRegexp: string; targetColumn: string };
  extractSource?: { sourceRegexp: string; targetColumn: string };
}

export interface FilterRule {
  schemaPattern: string;
  tablePattern: string;
  /** DM event names: all, all dml, all ddl, insert, update, delete, create table, … */
  events: string[];
  sqlPattern: string[];
  /** `Error`: a matched event stops the task with an error (DM's ErrSyncerUnitBinlogEventFilter). */
  action: 'Do' | 'Ignore' | 'Error';
}

export interface ExpressionFilterRule {
  schema: string;
  table: string;
  insertValueExpr?: string;
  updateOldValueExpr?: string;
  updateNewValueExpr?: string;
  deleteValueExpr?: string;
}

export type Consistency = 'auto' | 'flush' | 'snapshot' | 'lock' | 'none';

export interface MydumperConfig {
  threads: number;
  /** MB per chunk file. */
  chunkFilesize: number;
  /** Rows per chunk; 0 = split by chunk-filesize only. */
  rows: number;
  where: string;
  /** DM `skip-tz-utc`: kept for export; DM's dumpling never reads it (sessions use the task time zone). */
  skipTzUtc: boolean;
  consistency: Consistency;
  /** Upper bound in bytes of one INSERT statement in a dump file (`statement-size`, `-s`); absent = default. */
  statementSize?: number;
  /** extra-args `-B`/`-T` (DM: they overwrite the dump's table filter): dump only these. */
  dumpOnly?: BlockAllowListRule;
  extraArgs: string;
}

export type OnDuplicate = 'replace' | 'error' | 'ignore';

export interface LoaderConfig {
  poolSize: number;
  /** Dump files dir (per task: `<dir>.<task>` as DM). */
  dir: string;
  onDuplicateLogical: OnDuplicate;
  importMode: 'logical' | 'sql';
}

/** DM `validators.<name>` (defaults in sync/validator/validator-config.ts). */
export interface ValidatorConfig {
  mode: 'none' | 'fast' | 'full';
  workerCount: number;
  /** Go duration between validation rounds of the pending rows (DM default 10s). */
  validateInterval: string;
  /** Go duration between looks while the sync unit is not running (DM default 5s). */
  checkInterval: string;
  rowErrorDelay: string;
  metaFlushInterval: string;
  batchQuerySize: number;
  maxPendingRowSize: string;
  maxPendingRowCount: number;
  startTime: string;
}

export interface SyncerConfig {
  workerCount: number;
  batch: number;
  /** Queue size per applier. */
  queueSize: number;
  safeMode: boolean;
  /** e.g. "60s"; empty = twice checkpoint-flush-interval. */
  safeModeDuration: string;
  compact: boolean;
  multipleRows: boolean;
  /** Seconds. */
  checkpointFlushInterval: number;
  enableAnsiQuotes: boolean;
}

export interface BinlogMeta {
  binlogName: string;
  binlogPos: number;
  binlogGtid: string;
}

/** The task-wide settings a task config and each of its subtask configs carry alike. */
export interface TaskGlobals {
  name: string;
  taskMode: TaskMode;
  shardMode: ShardMode;
  metaSchema: string;
  caseSensitive: boolean;
  timezone: string;
  onlineDdl: boolean;
  shadowTableRules: string[];
  trashTableRules: string[];
  cleanDumpFile: boolean;
  ignoreCheckingItems: string[];
}

/** One source's share of a task: what a worker runs. */
export interface SubTaskConfig extends TaskGlobals {
  sourceId: string;
  /** DM `strict-optimistic-shard-mode`: a conflicting optimistic DDL pauses at once. */
  strictOptimisticShardMode?: boolean;
  /** Upstream connection (from the source config). */
  from: DbConfig;
  flavor: Flavor | '';
  enableGtid: boolean;
  enableRelay: boolean;
  serverId: number;
  relayDir: string;
  /** The source's `checker`: drives the subtask's auto-resume (absent = DM's defaults). */
  checker?: CheckerConfig;
  to: DbConfig;
  meta?: BinlogMeta;
  blockAllowList?: BlockAllowListRule;
  routes: RouteRule[];
  filters: FilterRule[];
  expressionFilters: ExpressionFilterRule[];
  mydumper: MydumperConfig;
  loader: LoaderConfig;
  syncer: SyncerConfig;
  /** The instance's `validator-config-name` (absent = mode none). */
  validator?: ValidatorConfig;
  /**
   * `start-task --start-time`: start incremental replication from this time (DM format
   * `2006-01-02 15:04:05` or `2006-01-02T15:04:05`), read in the task `timezone` when set, else
   * UTC. Consumed once: the sync unit records it in its checkpoint (sync/start-location.ts).
   */
  startTime?: string;
}

export interface TaskConfig extends TaskGlobals {
  targetDatabase: DbConfig;
  mysqlInstances: {
    sourceId: string;
    meta?: BinlogMeta;
    blockAllowList?: string;
    routeRules: string[];
    filterRules: string[];
    expressionFilters: string[];
    mydumper: MydumperConfig;
    loader: LoaderConfig;
    syncer: SyncerConfig;
    validator?: ValidatorConfig;
  }[];
  blockAllowList: Record<string, BlockAllowListRule>;
  routes: Record<string, RouteRule>;
  filters: Record<string, FilterRule>;
  expressionFilter: Record<string, ExpressionFilterRule>;
  /** DM `strict-optimistic-shard-mode` (only with shard-mode optimistic). */
  strictOptimisticShardMode?: boolean;
  /** DM `collation_compatible`: loose (default) or strict. */
  collationCompatible?: 'loose' | 'strict';
  /** The original YAML text (stored in etcd and shown by `config task`). */
  raw: string;
}
