/**
 * The worker's side of the pessimistic protocol in etcd (DM's dm/syncer/shardddl/pessimist.go):
 * put the info, wait for the operation of that lock, mark it done (and delete the info) in
 * one transaction.
 */
import type { Etcd3 } from 'etcd3';
import { dmError, E } from '../../pkg/errors/index.js';
import { Keys } from '../../pkg/etcd/keys.js';
import type { Logger } from '../../pkg/log/logger.js';
import {
  decodeOperation,
  encodeInfo,
  encodeOperation,
  type PessimismInfo,
  type PessimismOperation,
  sameDdls,
} from '../../pkg/shardddl/pessimism/types.js';
import { abortError, retryEtcd } from './etcd-retry.js';

export class PessimismChannel {
  constructor(
    private readonly client: Etcd3,
    private readonly task: string,
    private readonly source: string,
    private readonly log: Logger,
  ) {}

  async putInfo(info: PessimismInfo, signal: AbortSignal): Promise<void> {
    await retryEtcd('put info', signal, this.log, async () => {
      await this.client.put(Keys.shardPessimisticInfo(this.task, this.source)).value(encodeInfo(info));
    });
  }

  /** The current operation for this source (undefined: none). */
  async operation(): Promise<PessimismOperation | undefined> {
    const v = await this.client.get(Keys.shardPessimisticOperation(this.task, this.source)).string();
    return v ? decodeOperation(v) : undefined;
  }

  /**
   * Wait until the leader puts an operation for lock `id` with these DDLs that is not done
   * (or a conflict for them). Rejects with an AbortError when `signal` fires.
   */
  waitOperation(id: string, ddls: string[], signal: AbortSignal): Promise<PessimismOperation> {
    return retryEtcd('wait for the lock operation', signal, this.log, () => this.waitOnce(id, ddls, signal));
  }

  private async waitOnce(id: string, ddls: string[], signal: AbortSignal): Promise<PessimismOperation> {
    const key = Keys.shardPessimisticOperation(this.task, this.source);
    const fits = (op: PessimismOperation): boolean =>
      op.id === id && !op.done && (op.conflictMsg !== undefined || sameDdls(op.ddls, ddls));
    const res = await this.client.get(key).exec();
    const kv = res.kvs[0];
    if (kv) {
      const op = decodeOperation(kv.value.toString());
      if (fits(op)) return op;
    }
    const w = await this.client
      .watch()
      .key(key)
      .startRevision(String(Number(res.header.revision) + 1))
      .create();
    try {
      return await new Promise<PessimismOperation>((resolve, reject) => {
        const onAbort = (): void => reject(abortError());
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        w.on('put', (kv2) => {
          try {
            const op = decodeOperation(kv2.value.toString());
            if (fits(op)) {
              signal.removeEventListener('abort', onAbort);
              resolve(op);
            }
          } catch (err) {
            reject(err);
          }
        });
        w.on('error', (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(
            dmError(E.shardDdl, `watching the shard DDL operation failed: ${err.message}`, { cause: err }),
          );
        });
      });
    } finally {
      await w.cancel().catch(() => undefined);
    }
  }

  /** Mark the operation done and delete this source's info, in one transaction (as DM). */
  async done(op: PessimismOperation, signal: AbortSignal): Promise<void> {
    const opKey = Keys.shardPessimisticOperation(this.task, this.source);
    const infoKey = Keys.shardPessimisticInfo(this.task, this.source);
    await retryEtcd('mark the operation done', signal, this.log, () =>
      this.client
        .if(opKey, 'Create', '>', 0)
        .then(
          this.client.put(opKey).value(encodeOperation({ ...op, done: true })),
          this.client.delete().key(infoKey),
        )
        .commit(),
    );
  }
}
