import { durationMs } from '../../pkg/config/duration.js';
import type { SubTaskConfig, ValidatorConfig } from '../../pkg/config/types.js';
import { parseByteSize } from '../../pkg/config/validator-config.js';
import { type Connection, connectDb } from '../../pkg/db/connect.js';
import { dmError, E } from '../../pkg/errors/index.js';
import type { Logger } from '../../pkg/log/logger.js';
import { sleep } from '../../pkg/retry/backoff.js';
import { compareLocation, type DmlJob, type Location } from '../job.js';
import { catchingUp } from '../sync-lag.js';
import { PendingRows } from './pending-rows.js';
import { type CheckContext, checkBatch } from './validator-check.js';
import {
  TableStages,
  type ValidationStatus,
  type ValidationTableStatus,
  type ValidatorStage,
} from './validator-status.js';
import {
  ensureValidatorTables,
  errorCounts,
  type ValidatorTables,
  validatorTables,
} from './validator-store.js';

export {
  VALIDATOR_STAGES,
  type ValidationStatus,
  type ValidationTableStatus,
  type ValidatorStage,
} from './validator-status.js';

/**
 * The one call the sync unit makes into the validator: after an applier committed `jobs`.
 * Must not block or throw (replication never waits for validation).
 */
export interface AppliedRowsSink {
  rowsApplied(jobs: readonly DmlJob[]): void;
}

/**
 * While replication is busy (a backlog in the appliers' queues) a validation round waits, this
 * often re-asking, so the checks do not compete with the appliers for the downstream and the
 * worker's CPU; they catch up once the burst is applied.
 */
const BUSY_RECHECK_MS = 200;

/**
 * Replication is busy: catching up (the applied changes are 2 s or more old) or a backlog of
 * more than one batch per applier — a burst, not a trickle. The validator's checks wait then.
 */
export function replicationBusy(
  secondsBehind: number,
  backlog: number,
  syncer: { batch: number; workerCount: number },
): boolean {
  return catchingUp(secondsBehind) || backlog > syncer.batch * Math.max(1, syncer.workerCount);
}

/**
 * Checks wait for a busy replication at most this long, and never longer than `row-error-delay`;
 * then a long catch-up is checked as it goes (as DM does). Within that bound waiting delays no
 * finding (a row becomes an error row only after `row-error-delay`, 30 min by default, of
 * being different), and memory is bounded by the caps.
 */
const MAX_DEFER_MS = 5 * 60_000;

/**
 * A periodic sync checkpoint waits for the validator at most this long (see holdsCheckpoint):
 * it bounds what a crash replays.
 */
const MAX_CHECKPOINT_HOLD_MS = 120_000;

/**
 * DM's continuous validator for one subtask. Every row change an applier committed becomes a
 * pending row keyed by (table, identity key) — a later change of the same key replaces it, so a
 * row changed many times is checked once, and memory is one entry per changed key, capped by
 * `max-pending-row-count`/`-size` (beyond them the validator stops with an error instead of
 * growing). A loop re-checks pending rows against the downstream in batches of
 * `batch-query-size`, waiting while replication is busy (up to 5 min or row-error-delay, below
 * half the caps); a row that still differs after `row-error-delay` is recorded in `<task>_validator_error_change`
 * (upsert on its key, so a replay after a crash never records it twice). Before every sync
 * checkpoint and every `meta-flush-interval` the pending rows changed since the last flush and
 * the applied location are checkpointed; on restart, changes at or before that location are not
 * counted again. Tables without a primary/unique key are not validated (as DM).
 */
export class DataValidator implements AppliedRowsSink {
  private readonly pending = new PendingRows();
  private readonly processed = { insert: 0, update: 0, delete: 0 };
  private stage: ValidatorStage = 'Stopped';
  private error: string | undefined;
  private conn: Connection | undefined;
  /** `worker-count` connections that run the check queries in parallel (DM's validate workers). */
  private checkers: Connection[] = [];
  private readonly tables: ValidatorTables;
  private readonly stages: TableStages;
  private cpLocation: Location | undefined;
  /**
   * The checkpoint loaded at start: changes at or before it were counted before a restart and
   * are skipped when replayed; cleared once the applied location has passed it.
   */
  private replayUpTo: Location | undefined;
  private errors = [0, 0, 0];
  private readonly maxBytes: number;
  private readonly delayMs: number;
  private readonly flushMs: number;
  private readonly validateMs: number;
  private readonly checkMs: number;
  private dirty = false;

