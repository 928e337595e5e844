import { Gauge, type Registry } from 'prom-client';
import type { PositionedEvent, RowsEvent } from '../pkg/binlog/types.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { type Connection, connectDb, isRetryableDbError } from '../pkg/db/connect.js';
import { asDmError, type DmError, dmError, E, isDmError } from '../pkg/errors/index.js';
import { GtidTracker } from '../pkg/gtid/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import { identityKey, type TableStructure } from '../pkg/schema/table-structure.js';
import type { ProcessResult, Unit, UnitDeps } from '../unit/unit.js';
import { Applier, retryable } from './applier.js';
import { operatedQuery } from './binlog-operator.js';
import { Causality, changeKeys } from './causality.js';
import { CheckpointStore, tableKey } from './checkpoint.js';
import { DdlExecutor } from './ddl/ddl-executor.js';
import { OnlineDdlStore, onlineDdlRules } from './ddl/online-ddl.js';
import { EventFilters } from './event-filters.js';
import { compareLocation, type DmlJob, formatLocation, type Location, type TableName } from './job.js';
import { rowChanges } from './row-changes.js';
import { openEvents, resolveStartMeta, type StartPoint } from './start-location.js';
import { loadStructure, replicatedTables } from './structure-source.js';
import { parseDurationMs, type SyncStatus } from './sync-status.js';

interface Boundary {
  /** Every job with seq <= this must be applied. */
  seq: number;
  loc: Location;
  /** Upstream timestamp of the event (for lag). */
  ts: number;
}

/**
 * The sync unit: incremental replication from the binlog (upstream or relay) to the
 * downstream. Pipeline: events → filters/route → schema tracker → row changes → causality →
 * `worker-count` appliers → checkpoint. See docs in checkpoint.ts (what is saved when) and
 * applier.ts (transactions, retries). Crash-safety in short: the global checkpoint only
 * moves to a transaction boundary whose changes are all applied; the exit-safe point is
 * persisted before any applier commits past it, and a restart runs in safe mode until it is
 * passed; keyless tables carry their own checkpoint in their data transactions.
 */
export class SyncUnit implements Unit<SyncStatus> {
  readonly type = 'Sync' as const;
  private readonly log: Logger;
  private readonly tracker: SchemaTracker;
  private readonly store: CheckpointStore;
  private readonly filters: EventFilters;
  private readonly ddl: DdlExecutor;
  /** True while handling an event that `dmctl binlog skip` skips (tracked, not executed). */
  private skipping = false;
  private ctl: Connection | undefined;
  private up: Connection | undefined;
  private appliers: Applier[] = [];
  private causality: Causality;
  private start: StartPoint = { file: '', pos: 4 };
  private startExitSafe: Location | undefined;
  private tableCps = new Map<string, Location>();
  /** Read position: after the last event handled. */
  private readLoc: Location = { file: '', pos: 4 };
  /** End of the event being handled (every dispatched job lies at or before it). */
  private seenLoc: Location = { file: '', pos: 4 };
  /** Applied position: the last transaction boundary whose changes are all applied. */
  private applied: Location | undefined;
  private appliedTs = 0;
  private boundaries: Boundary[] = [];
  private seq = 0;
  private persistedHorizon: Location | undefined;
  private horizonWrite: Promise<void> | undefined;
  private controlChain: Promise<unknown> = Promise.resolve();
  private safeUntil = 0;
  private totalEvents = 0;
  private startedAt = Date.now();
  private recent: { t: number; n: number }[] = [];
  private master: { loc?: Location; gtid: string } = { gtid: '' };
  private readonly gauges: { lag?: Gauge; rows?: Gauge } = {};
  private closed = false;
  /** Executed GTID set, following the applied stream (undefined until its flavor is known). */
  private gtids: GtidTracker | undefined;

