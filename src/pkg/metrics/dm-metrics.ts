/**
 * The worker's catalog of DM metric families: DM's names, labels, help and buckets (from
 * tiflow `dm/{syncer/metrics,relay,loader,dumpling,worker}/metrics.go`), so DM's Grafana
 * dashboards and alert rules (and ours, `docs/grafana/`) work against a dm-worker unchanged.
 *
 * One object per registry, created once (the worker creates it at start so every family is
 * exported before any unit runs, as DM registers all of them at process start); units take it
 * from their `UnitDeps.registry`. Units write through the small helpers below, which cache
 * the labelled children: prom-client hashes the label object on every call otherwise, and
 * some of these are touched once per transaction.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** prometheus.ExponentialBuckets(start, factor, count). */
function exponential(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/** DM's default duration buckets: 5 µs doubling 25 times (~84 s). */
const DURATION_BUCKETS = exponential(0.000005, 2, 25);

/** Every DM family a dm-worker exports (dm_worker_task_state lives in worker.ts: it reads live state). */
export interface DmWorkerMetrics {
  /** This worker's name: the `worker` label of the families that carry one. */
  readonly worker: string;
  readonly operateError: Counter<'worker' | 'type'>;
  readonly syncer: {
    readonly finishedJobs: Counter<
      'type' | 'task' | 'queueNo' | 'source_id' | 'worker' | 'target_schema' | 'target_table'
    >;
    readonly finishedTransactions: Counter<'task' | 'worker' | 'source_id'>;
    readonly lag: Histogram<'task' | 'source_id' | 'worker'>;
    readonly lagGauge: Gauge<'task' | 'source_id' | 'worker'>;
    readonly binlogFile: Gauge<'node' | 'task' | 'source_id'>;
    readonly binlogPos: Gauge<'node' | 'task' | 'source_id'>;
    readonly txnDuration: Histogram<'task' | 'worker' | 'source_id'>;
    readonly exitWithError: Counter<'task' | 'source_id' | 'resumable_err'>;
    /**
     * Run before any of the per-change families above (finished jobs and transactions, lag) is
     * read: sync units count locally on their hot path and publish here (see SyncStats).
     */
    readonly beforeScrape: Set<() => void>;
  };
  readonly relay: {
    readonly binlogFile: Gauge<'node'>;
    readonly binlogPos: Gauge<'node'>;
    readonly space: Gauge<'type'>;
    readonly dataCorruption: Counter;
    readonly writeError: Counter;
    readonly readError: Counter;
    readonly exitWithError: Counter<'resumable_err'>;
  };
  readonly loader: {
    readonly progress: Gauge<'task' | 'source_id'>;
    readonly dataSize: Gauge<'task' | 'source_id'>;
    readonly tables: Gauge<'task' | 'source_id'>;
    readonly dataFiles: Gauge<'task' | 'source_id'>;
    readonly exitWithError: Counter<'task' | 'source_id' | 'resumable_err'>;
  };
  readonly dumpling: {
    readonly exitWithError: Counter<'task' | 'source_id' | 'resumable_err'>;
    /** DM's alert rules still query the pre-dumpling name; both are counted together. */
    readonly mydumperExitWithError: Counter<'task' | 'source_id' | 'resumable_err'>;
  };
}

const byRegistry = new WeakMap<Registry, DmWorkerMetrics>();

/**
 * The DM metric families of `registry`, created on first use. `worker` names this worker in
 * the `worker` label; only the first call's value counts (the worker makes that call).
 */
export function dmWorkerMetrics(registry: Registry, worker = ''): DmWorkerMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const beforeScrape = new Set<() => void>();
  const collect = () => {
    for (const publish of beforeScrape) publish();
  };
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], hooked = false) =>
    new Counter<L>({ name, help, labelNames, registers, ...(hooked ? { collect } : {}) });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], hooked = false) =>
    new Gauge<L>({ name, help, labelNames, registers, ...(hooked ? { collect } : {}) });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
    hooked = false,
  ) => new Histogram<L>({ name, help, labelNames, buckets, registers, ...(hooked ? { collect } : {}) });
  const TSW = ['task', 'source_id', 'worker'] as const;
  const TS = ['task', 'source_id'] as const;
  const exitLabels = ['task', 'source_id', 'resumable_err'] as const;
  const jobLabels = [
    'type',
    'task',
    'queueNo',
    'source_id',
    'worker',
    'target_schema',
    'target_table',
  ] as const;
  const m: DmWorkerMetrics = {
    worker,
    operateError: counter('dm_worker_operate_error', 'number of different operate error', ['worker', 'type']),
    syncer: {
      finishedJobs: counter(
        'dm_syncer_finished_jobs_total',
        'total number of finished jobs',
        jobLabels,
        true,
      ),
      finishedTransactions: counter(
        'dm_syncer_finished_transaction_total',
        'total number of finished transaction',
        ['task', 'worker', 'source_id'],
        true,
      ),
      lag: histogram(
        'dm_syncer_replication_lag',
        'replication lag histogram in second between mysql and syncer',
        TSW,
        exponential(0.5, 2, 12),
        true,
      ),
      lagGauge: gauge(
        'dm_syncer_replication_lag_gauge',
        'replication lag gauge in second between mysql and syncer',
        TSW,
        true,
      ),
      binlogFile: gauge('dm_syncer_binlog_file', 'current binlog file index', ['node', 'task', 'source_id']),
      binlogPos: gauge('dm_syncer_binlog_pos', 'current binlog pos', ['node', 'task', 'source_id']),
      txnDuration: histogram(
        'dm_syncer_txn_duration_time',
        'Bucketed histogram of processing time (s) of a txn.',
        ['task', 'worker', 'source_id'],
        DURATION_BUCKETS,
      ),
      exitWithError: counter(
        'dm_syncer_exit_with_error_count',
        'counter for syncer exits with error',
        exitLabels,
      ),
      beforeScrape,
    },
    relay: {
      binlogFile: gauge('dm_relay_binlog_file', 'current binlog file index', ['node']),
      binlogPos: gauge('dm_relay_binlog_pos', 'current binlog pos in current binlog file', ['node']),
      space: gauge('dm_relay_space', 'the space of storage for relay component', ['type']),
      dataCorruption: counter('dm_relay_data_corruption', 'counter of relay log data corruption', []),
      writeError: counter('dm_relay_write_error_count', 'write relay log error count', []),
      readError: counter('dm_relay_read_error_count', 'read binlog from master error count', []),
      exitWithError: counter('dm_relay_exit_with_error_count', 'counter of relay unit exits with error', [
        'resumable_err',
      ]),
    },
    loader: {
      progress: gauge('dm_loader_progress', 'the processing progress of loader in percentage', TS),
      dataSize: gauge('dm_loader_data_size_gauge', 'data size in total', TS),
      tables: gauge('dm_loader_table_gauge', 'tables in total', TS),
      dataFiles: gauge('dm_loader_data_file_gauge', 'data files in total', TS),
      exitWithError: counter(
        'dm_loader_exit_with_error_count',
        'counter for loader exits with error',
        exitLabels,
      ),
    },
    dumpling: {
      exitWithError: counter(
        'dm_dumpling_exit_with_error_count',
        'counter for dumpling exit with error',
        exitLabels,
      ),
      mydumperExitWithError: counter(
        'dm_mydumper_exit_with_error_count',
        'counter for dump unit exits with error (the name DM alert rules query)',
        exitLabels,
      ),
    },
  };
  byRegistry.set(registry, m);
  return m;
}

/** The index DM's `*_binlog_file` gauges carry: `mysql-bin.000042` → 42 (0 when none). */
export function binlogFileIndex(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : 0;
}

/**
 * Count a unit's exit with errors in DM's `dm_<unit>_exit_with_error_count` (the subtask runner
 * calls this once per failed `process()`; `resumable` = every error is auto-resumable).
 */
export function countUnitExit(
  registry: Registry | undefined,
  unit: 'Dump' | 'Load' | 'Sync',
  labels: { task: string; source_id: string },
  resumable: boolean,
): void {
  if (!registry) return;
  const m = dmWorkerMetrics(registry);
  const l = { ...labels, resumable_err: String(resumable) };
  if (unit === 'Sync') m.syncer.exitWithError.inc(l);
  else if (unit === 'Load') m.loader.exitWithError.inc(l);
  else {
    m.dumpling.exitWithError.inc(l);
    m.dumpling.mydumperExitWithError.inc(l);
  }
}