  constructor(
    private readonly cfg: SubTaskConfig,
    private readonly vc: ValidatorConfig,
    private readonly appliedLocation: () => Location | undefined,
    private readonly log: Logger,
    /** True while replication has a backlog: checks wait (see BUSY_RECHECK_MS). */
    private readonly busy: () => boolean = () => false,
  ) {
    this.tables = validatorTables(cfg.metaSchema, cfg.name);
    this.stages = new TableStages(cfg.sourceId);
    this.maxBytes = parseByteSize(vc.maxPendingRowSize, 500 * 1024 ** 2);
    this.delayMs = durationMs(vc.rowErrorDelay, 30 * 60_000, 'row-error-delay');
    this.flushMs = durationMs(vc.metaFlushInterval, 5 * 60_000, 'meta-flush-interval');
    this.validateMs = durationMs(vc.validateInterval ?? '10s', 10_000, 'validate-interval');
    this.checkMs = durationMs(vc.checkInterval ?? '5s', 5_000, 'check-interval');
  }

  /** Create the meta tables, load the checkpoint and pending rows; stage Running. */
  async init(): Promise<void> {
    this.conn = await connectDb(this.cfg.to, E.dbDownstreamConnect);
    for (let i = 0; i < Math.max(1, this.vc.workerCount); i++) {
      this.checkers.push(await connectDb(this.cfg.to, E.dbDownstreamConnect));
    }
    await ensureValidatorTables(this.conn, this.cfg.metaSchema, this.tables);
    const [cps] = await this.conn.query(
      `SELECT binlog_name, binlog_pos, procd_ins, procd_upd, procd_del FROM ${this.tables.checkpoint} WHERE source = ?`,
      [this.cfg.sourceId],
    );
    const cp = (cps as Record<string, unknown>[])[0];
    if (cp?.binlog_name) {
      this.cpLocation = { file: String(cp.binlog_name), pos: Number(cp.binlog_pos) };
      this.replayUpTo = this.cpLocation;
      this.processed.insert = Number(cp.procd_ins);
      this.processed.update = Number(cp.procd_upd);
      this.processed.delete = Number(cp.procd_del);
    }
    const [rows] = await this.conn.query(
      `SELECT schema_name, table_name, row_pk, data FROM ${this.tables.pending} WHERE source = ?`,
      [this.cfg.sourceId],
    );
    this.pending.load(rows as { schema_name: string; table_name: string; row_pk: string; data: unknown }[]);
    this.errors = await errorCounts(this.conn, this.tables, this.cfg.sourceId);
    this.stage = this.wanted;
  }

  /** The stage `validation start|stop` asked for (persisted in etcd, applied at init too). */
  private wanted: ValidatorStage = 'Running';

  /**
   * Turn an applier's committed batch into pending rows at once (latest change per key): the
   * jobs die young then, and what stays is one compact entry per changed key. (Queuing the jobs
   * to turn them later kept every job with both row images and its causality keys alive, and
   * the garbage collector copied and walked them all during the catch-up.)
   */
  rowsApplied(jobs: readonly DmlJob[]): void {
    if (this.stage !== 'Running') return;
    this.dirty = true;
    const now = Date.now();
    const replay = this.replayUpTo;
    let ins = 0;
    let del = 0;
    let n = 0;
    for (const j of jobs) {
      this.stages.note(j);
      if (j.noKey) continue;
      // Replayed after a restart: already counted before the checkpoint.
      if (replay && compareLocation(j.eventEnd, replay) <= 0) continue;
      const type = j.change.type;
      if (type === 'insert') ins++;
      else if (type === 'delete') del++;
      n++;
      this.pending.addChange(j, now);
    }
    this.processed.insert += ins;
    this.processed.delete += del;
    this.processed.update += n - ins - del;
    // Once everything up to the loaded checkpoint is applied, no replayed change can come.
    if (replay) {
      const applied = this.appliedLocation();
      if (applied && compareLocation(applied, replay) > 0) this.replayUpTo = undefined;
    }
    if (this.pending.size > this.vc.maxPendingRowCount || this.pending.bytes > this.maxBytes) {
      this.halt(
        dmError(
          E.validatorOverflow,
          `too many pending rows (${this.pending.size} rows, ${this.pending.bytes} bytes): over max-pending-row-count/max-pending-row-size`,
        ).toString(),
      );
    }
  }

