/**
 * Reachability probe of another master's HTTP address or etcd member: `up` (answered
 * anything), `refused` (nothing listens there: the process is gone) or `unknown` (timeout or
 * another network error, which proves nothing on its own). With cluster TLS the probe speaks
 * HTTPS with this process's client certificate (pkg/tls/cluster-http.ts).
 */
import { clusterFetch } from '../pkg/tls/cluster-http.js';

export type ProbeResult = 'up' | 'refused' | 'unknown';

export async function probe(url: string, timeoutMs: number): Promise<ProbeResult> {
  // A fresh connection each time: a pooled keep-alive socket to a process that just died
  // fails with "socket closed", which would hide the refusal for one more round.
  try {
    const res = await clusterFetch(url, { signal: AbortSignal.timeout(timeoutMs) }, { fresh: true });
    await res.arrayBuffer();
    return 'up';
  } catch (err) {
    return isConnRefused(err) ? 'refused' : 'unknown';
  }
}

/** True when `err` (from fetch, or its cause chain) is a refused TCP connection. */
export function isConnRefused(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === 'ECONNREFUSED') return true;
    e = e.cause as typeof e;
  }
  return false;
}
