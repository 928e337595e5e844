import { type Counter, Gauge, type Histogram, type Registry } from 'prom-client';
import { binlogFileIndex, type DmWorkerMetrics, dmWorkerMetrics } from '../pkg/metrics/dm-metrics.js';
import type { DmlJob, Location } from './job.js';

/** Width of the window `recentTps` averages over. */
const RECENT_WINDOW_MS = 10_000;
/** Per-second buckets kept: twice the window, so a late reader still sees a full window. */
const MAX_BUCKETS = 20;

/** Prometheus label values of one sync unit (one task on one source). */
export type SyncMetricLabels = Record<'task' | 'source_id', string>;

/** The throughput part of query-status (DESIGN.md §3). */
export interface SyncRates {
  totalEvents: number;
  totalTps: number;
  recentTps: number;
}

/**
 * Event counters of the sync unit and the Prometheus series that expose them: DM's syncer
 * families (`dm_syncer_replication_lag`, `_finished_jobs_total`, `_binlog_file`, … from
 * pkg/metrics/dm-metrics.ts) and our `dm_syncer_recent_tps`. The counters and the gauges live
 * together so that `dm_syncer_recent_tps` always shows the value query-status reports: it is
 * set every time `recentTps` is computed (status, a new second of events, the unit's
 * once-a-second tick), never from a second computation that could drift. The clock is
 * injected so the window arithmetic is testable without timers.
 */
export class SyncStats {
  private total = 0;
  private startedAt: number;
  /** Events handled, bucketed per second (a bucket opens with the first event after 1 s). */
  private readonly recent: { t: number; n: number }[] = [];
  private readonly tps: Gauge | undefined;
  private readonly dm: DmWorkerMetrics['syncer'] | undefined;
  /** DM's label set with `worker` (lag, transactions, txn duration). */
  private readonly tsw: Record<'task' | 'source_id' | 'worker', string>;
  /** `dm_syncer_finished_jobs_total` children by type, queue and target (hashing labels per row is costly). */
  private readonly jobChildren = new Map<string, Counter.Internal>();
  private lagChild: Histogram.Internal<'task' | 'source_id' | 'worker'> | undefined;

  constructor(
    private readonly labels: SyncMetricLabels,
    registry?: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    const dm = registry ? dmWorkerMetrics(registry) : undefined;
    this.tsw = { ...labels, worker: dm?.worker ?? '' };
    if (registry && dm) {
      // Several sync units (tasks) share one registry: reuse the gauge, told apart by labels.
      this.tps =
        (registry.getSingleMetric('dm_syncer_recent_tps') as Gauge | undefined) ??
        new Gauge({
          name: 'dm_syncer_recent_tps',
          help: 'Binlog events handled per second (last 10 s)',
          labelNames: ['task', 'source_id'],
          registers: [registry],
        });
      this.dm = dm.syncer;
      this.dm.lagGauge.set(this.tsw, 0);
      this.dm.finishedTransactions.inc(this.tsw, 0);
      this.lagChild = this.dm.lag.labels(this.tsw);
    }
  }

  /** Events handled since the unit was created (survives pause/resume, like DM's counter). */
  get totalEvents(): number {
    return this.total;
  }

  /** A (re)start of processing: `totalTps` averages from here. */
  restart(): void {
    this.startedAt = this.now();
  }

  /** Count one handled event (any type, heartbeats included, as before the split). */
  record(): void {
    this.total++;
    const now = this.now();
    const last = this.recent[this.recent.length - 1];
    if (last && now - last.t < 1000) {
      last.n++;
      return;
    }
    this.recent.push({ t: now, n: 1 });
    if (this.recent.length > MAX_BUCKETS) this.recent.shift();
    // A new second began: publish, so the gauge follows the stream without a timer.
    this.rates();
  }

  /** The throughput figures now; also sets the `dm_syncer_recent_tps` gauge to `recentTps`. */
  rates(): SyncRates {
    const now = this.now();
    const recentN = this.recent.filter((r) => now - r.t < RECENT_WINDOW_MS).reduce((a, r) => a + r.n, 0);
    const recentTps = Math.round(recentN / (RECENT_WINDOW_MS / 1000));
    this.tps?.set(this.labels, recentTps);
    return {
      totalEvents: this.total,
      totalTps: Math.round(this.total / Math.max(1, (now - this.startedAt) / 1000)),
      recentTps,
    };
  }

  /**
   * Publish the lag (whenever the applied position moves): `dm_syncer_replication_lag_gauge`
   * and an observation of the `dm_syncer_replication_lag` histogram. A thunk: the lag is only
   * computed when there is a registry (this runs once per transaction).
   */
  setLag(seconds: () => number): void {
    if (!this.dm) return;
    const s = seconds();
    this.dm.lagGauge.set(this.tsw, s);
    this.lagChild?.observe(s);
  }

  /** A batch committed by applier `queue` in `seconds`: DM's finished jobs and txn duration. */
  applied(jobs: readonly DmlJob[], queue: number, seconds: number): void {
    if (!this.dm) return;
    this.dm.txnDuration.observe(this.tsw, seconds);
    // One counter increment per (type, table) of the batch, not per job: prom-client's inc
    // (hashing the labels again each call) was ~5 % of the worker's CPU at one call per change.
    const counts = new Map<Counter.Internal, number>();
    for (const j of jobs) {
      const { type, target } = j.change;
      const key = `${type}\0${queue}\0${target.schema}\0${target.table}`;
      let child = this.jobChildren.get(key);
      if (!child) {
        child = this.dm.finishedJobs.labels({
          type,
          task: this.labels.task,
          queueNo: String(queue),
          source_id: this.labels.source_id,
          worker: this.tsw.worker,
          target_schema: target.schema,
          target_table: target.table,
        });
        this.jobChildren.set(key, child);
      }
      counts.set(child, (counts.get(child) ?? 0) + 1);
    }
    for (const [child, n] of counts) child.inc(n);
  }

  /** One upstream transaction reached its end (XID or COMMIT): `dm_syncer_finished_transaction_total`. */
  transaction(): void {
    this.dm?.finishedTransactions.inc(this.tsw);
  }

  /** DM's `dm_syncer_binlog_file|pos{node="master"|"syncer"}` (file as its index number). */
  positions(master: Location | undefined, syncer: Location | undefined): void {
    if (!this.dm) return;
    for (const [node, loc] of [
      ['master', master],
      ['syncer', syncer],
    ] as const) {
      if (!loc) continue;
      const l = { node, ...this.labels };
      this.dm.binlogFile.set(l, binlogFileIndex(loc.file));
      this.dm.binlogPos.set(l, loc.pos);
    }
  }
}