  /** DM's tableStatuses, optionally of one stage (`--table-stage running|stopped`). */
  tableStatus(stage?: ValidatorStage): ValidationTableStatus[] {
    return this.stages.list(this.stage, stage);
  }

  /**
   * `validation stop` (Running → Stopped): pending rows are kept (and checkpointed) for a later
   * start; changes applied while stopped are not validated (as DM, whose stopped validator
   * does not read the binlog either).
   */
  stop(): void {
    this.wanted = 'Stopped';
    if (this.conn) this.stage = 'Stopped';
  }

  /** `validation start` (Stopped → Running); clears the error of an overflow stop. */
  start(): void {
    this.wanted = 'Running';
    this.error = undefined;
    if (this.conn) this.stage = 'Running';
  }

  /** A fatal condition: Stopped with the reason in its status until `validation start`. */
  private halt(reason: string): void {
    this.stage = 'Stopped';
    this.error = reason;
    this.log.warn({ reason }, 'validator stopped');
  }

  /** The check loop: validate pending rows every validate-interval; flush every meta-flush-interval. */
  async run(signal: AbortSignal): Promise<void> {
    let lastFlush = Date.now();
    while (!signal.aborted) {
      let wait = this.stage === 'Running' ? this.validateMs : this.checkMs;
      try {
        if (this.stage === 'Running' && !(await this.validateOnce())) wait = BUSY_RECHECK_MS;
        // The timed flush waits like the sync checkpoint does (holdsCheckpoint): in the middle of
        // a catch-up it would write every pending row (hundreds of thousands) on the busy
        // downstream — measured: a 25 s stall of all appliers when it fell inside one.
        if (Date.now() - lastFlush >= this.flushMs && !this.holdsCheckpoint()) {
          await this.flush();
          lastFlush = Date.now();
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'validation round failed; retried');
      }
      // validate-interval between rounds; check-interval while not running (DM's waitSyncerRunning).
      await sleep(wait, signal).catch(() => undefined);
    }
  }

  /**
   * Replication has been busy for less than MAX_DEFER_MS and the pending rows are below half
   * the caps: checking now would slow the appliers, and waiting costs only memory.
   */
  private deferred(): boolean {
    const wait =
      this.busy() &&
      this.pending.size * 2 < this.vc.maxPendingRowCount &&
      this.pending.bytes * 2 < this.maxBytes;
    if (!wait) {
      this.busySince = 0;
      return false;
    }
    // A long catch-up is checked as it goes (as DM does), only a burst is waited out.
    const now = Date.now();
    if (this.busySince === 0) this.busySince = now;
    return now - this.busySince < Math.min(MAX_DEFER_MS, this.delayMs);
  }

  /**
   * A periodic sync checkpoint waits while the checks wait (replication busy, below half the
   * caps), for at most MAX_CHECKPOINT_HOLD_MS: it would have to write every pending row changed
   * since the last flush to the downstream first (the checkpoint must not pass a change only held in
   * memory), and during a catch-up that is a large write on the server replication needs.
   * A crash meanwhile replays from the previous checkpoint (safe mode, up to the exit-safe
   * point): nothing is lost, and the pending rows it re-adds are keyed, so nothing is doubled.
   */
  holdsCheckpoint(): boolean {
    if (this.stage !== 'Running' || this.conn === undefined || !this.deferred()) return false;
    return Date.now() - this.busySince < MAX_CHECKPOINT_HOLD_MS;
  }

  /** When replication became busy (0: it is not), for MAX_DEFER_MS. */
  private busySince = 0;

  /**
   * One pass over the pending rows, `batch-query-size` keys per downstream query. False when it
   * stopped early (or did not start) because replication is busy.
   */
  async validateOnce(): Promise<boolean> {
    if (!this.conn) return true;
    if (this.deferred()) return false;
    const ctx: CheckContext = {
      source: this.cfg.sourceId,
      tables: this.tables,
      pending: this.pending,
      full: this.vc.mode === 'full',
      delayMs: this.delayMs,
    };
    const batches = this.pending.batches(Math.max(1, this.vc.batchQuerySize));
    // worker-count check connections take batches from one queue (DM hashes rows to its
    // validate workers; one key lives in one batch here, so any split is safe).
    let next = 0;
    let recorded = false;
    let complete = true;
    await Promise.all(
      this.checkers.map(async (cc) => {
        while (next < batches.length) {
          if (this.deferred()) {
            complete = false;
            return;
          }
          if (await checkBatch(ctx, cc, batches[next++]!)) recorded = true;
        }
      }),
    );
    if (recorded) {
      this.errors = await errorCounts(this.conn, this.tables, this.cfg.sourceId);
      this.dirty = true;
    }
    return complete;
  }

