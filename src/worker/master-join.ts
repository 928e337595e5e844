import type { RegisterWorkerRequest, RegisterWorkerResponse } from '../pkg/api/worker-api.js';
import { dmError, E } from '../pkg/errors/index.js';
import type { Logger } from '../pkg/log/logger.js';
import { Backoff, sleep } from '../pkg/retry/backoff.js';
import { clusterFetch, clusterUrl } from '../pkg/tls/cluster-http.js';

/** `host:port` or a full URL → base URL in the cluster's scheme (https with cluster TLS, as DM). */
export function masterUrl(addr: string): string {
  return clusterUrl(addr);
}

/**
 * Register with the cluster: POST `/api/internal/workers/register` to the masters in `--join`
 * in turn (any master answers; followers forward to the leader), with backoff between rounds,
 * until one accepts. Returns the etcd endpoints the worker must use. Gives up only when
 * `signal` aborts (shutdown before the cluster was reachable).
 */
export async function registerWithMasters(
  join: string[],
  req: RegisterWorkerRequest,
  logger: Logger,
  signal?: AbortSignal,
): Promise<string[]> {
  const backoff = new Backoff({ initialMs: 300, maxMs: 5000 });
  let last = '';
  for (;;) {
    for (const addr of join) {
      if (signal?.aborted) break;
      try {
        const res = await clusterFetch(`${masterUrl(addr)}/api/internal/workers/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(req),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json().catch(() => ({}))) as Partial<RegisterWorkerResponse>;
        if (
          res.ok &&
          body.result !== false &&
          Array.isArray(body.etcdEndpoints) &&
          body.etcdEndpoints.length > 0
        ) {
          logger.info({ master: addr, etcd: body.etcdEndpoints }, 'registered with dm-master');
          return body.etcdEndpoints;
        }
        last = `${addr}: HTTP ${res.status} ${body.msg ?? ''}`.trim();
      } catch (err) {
        last = `${addr}: ${(err as Error).message}`;
      }
      logger.warn({ master: addr, error: last }, 'register with dm-master failed; trying the next');
    }
    if (signal?.aborted) {
      throw dmError(E.masterEtcd, `not registered with any master (${last})`, { context: { join } });
    }
    await sleep(backoff.next(), signal);
  }
}