  constructor(
    private readonly cfg: SubTaskConfig,
    private readonly deps: UnitDeps,
  ) {
    this.log = deps.logger.child({ unit: 'sync', task: cfg.name, source: cfg.sourceId });
    this.tracker = new SchemaTracker(cfg.caseSensitive);
    this.store = new CheckpointStore(cfg.metaSchema, cfg.name, cfg.sourceId);
    this.filters = new EventFilters(cfg);
    this.ddl = new DdlExecutor({
      filters: this.filters,
      tracker: this.tracker,
      logger: this.log,
      intercept: () => !this.skipping,
      onlineDdl: cfg.onlineDdl
        ? { rules: onlineDdlRules(cfg), store: new OnlineDdlStore(cfg.metaSchema, cfg.name, cfg.sourceId) }
        : undefined,
      host: {
        drain: async () => {
          await this.drainAll();
          this.causality.reset();
          this.advanceApplied();
        },
        ensureHorizon: (end) => this.ensureHorizon(end),
        ctlQuery: (sql, params) => this.ctlQuery(sql, params),
        control: () => this.control(),
        isReplay: (end) => this.startExitSafe !== undefined && compareLocation(end, this.startExitSafe) <= 0,
        done: async (end) => {
          const gtid = this.gtidNow();
          this.applied = gtid ? { ...end, gtid } : { ...end };
          await this.flushCheckpoint(false);
        },
      },
    });
    this.causality = new Causality(Math.max(1, cfg.syncer.workerCount));
    if (deps.registry) this.registerMetrics(deps.registry);
  }

  private registerMetrics(r: Registry): void {
    const labels = { task: this.cfg.name, source_id: this.cfg.sourceId };
    const g = (name: string, help: string): Gauge => {
      const existing = r.getSingleMetric(name) as Gauge | undefined;
      return existing ?? new Gauge({ name, help, labelNames: ['task', 'source_id'], registers: [r] });
    };
    this.gauges.lag = g('dm_syncer_replication_lag_seconds', 'Seconds the downstream is behind the upstream');
    this.gauges.rows = g('dm_syncer_recent_tps', 'Binlog events handled per second (last 10 s)');
    this.gauges.lag.set(labels, 0);
  }

  async init(): Promise<void> {
    this.ctl = await connectDb(this.cfg.to, E.dbDownstreamConnect);
    await this.store.ensureTable(this.ctl);
    const cp = await this.store.loadGlobal(this.ctl);
    this.tableCps = await this.store.loadTables(this.ctl);
    if (cp) {
      this.start = cp.location;
      this.startExitSafe = cp.exitSafe;
      this.tracker.load(cp.tables);
      this.log.info(
        { checkpoint: formatLocation(cp.location), exitSafe: formatLocation(cp.exitSafe) },
        'resume from checkpoint',
      );
    } else {
      this.start = await resolveStartMeta(this.cfg, this.deps.workDir);
      await this.preloadTracker();
    }
    if ('file' in this.start) {
      this.readLoc = { ...this.start };
      this.seenLoc = { ...this.start };
      this.applied = { ...this.start };
    }
    this.persistedHorizon = this.startExitSafe;
    const flavor = this.cfg.flavor || gtidFlavor(this.start.gtid);
    if (flavor) this.gtids = new GtidTracker(flavor, this.start.gtid || undefined);
  }

  /**
   * First start: take every replicated table's structure now, before any DDL that follows the
   * start position is replayed (loading lazily at the first row would see the upstream's
   * structure of later, possibly after an ALTER the binlog has yet to deliver).
   */
  private async preloadTracker(): Promise<void> {
    for (const { s, t } of await replicatedTables(await this.upstream(), this.filters)) {
      const st = await this.loadStructure(s, t);
      if (st) this.tracker.put(st);
    }
  }

  private async upstream(): Promise<Connection> {
    this.up ??= await connectDb(this.cfg.from, E.dbUpstreamConnect);
    return this.up;
  }

  /** A table's structure from the upstream (incremental) or the downstream table a full load made. */
  private loadStructure(schema: string, table: string): Promise<TableStructure | undefined> {
    return loadStructure(
      this.cfg,
      this.filters,
      { upstream: () => this.upstream(), downstream: () => this.control() },
      schema,
      table,
    );
  }

