import type { UnitType } from '../pkg/api/stage.js';
import type { BinlogLocation } from '../pkg/binlog/types.js';
import type { DmError } from '../pkg/errors/index.js';

/**
 * The processing-unit contract (as DM's `unit.Unit`), implemented by relay, dump, load and
 * sync. A subtask runs its units in order (dump → load → sync for task-mode all).
 *
 * Concurrency rules: `process` is called once at a time and runs until the unit finishes,
 * fails, or `signal` aborts (pause/stop); `status` may be called at any time from another
 * async context and must not block; `close` is called once, after `process` settled.
 */
export { STAGES, type Stage, UNIT_TYPES, type UnitType } from '../pkg/api/stage.js';

export interface ProcessResult {
  /** True when the unit finished its work (dump/load done); sync never finishes by itself. */
  finished: boolean;
  /** Errors that stopped the unit; empty on success or when aborted by pause/stop. */
  errors: DmError[];
}

export interface Unit<S = unknown> {
  readonly type: UnitType;
  /** Prepare connections and state; may throw a DmError. */
  init(): Promise<void>;
  /** Run until finished, failed, or `signal` aborts. Never throws: failures go in the result. */
  process(signal: AbortSignal): Promise<ProcessResult>;
  /** A snapshot of progress for query-status. Must be cheap and synchronous. */
  status(): S;
  /**
   * The binlog location this unit has applied up to, as data (the sync unit; others have
   * none). The worker decides where a relay starts from it instead of parsing status text.
   */
  readonly appliedLocation?: BinlogLocation | undefined;
  /**
   * Dump only: the next `process` reports its plan and each finished chunk to `feed`, for a
   * load that runs beside it (the pipelined full phase, see worker/subtask.ts).
   */
  streamTo?(feed: import('../pkg/dumpfile/dump-feed.js').DumpFeed | undefined): void;
  /** Load only: the next `process` loads the chunks `feed` reports, while the dump runs. */
  follow?(feed: import('../pkg/dumpfile/dump-feed.js').DumpFeed | undefined): void;
  /** Whether an error is worth an automatic resume (connection loss, deadlock…). */
  isRetryable(err: DmError): boolean;
  /** Release every resource. Idempotent. */
  close(): Promise<void>;
}

/** What a worker hands each unit besides its SubTaskConfig. */
export interface UnitDeps {
  logger: import('../pkg/log/logger.js').Logger;
  /** The worker's working directory: dump files, relay dir and other local state live below it. */
  workDir: string;
  /** Prometheus registry of the worker process (prom-client). */
  registry?: import('prom-client').Registry;
  /** Pending `dmctl binlog` operations of the subtask (read by the sync unit before a DDL). */
  binlogOps?: import('../pkg/binlog/binlog-operator.js').BinlogOperator;
  /** The cluster's etcd (the worker's client): the sync unit's shard-DDL coordination uses it. */
  etcd?: import('etcd3').Etcd3;
}
