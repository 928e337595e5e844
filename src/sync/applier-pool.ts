import type { SubTaskConfig } from '../pkg/config/types.js';
import type { DmError } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { sleep } from '../pkg/retry/backoff.js';
import { Applier } from './applier.js';
import { type ApplierIo, applierIo } from './applier-io.js';
import { Causality } from './causality.js';
import type { CheckpointStore } from './checkpoint.js';
import type { DmlJob, Location } from './job.js';
import type { AppliedRowsSink } from './validator/validator.js';

export interface ApplierPoolOptions {
  cfg: SubTaskConfig;
  store: CheckpointStore;
  logger: Logger;
  /** Before each commit, with the batch's furthest event end (the exit-safe horizon). */
  beforeCommit: (end: Location) => Promise<void>;
  /** After each commit (the applied position may move): its jobs, applier index and duration. */
  onApplied: (jobs: DmlJob[], queue: number, seconds: number) => void;
  /** The continuous validator, told of every committed batch (see validator/validator.ts). */
  sink?: AppliedRowsSink;
  /** True while replication catches up: short batches wait a little to fill (applier.ts). */
  backlog?: () => boolean;
  /** How long that wait is at most (default: applier.ts FILL_WAIT_MS; tests set it). */
  fillWaitMs?: number;
  /** Opens the appliers' connections, once per run. Default: `applierIo()` (the I/O thread). */
  io?: () => ApplierIo;
}

/**
 * The `worker-count` appliers and the causality that routes each row change to one of them:
 * changes touching a common key go to the same applier (so they apply in binlog order), and a
 * change whose keys span two appliers waits until every applier is drained. The reader gets
 * backpressure here: it waits while the chosen applier's queue is full, so memory stays
 * bounded and the reader runs at the pace of the slowest applier.
 */
export class ApplierPool {
  private appliers: Applier[] = [];
  /** Keys of the changes queued or in flight (released as appliers commit). */
  private readonly causality: Causality;

  constructor(private readonly o: ApplierPoolOptions) {
    this.causality = new Causality(Math.max(1, o.cfg.syncer.workerCount));
  }

  /**
   * Fresh appliers for one `process()` run. The result settles when every applier has stopped;
   * `onFailed` is called as soon as one stops with an error (the reader must stop too).
   */
  start(onFailed: () => void): Promise<void> {
    const { cfg, store, logger, beforeCommit, onApplied } = this.o;
    // One I/O thread per run for the appliers' connections (see applier-io.ts).
    const io = (this.o.io ?? applierIo)();
    // Nothing is pending at a start: relations held by a failed run's jobs are void.
    this.causality.reset();
    this.appliers = [];
    for (let i = 0; i < Math.max(1, cfg.syncer.workerCount); i++) {
      this.appliers.push(
        new Applier({
          index: i,
          to: cfg.to,
          io,
          batch: Math.max(1, cfg.syncer.batch),
          multipleRows: cfg.syncer.multipleRows,
          compact: cfg.syncer.compact,
          backlog: this.o.backlog,
          fillWaitMs: this.o.fillWaitMs,
          checkpoint: store,
          beforeCommit,
          onApplied: (jobs, seconds) => {
            for (const j of jobs) this.causality.release(j.keys);
            onApplied(jobs, i, seconds);
            this.o.sink?.rowsApplied(jobs);
          },
          logger,
        }),
      );
    }
    const runs = this.appliers.map((a) =>
      a.run().then(() => {
        if (a.error) onFailed();
      }),
    );
    return Promise.all(runs).then(() => io.close());
  }

  /**
   * Route `job` to its applier (draining all first on a cross-applier conflict), then wait for
   * room. Undefined when the job is queued and there is room: the common case costs no promise.
   */
  dispatch(job: DmlJob): Promise<void> | undefined {
    const idx = this.causality.assign(job.keys);
    if (idx === 'conflict') return this.dispatchAfterDrain(job);
    return this.enqueue(this.appliers[idx] as Applier, job);
  }

  private async dispatchAfterDrain(job: DmlJob): Promise<void> {
    await this.drain();
    await this.enqueue(this.appliers[this.causality.assign(job.keys) as number] as Applier, job);
  }

  private enqueue(a: Applier, job: DmlJob): Promise<void> | undefined {
    a.push(job);
    const { queueSize, batch } = this.o.cfg.syncer;
    if (a.length > Math.max(queueSize || 1024, batch * 2)) return this.waitRoom(a);
    return undefined;
  }

  private async waitRoom(a: Applier): Promise<void> {
    const { queueSize, batch } = this.o.cfg.syncer;
    while (a.length > Math.max(queueSize || 1024, batch * 2)) {
      if (a.error) throw a.error;
      await Promise.race([a.waitIdle(), sleep(5)]);
    }
  }

  /** Jobs queued or in flight in all appliers (a backlog: replication is busy). */
  backlog(): number {
    let n = 0;
    for (const a of this.appliers) n += a.length;
    return n;
  }

  /** Wait until every job dispatched is applied (throws an applier's error), then reset causality. */
  async drain(): Promise<void> {
    await this.waitIdle();
    const failed = this.appliers.find((a) => a.error);
    if (failed?.error) throw failed.error;
    this.causality.reset();
  }

  /** Wait until every applier is idle, failed or stopped. */
  async waitIdle(): Promise<void> {
    await Promise.all(this.appliers.map((a) => a.waitIdle()));
  }

  /** No job queued or in flight. */
  get idle(): boolean {
    return this.appliers.every((a) => a.length === 0);
  }

  /** The lowest seq still queued or in flight (Infinity when idle). */
  lowestPending(): number {
    let low = Number.POSITIVE_INFINITY;
    for (const a of this.appliers) low = Math.min(low, a.firstPendingSeq());
    return low;
  }

  /** The first applier error, if one failed. */
  firstError(): DmError | undefined {
    return this.appliers.find((a) => a.error)?.error;
  }

  /** Stop every applier (they finish the transaction in flight, then their run ends). */
  stop(): void {
    for (const a of this.appliers) a.stop();
  }
}