  isRetryable(err: DmError): boolean {
    if (err.code === E.dbBadConn.code || err.code === E.connectionLost.code) return true;
    return isRetryableDbError(err.cause ?? err);
  }

  status(): SyncStatus {
    const now = Date.now();
    const recentN = this.recent.filter((r) => now - r.t < 10_000).reduce((a, r) => a + r.n, 0);
    const idle = this.appliers.every((a) => a.length === 0);
    // The master is at least where we have read to (its position is polled once a second).
    if (this.master.loc && this.applied && compareLocation(this.applied, this.master.loc) > 0) {
      this.master.loc = { file: this.applied.file, pos: this.applied.pos };
    }
    const synced =
      idle &&
      this.master.loc !== undefined &&
      this.applied !== undefined &&
      compareLocation(this.applied, this.master.loc) >= 0;
    return {
      totalEvents: this.totalEvents,
      totalTps: Math.round(this.totalEvents / Math.max(1, (now - this.startedAt) / 1000)),
      recentTps: Math.round(recentN / 10),
      masterBinlog: this.master.loc ? formatLocation(this.master.loc) : '',
      masterBinlogGtid: this.master.gtid,
      syncerBinlog: formatLocation(this.applied),
      syncerBinlogGtid: this.applied?.gtid ?? this.start.gtid ?? '',
      blockingDDLs: [],
      unresolvedGroups: [],
      synced,
      binlogType: this.cfg.enableRelay ? 'local' : 'remote',
      secondsBehindMaster:
        synced || this.appliedTs === 0 ? 0 : Math.max(0, Math.round(now / 1000 - this.appliedTs)),
    };
  }

  async process(signal: AbortSignal): Promise<ProcessResult> {
    this.continueFromApplied();
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.safeUntil =
      Date.now() +
      parseDurationMs(this.cfg.syncer.safeModeDuration, 2 * this.cfg.syncer.checkpointFlushInterval * 1000);
    this.startedAt = Date.now();
    this.appliers = [];
    for (let i = 0; i < Math.max(1, this.cfg.syncer.workerCount); i++) {
      this.appliers.push(
        new Applier({
          index: i,
          to: this.cfg.to,
          batch: Math.max(1, this.cfg.syncer.batch),
          multipleRows: this.cfg.syncer.multipleRows,
          compact: this.cfg.syncer.compact,
          checkpoint: this.store,
          beforeCommit: (end) => this.ensureHorizon(end),
          onApplied: (jobs) => this.onApplied(jobs),
          logger: this.log,
        }),
      );
    }
    const runs = this.appliers.map((a) =>
      a.run().then(() => {
        if (a.error) inner.abort();
      }),
    );
    const flushTimer = setInterval(
      () => {
        this.flushCheckpoint(false).catch((err) =>
          this.log.warn({ err: (err as Error).message }, 'checkpoint flush failed'),
        );
      },
      Math.max(100, this.cfg.syncer.checkpointFlushInterval * 1000),
    );
    const masterTimer = setInterval(() => {
      this.pollMaster().catch(() => undefined);
    }, 1000);
    this.pollMaster().catch(() => undefined);
    let error: DmError | undefined;
    try {
      let sinceYield = 0;
      for await (const pe of this.events(inner.signal)) {
        if (inner.signal.aborted) break;
        await this.handle(pe);
        // While events are buffered the reader runs on microtasks alone and starves the
        // appliers' socket callbacks (measured: event-loop delay p50 200–1100 ms during
        // catch-up). Yield to I/O every few hundred events.
        if (++sinceYield >= 256) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } catch (err) {
      if (!inner.signal.aborted || !isAbortLike(err)) error = asDmError(err, E.syncFailed);
    } finally {
      clearInterval(flushTimer);
      clearInterval(masterTimer);
      signal.removeEventListener('abort', onAbort);
    }
    const applierError = this.appliers.find((a) => a.error)?.error;
    if (!applierError) await Promise.all(this.appliers.map((a) => a.waitIdle()));
    for (const a of this.appliers) a.stop();
    await Promise.all(runs);
    try {
      await this.flushCheckpoint(!applierError && !error);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'final checkpoint flush failed');
    }
    const errors = [applierError, error].filter((e): e is DmError => e !== undefined);
    return { finished: false, errors };
  }

