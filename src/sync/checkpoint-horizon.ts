import type { TableStructure } from '../pkg/schema/table-structure.js';
import type { CheckpointStore } from './checkpoint.js';
import { compareLocation, type Location } from './job.js';

/** The positions of the sync pipeline the horizon reads at the moment it writes. */
export interface PipelinePositions {
  /** End of the event being handled: at or after every dispatched job's event end. */
  seen(): Location;
  /** The last transaction boundary whose changes are all applied (undefined: none known yet). */
  applied(): Location | undefined;
  /** After the last event handled. */
  read(): Location;
  /** The schema tracker's tables, saved with the global checkpoint. */
  tables(): TableStructure[];
}

/** Runs one statement on the control connection (retried across downstream restarts). */
export type ControlQuery = (sql: string, params?: unknown[]) => Promise<unknown>;

/**
 * The exit-safe horizon and the global checkpoint writes. Appliers commit in parallel and out
 * of order, so after a crash the downstream may hold changes past the global checkpoint; the
 * exit-safe point bounds them, and a restart replays up to it in safe mode (idempotent SQL).
 * Invariants kept here:
 * - before an applier commits up to `end`, the exit-safe point is persisted at or past it
 *   (`ensure`);
 * - the global checkpoint saves the applied position + the schema tracker (`flush`);
 * - on a clean final flush with everything applied up to the read position, the exit-safe
 *   point is cleared (a restart then needs no safe-mode replay).
 * Both writes go through one serial chain, so a checkpoint never overtakes a horizon write
 * started before it (which would let the older exit-safe point land last).
 */
export class CheckpointHorizon {
  /** The exit-safe point known to be in the checkpoint table (undefined: none/cleared). */
  private persisted: Location | undefined;
  /** The horizon write in flight: concurrent `ensure` callers share it. */
  private horizonWrite: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: CheckpointStore,
    private readonly query: ControlQuery,
    private readonly pos: PipelinePositions,
    /**
     * Runs after the applied position to save is taken and before it is written: the
     * continuous validator persists its pending rows up to at least that position, so a
     * restart from this checkpoint never skips a change the validator had only in memory.
     */
    private readonly beforeSave?: () => Promise<void>,
    /**
     * True while a periodic checkpoint should wait: the continuous validator holds back its
     * pending-row writes while replication catches up (bounded, see DataValidator.holdsCheckpoint),
     * and a checkpoint would force them out onto the busy downstream. Skipping is safe: the
     * previous checkpoint stays valid and the exit-safe point still covers every commit.
     */
    private readonly holdBack?: () => boolean,
  ) {}

  /** The exit-safe point loaded from the checkpoint at init (already persisted). */
  resume(exitSafe: Location | undefined): void {
    this.persisted = exitSafe;
  }

  /** Serialise control-connection writes (horizon, checkpoint); a failure does not block the next. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Before an applier commits up to `end`, the exit-safe point must be persisted at or past it. */
  ensure(end: Location): Promise<void> {
    if (this.persisted && compareLocation(this.persisted, end) >= 0) return Promise.resolve();
    this.horizonWrite ??= this.serial(async () => {
      // Past the end of the event being handled (at or after every dispatched job's end) by
      // HORIZON_AHEAD bytes of the same file: an upper bound is all the exit-safe point must
      // be, and one write then covers the next few MiB of commits instead of a round trip
      // before most of them (measured: ~6 ms of each apply's 30–40 ms during catch-up). The
      // cost is a longer safe-mode replay after a crash (idempotent). A later file compares
      // greater, so a rotation ends the region. No GTID: the set does not name that offset.
      const seen = this.pos.seen();
      const h: Location = { file: seen.file, pos: seen.pos + HORIZON_AHEAD };
      const s = this.store.saveExitSafeSql(h);
      await this.query(s.sql, s.params);
      this.persisted = h;
    }).finally(() => {
      this.horizonWrite = undefined;
    });
    return this.horizonWrite.then(() => this.ensure(end));
  }

  /**
   * Save the global checkpoint (applied position + tracker). On a clean stop (`final`) with
   * every change applied up to the read position, the exit-safe point is cleared. A `periodic`
   * flush (checkpoint-flush-interval) is skipped while `holdBack` says so.
   */
  flush(final: boolean, periodic = false): Promise<void> {
    const applied = this.pos.applied();
    if (!applied) return Promise.resolve();
    if (periodic && !final && this.holdBack?.()) return Promise.resolve();
    // Taken together, before the validator persists up to at least `applied`: the tracker
    // as of that position (a DDL drains and flushes through here, after this one).
    const tables = this.pos.tables();
    // Outside the serial chain: the validator's write can be large, and the appliers' horizon
    // writes (`ensure`, before each commit) must not queue behind it. Its own flushes run one
    // at a time, so the saves below still reach the chain in call order.
    const before = this.beforeSave?.() ?? Promise.resolve();
    return before.then(() =>
      this.serial(async () => {
        const clean = final && compareLocation(applied, this.pos.read()) >= 0;
        const exitSafe = clean ? undefined : later(this.persisted, this.pos.seen());
        const s = this.store.saveGlobalSql({ location: applied, exitSafe, tables });
        await this.query(s.sql, s.params);
        this.persisted = exitSafe;
      }),
    );
  }
}

/** How far past the read position the exit-safe point is written (see `ensure`). */
export const HORIZON_AHEAD = 4 << 20;

/** The later of two positions (an undefined one loses). */
function later(a: Location | undefined, b: Location): Location {
  return a && compareLocation(a, b) >= 0 ? a : b;
}
