import type { PositionedEvent } from '../pkg/binlog/types.js';
import { durationMs } from '../pkg/config/duration.js';
import type { SubTaskConfig } from '../pkg/config/types.js';
import { type Connection, connectDb, isRetryableDbError } from '../pkg/db/connect.js';
import { asDmError, type DmError, E, isDmError } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { SchemaTracker } from '../pkg/schema/schema-tracker.js';
import type { TableStructure } from '../pkg/schema/table-structure.js';
import type { ProcessResult, Unit, UnitDeps } from '../unit/unit.js';
import { AppliedPosition } from './applied-position.js';
import { ApplierPool } from './applier-pool.js';
import { CheckpointStore } from './checkpoint.js';
import { CheckpointHorizon } from './checkpoint-horizon.js';
import { ControlConnection } from './control-connection.js';
import type { DdlExecutor } from './ddl/ddl-executor.js';
import { EventFilters } from './event-filters.js';
import { EventHandler } from './event-handler.js';
import { ExecutedGtids } from './executed-gtids.js';
import { compareLocation, formatLocation, type Location } from './job.js';
import { MasterPosition } from './master-position.js';
import { RowsDispatcher } from './rows-dispatcher.js';
import { SafeMode } from './safe-mode.js';
import { showCreateTableOf } from './schema-operator.js';
import type { DmlHolder } from './shard/dml-holder.js';
import type { OptimistStep } from './shard/optimist-step.js';
import type { PessimistStep } from './shard/pessimist-step.js';
import { openEvents, readFullPhaseStart, type StartPoint } from './start-location.js';
import { loadStructure, replicatedTables } from './structure-source.js';
import type { SyncControl } from './sync-control.js';
import { wireDdl } from './sync-ddl-wiring.js';
import { catchingUp, interval, syncLag } from './sync-lag.js';
import { chooseStart } from './sync-start.js';
import { SyncStats } from './sync-stats.js';
import type { SyncStatus } from './sync-status.js';
import { DataValidator, replicationBusy } from './validator/validator.js';

/**
 * The sync unit: incremental replication from the binlog (upstream or relay) to the
 * downstream. Pipeline: events → filters/route → schema tracker → row changes → causality →
 * `worker-count` appliers → checkpoint. See docs in checkpoint.ts (what is saved when) and
 * applier.ts (transactions, retries). Crash-safety in short: the global checkpoint only
 * moves to a transaction boundary whose changes are all applied; the exit-safe point is
 * persisted before any applier commits past it, and a restart runs in safe mode until it is
 * passed (checkpoint-horizon.ts); keyless tables carry their own checkpoint in their data
 * transactions. This file is the pipeline's driver; the parts it drives, one concept each:
 * applier-pool.ts (causality + appliers), rows-dispatcher.ts (ROWS events → jobs), applied-position.ts, checkpoint-horizon.ts,
 * control-connection.ts, executed-gtids.ts, master-position.ts, sync-stats.ts, safe-mode.ts,
 * event-handler.ts; the worker steers it through SyncControl (sync-control.ts).
 */
export class SyncUnit implements Unit<SyncStatus>, SyncControl {
  readonly type = 'Sync' as const;
  private readonly log: Logger;
  private readonly tracker: SchemaTracker;
  private readonly store: CheckpointStore;
  private readonly filters: EventFilters;
  private readonly ddl: DdlExecutor;
  private readonly ctl: ControlConnection;
  private readonly horizon: CheckpointHorizon;
  private up: Connection | undefined;
  private readonly pool: ApplierPool;
  private readonly rows: RowsDispatcher;
  private start: StartPoint = { file: '', pos: 4 };
  private tableCps = new Map<string, Location>();
  /** One binlog event → rows / boundary / DDL; the read and seen positions. */
  private readonly ev: EventHandler;
  /** Applied position: the last transaction boundary whose changes are all applied. */
  private readonly applied = new AppliedPosition();
  /** Where writes go in safe mode: replay of an earlier run, start-up window (safe-mode.ts). */
  private readonly safe: SafeMode;
  private readonly stats: SyncStats;
  private readonly master = new MasterPosition();
  private closed = false;
  /** DM's continuous validator, when the instance's validator mode is fast or full. */
  readonly validator: DataValidator | undefined;
  /** Executed GTID set, following the handled stream (stamped on the checkpointed positions). */
  private readonly gtids = new ExecutedGtids(() => this.start.gtid);
  /** Pessimistic shard-DDL coordination (`shard-mode: pessimistic`), else undefined. */
  private readonly shard: PessimistStep | undefined;
  /** The shard step's held DML (either mode), else undefined. */
  private readonly holder: DmlHolder | undefined;
  /** Optimistic shard-DDL coordination (`shard-mode: optimistic`), else undefined. */
  private readonly optimist: OptimistStep | undefined;
  /** Where process() reads events from (SyncControl.setReadFromRelay); starts as `enableRelay`. */
  private fromRelay: boolean;
  /** The running process()'s abort signal (a shard-DDL wait ends with it). */
  private runSignal: AbortSignal = new AbortController().signal;

