import { type Counter, Gauge, type Histogram, type Registry } from 'prom-client';
import { binlogFileIndex, type DmWorkerMetrics, dmWorkerMetrics } from '../pkg/metrics/dm-metrics.js';
import { TableMap } from '../pkg/schema/table-map.js';
import type { DmlJob, Location, RowChange } from './job.js';

/** Width of the window `recentTps` averages over. */
const RECENT_WINDOW_MS = 10_000;
/** Per-second buckets kept: twice the window, so a late reader still sees a full window. */
const MAX_BUCKETS = 20;

/** How often at most the lag histogram takes a sample (see setLag). */
const LAG_SAMPLE_MS = 100;

/** Slot of a change type among a queue's four (see SyncStats.jobChildren). */
const TYPE_SLOT: Record<DmlJob['change']['type'], number> = { insert: 0, update: 1, delete: 2 };

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
  /**
   * `dm_syncer_finished_jobs_total` children by target schema, target table, then queue and
   * type (`queue * 4 + TYPE_SLOT[type]`): looked up with the job's own strings, nothing built
   * per job.
   */
  private readonly jobChildren = new TableMap<Counter.Internal[]>();
  /** Finished jobs per child and transactions not yet handed to prom-client (see publish). */
  private readonly jobCounts = new Map<Counter.Internal, number>();
  private transactions = 0;
  /** The lag thunk of the last `setLag`, and when the lag was last published. */
  private lagOf: (() => number) | undefined;
  private lagAt = Number.NEGATIVE_INFINITY;
  /**
   * Hands the counts of the hot path to prom-client, whose every `inc`/`set`/`observe` hashes
   * and validates the label set (≈ 5 % of the worker's CPU at one call per transaction and
   * per (type, table) of each batch): run by the registry before any scrape reads the families.
   */
  private readonly publish = (): void => {
    if (!this.dm) return;
    for (const [child, n] of this.jobCounts) child.inc(n);
    this.jobCounts.clear();
    if (this.transactions > 0) this.dm.finishedTransactions.inc(this.tsw, this.transactions);
    this.transactions = 0;
    if (this.lagOf) this.dm.lagGauge.set(this.tsw, this.lagOf());
  };
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
      this.dm.beforeScrape.add(this.publish);
    }
  }

  /** The unit is gone: publish what is left and leave the registry's scrape hooks. */
  close(): void {
    this.publish();
    this.dm?.beforeScrape.delete(this.publish);
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
    this.lagOf = seconds;
    // The histogram samples the lag at most every LAG_SAMPLE_MS (a catch-up moves the position
    // thousands of times a second); the gauge is set from the thunk at every scrape.
    const now = this.now();
    if (now - this.lagAt < LAG_SAMPLE_MS) return;
    this.lagAt = now;
    const s = seconds();
    this.dm.lagGauge.set(this.tsw, s);
    this.lagChild?.observe(s);
  }

  /** A batch committed by applier `queue` in `seconds`: DM's finished jobs and txn duration. */
  applied(jobs: readonly DmlJob[], queue: number, seconds: number): void {
    const dm = this.dm;
    if (!dm) return;
    dm.txnDuration.observe(this.tsw, seconds);
    // Runs of jobs of one table and kind count at once (a batch is mostly such runs, and the
    // dispatcher hands every change of a table the same target object).
    let first: RowChange | undefined;
    let run = 0;
    for (const { change } of jobs) {
      if (first && change.target === first.target && change.type === first.type) {
        run++;
        continue;
      }
      if (first) this.countJobs(dm, first, queue, run);
      first = change;
      run = 1;
    }
    if (first) this.countJobs(dm, first, queue, run);
  }

  /** `n` finished jobs like `c` (its kind and target table), applied by applier `queue`. */
  private countJobs(dm: DmWorkerMetrics['syncer'], c: RowChange, queue: number, n: number): void {
    const { type, target } = c;
    let slots = this.jobChildren.get(target.schema, target.table);
    if (!slots) {
      slots = [];
      this.jobChildren.set(target.schema, target.table, slots);
    }
    const slot = queue * 4 + TYPE_SLOT[type];
    let child = slots[slot];
    if (!child) {
      child = dm.finishedJobs.labels({
        type,
        task: this.labels.task,
        queueNo: String(queue),
        source_id: this.labels.source_id,
        worker: this.tsw.worker,
        target_schema: target.schema,
        target_table: target.table,
      });
      slots[slot] = child;
    }
    this.jobCounts.set(child, (this.jobCounts.get(child) ?? 0) + n);
  }

  /** One upstream transaction reached its end (XID or COMMIT): `dm_syncer_finished_transaction_total`. */
  transaction(): void {
    if (this.dm) this.transactions++;
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
