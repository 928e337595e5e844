/**
 * The error catalog: every coded error the product can raise, in one place.
 *
 * Codes follow DM's numbering ranges so users can search DM's docs for the class:
 *   10xxx database/driver, 11xxx functional (binlog, gtid, config parse), 20xxx config,
 *   26xxx checker (precheck), 30xxx relay, 32xxx dump, 34xxx load, 36xxx sync,
 *   38xxx master, 40xxx worker, 42xxx dmctl / scheduler, 44xxx shard-ddl / ha,
 *   46xxx sync-diff-inspector and cutover (ours; DM has no code for them).
 * Add new entries here only; never `throw new Error` across a module boundary.
 */
export const ERROR_SCOPES = ['not-set', 'upstream', 'downstream', 'internal'] as const;
export type ErrorScope = (typeof ERROR_SCOPES)[number];
export const ERROR_LEVELS = ['low', 'medium', 'high'] as const;
export type ErrorLevel = (typeof ERROR_LEVELS)[number];

export interface ErrorDef {
  readonly code: number;
  readonly errClass: string;
  readonly scope: ErrorScope;
  readonly level: ErrorLevel;
  readonly workaround: string;
}

function def(
  code: number,
  errClass: string,
  scope: ErrorScope,
  level: ErrorLevel,
  workaround = '',
): ErrorDef {
  return Object.freeze({ code, errClass, scope, level, workaround });
}