  constructor(
    private readonly cfg: SubTaskConfig,
    private readonly deps: UnitDeps,
  ) {
    this.fromRelay = cfg.enableRelay === true;
    this.safe = new SafeMode(cfg.syncer.safeMode === true);
    this.log = deps.logger.child({ unit: 'sync', task: cfg.name, source: cfg.sourceId });
    this.tracker = new SchemaTracker(cfg.caseSensitive);
    this.store = new CheckpointStore(cfg.metaSchema, cfg.name, cfg.sourceId);
    this.filters = new EventFilters(cfg);
    if (cfg.validator && cfg.validator.mode !== 'none') {
      const busy = () => replicationBusy(this.lagSeconds(), this.pool.backlog(), cfg.syncer);
      this.validator = new DataValidator(cfg, cfg.validator, () => this.applied.location, this.log, busy);
    }
    const wired = wireDdl(
      cfg,
      deps,
      {
        tracker: this.tracker,
        filters: this.filters,
        ctlQuery: (sql, params) => this.ctl.query(sql, params),
        ddlQuery: (sql, session) => this.ctl.ddl(sql, session),
        control: () => this.ctl.get(),
        applied: () => this.applied.location,
        dispatch: async (ev, pe, end, t) => {
          const wait = this.rows.handleWith(ev, pe, end, t);
          if (wait) await wait;
        },
        drain: async () => {
          await this.pool.drain();
          this.advanceApplied();
        },
        signal: () => this.runSignal,
        ensureHorizon: (end) => this.ensureHorizon(end),
        isReplay: (end) => this.safe.isReplay(end),
        done: async (end) => {
          this.applied.set(this.gtids.stamp({ ...end }));
          await this.horizon.flush(false);
        },
      },
      this.log,
    );
    this.ddl = wired.ddl;
    this.shard = wired.pessimist;
    this.optimist = wired.optimist;
    this.holder = wired.holder;
    this.pool = new ApplierPool({
      cfg,
      store: this.store,
      logger: this.log,
      beforeCommit: (end) => this.ensureHorizon(end),
      onApplied: (jobs, queue, seconds) => {
        this.stats.applied(jobs, queue, seconds);
        this.advanceApplied();
      },
      sink: this.validator,
      backlog: () => catchingUp(this.lagSeconds()),
    });
    this.rows = new RowsDispatcher({
      tracker: this.tracker,
      filters: this.filters,
      pool: this.pool,
      applied: this.applied,
      tableCheckpoint: (key) => this.tableCps.get(key),
      safeFor: (end) => this.safe.safeFor(end),
      loadStructure: (schema, table) => this.loadStructure(schema, table),
    });
    this.ctl = new ControlConnection(cfg.to);
    this.horizon = new CheckpointHorizon(
      this.store,
      (sql, params) => this.ctl.query(sql, params),
      {
        seen: () => this.ev.seenLoc,
        // While a shard DDL is pending the checkpoint stays before it (pessimist-step.ts).
        applied: () => this.holder?.frozen()?.location ?? this.applied.location,
        read: () => this.ev.readLoc,
        tables: () => this.holder?.frozen()?.tables ?? this.tracker.toJSON(),
      },
      this.validator ? () => this.validator!.flush() : undefined,
      this.validator ? () => this.validator!.holdsCheckpoint() : undefined,
    );
    this.stats = new SyncStats({ task: cfg.name, source_id: cfg.sourceId }, deps.registry);
    this.ev = new EventHandler({
      stats: this.stats,
      gtids: this.gtids,
      filters: this.filters,
      tracker: this.tracker,
      rows: this.rows,
      ddl: () => this.ddl,
      holder: this.holder,
      binlogOps: deps.binlogOps,
      log: this.log,
      boundary: (end, ts) => this.boundary(end, ts),
    });
  }

