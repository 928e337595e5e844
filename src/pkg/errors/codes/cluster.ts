/** Master, worker, scheduler, dmctl, shard-DDL, OpenAPI, sync-diff-inspector and cutover errors (38xxx–49xxx). Composed into `E` by ../catalog.ts. */
import { def } from '../error-def.js';

export const CLUSTER_ERRORS = {
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
  shardLockIsResolving: def(
    38020,
    'dm-master',
    'internal',
    'high',
    'Table-level unlock applies to a table whose DDL is in `detected` conflict (see `query-status`).',
  ),
  shardOptimisticHeldDdl: def(
    44101,
    'shard-ddl',
    'internal',
    'high',
    'Run the conflicting DDL on the other shard tables first (then `resume-task`), or `binlog skip|replace` one of the two DDLs; `shard-ddl-lock` shows the lock.',
  ),
  cutoverReadOnlyDenied: def(
    46100,
    'cutover',
    'upstream',
    'high',
    "Grant the source's user READ_ONLY ADMIN (MariaDB 10.11+; SUPER before) or SUPER (MySQL), or make the upstream read-only yourself and run cutover without --set-upstream-read-only.",
  ),
  cutoverReadOnlyFailed: def(
    46101,
    'cutover',
    'upstream',
    'high',
    'Find the transaction holding the upstream (SHOW PROCESSLIST), let it finish, then run cutover again.',
  ),
  cutoverUpstreamMoved: def(
    46102,
    'cutover',
    'upstream',
    'high',
    'Something still writes to the upstream: stop it (or use --set-upstream-read-only), then run cutover again.',
  ),
  cutoverStopFailed: def(
    46103,
    'cutover',
    'internal',
    'medium',
    'The data is proven equal at the reported position; run `stop-task TASK` yourself.',
  ),
} as const;
