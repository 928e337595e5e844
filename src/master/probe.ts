/**
 * Reachability probe of another master's HTTP address or etcd member: `up` (answered
 * anything), `refused` (nothing listens there: the process is gone) or `unknown` (timeout or
 * another network error, which proves nothing on its own).
 */
import { get as httpGet } from 'node:http';

export type ProbeResult = 'up' | 'refused' | 'unknown';

export function probe(url: string, timeoutMs: number): Promise<ProbeResult> {
  // A fresh connection each time (agent: false): a pooled keep-alive socket to a process that
  // just died fails with "socket closed", which would hide the refusal for one more round.
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve('up');
      req.destroy();
    });
    req.on('timeout', () => req.destroy(new Error('probe timeout')));
    req.on('error', (err) => resolve(isConnRefused(err) ? 'refused' : 'unknown'));
  });
}

/** True when `err` (from fetch, or its cause chain) is a refused TCP connection. */
export function isConnRefused(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === 'ECONNREFUSED') return true;
    e = e.cause as typeof e;
  }
  return false;
}