export const E = Object.freeze({
  // --- database / driver (10xxx)
  dbDriver: def(
    10001,
    'database',
    'not-set',
    'high',
    'Check the database connection and the SQL error above.',
  ),
  dbBadConn: def(
    10002,
    'database',
    'not-set',
    'high',
    'The connection was lost; it is retried automatically.',
  ),
  dbUpstreamConnect: def(
    10003,
    'database',
    'upstream',
    'high',
    'Check host, port, user and password of the upstream in the source config, and that the server is reachable.',
  ),
  dbDownstreamConnect: def(
    10004,
    'database',
    'downstream',
    'high',
    'Check host, port, user and password of target-database in the task config, and that the server is reachable.',
  ),
  dbExecDownstream: def(
    10006,
    'database',
    'downstream',
    'high',
    'Check the SQL and the downstream error; fix and resume-task, or use `binlog skip`/`binlog replace`.',
  ),
  dbQueryUpstream: def(10007, 'database', 'upstream', 'high'),

  // --- protocol / binlog / gtid (11xxx)
  protocolPacket: def(
    11001,
    'binlog-op',
    'upstream',
    'high',
    'The server sent a malformed packet; check network middleboxes and server version.',
  ),
  authFailed: def(
    11002,
    'binlog-op',
    'upstream',
    'high',
    'Check the user name and password, and that the user may connect from this host.',
  ),
  authPluginUnsupported: def(
    11003,
    'binlog-op',
    'upstream',
    'high',
    'Use mysql_native_password or caching_sha2_password for the replication user (or enable TLS for caching_sha2 full auth).',
  ),
  binlogDumpFailed: def(
    11004,
    'binlog-op',
    'upstream',
    'high',
    'Check that binary logging is on and the replication user has REPLICATION SLAVE.',
  ),
  binlogPurged: def(
    11005,
    'binlog-op',
    'upstream',
    'high',
    'The requested binlog position was purged on the upstream (error 1236). Restart the task with a full dump, or point meta at an existing binlog.',
  ),
  binlogChecksumMismatch: def(
    11006,
    'binlog-op',
    'upstream',
    'high',
    'An event failed its CRC32 check: the binlog or the network corrupted data. Re-pull from the last good position.',
  ),
  binlogEventMalformed: def(
    11007,
    'binlog-op',
    'upstream',
    'high',
    'The event bytes cannot be decoded; report the file and position.',
  ),
  binlogUnsupportedEvent: def(11008, 'binlog-op', 'upstream', 'high'),
  binlogTransactionPayload: def(
    11009,
    'binlog-op',
    'upstream',
    'high',
    'Compressed binlog transactions are not supported: set binlog_transaction_compression=OFF on the upstream.',
  ),
  binlogPartialUpdate: def(
    11010,
    'binlog-op',
    'upstream',
    'high',
    "Partial JSON updates are not supported: set binlog_row_value_options='' on the upstream.",
  ),
  binlogUnknownColumnType: def(
    11011,
    'binlog-op',
    'upstream',
    'high',
    'A column type in the table map is unknown; report the server version.',
  ),
  binlogMissingTableMap: def(
    11012,
    'binlog-op',
    'upstream',
    'high',
    'A row event refers to a table id with no preceding TABLE_MAP; restart from a transaction boundary.',
  ),
  binlogFileInvalid: def(
    11013,
    'binlog-op',
    'internal',
    'high',
    'The file is not a binlog file (bad magic header) or is truncated.',
  ),
  gtidParse: def(
    11014,
    'functional',
    'internal',
    'high',
    'Check the GTID set syntax: MySQL uuid:1-5,… or MariaDB domain-server-seq,…',
  ),
  flavorUnknown: def(
    11015,
    'functional',
    'upstream',
    'medium',
    'Set flavor: mysql or mariadb in the source config.',
  ),
  connectionLost: def(
    11016,
    'binlog-op',
    'upstream',
    'medium',
    'The connection to the upstream was lost; it is retried with backoff.',
  ),
  sqlParse: def(
    11017,
    'functional',
    'internal',
    'high',
    'The statement cannot be parsed; skip or replace it with `binlog skip|replace`.',
  ),
  valueEncode: def(11018, 'functional', 'internal', 'high'),
  /** DM ErrConnInvalidTLSConfig: a DB `security` block that cannot be turned into TLS settings. */
  dbTlsConfig: def(
    11112,
    'functional',
    'internal',
    'medium',
    'Please check the `ssl-ca`, `ssl-cert` and `ssl-key` config (files readable, PEM text in `ssl-*-bytes`, base64 in `ssl-*-base64`).',
  ),
  /** Cluster TLS (dm-master, dm-worker, dmctl `ssl-*`): files missing, unreadable or incomplete. */
  clusterTlsConfig: def(
    11113,
    'functional',
    'internal',
    'high',
    'Give `ssl-ca`, `ssl-cert` and `ssl-key` together (readable PEM files), as DM; the certificates must be signed by `ssl-ca`.',
  ),
  /** A TLS peer whose certificate CN is not in `cert-allowed-cn` (DM: util.WithVerifyCommonName). */
  clusterCertNotAllowed: def(
    11114,
    'functional',
    'internal',
    'high',
    "Use a client certificate whose common name is listed in the server's `cert-allowed-cn`.",
  ),

  // --- config (20xxx)
  configParse: def(20001, 'config', 'internal', 'medium', 'Fix the YAML syntax at the line shown.'),
  configUnknownKey: def(
    20002,
    'config',
    'internal',
    'medium',
    'Remove or correct the key named; see the sample with `-p`.',
  ),
  configWrongType: def(20003, 'config', 'internal', 'medium', 'Give the key a value of the type shown.'),
  configMissingKey: def(20004, 'config', 'internal', 'medium', 'Add the required key.'),
  configInvalidValue: def(20005, 'config', 'internal', 'medium', 'Use one of the allowed values.'),
  configDanglingRef: def(
    20006,
    'config',
    'internal',
    'medium',
    'Define the named rule in the task config, or remove the reference.',
  ),
  configDecrypt: def(
    20007,
    'config',
    'internal',
    'medium',
    "The password looks encrypted but cannot be decrypted; encrypt it with this cluster's `dmctl encrypt` or use plain text.",
  ),
  /**
   * A warning, never thrown: a DM key that DM itself parses and then ignores (deprecated, or
   * read by nothing); accepted here too, with this code in the log (pkg/config/config-warnings.ts).
   */
  configIgnoredByDm: def(
    20050,
    'config',
    'internal',
    'low',
    'DM ignores this key too; remove it from the config.',
  ),
  /** A DM key (or value) refused by design: it has no counterpart here (see docs/config-reference.md). */
  configNotSupported: def(
    20051,
    'config',
    'internal',
    'medium',
    'Remove the key or use the value shown; docs/config-reference.md lists what is refused and why.',
  ),

  // --- checker (26xxx)
  checkFailed: def(
    26005,
    'dm-master',
    'internal',
    'medium',
    'Fix the failing precheck items, or list them in ignore-checking-items.',
  ),

  // --- relay (30xxx)
  relayIo: def(
    30001,
    'relay-unit',
    'internal',
    'high',
    'Check the relay directory: disk space and permissions.',
  ),
  relayCorrupt: def(
    30002,
    'relay-unit',
    'internal',
    'high',
    'A relay file is corrupt beyond its tail; purge the relay directory and re-pull.',
  ),
  relayNotFound: def(
    30003,
    'relay-unit',
    'internal',
    'high',
    'The relay log for the requested position does not exist (purged?).',
  ),

  // --- dump (32xxx)
  dumpFailed: def(32001, 'dump-unit', 'upstream', 'high'),
  dumpPrivilege: def(
    32002,
    'dump-unit',
    'upstream',
    'high',
    'Grant RELOAD (for FTWRL) or use consistency: snapshot|lock|none on managed databases.',
  ),

  // --- load (34xxx)
  loadFailed: def(34001, 'load-unit', 'downstream', 'high'),
  loadDumpFileInvalid: def(
    34002,
    'load-unit',
    'internal',
    'high',
    'The dump directory is incomplete or not in mydumper/dumpling layout.',
  ),
  /** Route extraction (extract-table/schema/source): the merged table lacks its extended columns (load and sync). */
  extendColumns: def(
    34003,
    'table-router',
    'downstream',
    'high',
    'You need to manually add extended columns to the downstream table (DM fills them; the upstream table must not have them), then resume the task.',
  ),

  // --- sync (36xxx)
  syncFailed: def(36001, 'sync-unit', 'internal', 'high'),
  syncSchemaUnknown: def(
    36002,
    'sync-unit',
    'internal',
    'high',
    'The schema of the table is not known; use `binlog-schema update` to set it.',
  ),
  syncColumnMismatch: def(
    36003,
    'sync-unit',
    'internal',
    'high',
    'Column count in the binlog does not match the tracked schema; use `binlog-schema update`.',
  ),
  syncDdlUnsupported: def(
    36004,
    'sync-unit',
    'internal',
    'high',
    'Skip or replace the DDL with `binlog skip|replace`.',
  ),
  syncCheckpoint: def(36005, 'sync-unit', 'downstream', 'high'),
  /** DM 36008: the shard tables of one source met their DDLs in different orders. */
  shardDdlWrongSequence: def(
    36008,
    'sync-unit',
    'internal',
    'high',
    'Run the same DDLs in the same order on every shard table. Use `shard-ddl-lock` to see the lock, then `binlog skip|replace` on the wrong DDL, or `shard-ddl-lock unlock`.',
  ),
  /** DM 36062: optimistic mode saw a DDL that makes the shards' schemas conflict. */
  shardOptimisticConflict: def(
    36062,
    'sync-unit',
    'internal',
    'high',
    'Please use show-ddl-locks command for more details.',
  ),
  /** A DDL the sharding coordinator cannot handle (RENAME of a shard table, a sharding-meta error). */
  shardDdlUnsupported: def(
    44002,
    'shard-ddl',
    'internal',
    'high',
    'Skip or replace the DDL with `binlog skip|replace`, or run it downstream by hand and skip it.',
  ),
  /** DM's ErrSyncerUnitBinlogEventFilter (same code): a filter rule with `action: Error` matched. */
  syncEventFilterError: def(
    36014,
    'sync-unit',
    'internal',
    'high',
    'A binlog event filter rule with `action: Error` matched this event. Skip it with `binlog skip`, or change the filter rule and restart the task.',
  ),

  // --- continuous validator (361xx)
  validatorStartTime: def(
    36101,
    'validator',
    'internal',
    'medium',
    'The validator checks the changes applied after it is enabled; remove `start-time` and check older changes with sync-diff-inspector or `dmctl cutover`.',
  ),
  validatorOverflow: def(
    36102,
    'validator',
    'internal',
    'high',
    'Raise `max-pending-row-count`/`max-pending-row-size` of the validator, or check why the downstream differs, then `dmctl validation start`.',
  ),
  validatorNotEnabled: def(
    36103,
    'validator',
    'internal',
    'medium',
    'Enable the validator first: `dmctl validation start --mode full TASK`, or set `validator-config-name` in the task.',
  ),

  // --- master / worker / scheduler / ctl (38xxx–42xxx)
  masterNotLeader: def(
    38001,
    'dm-master',
    'internal',
    'low',
    'The request is forwarded to the leader; retry if no leader is elected yet.',
  ),
  masterEtcd: def(
    38002,
    'dm-master',
    'internal',
    'high',
    'Check the etcd member log under the master data dir.',
  ),
  sourceNotFound: def(
    38003,
    'scheduler',
    'internal',
    'medium',
    'Create the source first with `operate-source create`.',
  ),
  sourceExists: def(
    38004,
    'scheduler',
    'internal',
    'medium',
    'The source already exists; stop it first to replace it.',
  ),
  taskNotFound: def(38005, 'scheduler', 'internal', 'medium', 'Check the task name with `query-status`.'),
  taskExists: def(
    38006,
    'scheduler',
    'internal',
    'medium',
    'The task already exists; stop-task it first, or use a new name.',
  ),
  noFreeWorker: def(
    38007,
    'scheduler',
    'internal',
    'medium',
    'Start a dm-worker; the source is bound as soon as one is free.',
  ),
  workerNotFound: def(38008, 'scheduler', 'internal', 'medium'),
  invalidStageTransition: def(38009, 'scheduler', 'internal', 'medium'),
  /** DM 38016: a source reported different DDLs than the lock's. */
  shardDdlsDiffer: def(
    38016,
    'dm-master',
    'internal',
    'high',
    'Please use show-ddl-locks command for more details. Make every shard run the same DDLs in the same order; `binlog skip|replace` the differing DDL or `shard-ddl-lock unlock` the lock.',
  ),
  /** DM 38019: a shard-DDL lock named by the operator does not exist. */
  shardLockNotFound: def(38019, 'dm-master', 'internal', 'medium', 'List the locks with `shard-ddl-lock`.'),
  /** DM 38020: a table-level unlock of an optimistic lock whose table is not in conflict. */
  shardLockIsResolving: def(
    38020,
    'dm-master',
    'internal',
    'high',
    'Table-level unlock applies to a table whose DDL is in `detected` conflict (see `query-status`).',
  ),
  masterNameNotExist: def(
    38048,
    'dm-master',
    'internal',
    'low',
    'Please use list-member command to see masters.',
  ),
  ctlMasterUnreachable: def(
    42001,
    'dmctl',
    'internal',
    'high',
    'Check --master-addr and that a dm-master is running.',
  ),
  ctlInvalidArgs: def(42002, 'dmctl', 'internal', 'medium', 'See `dmctl COMMAND --help`.'),
  workerUnit: def(40001, 'dm-worker', 'internal', 'high'),
  workerFenced: def(
    40002,
    'dm-worker',
    'internal',
    'high',
    'The source was bound to another dm-worker (this one lost its lease or was isolated); this worker stopped writing downstream. Nothing to do: the task continues on the worker `query-status` shows.',
  ),
  /** Optimistic, non-strict: a DDL on a table that waits for the redirect of its conflicting DDL. */
  shardOptimisticHeldDdl: def(
    44101,
    'shard-ddl',
    'internal',
    'high',
    'Run the conflicting DDL on the other shard tables first (then `resume-task`), or `binlog skip|replace` one of the two DDLs; `shard-ddl-lock` shows the lock.',
  ),
  shardDdl: def(
    44001,
    'shard-ddl',
    'internal',
    'high',
    'Use `shard-ddl-lock` to inspect and `shard-ddl-lock unlock` to resolve.',
  ),
  /** DM's ErrWorkerUpdateSubTaskConfig: update-task changes a field DM cannot change in place. */
  updateTaskField: def(
    40081,
    'dm-worker',
    'internal',
    'high',
    'update-task changes only block-allow-list, routes, filters, expression-filter and syncer settings (not safe-mode); stop-task and start-task again to change anything else.',
  ),
  /** DM's ErrSchedulerSubTaskCfgUpdate: update-task on a subtask that is not paused. */
  updateTaskNotPaused: def(
    46035,
    'scheduler',
    'internal',
    'low',
    'Run `pause-task` first, then `update-task`, then `resume-task`.',
  ),
  /** DM's ErrOpenAPICommonError. */
  openApiCommon: def(49001, 'openapi', 'internal', 'high'),
  /** A request that does not match DM's OpenAPI spec (src/master/openapi/dm.yaml). */
  openApiRequest: def(
    49010,
    'openapi',
    'internal',
    'medium',
    'Fix the named field; /api/v1/dm.json and /api/v1/docs describe every request.',
  ),
  diffConfig: def(
    46001,
    'sync-diff',
    'internal',
    'medium',
    "Fix the sync-diff-inspector TOML: see sync-diff-inspector's config.toml for the keys.",
  ),
  diffRun: def(
    46002,
    'sync-diff',
    'internal',
    'high',
    'Check that every data source is reachable and the tables are readable, then run again.',
  ),
  /** `dmctl cutover`: a subtask is not replicating (not Running in the Sync unit). */
  cutoverNotReady: def(
    46010,
    'cutover',
    'internal',
    'medium',
    'Run `query-status TASK`; resume or fix the subtask until every source is Running in Sync, then run cutover again.',
  ),
  /** `dmctl cutover`: the task did not reach zero lag in time. */
  cutoverTimeout: def(
    46011,
    'cutover',
    'internal',
    'medium',
    'Stop the writes on the upstream (or make it read-only), check `query-status TASK`, then run cutover again, with a longer --timeout if the task is still catching up.',
  ),
  /** `dmctl cutover`: the final diff found tables that differ. */
  cutoverDiffers: def(
    46012,
    'cutover',
    'downstream',
    'high',
    'Inspect the fix SQL named in the report (and sync_diff.log in the output dir), apply it to the target, then run cutover again.',
  ),
  /** `dmctl cutover --set-upstream-read-only`: the source's user may not set read_only. */
  cutoverReadOnlyDenied: def(
    46100,
    'cutover',
    'upstream',
    'high',
    "Grant the source's user READ_ONLY ADMIN (MariaDB 10.11+; SUPER before) or SUPER (MySQL), or make the upstream read-only yourself and run cutover without --set-upstream-read-only.",
  ),
  /** `dmctl cutover --set-upstream-read-only`: SET GLOBAL read_only failed (a long transaction, …). */
  cutoverReadOnlyFailed: def(
    46101,
    'cutover',
    'upstream',
    'high',
    'Find the transaction holding the upstream (SHOW PROCESSLIST), let it finish, then run cutover again.',
  ),
  /** `dmctl cutover`: the upstream moved past the drained position while the diff ran. */
  cutoverUpstreamMoved: def(
    46102,
    'cutover',
    'upstream',
    'high',
    'Something still writes to the upstream: stop it (or use --set-upstream-read-only), then run cutover again.',
  ),
  /** `dmctl cutover`: every table is equal but stopping the task failed. */
  cutoverStopFailed: def(
    46103,
    'cutover',
    'internal',
    'medium',
    'The data is proven equal at the reported position; run `stop-task TASK` yourself.',
  ),
  internal: def(49999, 'functional', 'internal', 'high', 'This is a bug; report it with the log.'),
});

export type ErrorName = keyof typeof E;
