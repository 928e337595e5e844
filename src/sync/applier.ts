import type { DbConfig } from '../pkg/config/types.js';
import { isRetryableDbError } from '../pkg/db/connect.js';
import { isFencedError } from '../pkg/db/fence.js';
import { asDmError, type DmError, dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';
import type { ApplierIo, ApplyConn } from './applier-io.js';
import { type CheckpointStore, tableKey } from './checkpoint.js';
import { compactJobs } from './compact.js';
import { compareLocation, type DmlJob, formatLocation, type Location } from './job.js';
import { batchSql } from './sql/batch-sql.js';
import { formatStmt, type Stmt } from './sql/dml-sql.js';

export interface ApplierOptions {
  index: number;
  to: DbConfig;
  /** Where the downstream connection lives (the pool's I/O thread, see applier-io.ts). */
  io: ApplierIo;
  /** Max jobs per downstream transaction (events are never split across transactions). */
  batch: number;
  multipleRows: boolean;
  /** `syncer.compact`: fold changes of one row within a batch (see compact.ts). */
  compact?: boolean;
  checkpoint: CheckpointStore;
  /** Called before each commit with the batch's furthest event end (exit-safe horizon). */
  beforeCommit: (maxEnd: Location) => Promise<void>;
  /** Called after each commit with the jobs applied and the seconds the batch took (retries included). */
  onApplied: (jobs: DmlJob[], seconds: number) => void;
  logger: Logger;
  /** Retry budget for retryable errors before the unit fails. Default 12 attempts. */
  maxRetries?: number;
  /**
   * True while replication has a backlog (catching up): a batch short of `batch` jobs then
   * waits up to FILL_WAIT_MS for more (see `fill`). Absent or false: a batch goes at once.
   */
  backlog?: () => boolean;
  /** The longest such wait (default FILL_WAIT_MS). */
  fillWaitMs?: number;
}

/**
 * How long a short batch waits for more jobs while replication catches up. During a catch-up
 * an applier would otherwise take whatever arrived during its previous commit (measured: 65
 * jobs per transaction on average at `batch: 100`), and every extra transaction costs the
 * downstream a commit and, with `multiple-rows`, one statement per (table, kind) more.
 */
const FILL_WAIT_MS = 5;

/**
 * One of `worker-count` appliers: takes the jobs causality gave it, in order, and applies
 * them in transactions of up to `batch` jobs (sent as one multi-statement round trip). A
 * keyless table's checkpoint row is written inside the same transaction. Retryable errors
 * (connection loss, deadlock, downstream restart) are retried in place, in safe mode, after
 * dropping what a lost COMMIT may already have applied; any other error stops the applier
 * with a DmError naming the statement and its binlog position.
 */
export class Applier {
  private queue: DmlJob[] = [];
  private inflight: DmlJob[] = [];
  private conn: ApplyConn | undefined;
  private wake: (() => void) | undefined;
  /** Ends a `fill` wait early: the queue reached `batch`, or someone waits for idle. */
  private filled: (() => void) | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  error: DmError | undefined;

  constructor(private readonly o: ApplierOptions) {}

  get length(): number {
    return this.queue.length + this.inflight.length;
  }

  /** Smallest seq not yet applied (Infinity when idle). */
  firstPendingSeq(): number {
    return this.inflight[0]?.seq ?? this.queue[0]?.seq ?? Number.POSITIVE_INFINITY;
  }

  push(job: DmlJob): void {
    this.queue.push(job);
    this.wake?.();
    if (this.queue.length >= this.o.batch) this.filled?.();
  }

  /** Resolves when every pushed job is applied (or the applier failed/stopped). */
  waitIdle(): Promise<void> {
    if (this.length === 0 || this.error || this.stopped) return Promise.resolve();
    // A drain (conflict, DDL, stop) must not wait out a fill: the dispatcher sends no more.
    this.filled?.();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
    this.filled?.();
    this.notifyIdle();
  }

  /**
   * While replication catches up, let a short batch wait (at most FILL_WAIT_MS) until `batch`
   * jobs are queued; a drain or stop ends the wait at once (see waitIdle).
   */
  private async fill(): Promise<void> {
    if (this.queue.length >= this.o.batch || this.idleWaiters.length > 0 || !this.o.backlog?.()) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((r) => {
      this.filled = r;
      timer = setTimeout(r, this.o.fillWaitMs ?? FILL_WAIT_MS);
    });
    clearTimeout(timer);
    this.filled = undefined;
  }

  private notifyIdle(): void {
    for (const r of this.idleWaiters.splice(0)) r();
  }

  /** The loop; resolves when stopped or failed. */
  async run(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.queue.length === 0) {
          this.notifyIdle();
          await new Promise<void>((r) => {
            this.wake = r;
          });
          this.wake = undefined;
          continue;
        }
        await this.fill();
        if (this.stopped) break;
        this.inflight = this.takeBatch();
        const t0 = performance.now();
        await this.applyWithRetry(this.inflight);
        const done = this.inflight;
        this.inflight = [];
        this.o.onApplied(done, (performance.now() - t0) / 1000);
      }
    } catch (err) {
      this.error = asDmError(err, E.dbExecDownstream);
      this.o.logger.error({ applier: this.o.index, err: this.error.message }, 'applier failed');
    } finally {
      this.notifyIdle();
      await this.conn?.end().catch(() => undefined);
      this.conn = undefined;
    }
  }

  /** Up to `batch` jobs, extended to the end of the last event (an event is never split). */
  private takeBatch(): DmlJob[] {
    let n = Math.min(this.o.batch, this.queue.length);
    const last = this.queue[n - 1];
    while (
      last &&
      n < this.queue.length &&
      this.queue[n]?.eventPos.pos === last.eventPos.pos &&
      this.queue[n]?.eventPos.file === last.eventPos.file
    )
      n++;
    return this.queue.splice(0, n);
  }

  private async connection(): Promise<ApplyConn> {
    this.conn ??= await this.o.io.connect(this.o.to);
    return this.conn;
  }

  private async applyWithRetry(jobs: DmlJob[]): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000, maxAttempts: this.o.maxRetries ?? 12 });
    let retrying = false;
    for (;;) {
      try {
        let todo = jobs;
        if (retrying) todo = await this.dropCommitted(jobs);
        if (todo.length) await this.apply(todo, retrying);
        return;
      } catch (err) {
        await this.conn?.query('ROLLBACK').catch(() => undefined);
        // A newer owner of the source killed our connection and refuses new ones: stop here.
        if (isFencedError(err)) throw err;
        if (retryable(err) && backoff.canRetry() && !this.stopped) {
          this.o.logger.warn({ applier: this.o.index, err: (err as Error).message }, 'retrying batch');
          if (isConnectionError(err)) {
            this.conn?.destroy();
            this.conn = undefined;
          }
          retrying = true;
          await sleep(backoff.next());
          continue;
        }
        if (retryable(err)) throw asDmError(err, E.dbBadConn);
        throw await this.explain(jobs, err, retrying);
      }
    }
  }

  private statements(jobs: DmlJob[], forceSafe: boolean): Stmt[] {
    const stmts = batchSql(this.o.compact ? compactJobs(jobs) : jobs, this.o.multipleRows, forceSafe);
    // Table checkpoints of keyless tables, in the same transaction as their rows.
    const ends = new Map<string, DmlJob>();
    for (const j of jobs) if (j.noKey) ends.set(tableKey(j.change.source), j);
    for (const j of ends.values()) stmts.push(this.o.checkpoint.saveTableSql(j.change.source, j.eventEnd));
    return stmts;
  }

  private async apply(jobs: DmlJob[], forceSafe: boolean): Promise<void> {
    const stmts = this.statements(jobs, forceSafe);
    let maxEnd = (jobs[0] as DmlJob).eventEnd;
    for (const j of jobs) if (compareLocation(j.eventEnd, maxEnd) > 0) maxEnd = j.eventEnd;
    await this.o.beforeCommit(maxEnd);
    const conn = await this.connection();
    await conn.query(`BEGIN;${stmts.map(formatStmt).join(';\n')};COMMIT`);
  }

  /**
   * After a lost connection the COMMIT may have happened: keyless tables' jobs already
   * covered by their table checkpoint are dropped (keyed ones are replayed in safe mode).
   */
  private async dropCommitted(jobs: DmlJob[]): Promise<DmlJob[]> {
    if (!jobs.some((j) => j.noKey)) return jobs;
    const cps = await this.o.checkpoint.loadTables(await this.connection());
    return jobs.filter((j) => {
      if (!j.noKey) return true;
      const cp = cps.get(tableKey(j.change.source));
      return !cp || compareLocation(j.eventEnd, cp) > 0;
    });
  }

  /** Find which statement failed (re-run one by one, rolled back) for the error context. */
  private async explain(jobs: DmlJob[], err: unknown, forceSafe: boolean): Promise<DmError> {
    let failing: string | undefined;
    let failingJob: DmlJob | undefined;
    try {
      const conn = await this.connection();
      await conn.query('BEGIN');
      outer: for (const j of jobs) {
        for (const s of batchSql([{ change: j.change, safe: j.safe || forceSafe }], false)) {
          try {
            await conn.query(formatStmt(s));
          } catch {
            failing = formatStmt(s);
            failingJob = j;
            break outer;
          }
        }
      }
      await conn.query('ROLLBACK');
    } catch {
      // Best effort only: the original error is what matters.
    }
    const j = failingJob ?? jobs[0];
    const sql = failing ?? (err as { sql?: string }).sql ?? '';
    return dmError(
      E.dbExecDownstream,
      `execute downstream statement failed at binlog ${formatLocation(j?.eventPos)}: ${(err as Error).message}`,
      { cause: err, context: { binlogPosition: formatLocation(j?.eventPos), sql: sql.slice(0, 2000) } },
    );
  }
}

/** Retryable DB errors, plus mysql2's "connection is in closed state" (no errno) after a drop. */
export function retryable(err: unknown): boolean {
  return (
    isRetryableDbError(err) ||
    /closed state|connection lost|ECONNREFUSED/i.test(String((err as Error)?.message))
  );
}

function isConnectionError(err: unknown): boolean {
  const e = err as { errno?: number; code?: string; fatal?: boolean };
  return e?.fatal === true || (e?.errno !== 1205 && e?.errno !== 1213);
}