  private events(signal: AbortSignal): AsyncGenerator<PositionedEvent> {
    return openEvents(
      {
        cfg: this.cfg,
        workDir: this.deps.workDir,
        start: this.start,
        schemaLookup: this.tracker.lookup(),
        logger: this.log,
      },
      signal,
    );
  }

  // ---- event handling ---------------------------------------------------------------

  private async handle(pe: PositionedEvent): Promise<void> {
    const ev = pe.event;
    this.totalEvents++;
    this.observeGtid(ev);
    const now = Date.now();
    const last = this.recent[this.recent.length - 1];
    if (last && now - last.t < 1000) last.n++;
    else {
      this.recent.push({ t: now, n: 1 });
      if (this.recent.length > 20) this.recent.shift();
    }
    if (ev.type === 'rotate') {
      if (ev.nextFile) this.readLoc = { ...this.readLoc, file: ev.nextFile, pos: ev.position };
      return;
    }
    if (ev.type === 'heartbeat' || ev.type === 'heartbeat_v2' || ev.type === 'format_description') return;
    const end: Location = { file: pe.file, pos: pe.nextPos };
    this.seenLoc = end;
    switch (ev.type) {
      case 'write_rows':
      case 'update_rows':
      case 'delete_rows':
        await this.handleRows(ev, pe, end);
        break;
      case 'xid':
        this.boundary(end, ev.header.timestamp);
        break;
      case 'query': {
        const q = ev.query.trim();
        if (/^BEGIN$/i.test(q)) break;
        if (/^(COMMIT|ROLLBACK)$/i.test(q)) {
          this.boundary(end, ev.header.timestamp);
          break;
        }
        await this.handleQuery(ev.schema, ev.query, pe, end, ev.header.timestamp);
        break;
      }
      default:
        break;
    }
    this.readLoc = end;
  }

  private boundary(end: Location, ts: number): void {
    const gtid = this.gtidNow();
    this.boundaries.push({ seq: this.seq, loc: gtid ? { ...end, gtid } : end, ts });
    this.advanceApplied();
  }

  /** The executed GTID set after the events handled so far (undefined when not known). */
  private gtidNow(): string | undefined {
    return this.gtids?.executed?.toString() || undefined;
  }

  private observeGtid(ev: PositionedEvent['event']): void {
    if (!this.gtids) {
      // Flavor not configured: the stream tells (each file opens with its GTID list).
      const flavor =
        ev.type === 'mariadb_gtid' || ev.type === 'mariadb_gtid_list'
          ? 'mariadb'
          : ev.type === 'gtid' || ev.type === 'previous_gtids'
            ? 'mysql'
            : undefined;
      if (!flavor) return;
      this.gtids = new GtidTracker(flavor, this.start.gtid || undefined);
    }
    this.gtids.observe(ev);
  }

  /**
   * A resume (process() after pause or error) goes on from the applied position, not from
   * where init() started: re-reading from there would replay DDLs that already ran (and fail
   * on them). Events between the applied position and the last one seen may be partly
   * applied, so they replay as after a crash: safe mode and tolerated "already done" DDL errors.
   */
  private continueFromApplied(): void {
    if (this.totalEvents === 0 || !this.applied) return;
    this.start = { ...this.applied };
    const seen = this.seenLoc;
    if (!this.startExitSafe || compareLocation(seen, this.startExitSafe) > 0) {
      this.startExitSafe = { ...seen };
    }
  }

  private safeFor(end: Location): boolean {
    if (this.cfg.syncer.safeMode || Date.now() < this.safeUntil) return true;
    return this.startExitSafe !== undefined && compareLocation(end, this.startExitSafe) <= 0;
  }