  async init(): Promise<void> {
    const ctl = await this.ctl.open();
    await this.store.ensureTable(ctl);
    const cp = await this.store.loadGlobal(ctl);
    this.tableCps = await this.store.loadTables(ctl);
    await this.validator?.init();
    // The snapshots the full phase loaded from (several after a resume on another worker).
    const full = await readFullPhaseStart(this.cfg, ctl);
    for (const [key, l] of full?.tableStarts ?? []) {
      const had = this.tableCps.get(key);
      if (!had || compareLocation(l, had) > 0) this.tableCps.set(key, l);
    }
    const chosen = await chooseStart(
      {
        cfg: this.cfg,
        workDir: this.deps.workDir,
        store: this.store,
        tracker: this.tracker,
        filters: this.filters,
        log: this.log,
        upstream: () => this.upstream(),
        loadStructure: (s, t) => this.loadStructure(s, t),
      },
      ctl,
      cp,
      full,
    );
    this.start = chosen.start;
    this.safe.arm(chosen.exitSafe, chosen.timed === true || cp === undefined);
    if ('file' in this.start) {
      this.ev.readLoc = { ...this.start };
      this.ev.seenLoc = { ...this.start };
      this.applied.set({ ...this.start });
    }
    this.horizon.resume(chosen.exitSafe);
    this.gtids.begin(this.cfg.flavor);
    if (this.shard || this.optimist) {
      const tables = (await replicatedTables(await this.upstream(), this.filters)).map(({ s, t }) => ({
        schema: s,
        table: t,
      }));
      await this.shard?.init(tables, AbortSignal.timeout(60_000));
      await this.optimist?.init(tables);
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
      { upstream: () => this.upstream(), downstream: () => this.ctl.get() },
      schema,
      table,
    );
  }

  isRetryable(err: DmError): boolean {
    if (err.code === E.dbBadConn.code || err.code === E.connectionLost.code) return true;
    return isRetryableDbError(err.cause ?? err);
  }

  status(): SyncStatus {
    const applied = this.applied.location;
    const { synced, secondsBehindMaster } = this.lag();
    return {
      ...this.stats.rates(),
      masterBinlog: this.master.binlog,
      masterBinlogGtid: this.master.binlogGtid,
      syncerBinlog: formatLocation(applied),
      syncerBinlogGtid: applied?.gtid ?? this.start.gtid ?? '',
      blockingDDLs: [],
      unresolvedGroups: [],
      ...(this.shard ?? this.optimist)?.status(),
      // DML held for a pending shard DDL is not applied: not synced while any is.
      synced: synced && this.holder?.frozen() === undefined,
      binlogType: this.fromRelay ? 'local' : 'remote',
      secondsBehindMaster,
    };
  }

  setReadFromRelay(on: boolean): void {
    this.fromRelay = on;
  }

  get readsFromRelay(): boolean {
    return this.fromRelay;
  }

  /** The applied position (cheap: for pollers that need only this, e.g. the benchmark). */
  get appliedLocation(): Location | undefined {
    return this.applied.location;
  }

  /** Seconds behind master, as one function made once (the lag metric takes it per transaction). */
  private readonly lagSeconds = (): number => this.lag().secondsBehindMaster;

  private lag(): { synced: boolean; secondsBehindMaster: number } {
    const applied = this.applied.location;
    // The master is at least where we have applied to (its position is polled once a second).
    return syncLag(applied, this.applied.timestamp, this.pool.idle, this.master.atLeast(applied));
  }

