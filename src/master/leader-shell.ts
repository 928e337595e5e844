/**
 * What the leader's etcd shells share (the scheduler, the shard-DDL coordinators): the etcd
 * client, the election key every write is fenced on (a deposed leader's writes fail instead
 * of landing), the logger, and a stopped flag set when leadership ends.
 */
import type { Etcd3 } from 'etcd3';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';

/** One operation of a fenced transaction (a put or a delete of the client). */
export type FencedOp = Parameters<ReturnType<Etcd3['if']>['then']>[number];

export abstract class LeaderShell {
  protected stopped = false;

  constructor(
    protected readonly client: Etcd3,
    /** Election key that exists while we lead; every txn is conditional on it. */
    protected readonly fenceKey: string,
    protected readonly log: Logger,
  ) {}

  /** Commit `ops` in one transaction, only while this master leads (else `refused`). */
  protected async fenced(ops: FencedOp[], refused: string): Promise<void> {
    if (ops.length === 0) return;
    const res = await this.client
      .if(this.fenceKey, 'Create', '>', 0)
      .then(...ops)
      .commit();
    if (!res.succeeded) throw dmError(E.masterNotLeader, refused);
  }
}

/**
 * A leader shell whose changes run one at a time, in order (watch order): a failed step is
 * logged and the next one runs; nothing runs once stopped.
 */
export abstract class SerialLeaderShell extends LeaderShell {
  private chain: Promise<void> = Promise.resolve();
  /** Names a failed step in the log. */
  protected abstract readonly stepName: string;

  protected enqueue(fn: () => Promise<void>): Promise<void> {
    const p = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await fn();
      } catch (err) {
        this.log.error({ err: (err as Error).message }, `${this.stepName} step failed`);
      }
    });
    this.chain = p;
    return p;
  }

  /** A fenced write of a step (refused once this master no longer leads). */
  protected write(ops: FencedOp[]): Promise<void> {
    return this.fenced(ops, `leadership lost: ${this.stepName} write refused`);
  }

  /** Resolves once every step queued so far ran. */
  protected idle(): Promise<void> {
    return this.chain;
  }
}