  private async structureOf(schema: string, table: string): Promise<TableStructure | undefined> {
    let t = this.tracker.get(schema, table);
    if (t) return t;
    // Not tracked (e.g. allowed only by a later config change): best effort, today's shape.
    t = await this.loadStructure(schema, table);
    if (t) this.tracker.put(t);
    return t;
  }

  private control(): Connection {
    if (!this.ctl) throw dmError(E.internal, 'sync unit used before init()');
    return this.ctl;
  }

  /** A statement on the control connection, reconnecting and retrying across downstream restarts. */
  private async ctlQuery(sql: string, params?: unknown[]): Promise<unknown> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 3000, maxAttempts: 25 });
    for (;;) {
      try {
        this.ctl ??= await connectDb(this.cfg.to, E.dbDownstreamConnect);
        const [r] = await this.ctl.query(sql, params);
        return r;
      } catch (err) {
        if (!retryable(err) || !backoff.canRetry()) throw err;
        this.ctl?.destroy();
        this.ctl = undefined;
        await sleep(backoff.next());
      }
    }
  }

  private async handleRows(ev: RowsEvent, pe: PositionedEvent, end: Location): Promise<void> {
    if (!this.filters.allowRows(ev)) return;
    const t = await this.structureOf(ev.schema, ev.table);
    if (!t) {
      throw dmError(
        E.syncSchemaUnknown,
        `table ${ev.schema}.${ev.table} is not known to the schema tracker`,
        {
          context: { binlogPosition: formatLocation({ file: pe.file, pos: pe.pos }) },
        },
      );
    }
    const noKey = identityKey(t) === undefined;
    const tcp = noKey ? this.tableCps.get(tableKey({ schema: ev.schema, table: ev.table })) : undefined;
    if (tcp && compareLocation(end, tcp) <= 0) return; // already applied with its table checkpoint
    const target: TableName = this.filters.route(ev.schema, ev.table);
    const names = t.columns.map((c) => c.name);
    const safe = this.safeFor(end);
    const eventPos = { file: pe.file, pos: pe.pos };
    for (const change of rowChanges(ev, t, target)) {
      if (this.filters.skipChange(ev.schema, ev.table, names, change)) continue;
      const keys = changeKeys(change);
      let idx = this.causality.assign(keys);
      if (idx === 'conflict') {
        await this.drainAll();
        this.causality.reset();
        idx = this.causality.assign(keys) as number;
      } else if (this.causality.size > 1_000_000 && this.appliers.every((a) => a.length === 0)) {
        this.causality.reset();
        idx = this.causality.assign(keys) as number;
      }
      const job: DmlJob = { seq: ++this.seq, change, keys, eventPos, eventEnd: end, safe, noKey };
      const a = this.appliers[idx] as Applier;
      a.push(job);
      // Backpressure: bounded memory, the reader waits for the slowest applier.
      while (a.length > Math.max(this.cfg.syncer.queueSize || 1024, this.cfg.syncer.batch * 2)) {
        if (a.error) throw a.error;
        await Promise.race([a.waitIdle(), sleep(5)]);
      }
    }
  }

  private async drainAll(): Promise<void> {
    await Promise.all(this.appliers.map((a) => a.waitIdle()));
    const failed = this.appliers.find((a) => a.error);
    if (failed?.error) throw failed.error;
  }

  private onApplied(_jobs: DmlJob[]): void {
    this.advanceApplied();
  }

  /** Move the applied position to the last boundary whose jobs are all applied. */
  private advanceApplied(): void {
    let low = Number.POSITIVE_INFINITY;
    for (const a of this.appliers) low = Math.min(low, a.firstPendingSeq());
    while (this.boundaries.length && (this.boundaries[0] as Boundary).seq < low) {
      const b = this.boundaries.shift() as Boundary;
      this.applied = b.loc;
      this.appliedTs = b.ts;
    }
    this.gauges.lag?.set(
      { task: this.cfg.name, source_id: this.cfg.sourceId },
      this.status().secondsBehindMaster,
    );
  }

  // ---- checkpoint ---------------------------------------------------------------------

  /** Serialise control-connection writes (horizon, checkpoint, DDL). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.controlChain.then(fn, fn);
    this.controlChain = p.catch(() => undefined);
    return p;
  }

  /** Before an applier commits up to `end`, the exit-safe point must be persisted at or past it. */
  private ensureHorizon(end: Location): Promise<void> {
    if (this.persistedHorizon && compareLocation(this.persistedHorizon, end) >= 0) return Promise.resolve();
    this.horizonWrite ??= this.serial(async () => {
      // The end of the event being handled: at or after every dispatched job's event end.
      const h = { ...this.seenLoc };
      const s = this.store.saveExitSafeSql(h);
      await this.ctlQuery(s.sql, s.params);
      this.persistedHorizon = h;
    }).finally(() => {
      this.horizonWrite = undefined;
    });
    return this.horizonWrite.then(() => this.ensureHorizon(end));
  }

  /**
   * Save the global checkpoint (applied position + tracker). On a clean stop with every
   * change applied up to the read position, the exit-safe point is cleared.
   */
  private flushCheckpoint(final: boolean): Promise<void> {
    return this.serial(async () => {
      if (!this.applied) return;
      const clean = final && compareLocation(this.applied, this.readLoc) >= 0;
      const exitSafe = clean
        ? undefined
        : [this.persistedHorizon, this.seenLoc].reduce<Location | undefined>(
            (a, b) => (!a ? b : b && compareLocation(b, a) > 0 ? b : a),
            undefined,
          );
      const s = this.store.saveGlobalSql({ location: this.applied, exitSafe, tables: this.tracker.toJSON() });
      await this.ctlQuery(s.sql, s.params);
      this.persistedHorizon = exitSafe;
    });
  }

  private async pollMaster(): Promise<void> {
    if (this.closed) return;
    const up = await this.upstream();
    const [rows] = (await up.query('SHOW MASTER STATUS')) as unknown as [Record<string, unknown>[]];
    const r = rows[0];
    if (r) this.master.loc = { file: String(r.File), pos: Number(r.Position) };
    try {
      const [g] = (await up.query('SELECT @@GLOBAL.gtid_binlog_pos AS g')) as unknown as [{ g: string }[]];
      this.master.gtid = g[0]?.g ?? '';
    } catch {
      this.master.gtid = String(r?.Executed_Gtid_Set ?? '');
    }
  }

  // ---- DDL --------------------------------------------------------------------------

  private async handleQuery(
    schema: string,
    query: string,
    pe: PositionedEvent,
    end: Location,
    ts: number,
  ): Promise<void> {
    // A pending `dmctl binlog skip|replace|inject` for this event changes what is executed.
    const op = this.deps.binlogOps?.take(pe.file, pe.pos);
    if (op) this.log.warn({ op: op.kind, at: op.pos, sqls: op.sqls }, 'binlog operation applied');
    this.skipping = op?.kind === 'skip';
    try {
      await this.ddl.handleQuery(schema, operatedQuery(op, query), { file: pe.file, pos: pe.pos }, end);
    } finally {
      this.skipping = false;
    }
    this.boundary(end, ts);
  }

  /** The schema tracker (for `dmctl binlog-schema`, see schema-operator.ts). */
  get schemaTracker(): SchemaTracker {
    return this.tracker;
  }

  /** Persist the tracker with the checkpoint now (`binlog-schema --flush`). */
  async flushSchema(): Promise<void> {
    await this.flushCheckpoint(false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const a of this.appliers) a.stop();
    await this.ctl?.end().catch(() => undefined);
    await this.up?.end().catch(() => undefined);
    this.ctl = undefined;
    this.up = undefined;
  }
}

function isAbortLike(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError' || isDmError(err, E.connectionLost);
}

/** The flavor a GTID set is written in (`uuid:1-5` MySQL, `0-1-5` MariaDB), if any. */
function gtidFlavor(gtid: string | undefined): 'mysql' | 'mariadb' | undefined {
  if (!gtid) return undefined;
  return gtid.includes(':') ? 'mysql' : 'mariadb';
}
