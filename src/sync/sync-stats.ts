import { Gauge, type Registry } from 'prom-client';

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
 * Event counters of the sync unit and the Prometheus gauges that expose them. The counters
 * and the gauges live together so that the `dm_syncer_recent_tps` gauge always shows the value
 * query-status reports: it is set every time `recentTps` is computed (status, a new second of
 * events, the unit's once-a-second tick), never from a second computation that could drift.
 * The clock is injected so the window arithmetic is testable without timers.
 */
export class SyncStats {
  private total = 0;
  private startedAt: number;
  /** Events handled, bucketed per second (a bucket opens with the first event after 1 s). */
  private readonly recent: { t: number; n: number }[] = [];
  private readonly lag: Gauge | undefined;
  private readonly tps: Gauge | undefined;

  constructor(
    private readonly labels: SyncMetricLabels,
    registry?: Registry,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
    if (registry) {
      // Several sync units (tasks) share one registry: reuse the gauge, told apart by labels.
      const gauge = (name: string, help: string): Gauge =>
        (registry.getSingleMetric(name) as Gauge | undefined) ??
        new Gauge({ name, help, labelNames: ['task', 'source_id'], registers: [registry] });
      this.lag = gauge('dm_syncer_replication_lag_seconds', 'Seconds the downstream is behind the upstream');
      this.tps = gauge('dm_syncer_recent_tps', 'Binlog events handled per second (last 10 s)');
      this.lag.set(labels, 0);
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
   * Set `dm_syncer_replication_lag_seconds` (whenever the applied position moves). A thunk: the
   * lag is only computed when there is a gauge to set (this runs once per transaction).
   */
  setLag(seconds: () => number): void {
    this.lag?.set(this.labels, seconds());
  }
}
