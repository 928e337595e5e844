/**
 * The etcd key space, in one place (DM's pkg/ha is the model). Who writes and who watches
 * each key is stated beside it. Values are JSON unless noted. Only the leader master writes
 * schedule state (bindings, stages, subtask configs); workers read it and obey, and write
 * only their own registration, keepalive and status.
 */
export const KEY_ROOT = '/dm';

/** One path segment of a key built from user names (schema/table names may hold `/`). */
const enc = (s: string): string => encodeURIComponent(s);

export const Keys = Object.freeze({
  /**
   * Election name for masters (etcd3 Election; the actual keys are `election/<this>/<lease>`,
   * the lowest create revision leads; the value is the master's name). Writer: every master
   * (campaign, lease TTL `--election-ttl`, default 10 s). Watcher: none (read on demand).
   */
  masterElection: `${KEY_ROOT}/master/election`,
  /** `{name, clientAddr, peerUrl, etcdClientUrl}` per master. Writer: that master (lease). Reader: list-member, forwarding. */
  masterInfo: (name: string) => `${KEY_ROOT}/master/info/${name}`,
  masterInfoPrefix: `${KEY_ROOT}/master/info/`,
  /** Cluster-wide secret for `dmctl encrypt` (hex AES-256 key). Writer: first leader, once. */
  encryptKey: `${KEY_ROOT}/master/encrypt-key`,

  /** `{name, addr}` registration. Writer: master (on worker join). Watcher: master. */
  workerInfo: (name: string) => `${KEY_ROOT}/worker/r/${name}`,
  workerInfoPrefix: `${KEY_ROOT}/worker/r/`,
  /** Keepalive under the worker's lease; its deletion = worker offline. Writer: worker. Watcher: leader. */
  workerKeepalive: (name: string) => `${KEY_ROOT}/worker/a/${name}`,
  workerKeepalivePrefix: `${KEY_ROOT}/worker/a/`,

  /** SourceConfig JSON (password encrypted at rest). Writer: leader. Reader: worker. */
  sourceConfig: (source: string) => `${KEY_ROOT}/source/config/${source}`,
  sourceConfigPrefix: `${KEY_ROOT}/source/config/`,
  /** `{source, worker}`: current binding. Writer: leader (scheduler, fenced txn). Watcher: workers. */
  boundWorker: (worker: string) => `${KEY_ROOT}/bound/${worker}`,
  boundWorkerPrefix: `${KEY_ROOT}/bound/`,
  /** Last worker a source was bound to (for rebinding preference). Writer: leader. */
  lastBoundWorker: (source: string) => `${KEY_ROOT}/last-bound/${source}`,
  lastBoundWorkerPrefix: `${KEY_ROOT}/last-bound/`,
  /**
   * Scheduling hints (DM's `load-task` and `relay-worker` keys): a worker that holds an
   * unfinished load of a source's task (its dump files are local) or the source's relay log.
   * The leader prefers such a worker when the source needs one. Writer: that worker (no
   * lease: the hint outlives the worker's process). Watcher: leader.
   */
  hintRoot: `${KEY_ROOT}/hint/`,
  loadHint: (source: string, worker: string, task: string) =>
    `${KEY_ROOT}/hint/load/${source}/${worker}/${task}`,
  relayHint: (source: string, worker: string) => `${KEY_ROOT}/hint/relay/${source}/${worker}`,
  /** Relay stage of a source `{stage: Running|Paused}`. Writer: leader. Watcher: bound worker. */
  relayStage: (source: string) => `${KEY_ROOT}/stage/relay/${source}`,

  /** TaskConfig raw YAML. Writer: leader. */
  taskConfig: (task: string) => `${KEY_ROOT}/task/config/${task}`,
  taskConfigPrefix: `${KEY_ROOT}/task/config/`,
  /** SubTaskConfig JSON. Writer: leader. Watcher: worker bound to the source. */
  subtaskConfig: (source: string, task: string) => `${KEY_ROOT}/subtask/config/${source}/${task}`,
  subtaskConfigPrefix: (source: string) => `${KEY_ROOT}/subtask/config/${source}/`,
  /** All subtask configs of all sources (leader lists tasks with it). */
  subtaskConfigRoot: `${KEY_ROOT}/subtask/config/`,
  /** Expected stage `{stage: Running|Paused|Stopped}`. Writer: leader. Watcher: worker. */
  subtaskStage: (source: string, task: string) => `${KEY_ROOT}/stage/subtask/${source}/${task}`,
  subtaskStagePrefix: (source: string) => `${KEY_ROOT}/stage/subtask/${source}/`,
  subtaskStageRoot: `${KEY_ROOT}/stage/subtask/`,
  /**
   * Expected validator stage `{stage: Running|Stopped}` (DM's validator stage). Writer: leader
   * (`validation start|stop`). Watcher: worker bound to the source; absent = as the config says.
   */
  validatorStage: (source: string, task: string) => `${KEY_ROOT}/stage/validator/${source}/${task}`,
  validatorStagePrefix: (source: string) => `${KEY_ROOT}/stage/validator/${source}/`,
  /** Observed status (query-status payload for one subtask). Writer: worker. Reader: master. */
  subtaskStatus: (source: string, task: string) => `${KEY_ROOT}/status/subtask/${source}/${task}`,
  subtaskStatusPrefix: `${KEY_ROOT}/status/subtask/`,
  /** Observed source/relay status. Writer: worker. */
  sourceStatus: (source: string) => `${KEY_ROOT}/status/source/${source}`,

  /** DM's OpenAPI cluster topology (`PUT /api/v1/cluster/info`, set by tiup). Writer: leader. */
  clusterTopology: `${KEY_ROOT}/openapi/cluster-topology`,
  /** DM's OpenAPI task templates: Task JSON by name. Writer: leader. */
  taskTemplate: (task: string) => `${KEY_ROOT}/openapi/task-template/${task}`,
  taskTemplatePrefix: `${KEY_ROOT}/openapi/task-template/`,

  /**
   * Shard DDL, pessimistic (DM's `shardddl-pessimism` keys; see src/pkg/shardddl/pessimism/).
   * Info `{task, source, schema, table, ddls}`: the DDLs a source's sharding group of target
   * `schema`.`table` met on every one of its shard tables (one at a time per task and source:
   * the source's stream waits for the lock). Writer: the worker (put on reaching the DDL;
   * deleted with its `done` operation in one txn). Watcher: leader (lock keeper).
   */
  shardPessimisticInfo: (task: string, source: string) =>
    `${KEY_ROOT}/shardddl-pessimism/info/${task}/${source}`,
  shardPessimisticInfoPrefix: `${KEY_ROOT}/shardddl-pessimism/info/`,
  /**
   * Operation `{id, task, source, ddls, exec, done, conflictMsg?}` for the source waiting on
   * lock `id`: exec (the owner runs the DDLs downstream) or skip. Writer: leader (exec to the
   * owner once every source is synced, skip to the others once the owner is done; deleted
   * when the lock is resolved) and the worker (marks `done`). Watcher: that worker; leader
   * (done marks).
   */
  shardPessimisticOperation: (task: string, source: string) =>
    `${KEY_ROOT}/shardddl-pessimism/operation/${task}/${source}`,
  shardPessimisticOperationPrefix: `${KEY_ROOT}/shardddl-pessimism/operation/`,

  /**
   * Shard DDL, optimistic (DM's `shardddl-optimism` keys; src/pkg/shardddl/optimism/). Names
   * are URI-encoded path segments. Source tables `{task, source, tables}`: the shard tables of
   * a source by target. Writer: the worker (at start and on CREATE/DROP TABLE). Reader: leader.
   */
  shardOptimisticSourceTables: (task: string, source: string) =>
    `${KEY_ROOT}/shardddl-optimism/source-tables/${enc(task)}/${enc(source)}`,
  shardOptimisticSourceTablesPrefix: `${KEY_ROOT}/shardddl-optimism/source-tables/`,
  /**
   * Info (DM's optimism Info: DDLs and the table's schema before/after) of one shard table.
   * Writer: its worker. Watcher: leader (optimistic lock keeper).
   */
  shardOptimisticInfo: (task: string, source: string, schema: string, table: string) =>
    `${KEY_ROOT}/shardddl-optimism/info/${enc(task)}/${enc(source)}/${enc(schema)}/${enc(table)}`,
  shardOptimisticInfoPrefix: `${KEY_ROOT}/shardddl-optimism/info/`,
  /**
   * Operation (the DDLs to run downstream, or a conflict) answering one info. Writer: leader;
   * the worker marks it done. Watcher: that worker.
   */
  shardOptimisticOperation: (task: string, source: string, schema: string, table: string) =>
    `${KEY_ROOT}/shardddl-optimism/operation/${enc(task)}/${enc(source)}/${enc(schema)}/${enc(table)}`,
  shardOptimisticOperationPrefix: `${KEY_ROOT}/shardddl-optimism/operation/`,
});