  /**
   * Checkpoint: the applied location (every change at or before it was delivered here) with
   * the pending rows changed since the last flush and the counters, in one transaction.
   */
  flush(): Promise<void> {
    const p = this.flushing.then(() => this.flushNow());
    this.flushing = p.catch(() => undefined);
    return p;
  }

  /** Flushes run one at a time on the meta connection (each is one transaction). */
  private flushing: Promise<void> = Promise.resolve();

  private async flushNow(): Promise<void> {
    const c = this.conn;
    if (!c || !this.dirty) return;
    const loc = this.appliedLocation();
    if (!loc?.file) return;
    const rev = Date.now();
    // Taken in the same tick as `loc`: exactly the changes at or before it (a later change
    // arriving during the writes is replayed after a crash, so must not be saved as pending).
    const counts = { ...this.processed };
    const { delta, undo } = this.pending.delta();
    this.dirty = false;
    const src = this.cfg.sourceId;
    await c.query('BEGIN');
    try {
      if (delta.full) await c.query(`DELETE FROM ${this.tables.pending} WHERE source = ?`, [src]);
      for (const [table, keys] of delta.deletes) {
        const [schema, name] = table.split('\u0000');
        for (let i = 0; i < keys.length; i += 1000) {
          await c.query(
            `DELETE FROM ${this.tables.pending} WHERE source = ? AND schema_name = ? AND table_name = ? AND row_pk IN (?)`,
            [src, schema, name, keys.slice(i, i + 1000)],
          );
        }
      }
      for (let i = 0; i < delta.inserts.length; i += 500) {
        await c.query(
          `INSERT INTO ${this.tables.pending} (source, schema_name, table_name, row_pk, data, revision) VALUES ?`,
          [delta.inserts.slice(i, i + 500).map((r) => [src, ...r, rev])],
        );
      }
      await c.query(
        `INSERT INTO ${this.tables.checkpoint} (source, binlog_name, binlog_pos, binlog_gtid, procd_ins, procd_upd, procd_del, revision)
         VALUES (?, ?, ?, '', ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE binlog_name = VALUES(binlog_name), binlog_pos = VALUES(binlog_pos),
           procd_ins = VALUES(procd_ins), procd_upd = VALUES(procd_upd), procd_del = VALUES(procd_del), revision = VALUES(revision)`,
        [src, loc.file, loc.pos, counts.insert, counts.update, counts.delete, rev],
      );
      await c.query('COMMIT');
      this.cpLocation = loc;
    } catch (err) {
      this.dirty = true;
      undo();
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Re-read the new/ignored/resolved counts (after ignore/resolve/clear-error). */
  async refreshErrorCounts(): Promise<void> {
    if (this.conn) this.errors = await errorCounts(this.conn, this.tables, this.cfg.sourceId);
  }

  status(): ValidationStatus {
    const loc = this.cpLocation;
    const p = this.processed;
    const k = this.pending.kinds();
    const e = this.errors;
    return {
      task: this.cfg.name,
      source: this.cfg.sourceId,
      mode: this.vc.mode,
      stage: this.stage,
      validatorBinlog: loc ? `(${loc.file}, ${loc.pos})` : '',
      validatorBinlogGtid: '',
      result: this.error ? { isCanceled: false, errors: [{ message: this.error }] } : null,
      processedRowsStatus: `insert/update/delete: ${p.insert}/${p.update}/${p.delete}`,
      pendingRowsStatus: `insert/update/delete: ${k.insert}/${k.update}/${k.delete}`,
      errorRowsStatus: `new/ignored/resolved: ${e[0]}/${e[1]}/${e[2]}`,
      cutoverBinlogPos: '',
      cutoverBinlogGtid: '',
    };
  }

  async close(): Promise<void> {
    await this.flush().catch((err: Error) =>
      this.log.warn({ err: err.message }, 'validator final flush failed'),
    );
    await this.conn?.end().catch(() => undefined);
    this.conn = undefined;
    for (const cc of this.checkers.splice(0)) await cc.end().catch(() => undefined);
  }
}
