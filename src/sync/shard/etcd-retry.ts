/**
 * Run an etcd step of shard-DDL coordination until it succeeds: etcd may be unreachable for a
 * while (the masters that host it restart, a new leader is elected) and a pending DDL must
 * survive that. Only the running process()'s abort ends the wait (as an AbortError).
 */
import type { Logger } from '../../pkg/log/logger.js';
import { Backoff, sleep } from '../../pkg/retry/backoff.js';

export async function retryEtcd<T>(
  what: string,
  signal: AbortSignal,
  log: Logger,
  fn: () => Promise<T>,
): Promise<T> {
  const backoff = new Backoff({ initialMs: 200, maxMs: 3000 });
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (signal.aborted || (err as Error).name === 'AbortError') throw abortError();
      log.warn({ err: (err as Error).message }, `shard DDL: ${what} failed; retrying`);
      await sleep(backoff.next(), signal);
    }
  }
}

export function abortError(): Error {
  const e = new Error('aborted while waiting for shard DDL coordination');
  e.name = 'AbortError';
  return e;
}