  async process(signal: AbortSignal): Promise<ProcessResult> {
    this.continueFromApplied();
    const inner = new AbortController();
    this.runSignal = inner.signal;
    const onAbort = (): void => inner.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const window = durationMs(
      this.cfg.syncer.safeModeDuration,
      2 * this.cfg.syncer.checkpointFlushInterval * 1000,
      'safe-mode-duration',
    );
    this.safe.beginRun(Date.now(), window);
    this.stats.restart();
    const runs = this.pool.start(() => inner.abort());
    const validatorStop = new AbortController();
    const validating = this.validator?.run(validatorStop.signal);
    const stopFlush = interval(Math.max(100, this.cfg.syncer.checkpointFlushInterval * 1000), () => {
      this.horizon
        .flush(false, true)
        .catch((err) => this.log.warn({ err: (err as Error).message }, 'checkpoint flush failed'));
    });
    const stopPoll = interval(1000, () => {
      this.pollMaster().catch(() => undefined);
      this.stats.rates(); // keeps dm_syncer_recent_tps current (decaying to 0) while idle
      this.stats.positions(this.master.atLeast(this.applied.location), this.applied.location);
    });
    this.pollMaster().catch(() => undefined);
    let error: DmError | undefined;
    try {
      await this.ev.consume(this.events(inner.signal), inner.signal);
    } catch (err) {
      if (!inner.signal.aborted || !isAbortLike(err)) error = asDmError(err, E.syncFailed);
    } finally {
      stopFlush();
      stopPoll();
      signal.removeEventListener('abort', onAbort);
    }
    const applierError = this.pool.firstError();
    if (!applierError) await this.pool.waitIdle();
    this.pool.stop();
    await runs;
    validatorStop.abort();
    await validating;
    try {
      await this.horizon.flush(!applierError && !error);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'final checkpoint flush failed');
    }
    const errors = [applierError, error].filter((e): e is DmError => e !== undefined);
    return { finished: false, errors };
  }

  private events(signal: AbortSignal): AsyncGenerator<PositionedEvent[]> {
    return openEvents(
      {
        cfg: this.cfg,
        workDir: this.deps.workDir,
        start: this.start,
        fromRelay: this.fromRelay,
        schemaLookup: this.tracker.lookup(),
        logger: this.log,
      },
      signal,
    );
  }

  // ---- event handling ---------------------------------------------------------------

  private boundary(end: Location, ts: number): void {
    this.stats.transaction();
    this.applied.boundary(this.gtids.stamp(end), ts);
    this.advanceApplied();
  }

  /**
   * A resume (process() after pause or error) goes on from the applied position, not from
   * where init() started: re-reading from there would replay DDLs that already ran (and fail
   * on them). Events between the applied position and the last one seen may be partly
   * applied, so they replay as after a crash: safe mode and tolerated "already done" DDL errors.
   */
  private continueFromApplied(): void {
    const applied = this.applied.location;
    if (this.stats.totalEvents === 0 || !applied) return;
    this.start = { ...applied };
    // A shard DDL was pending: go back to its frozen checkpoint (as a restart would) and
    // rebuild the groups and the held DML by replay, rather than trust state an interrupted
    // wait or release may have left half done.
    const frozen = this.holder?.frozen();
    if (frozen) {
      this.start = { ...frozen.location };
      this.tracker.load(structuredClone(frozen.tables));
      this.applied.rewind({ ...frozen.location });
      this.holder?.reset();
    }
    this.safe.resumeAfter(this.ev.seenLoc);
  }

  /** Move the applied position to the last boundary whose jobs are all applied. */
  private advanceApplied(): void {
    this.applied.advance(this.pool.lowestPending());
    this.stats.setLag(this.lagSeconds);
  }

  // ---- checkpoint ---------------------------------------------------------------------

  /** The exit-safe horizon, persisted before an applier commits past it. */
  private ensureHorizon(end: Location): Promise<void> {
    return this.horizon.ensure(end);
  }

  private async pollMaster(): Promise<void> {
    if (this.closed) return;
    await this.master.poll(await this.upstream());
  }

  /** The schema tracker (for `dmctl binlog-schema`, see schema-operator.ts). */
  get schemaTracker(): SchemaTracker {
    return this.tracker;
  }

  /** Persist the tracker with the checkpoint now (`binlog-schema --flush`). */
  async flushSchema(): Promise<void> {
    await this.horizon.flush(false);
  }

  /** `binlog-schema update --from-source|--from-target` (schema-operator.ts). */
  async createTableOf(from: 'source' | 'target', database: string, table: string): Promise<string> {
    if (from === 'source') return showCreateTableOf(await this.upstream(), database, table);
    const t = this.filters.route(database, table);
    return showCreateTableOf(this.ctl.get(), t.schema, t.table);
  }

  /** `binlog-schema update --sync`: false when not optimistic (DM ignores --sync then). */
  async syncOptimistic(t: TableStructure): Promise<boolean> {
    await this.optimist?.syncSchema(t);
    return this.optimist !== undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.holder?.close();
    this.pool.stop();
    this.stats.close();
    await this.validator?.close();
    await this.ctl.close();
    await this.up?.end().catch(() => undefined);
    this.up = undefined;
  }
}

function isAbortLike(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError' || isDmError(err, E.connectionLost);
}
