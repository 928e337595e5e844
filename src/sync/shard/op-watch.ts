/**
 * Waiting for an optimistic shard-DDL operation in etcd (the master's answer to a shard
 * table's info, a table-level unlock, a redirect): the first put of the operation key from a
 * revision on that `match` accepts (the value already there counts).
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../../pkg/log/logger.js';
import { decodeJson, type OptimismOperation } from '../../pkg/shardddl/optimism/types.js';
import { abortError, retryEtcd } from './etcd-retry.js';

export function awaitOperation(
  etcd: Etcd3,
  key: string,
  fromRevision: number,
  match: (op: OptimismOperation) => boolean,
  signal: AbortSignal,
  log: Logger,
): Promise<OptimismOperation> {
  return retryEtcd('wait for the operation of the master', signal, log, async () => {
    const w = await etcd.watch().key(key).startRevision(String(fromRevision)).create();
    try {
      const existing = await etcd.get(key).string();
      if (existing) {
        const op = decodeJson<OptimismOperation>(existing);
        if (match(op)) return op;
      }
      return await new Promise<OptimismOperation>((resolve, reject) => {
        const onAbort = (): void => reject(abortError());
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        w.on('put', (kv) => {
          const op = decodeJson<OptimismOperation>(kv.value.toString());
          if (match(op)) {
            signal.removeEventListener('abort', onAbort);
            resolve(op);
          }
        });
        w.on('error', (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        });
      });
    } finally {
      await w.cancel().catch(() => undefined);
    }
  });
}
